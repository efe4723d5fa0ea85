"""An office for end-to-end bridge tests: the real server (``live_url``), a bridge running in
this process, and simulated boards behind a real pty that the bridge opens like a serial port
(through a symlink, as a /dev/serial/by-id name).

Everything waits on conditions with timeouts: the simulator's ``wait_for`` for what the boards
show, the queue of the bridge's request outcomes for what it told the server.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from firmware_bridge import config as cfg
from firmware_bridge.cli import RunningBridge
from firmware_bridge.outbox import Outcome
from firmware_bridge.simulator import BoardSimulator, PtyLine
from tests.server.conftest import BRIDGE_TOKEN, KIOSK_TOKEN, PASSWORD

TIMEOUT = 10.0
WINDOW_2, WINDOW_3 = 0x02, 0x03  # the window boards over windows 2 and 3
KEYPAD_2, KEYPAD_3 = 0x12, 0x13
RATING_3 = 0x23
STAFF_CALL = 0x30

FAST_TIMINGS = {
    "reply_timeout": 0.05, "turnaround": 0.0, "retry_base": 0.02, "retry_max": 0.2,
    "retry_limit": 3, "reconnect_max": 0.3, "poll_interval": 0.03,
    "display_poll_interval": 0.1, "reopen_base": 0.05, "reopen_max": 0.2,
    "server_retry_base": 0.05, "server_retry_max": 0.3, "request_timeout": 5.0,
    "key_ttl": 30.0, "report_ttl": 60.0, "blink": 5,
}

BOARDS: list[dict[str, Any]] = [
    {"address": WINDOW_2, "kind": "window_board", "window": 2, "brightness": 9},
    {"address": WINDOW_3, "kind": "window_board", "window": 3},
    {"address": KEYPAD_2, "kind": "keypad", "window": 2},
    {"address": KEYPAD_3, "kind": "keypad", "window": 3, "pause_reason": "lunch"},
    {"address": RATING_3, "kind": "rating_pad", "window": 3},
    {"address": STAFF_CALL, "kind": "staff_call", "window": 3, "button": "desk_3"},
]

def bridge_config(url: str, port: str, token: str = BRIDGE_TOKEN,
                  **timings: Any) -> cfg.BridgeConfig:
    return cfg.parse({
        "server": {"url": url, "token": token},
        "serial": {"port": port},
        "boards": BOARDS,
        "timings": FAST_TIMINGS | timings,
    })


def session(url: str, username: str | None = None, token: str | None = None,
            ) -> requests.Session:
    s = requests.Session()
    if token is not None:
        s.headers["Authorization"] = f"Bearer {token}"
    if username is not None:
        r = s.post(f"{url}/api/v1/auth/login",
                   json={"username": username, "password": PASSWORD}, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
    return s


@dataclass
class OfficeRig:
    url: str
    simulator: BoardSimulator
    line: PtyLine
    bridge: RunningBridge
    outcomes: queue.Queue[Outcome] = field(default_factory=queue.Queue)
    sessions: list[requests.Session] = field(default_factory=list)

    # --- the server

    def session(self, username: str | None = None, token: str | None = None,
                ) -> requests.Session:
        s = session(self.url, username, token)
        self.sessions.append(s)
        return s

    def issue(self, service: str = "consult") -> str:
        kiosk = self.session(token=KIOSK_TOKEN)
        r = kiosk.post(f"{self.url}/api/v1/tickets", json={"service": service}, timeout=TIMEOUT)
        assert r.status_code == 201, r.text
        return str(r.json()["ticket"]["label"])

    def window(self, number: int) -> dict[str, Any]:
        staff = self.session("hall")
        windows = staff.get(f"{self.url}/api/v1/windows", timeout=TIMEOUT).json()["windows"]
        return next(w for w in windows if w["number"] == number)

    def alerts(self, closed: bool = False) -> list[dict[str, Any]]:
        hall = self.session("hall")
        r = hall.get(f"{self.url}/api/v1/alerts" + ("?all=1" if closed else ""),
                     timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        return list(r.json()["alerts"])

    def outcome(self, what: str, timeout: float = TIMEOUT) -> Outcome:
        """The next outcome of a request whose description contains ``what`` (others, such as
        the faults cleared at start, are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.outcomes.get(timeout=max(deadline - time.monotonic(), 0.001))
            if what in found.request.what:
                return found

    # --- the boards

    def shows(self, address: int, text: str, timeout: float = TIMEOUT) -> bool:
        return self.simulator.wait_for(lambda s: s.view(address).text == text, timeout)

    def close(self) -> None:
        self.bridge.stop()
        self.line.close()
        for s in self.sessions:
            s.close()


def start_rig(url: str, tmp_path: Path, token: str = BRIDGE_TOKEN, **timings: Any) -> OfficeRig:
    config = bridge_config(url, str(tmp_path / "ttyTALON"), token, **timings)
    simulator = BoardSimulator([(b.address, b.board_kind, b.name) for b in config.boards],
                               config.timings.link())
    line = PtyLine(simulator, tmp_path / "ttyTALON").start()
    outcomes: queue.Queue[Outcome] = queue.Queue()
    bridge = RunningBridge(config, on_outcome=outcomes.put)
    rig = OfficeRig(url, simulator, line, bridge, outcomes)
    bridge.start()
    return rig


def running_rig(url: str, tmp_path: Path, **timings: Any) -> Iterator[OfficeRig]:
    rig = start_rig(url, tmp_path, **timings)
    try:
        yield rig
    finally:
        rig.close()
