"""The bridge against a real ``talon serve`` process that is killed and started again: the
boards keep the last state meanwhile, a key pressed meanwhile is sent once the server is back
(within ``key_ttl``), and the bridge follows the restarted server."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_bridge import protocol as p
from tests.firmware_bridge.office_rig import (
    KEYPAD_2,
    TIMEOUT,
    WINDOW_2,
    session,
    start_rig,
)
from tests.server.server_process import ServerProcess, prepare_database

KIOSK = "restart-kiosk-token"
BRIDGE = "restart-bridge-token"


@pytest.mark.slow
def test_the_bridge_rides_out_a_server_restart(tmp_path: Path) -> None:
    database = tmp_path / "talon.db"
    prepare_database(database, {"kiosk": ("kiosk", KIOSK), "bridge": ("bridge", BRIDGE)})
    server = ServerProcess(database)
    server.start()
    rig = start_rig(server.url, tmp_path, token=BRIDGE)
    restarted = ServerProcess(database)
    restarted.port, restarted.url = server.port, server.url
    kiosk, bridge = session(server.url, token=KIOSK), session(server.url, token=BRIDGE)
    try:
        assert bridge.post(f"{server.url}/api/v1/windows/2/open", timeout=TIMEOUT).ok
        issued = kiosk.post(f"{server.url}/api/v1/tickets", json={"service": "consult"},
                            timeout=TIMEOUT)
        label = issued.json()["ticket"]["label"]
        rig.simulator.press(KEYPAD_2, p.Key.CALL_NEXT)
        assert rig.outcome("call next at window 2").status == 200
        assert rig.shows(WINDOW_2, label)

        server.kill()
        # The board restarts while the server is away: the bridge puts back the last state.
        rig.simulator.restart(WINDOW_2)
        assert rig.shows(WINDOW_2, label)
        # A key pressed now waits for the server (key_ttl is 30 s in these tests).
        rig.simulator.press(KEYPAD_2, p.Key.START)
        assert rig.bridge.outbox.wait_for(lambda outbox: outbox.reachable is False, TIMEOUT)
        restarted.start()
        assert rig.outcome("start at window 2").status == 200
        window = bridge.get(f"{server.url}/api/v1/windows", timeout=TIMEOUT).json()["windows"][1]
        assert (window["number"], window["state"]) == (2, "serving")
        # The realtime feed came back too: a move made elsewhere reaches the board.
        assert bridge.post(f"{server.url}/api/v1/windows/2/finish", json={},
                           timeout=TIMEOUT).ok
        assert rig.shows(WINDOW_2, "")
    finally:
        rig.close()
        kiosk.close()
        bridge.close()
        server.stop()
        restarted.stop()


@pytest.mark.slow
def test_a_bridge_started_before_the_server_connects_when_it_comes_up(tmp_path: Path) -> None:
    database = tmp_path / "talon.db"
    prepare_database(database, {"bridge": ("bridge", BRIDGE)})
    server = ServerProcess(database)
    rig = start_rig(server.url, tmp_path, token=BRIDGE)
    try:
        # Nothing is known yet: the boards keep what they show (dark after power-up).
        assert rig.bridge.outbox.wait_for(lambda outbox: outbox.reachable is False, TIMEOUT)
        assert rig.simulator.view(WINDOW_2).text == ""
        server.start()
        assert rig.shows(WINDOW_2, "ЗАКРЫТО")
        assert rig.bridge.outbox.wait_idle(TIMEOUT)  # the start-up fault clears went through
    finally:
        rig.close()
        server.stop()
