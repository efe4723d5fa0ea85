"""``kill -9`` of the server under load loses no acknowledged ticket or move."""

from __future__ import annotations

import threading
from pathlib import Path

import requests

from server.store.sqlite import SqliteStore
from tests.server.server_process import ServerProcess, prepare_database

KIOSK = "crash-kiosk-token"
BRIDGE = "crash-bridge-token"
# The order a ticket moves through; an acknowledged state must survive, a later one may exist
# too (a move that committed while its reply was lost in the kill).
ORDER = {"waiting": 0, "called": 1, "serving": 2, "done": 3}
KILL_AFTER_ACKS = 150


def test_kill_minus_nine_loses_nothing_acknowledged(tmp_path: Path) -> None:
    database = tmp_path / "talon.db"
    prepare_database(database, {"kiosk": ("kiosk", KIOSK), "bridge": ("bridge", BRIDGE)})
    server = ServerProcess(database)
    server.start()
    acked: dict[int, tuple[str, str]] = {}  # ticket id -> (label, last acknowledged status)
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()

    def record(ticket: dict) -> None:
        with lock:
            acked[ticket["id"]] = (ticket["label"], ticket["status"])
            if len(acked) >= KILL_AFTER_ACKS:
                enough.set()

    def issue() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {KIOSK}"
        while not stop.is_set():
            try:
                r = session.post(f"{server.url}/api/v1/tickets", json={"service": "consult"},
                                 timeout=10)
            except requests.ConnectionError:
                return
            if r.status_code == 201:
                record(r.json()["ticket"])

    def serve(number: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {BRIDGE}"
        try:
            session.post(f"{server.url}/api/v1/windows/{number}/open", timeout=10)
            while not stop.is_set():
                for move in ("call-next", "start", "finish"):
                    r = session.post(f"{server.url}/api/v1/windows/{number}/{move}", json={},
                                     timeout=10)
                    if r.status_code != 200:
                        break
                    record(r.json()["ticket"])
        except requests.ConnectionError:
            return

    workers = [threading.Thread(target=issue) for _ in range(3)]
    workers += [threading.Thread(target=serve, args=(n,)) for n in (2, 3, 4)]
    for worker in workers:
        worker.start()
    try:
        assert enough.wait(60), "the load never reached the kill point"
        server.kill()  # while requests are in flight
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
        server.stop()

    restarted = ServerProcess(database)
    restarted.start()
    try:
        store = SqliteStore(database)
        with store.read() as tx:
            for ticket_id, (label, status) in acked.items():
                ticket = tx.ticket(ticket_id)
                assert ticket is not None, f"acknowledged ticket {label} lost"
                assert ticket.label == label
                assert ORDER[ticket.status.value] >= ORDER[status], (label, status, ticket.status)
        store.close()
        # Numbering goes on after the restart; no label is handed out twice.
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {KIOSK}"
        after = session.post(f"{restarted.url}/api/v1/tickets", json={"service": "consult"},
                             timeout=10).json()["ticket"]
        numbers = [int(label.split("-")[1]) for label, _ in acked.values()]
        assert int(after["label"].split("-")[1]) > max(numbers)
    finally:
        restarted.stop()
