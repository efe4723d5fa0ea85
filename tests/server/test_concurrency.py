"""Atomicity under load: labels never repeat and no ticket is called by two windows, whether
the requests come from many threads (over HTTP) or from several processes sharing the file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import requests
from flask import Flask

from server import config
from server.domain.access import Actor
from server.domain.errors import QueueEmpty
from server.queue import QueueService
from server.store.sqlite import SqliteStore
from tests.server.conftest import KIOSK_TOKEN, PASSWORD

ISSUERS = 4
TICKETS_PER_ISSUER = 200
WINDOWS = (2, 3, 4, 5)
SERVICES = ("consult", "contract", "docs_in", "legal", "billing")


def _called_counts(database: Path) -> Counter[int]:
    conn = sqlite3.connect(database)
    rows = conn.execute("SELECT ticket_id FROM events WHERE kind = 'ticket.called'").fetchall()
    conn.close()
    return Counter(r[0] for r in rows)


def test_threads_over_http_never_share_a_visitor(
    app: Flask, live_url: str, tmp_path: Path
) -> None:
    for number in WINDOWS:
        app.extensions["talon"].accounts.add_user(f"desk{number}", PASSWORD, "consultant")
    total = ISSUERS * TICKETS_PER_ISSUER
    errors: list[str] = []
    issued: list[str] = []
    served: list[str] = []
    # Windows wait on this when the queue is empty, instead of polling in a busy loop.
    progress = threading.Condition()

    def issue(worker: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {KIOSK_TOKEN}"
        for i in range(TICKETS_PER_ISSUER):
            service = SERVICES[(worker + i) % len(SERVICES)]
            r = session.post(f"{live_url}/api/v1/tickets", json={"service": service}, timeout=30)
            with progress:
                if r.status_code == 201:
                    issued.append(r.json()["ticket"]["label"])
                else:
                    errors.append(r.text)
                progress.notify_all()

    def serve(number: int) -> None:
        session = requests.Session()
        session.post(f"{live_url}/api/v1/auth/login",
                     json={"username": f"desk{number}", "password": PASSWORD}, timeout=30)
        session.post(f"{live_url}/api/v1/windows/{number}/open", timeout=30)
        while True:
            with progress:
                if len(served) >= total or errors:
                    return
                seen = len(issued)
            r = session.post(f"{live_url}/api/v1/windows/{number}/call-next", timeout=30)
            if r.status_code == 409 and r.json()["error"]["code"] == "queue_empty":
                with progress:
                    # Nothing for this window until another ticket is issued or served.
                    progress.wait_for(
                        lambda seen=seen: len(issued) > seen or len(served) >= total or errors,
                        timeout=5,
                    )
                continue
            if r.status_code != 200:
                errors.append(r.text)
                return
            session.post(f"{live_url}/api/v1/windows/{number}/start", timeout=30)
            session.post(f"{live_url}/api/v1/windows/{number}/finish", json={}, timeout=30)
            with progress:
                served.append(r.json()["ticket"]["label"])
                progress.notify_all()

    issuers = [threading.Thread(target=issue, args=(w,)) for w in range(ISSUERS)]
    windows = [threading.Thread(target=serve, args=(n,)) for n in WINDOWS]
    for thread in issuers + windows:
        thread.start()
    for thread in issuers + windows:
        thread.join()

    assert errors == []
    assert len(issued) == total
    assert len(set(issued)) == len(issued), "a label was issued twice"
    assert sorted(served) == sorted(issued), "every ticket called exactly once"
    counts = _called_counts(tmp_path / "talon.db")
    assert set(counts.values()) == {1}


def _process_worker(database: str, worker: int, rounds: int, out: "multiprocessing.Queue") -> None:
    office = config.load(None, {})
    store = SqliteStore(database)
    queue = QueueService(office, store, _NullNotifier(), clock=_wall_clock)
    kiosk = Actor(f"kiosk-{worker}", "kiosk", is_device=True)
    window = WINDOWS[worker % len(WINDOWS)]
    bridge = Actor(f"bridge-{worker}", "bridge", is_device=True)
    labels, called = [], []
    for i in range(rounds):
        labels.append(queue.issue(kiosk, SERVICES[i % len(SERVICES)]).ticket.label)
        try:
            ticket = queue.call_next(bridge, window)
        except QueueEmpty:
            continue
        called.append(ticket.label)
        queue.no_show(bridge, window)
    store.close()
    out.put((labels, called))


class _NullNotifier:
    def publish(self, events: list[dict[str, object]]) -> None:
        """Nobody listens in this test."""


def _wall_clock() -> float:
    import time

    return time.time()


def test_processes_sharing_the_database_never_repeat_labels_or_calls(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    office = config.load(None, {})
    store = SqliteStore(database)
    store.migrate()
    queue = QueueService(office, store, _NullNotifier(), clock=_wall_clock)
    queue.prepare()
    bridge = Actor("bridge", "bridge", is_device=True)
    for number in WINDOWS:
        queue.open_window(bridge, number)
    store.close()

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=_process_worker, args=(str(database), w, 60, out))
               for w in range(4)]
    for process in workers:
        process.start()
    results = [out.get(timeout=120) for _ in workers]
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0

    labels = [label for issued, _ in results for label in issued]
    called = [label for _, calls in results for label in calls]
    assert len(labels) == 240 and len(set(labels)) == 240
    assert len(called) == len(set(called))
    assert set(_called_counts(database).values()) == {1}
