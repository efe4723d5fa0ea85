"""A kiosk agent wired as in production (``kiosk.wiring.build_kiosk``) against the live test
server of ``tests.server.conftest``, with mock GPIO pins, and the server-side look-ups the
tests make (tickets waiting, open alerts)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from gpiozero.pins.mock import MockFactory

from kiosk.agent import Printer
from kiosk.config import KioskConfig, parse_config
from kiosk.wiring import Kiosk, build_kiosk
from tests.server.conftest import KIOSK_TOKEN, PASSWORD

TIMEOUT = 10.0  # seconds any wait may take on a loaded CI machine


def kiosk_config(live_url: str, tmp_path: Path, **sections: Any) -> KioskConfig:
    data: dict[str, Any] = {
        "server": {"url": live_url, "token": KIOSK_TOKEN, "retry_min": 0.2, "retry_max": 1.0},
        "kiosk": {"name": "kiosk-1", "listen_port": 0},
        "printer": {"kind": "dummy"},
        "gpio": {"pin_factory": "mock"},
        "journal": {"path": str(tmp_path / "journal.db")},
    }
    for name, value in sections.items():
        data[name] = {**data.get(name, {}), **value} if isinstance(value, dict) else value
    return parse_config(data, "test-kiosk.toml")


class Kiosks:
    """Starts kiosks for a test and stops every one at its end."""

    def __init__(self) -> None:
        self.started: list[Kiosk] = []

    def start(self, config: KioskConfig, *, printer: Printer | None = None,
              pin_factory: MockFactory | None = None, realtime: bool = True,
              wait_ready: bool = True) -> Kiosk:
        kiosk = build_kiosk(config, printer=printer, pin_factory=pin_factory or MockFactory(),
                            realtime=realtime)
        self.started.append(kiosk)
        kiosk.start()
        if wait_ready:
            assert kiosk.agent.wait_until(lambda: kiosk.agent.menu is not None, TIMEOUT)
        return kiosk

    def stop_all(self) -> None:
        for kiosk in reversed(self.started):
            kiosk.stop()
            if kiosk.pin_factory is not None:
                kiosk.pin_factory.close()


def wait_idle(kiosk: Kiosk) -> None:
    assert kiosk.agent.wait_until(kiosk.agent.idle, TIMEOUT), kiosk.journal.recent()


def printed_bytes(kiosk: Kiosk) -> bytes:
    device = getattr(kiosk.printer, "device", None) or kiosk.printer.printer.device
    return bytes(device.output)


def cp866(text: str) -> bytes:
    return text.encode("cp866")


def staff(live_url: str, username: str = "hall") -> requests.Session:
    session = requests.Session()
    response = session.post(f"{live_url}/api/v1/auth/login",
                            json={"username": username, "password": PASSWORD}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return session


def waiting(live_url: str) -> list[dict[str, Any]]:
    """The tickets waiting on the server."""
    with requests.Session() as session:
        response = session.get(f"{live_url}/api/v1/snapshot", timeout=TIMEOUT,
                               headers={"Authorization": f"Bearer {KIOSK_TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()["waiting"]


def open_alerts(live_url: str, kind: str | None = None) -> list[dict[str, Any]]:
    with staff(live_url) as session:
        alerts = session.get(f"{live_url}/api/v1/alerts", timeout=TIMEOUT).json()["alerts"]
    return [a for a in alerts if kind is None or a["kind"] == kind]


def closed_port() -> str:
    """An address where nothing listens (a port that was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def until(predicate: Callable[[], bool], kiosk: Kiosk) -> bool:
    return kiosk.agent.wait_until(predicate, TIMEOUT)
