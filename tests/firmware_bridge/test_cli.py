"""``talon bridge`` as a command: refusing bad configs, and the demo (simulated boards behind a
status page) running as its own process against a live server until SIGTERM."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from flask import Flask

from firmware_bridge.cli import main
from tests.server.server_process import free_port

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 20.0


def test_a_missing_config_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TALON_BRIDGE_CONFIG", raising=False)
    assert main([]) == 2
    assert "give --config bridge.toml" in capsys.readouterr().err
    assert main(["--config", str(tmp_path / "none.toml")]) == 2
    assert f"{tmp_path / 'none.toml'}: cannot read" in capsys.readouterr().err


def test_an_invalid_config_or_server_url_is_refused(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bridge.toml"
    bad.write_text('[server]\nurl = "http://x"\ntoken = "t"\n[serial]\nport = "sim://"\n',
                   encoding="utf-8")
    assert main(["--config", str(bad)]) == 2
    assert "key 'boards': Field required" in capsys.readouterr().err
    demo = ROOT / "firmware_bridge" / "demo_bridge.toml"
    assert main(["--config", str(demo), "--server-url", "ftp://nowhere"]) == 2
    assert "is not an http:// or https:// address" in capsys.readouterr().err


def wait_for_state(url: str, done: object, timeout: float = TIMEOUT) -> dict:
    """Read the status page until ``done(state)`` holds (another process: no shared lock)."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    state: dict = {}
    while time.monotonic() < deadline:
        try:
            state = requests.get(url + "state.json", timeout=TIMEOUT).json()
        except requests.ConnectionError:
            state = {}
        if state and done(state):  # type: ignore[operator]
            return state
        pause.wait(0.1)
    raise AssertionError(f"the simulated boards never got there: {state}")


@pytest.mark.slow
def test_the_demo_bridge_shows_the_office_on_its_status_page(app: Flask, live_url: str,
                                                             tmp_path: Path) -> None:
    app.extensions["talon"].accounts.add_token("bridge-demo", "bridge", token="demo-bridge-1")
    port = free_port()
    text = (ROOT / "firmware_bridge" / "demo_bridge.toml").read_text(encoding="utf-8")
    config = tmp_path / "bridge.toml"
    config.write_text(text.replace("status_port = 5081", f"status_port = {port}"),
                      encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "firmware_bridge", "--config", str(config),
         "--server-url", live_url, "--log-level", "WARNING"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()])
    reader.start()
    try:
        first = lines.get(timeout=TIMEOUT)
        assert first.startswith(f"talon bridge: 13 boards on sim://, server {live_url}")
        url = f"http://127.0.0.1:{port}/"
        assert lines.get(timeout=TIMEOUT).split() == ["Simulated", "boards", url]
        state = wait_for_state(url, lambda s: all(
            b["text"] == "ЗАКРЫТО" for b in s["boards"] if b["kind"] == "window_board"))
        assert sum(b["kind"] == "window_board" for b in state["boards"]) == 5
        assert all(b["identified"] for b in state["boards"])
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(TIMEOUT)
        reader.join(TIMEOUT)
        if process.stdout is not None:
            process.stdout.close()
    leftover = []
    while not lines.empty():
        leftover.append(lines.get())
    assert code == 0, leftover
