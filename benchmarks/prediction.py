"""The expected wait on a busy morning: the cost of one ticket's prediction and of the
per-service summary the board and every queue event carry.

The demo office on a fresh database holds four past Mondays of 250 walk-ins each, a peak
Monday of the demo office (what the prediction reads for the visitors still to come), and
twelve bookings for today. It is Monday 10:30; five windows serve, each with a visitor,
and 50 tickets wait. Measured through the server's own reads
(``QueueReader.public_status``, ``queue_summaries``), with the history cached as the running
server caches it; and the whole ``QueueService.issue`` write, which includes both.

Target: each at most 50 ms p99 (it runs inside an HTTP request or a queue commit).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from benchmarks.stats import Report, percentile
from server import config
from server.bookings import BookingService
from server.domain.access import Actor
from server.domain.tickets import Ticket, format_label
from server.queue import QueueService
from server.reminders import LogReminders
from server.snapshots import QueueReader, queue_summaries
from server.store.sqlite import SqliteStore

TODAY = date(2026, 11, 23)  # a Monday
PAST_WEEKS, PER_DAY, WAITING, REPEATS = 4, 250, 50, 200
TARGET_MS = 50.0
KIOSK = Actor("kiosk-1", "kiosk", is_device=True)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Quiet:
    def publish(self, events: list[dict[str, object]]) -> None:
        """The benchmark has no listeners."""


def _at(office: config.OfficeFile, day: date, hour: int, minute: int = 0) -> float:
    return datetime.combine(day, clock_time(hour, minute), office.zone).timestamp()


def _seed_past(office: config.OfficeFile, store: SqliteStore, rng: random.Random) -> int:
    """Walk-ins of past Mondays, written straight to the tickets table (only their time and
    kind matter to the prediction)."""
    services = list(office.services)
    segments = {s.code: s for s in office.segments}
    categories = [c.code for c in office.out_of_turn]
    made = 0
    with store.write() as tx:
        for week in range(1, PAST_WEEKS + 1):
            day = TODAY - timedelta(weeks=week)
            opens, closes = _at(office, day, 8), _at(office, day, 17)
            for number in range(1, PER_DAY + 1):
                service = rng.choice(services)
                segment = segments[service.segment or office.default_segment]
                category = rng.choice(categories) if rng.random() < 0.05 else None
                tx.insert_ticket(Ticket(
                    day=day.isoformat(), number=number, label=format_label("Z", number),
                    service=service.code, segment=segment.code,
                    issued_at=rng.uniform(opens, closes),
                    wait_target=office.wait_target(service, segment),
                    service_target=office.service_target(service, segment),
                    public_id=f"past-{week}-{number}", category=category), None, "")
                made += 1
        tx.commit()
    return made


def _morning(office: config.OfficeFile, store: SqliteStore, clock: Clock,
             rng: random.Random) -> tuple[QueueService, str]:
    """Bookings for today, five windows serving, 50 waiting at 10:30; the last ticket's id."""
    queue = QueueService(office, store, Quiet(), clock)
    queue.prepare()
    bookings = BookingService(office, store, queue, LogReminders(), clock)
    clock.now = _at(office, TODAY, 7)
    for hour in (10, 11, 13, 14, 15, 16):  # the demo office lunches 12-13
        for minute in (15, 45):
            bookings.book(None, "consult", TODAY, clock_time(hour, minute), "Bench",
                          f"+7900{hour:02d}{minute:02d}000", consent=True)
    clock.now = _at(office, TODAY, 10)
    for window in office.windows:
        queue.open_window(Actor(f"staff-{window.number}", "consultant"), window.number)
    codes = [s.code for s in office.services if s.segment is None]
    public_id = ""
    for _ in range(WAITING + len(office.windows)):
        clock.now += 30.0
        public_id = queue.issue(KIOSK, rng.choice(codes)).ticket.public_id
    for window in office.windows:
        queue.call_next(Actor(f"staff-{window.number}", "consultant"), window.number)
    return queue, public_id


def _times(run: Callable[[], object], repeats: int) -> list[float]:
    took = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        took.append((time.perf_counter() - began) * 1000.0)
    return took


def _row(report: Report, name: str, took: list[float], note: str) -> None:
    report.check(name, percentile(took, 99), "ms", at_most=TARGET_MS,
                 note=f"p50 {statistics.median(took):.2f} ms, {len(took)} runs; {note}")


def measure(report: Report, folder: Path | None = None) -> None:
    """Add the prediction rows (and their targets) to ``report``."""
    office = config.load(None, {})
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        store = SqliteStore(Path(scratch) / "talon.db")
        store.migrate()
        try:
            rng = random.Random(2026)
            past = _seed_past(office, store, rng)
            clock = Clock(_at(office, TODAY, 10))
            queue, public_id = _morning(office, store, clock, rng)
            clock.now = _at(office, TODAY, 10, 30)
            reader = QueueReader(office, store, clock)
            with store.read() as tx:
                waiting = len(tx.waiting(TODAY.isoformat()))
            note = (f"{waiting} waiting, {len(office.windows)} windows busy, {past} past "
                    f"walk-ins on {PAST_WEEKS} Mondays, 12 bookings today")
            _row(report, "prediction: one ticket's expected wait",
                 _times(lambda: reader.public_status(public_id), REPEATS), note)

            def summaries() -> object:
                with store.read() as tx:
                    return queue_summaries(office, tx, clock.now, reader.times)

            _row(report, "prediction: every service's expected wait", _times(summaries, REPEATS),
                 f"{len(office.services)} services; {note}")
            codes = [s.code for s in office.services if s.segment is None]
            _row(report, "prediction: a whole ticket issue",
                 _times(lambda: queue.issue(KIOSK, rng.choice(codes)), 50),
                 "the write with its forecast and the queue summary it publishes; the queue "
                 f"grows from {waiting} to {waiting + 50}")
        finally:
            store.close()
