"""Server subcommands: accounts and tokens from the command line, config checks, the demo."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from server import cli
from server.accounts import Accounts
from server.store.sqlite import SqliteStore
from tests.server.server_process import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "talon.db"
    monkeypatch.setenv("TALON_SERVER__DATABASE", str(path))
    return path


def accounts(database: Path) -> Accounts:
    store = SqliteStore(database)
    return Accounts(store, lambda: 0.0)


def test_user_add_reads_the_password_from_stdin(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret-pass\n"))
    assert cli.run(["user", "add", "ivanova", "--role", "consultant", "--password-stdin"]) == 0
    assert "ivanova (consultant) saved" in capsys.readouterr().out
    actor = accounts(database).authenticate("ivanova", "s3cret-pass")
    assert actor is not None and actor.role == "consultant"
    assert accounts(database).authenticate("ivanova", "wrong") is None


def test_user_add_refuses_a_short_password(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert cli.run(["user", "add", "ivanova", "--role", "consultant", "--password-stdin"]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    assert accounts(database).staff("ivanova") is None


def test_token_add_prints_a_working_token_once(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(["token", "add", "bridge-1", "--role", "bridge", "--windows", "2,3"]) == 0
    token = capsys.readouterr().out.strip()
    device = accounts(database).device(token)
    assert device is not None
    assert (device.role, device.windows) == ("bridge", frozenset({2, 3}))
    with SqliteStore(database).read() as tx:
        rows = tx.conn.execute("SELECT token_hash FROM tokens").fetchall()
    assert token not in {r[0] for r in rows}, "only a hash of the token is stored"


def test_token_add_refuses_bad_windows(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["token", "add", "b", "--role", "bridge", "--windows", "two"]) == 1
    assert "window numbers" in capsys.readouterr().err


def test_check_config_names_file_section_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "office.toml"
    from server.config import demo_office_text

    good.write_text(demo_office_text(), encoding="utf-8")
    assert cli.run(["check-config", str(good)]) == 0
    assert "ok (10 services, 5 windows)" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(demo_office_text().replace("wait_min = 20", "wait_minutes = 20"),
                   encoding="utf-8")
    assert cli.run(["check-config", str(bad)]) == 1
    assert f"{bad}: [targets] key 'wait_minutes': unknown key" in capsys.readouterr().err


def wait_until(condition: Callable[[], bool], deadline: float = 30.0) -> bool:
    """Polls ``condition`` (a separate process starting up) until it holds or time is up."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def test_demo_creates_the_office_and_prints_urls(tmp_path: Path) -> None:
    """What `make run` does: a demo office under var/, URLs and accounts printed, serving."""
    port, kiosk_port = free_port(), free_port()
    demo_kiosk = (ROOT / "deploy" / "kiosk" / "kiosk-demo.toml").read_text(encoding="utf-8")
    kiosk_config = tmp_path / "kiosk.toml"
    kiosk_config.write_text(
        demo_kiosk.replace("http://127.0.0.1:5000", f"http://127.0.0.1:{port}")
        .replace("listen_port = 8080", f"listen_port = {kiosk_port}")
        .replace('"var/kiosk-journal.db"', json.dumps(str(tmp_path / "journal.db"))),
        encoding="utf-8",
    )
    kiosk_url = f"http://127.0.0.1:{kiosk_port}"
    boards_port = free_port()
    demo_bridge = (ROOT / "firmware_bridge" / "demo_bridge.toml").read_text(encoding="utf-8")
    bridge_config = tmp_path / "bridge.toml"
    bridge_config.write_text(
        demo_bridge.replace("status_port = 5081", f"status_port = {boards_port}"),
        encoding="utf-8")
    boards_url = f"http://127.0.0.1:{boards_port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "talon", "demo", "--var", str(tmp_path / "var"),
         "--port", str(port), "--kiosk", str(kiosk_config), "--kiosk-url", kiosk_url,
         "--bridge", str(bridge_config), "--boards-url", boards_url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Running on" in line:
                break
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in text
        assert "ivanova (consultant)" in text
        base = f"http://127.0.0.1:{port}"
        urls = {word for line in lines for word in line.split() if word.startswith(base)}
        for path in ("/desk", "/console", "/dashboard", "/book", "/board#token=demo-board-hall",
                     "/board/window/1#token=demo-board-hall"):
            assert base + path in urls, path
        assert (tmp_path / "var" / "office.toml").exists()
        assert (tmp_path / "var" / "talon.db").exists()
        token = "demo-kiosk-1"
        r = requests.post(f"http://127.0.0.1:{port}/api/v1/tickets", json={"service": "consult"},
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 201
        login = requests.post(f"http://127.0.0.1:{port}/api/v1/auth/login",
                              json={"username": "ivanova", "password": cli.DEMO_PASSWORD},
                              timeout=10)
        assert login.status_code == 200
        for path in ("/board", "/board/window/1", "/login"):
            assert requests.get(base + path, timeout=10).status_code == 200, path
        # make run's kiosk agent: its touch page serves, and it connects to the server.
        words = set(text.split())
        assert f"{kiosk_url}/" in words and f"{kiosk_url}/printed" in words
        hall = requests.Session()
        hall.post(f"{base}/api/v1/auth/login",
                  json={"username": "hall", "password": cli.DEMO_PASSWORD}, timeout=10)
        assert wait_until(lambda: hall.get(f"{base}/api/v1/kiosks", timeout=10).json()[
            "kiosks"] == [{"name": "kiosk-1", "connected": True}])
        assert requests.get(f"{kiosk_url}/", timeout=10).status_code == 200
        # ... and its bridge with simulated boards: a keypad press at window 2 calls there.
        assert f"{boards_url}/" in words
        assert wait_until(lambda: _answers(f"{boards_url}/state.json"))
        ivanova = requests.Session()
        ivanova.post(f"{base}/api/v1/auth/login",
                     json={"username": "ivanova", "password": cli.DEMO_PASSWORD}, timeout=10)
        ivanova.post(f"{base}/api/v1/windows/2/open", timeout=10)
        ivanova.post(f"{base}/api/v1/windows/2/call-next", timeout=10)
        called = ivanova.get(f"{base}/api/v1/windows", timeout=10).json()["windows"][1]
        assert wait_until(lambda: called["ticket"]["label"] in json.dumps(
            requests.get(f"{boards_url}/state.json", timeout=10).json(), ensure_ascii=False))
        # Ctrl-C or SIGTERM ends the whole office promptly, kiosk and bridge included.
        process.terminate()
        assert process.wait(timeout=15) == 0
        assert not _answers(f"{kiosk_url}/") and not _answers(f"{boards_url}/state.json")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def test_websocket_close_noise_is_dropped_but_real_errors_are_kept() -> None:
    import logging

    noise = logging.LogRecord("talon.http", logging.ERROR, __file__, 1,
                              "%s: Invalid HTTP method: %r", ("sock", "\x88\x82ab"), None)
    real = logging.LogRecord("talon.http", logging.ERROR, __file__, 1,
                             "%s: Invalid HTTP method: %r", ("sock", "BREW"), None)
    drop = cli._WebSocketCloseNoise()
    assert drop.filter(noise) is False
    assert drop.filter(real) is True


def test_a_ping_frame_after_the_socket_closed_is_noise_too() -> None:
    import logging

    record = logging.LogRecord("talon.http", logging.ERROR, __file__, 1,
                               "%s: Expected GET method; Got command=%r", ("s", "\x81\x82y"), None)
    assert cli._WebSocketCloseNoise().filter(record) is False


def test_password_checks_can_run_off_the_event_loop(database: Path) -> None:
    from werkzeug.security import generate_password_hash

    calls: list[str] = []

    def offload(fn, args):  # type: ignore[no-untyped-def]
        calls.append(fn.__name__)
        return fn(*args)

    store = SqliteStore(database)
    store.migrate()
    accounts = Accounts(store, lambda: 0.0, offload=offload)
    with store.write() as tx:
        tx.upsert_user({"username": "ivanova", "name": "", "role": "consultant", "active": 1,
                        "password_hash": generate_password_hash("pass-word-1",
                                                                method="pbkdf2:sha256:1000"),
                        "created_at": 0.0})
    assert accounts.authenticate("ivanova", "pass-word-1") is not None
    assert accounts.authenticate("nobody", "pass-word-1") is None
    assert calls == ["check_password_hash", "check_password_hash"]


def test_the_generated_secret_key_is_private_and_kept(tmp_path: Path) -> None:
    from server.app import create_app
    from tests.server.conftest import settings_for

    first = create_app(settings_for(tmp_path))
    key = tmp_path / "secret_key"
    assert key.stat().st_mode & 0o777 == 0o600
    again = create_app(settings_for(tmp_path))
    assert first.config["SECRET_KEY"] == again.config["SECRET_KEY"]
    for app in (first, again):
        app.extensions["talon"].store.close()
