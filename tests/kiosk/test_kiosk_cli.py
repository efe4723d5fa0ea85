"""``talon kiosk`` (kiosk.cli.main): checking a configuration, refusing a bad one, and a
real agent process started against the live server and stopped with SIGTERM."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest
import requests

from kiosk.cli import main
from tests.kiosk.live_kiosk import TIMEOUT, waiting
from tests.server.conftest import KIOSK_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def write_config(path: Path, url: str, journal: Path, port: int = 0) -> Path:
    path.write_text(f"""
[server]
url = "{url}"
token = "{KIOSK_TOKEN}"

[kiosk]
name = "kiosk-1"
listen_port = {port}
preview = true

[printer]
kind = "dummy"

[gpio]
pin_factory = "mock"

[[buttons]]
pin = 17
action = "issue"
service = "consult"

[journal]
path = "{journal}"
""", encoding="utf-8")
    return path


def test_check_validates_and_says_what_it_found(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path / "kiosk.toml", "http://127.0.0.1:5000", tmp_path / "j.db")
    assert main(["--config", str(path), "--check"]) == 0
    assert "OK (kiosk kiosk-1, printer dummy, 1 buttons)" in capsys.readouterr().out
    assert not (tmp_path / "j.db").exists()  # nothing started


def test_a_bad_configuration_is_refused_with_exit_2(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[server]\nurl = "http://s"\n', encoding="utf-8")
    assert main(["--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: [server]: give either token or token_file" in err
    assert f"{path}: [kiosk]: section required" in err


class Log:
    """The agent process's log lines (stderr), read on a thread of their own."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                self.lines.put(line)

    def wait_for(self, text: str) -> str:
        while True:
            line = self.lines.get(timeout=TIMEOUT)
            if text in line:
                return line


def test_the_agent_process_serves_its_page_prints_and_stops_on_sigterm(
        live_url: str, tmp_path: Path) -> None:
    path = write_config(tmp_path / "kiosk.toml", live_url, tmp_path / "journal.db")
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(path)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert process.stdout is not None and process.stderr is not None
        log = Log(process.stderr)
        line = process.stdout.readline()
        assert line.startswith("kiosk kiosk-1: touch page http://127.0.0.1:")
        url = line.split()[-1]
        log.wait_for("office 'ЦОК «Центральный»': 10 topics")
        with requests.Session() as page:
            assert "/static/kiosk.js" in page.get(url, timeout=TIMEOUT).text
            assert page.get(url + "api/status", timeout=TIMEOUT).json()["mode"] == "ready"
            # The mock button, pressed from the demo's /printed page.
            pressed = page.post(url + "printed/buttons/0", timeout=TIMEOUT)
            assert pressed.json() == {"accepted": True}
            log.wait_for("ticket К-001 printed")
            assert "К-001" in page.get(url + "printed", timeout=TIMEOUT).text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        log.wait_for("agent stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert [t["label"] for t in waiting(live_url)] == ["К-001"]
