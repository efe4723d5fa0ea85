"""The `talon` entry point dispatches subcommands."""

from __future__ import annotations

import pytest

from talon.cli import main


def test_talon_help_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "simulate" in capsys.readouterr().out
    assert main(["frobnicate"]) == 2
    assert "unknown command" in capsys.readouterr().err
