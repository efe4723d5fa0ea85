"""The `talon` entry point dispatches subcommands."""

from __future__ import annotations

from pathlib import Path

import pytest

from talon.cli import main


def test_talon_help_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "simulate" in capsys.readouterr().out
    assert main(["frobnicate"]) == 2
    assert "unknown command" in capsys.readouterr().err


def test_talon_kiosk_runs_the_kiosk_agent(capsys: pytest.CaptureFixture[str]) -> None:
    assert "kiosk" in (main(["--help"]), capsys.readouterr().out)[1]
    demo = Path(__file__).resolve().parents[2] / "deploy" / "kiosk" / "kiosk-demo.toml"
    assert main(["kiosk", "--config", str(demo), "--check"]) == 0
    assert main(["kiosk", "--config", "no-such-kiosk.toml", "--check"]) == 2


def test_talon_bridge_runs_the_bridge(capsys: pytest.CaptureFixture[str]) -> None:
    assert "bridge" in (main(["--help"]), capsys.readouterr().out)[1]
    assert main(["bridge", "--config", "no-such-bridge.toml"]) == 2
