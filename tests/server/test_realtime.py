"""Socket.IO push with a real python-socketio client against a running server."""

from __future__ import annotations

import queue as queues
import threading
from collections.abc import Iterator

import pytest
import requests
import socketio

from server import contract as c
from tests.server.conftest import BOARD_TOKEN, KIOSK_TOKEN, PASSWORD

TIMEOUT = 10.0


class Listener:
    """A connected Socket.IO client that records every event in arrival order."""

    def __init__(self, url: str, auth: dict | None) -> None:
        self.inbox: queues.Queue[tuple[str, dict]] = queues.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", lambda event, data: self.inbox.put((event, data)))
        self.client.connect(url, auth=auth, transports=["websocket"], wait_timeout=TIMEOUT)

    def next(self, kind: str | None = None) -> dict:
        """The next event (of ``kind``, skipping others); fails after TIMEOUT seconds."""
        while True:
            event, data = self.inbox.get(timeout=TIMEOUT)
            if kind is None or event == kind:
                return {"event": event, **data}

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def listeners(live_url: str) -> Iterator[list[Listener]]:
    opened: list[Listener] = []
    yield opened
    # websocket-client waits up to 3 s for a second close frame: close all at once.
    closers = [threading.Thread(target=listener.close) for listener in opened]
    for closer in closers:
        closer.start()
    for closer in closers:
        closer.join()


def connect(live_url: str, opened: list[Listener], **auth: object) -> Listener:
    listener = Listener(live_url, auth or None)
    opened.append(listener)
    return listener


def kiosk_session() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {KIOSK_TOKEN}"
    return session


def staff_session(url: str, username: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{url}/api/v1/auth/login",
                            json={"username": username, "password": PASSWORD}, timeout=TIMEOUT)
    assert response.status_code == 200
    return session


def test_snapshot_first_then_events(live_url: str, listeners: list[Listener]) -> None:
    board = connect(live_url, listeners, token=BOARD_TOKEN)
    snapshot = board.next()
    assert snapshot["event"] == c.SNAPSHOT
    assert [w["number"] for w in snapshot["windows"]] == [1, 2, 3, 4, 5]
    kiosk_session().post(f"{live_url}/api/v1/tickets", json={"service": "consult"})
    issued = board.next(c.TICKET_ISSUED)
    assert issued["ticket"]["label"] == "К-001"
    assert issued["seq"] > snapshot["seq"]
    changed = board.next(c.QUEUE_CHANGED)
    consult = next(q for q in changed["data"]["queues"] if q["service"] == "consult")
    assert consult["waiting"] == 1

    ivanova = staff_session(live_url, "ivanova")
    ivanova.post(f"{live_url}/api/v1/windows/2/open")
    ivanova.post(f"{live_url}/api/v1/windows/2/call-next")
    called = board.next(c.TICKET_CALLED)
    assert called["ticket"]["label"] == "К-001"
    assert called["window"]["number"] == 2
    assert called["window"]["ticket"]["label"] == "К-001"
    ivanova.post(f"{live_url}/api/v1/windows/2/recall")
    assert board.next(c.TICKET_RECALLED)["ticket"]["recalls"] == 1


def test_reconnect_gets_a_fresh_snapshot(live_url: str, listeners: list[Listener]) -> None:
    first = connect(live_url, listeners, token=BOARD_TOKEN)
    assert first.next()["event"] == c.SNAPSHOT
    first.close()
    kiosk_session().post(f"{live_url}/api/v1/tickets", json={"service": "payment"})
    again = connect(live_url, listeners, token=BOARD_TOKEN)
    snapshot = again.next()
    assert snapshot["event"] == c.SNAPSHOT
    assert [t["label"] for t in snapshot["waiting"]] == ["О-001"]


def test_connection_without_credentials_is_refused(live_url: str) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        Listener(live_url, None)
    with pytest.raises(socketio.exceptions.ConnectionError):
        Listener(live_url, {"token": "wrong"})
    with pytest.raises(socketio.exceptions.ConnectionError):
        Listener(live_url, {"token": BOARD_TOKEN, "window": 99})


def test_window_room_gets_only_its_window(live_url: str, listeners: list[Listener]) -> None:
    screen3 = connect(live_url, listeners, token=BOARD_TOKEN, window=3)
    hall = connect(live_url, listeners, token=BOARD_TOKEN)
    assert screen3.next()["event"] == c.SNAPSHOT
    assert hall.next()["event"] == c.SNAPSHOT
    kiosk = kiosk_session()
    kiosk.post(f"{live_url}/api/v1/tickets", json={"service": "consult"})
    kiosk.post(f"{live_url}/api/v1/tickets", json={"service": "consult"})
    ivanova, petrov = staff_session(live_url, "ivanova"), staff_session(live_url, "petrov")
    ivanova.post(f"{live_url}/api/v1/windows/2/open")
    ivanova.post(f"{live_url}/api/v1/windows/2/call-next")
    petrov.post(f"{live_url}/api/v1/windows/3/open")
    petrov.post(f"{live_url}/api/v1/windows/3/call-next")
    # The hall sees both calls; the window-3 screen's first event is its own window opening.
    assert hall.next(c.TICKET_CALLED)["window"]["number"] == 2
    assert hall.next(c.TICKET_CALLED)["window"]["number"] == 3
    first = screen3.next()
    assert first["event"] == c.WINDOW_CHANGED and first["window"]["number"] == 3
    called = screen3.next()
    assert called["event"] == c.TICKET_CALLED and called["ticket"]["label"] == "К-002"


def test_subscribe_adds_a_window_without_duplicates(
    live_url: str, listeners: list[Listener]
) -> None:
    desk = connect(live_url, listeners, token=BOARD_TOKEN)
    desk.next(c.SNAPSHOT)
    ack = desk.client.call(c.SUBSCRIBE, {"window": 2}, timeout=TIMEOUT)
    assert ack["ok"] is True and "snapshot" in ack
    bad = desk.client.call(c.SUBSCRIBE, {"window": "2"}, timeout=TIMEOUT)
    assert bad["ok"] is False
    ivanova = staff_session(live_url, "ivanova")
    ivanova.post(f"{live_url}/api/v1/windows/2/open")
    ivanova.post(f"{live_url}/api/v1/windows/2/pause", json={"reason": "break"})
    opened = desk.next(c.WINDOW_CHANGED)
    paused = desk.next(c.WINDOW_CHANGED)
    assert (opened["window"]["state"], paused["window"]["state"]) == ("open", "paused")
    assert paused["seq"] == opened["seq"] + 1  # once each, not once per room


def test_staff_session_cookie_authenticates_the_socket(
    live_url: str, listeners: list[Listener]
) -> None:
    listener = staff_listener(live_url, listeners, "hall")
    assert listener.next()["event"] == c.SNAPSHOT


def staff_listener(live_url: str, listeners: list[Listener], username: str) -> Listener:
    """A Socket.IO client authenticated by a staff login's session cookie."""
    session = staff_session(live_url, username)
    listener = Listener.__new__(Listener)
    listener.inbox = queues.Queue()
    listener.client = socketio.Client(reconnection=False)
    listener.client.on("*", lambda event, data: listener.inbox.put((event, data)))
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    listener.client.connect(live_url, headers={"Cookie": cookie}, transports=["websocket"],
                            wait_timeout=TIMEOUT)
    listeners.append(listener)
    return listener


def test_alerts_reach_staff_in_full_and_boards_only_as_a_number(
    live_url: str, listeners: list[Listener]
) -> None:
    staff = staff_listener(live_url, listeners, "hall")
    board = connect(live_url, listeners, token=BOARD_TOKEN)
    seq = board.next(c.SNAPSHOT)["seq"]
    kiosk_session().post(f"{live_url}/api/v1/alerts/faults",
                         json={"code": "paper_out", "message": "Нет бумаги"})
    full = staff.next(c.ALERT_RAISED)
    assert full["data"]["message"] == "Нет бумаги" and full["data"]["source"] == "kiosk-1"
    public = board.next(c.ALERT_RAISED)
    assert public["seq"] == full["seq"] == seq + 1  # the board's count stays whole
    assert public["data"] == {} and public["ticket"] is None


def test_production_server_pushes_over_websocket(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`talon serve` runs gevent's server (not the threaded one the other tests use)."""
    from tests.server.server_process import ServerProcess, prepare_database

    database = tmp_path / "talon.db"
    prepare_database(database, {"board": ("board", BOARD_TOKEN), "kiosk": ("kiosk", KIOSK_TOKEN)})
    server = ServerProcess(database)
    server.start()
    board = None
    try:
        board = Listener(server.url, {"token": BOARD_TOKEN})
        assert board.next()["event"] == c.SNAPSHOT
        kiosk = kiosk_session()
        response = kiosk.post(f"{server.url}/api/v1/tickets", json={"service": "consult"})
        assert response.headers.get("Connection", "").lower() != "close"  # keep-alive
        assert board.next(c.TICKET_ISSUED)["ticket"]["label"] == "К-001"
    finally:
        if board is not None:
            board.close()
        server.stop()
    assert server.process is not None and server.process.returncode == 0, "SIGTERM: clean exit"
    assert "Traceback" not in "".join(server.output)


def issue_while_down(database) -> None:  # type: ignore[no-untyped-def]
    """A change the client cannot have seen as an event: made while the server was down."""
    import time

    from server import config
    from server.domain.access import Actor
    from server.queue import QueueService
    from server.store.sqlite import SqliteStore
    from tests.server.conftest import RecordingNotifier

    store = SqliteStore(database)
    queue = QueueService(config.load(None, {}), store, RecordingNotifier(), time.time)
    queue.issue(Actor("kiosk", "kiosk", is_device=True), "consult")
    store.close()


def test_a_client_reconnects_by_itself_after_a_server_restart_and_gets_a_new_snapshot(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from tests.server.server_process import ServerProcess, prepare_database

    database = tmp_path / "talon.db"
    prepare_database(database, {"board": ("board", BOARD_TOKEN), "kiosk": ("kiosk", KIOSK_TOKEN)})
    server = ServerProcess(database)
    server.start()
    inbox: queues.Queue[tuple[str, dict]] = queues.Queue()
    client = socketio.Client(reconnection=True, reconnection_delay=0.1,
                             reconnection_delay_max=0.5)
    client.on("*", lambda event, data: inbox.put((event, data)))
    client.on(c.SNAPSHOT, lambda data: inbox.put((c.SNAPSHOT, data)))
    try:
        client.connect(server.url, auth={"token": BOARD_TOKEN}, transports=["websocket"],
                       wait_timeout=TIMEOUT)
        event, first = inbox.get(timeout=TIMEOUT)
        assert event == c.SNAPSHOT and first["waiting"] == []
        server.kill()
        issue_while_down(database)
        restarted = ServerProcess(database)
        restarted.port, restarted.url = server.port, server.url  # same address as before
        restarted.start()
        while True:  # the client reconnects on its own and is sent a fresh snapshot
            event, data = inbox.get(timeout=TIMEOUT)
            if event == c.SNAPSHOT and data["waiting"]:
                break
        assert [t["label"] for t in data["waiting"]] == ["К-001"]
    finally:
        client.disconnect()
        server.stop()
        if "restarted" in locals():
            restarted.stop()
