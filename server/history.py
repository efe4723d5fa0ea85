"""Synthetic office history for ``talon seed-history``: days of visits played through the
server's own use cases (``QueueService``, ``AlertService``) on a clock moved by hand.

This module owns the day script: arrivals over the office hours with a morning and an
afternoon peak, each visitor's topic picked so that every window gets about the same load
(a window first, then one of its services by weight), windows opened at opening time with a
staggered lunch pause, each free window calling the next visitor, a walk to the window, a
lognormal service time sized so the windows are about 90 % busy (queues build at the peaks,
waits stay minutes, not hours), and a share of no-shows, postponements, transfers, recalls,
ratings and staff calls. Every move goes through the same code paths (and the same
event log) as at a real office, so reports on the history test what they will meet.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from server.alerts import AlertService
from server.domain.access import Actor
from server.domain.errors import QueueEmpty, QueueError
from server.domain.office import Office
from server.domain.windows import WindowState
from server.ports import Notifier
from server.queue import QueueService

MINUTE = 60.0
KIOSK = Actor("kiosk-seed", "kiosk", is_device=True)
HALL = Actor("hall-seed", "hall")
BRIDGE = Actor("bridge-seed", "bridge", is_device=True)


class QuietNotifier:
    """Nobody is connected while history is written."""

    def publish(self, events: list[dict[str, object]]) -> None:
        return None


class HandClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Shares:
    """How often each thing happens, per visit (a day's mix)."""

    no_show: float = 0.04
    postpone: float = 0.03
    transfer: float = 0.03
    recall: float = 0.08
    rated: float = 0.3
    vip: float = 0.03
    out_of_turn: float = 0.02
    staff_calls_per_day: int = 3
    mean_service_min: float = 6.0
    service_cv: float = 0.6
    walk_s: tuple[float, float] = (20.0, 90.0)  # called → at the window, uniform
    gap_s: tuple[float, float] = (5.0, 30.0)  # a window's pause before its next call


# The arrival rate over the day (0 = opening, 1 = last issue): a base with a morning and an
# afternoon peak, as offices see it.
def arrival_shape(x: float) -> float:
    return (0.6 + 0.6 * math.exp(-((x - 0.22) / 0.1) ** 2)
            + 0.45 * math.exp(-((x - 0.68) / 0.1) ** 2))


SHAPE_MAX = 1.25  # above arrival_shape everywhere on [0, 1]
UTILISATION = 0.9  # the share of staffed window time spent on visitors


@dataclass
class Seeded:
    days: int = 0
    tickets: int = 0
    skipped: int = 0  # arrivals the schedule refused (a break)


@dataclass(order=True)
class _Step:
    at: float
    order: int
    action: Callable[[], None] = field(compare=False)


class _Day:
    """One office day played through the queue service."""

    def __init__(self, queue: QueueService, alerts: AlertService, clock: HandClock,
                 rng: random.Random, shares: Shares, result: Seeded) -> None:
        self.queue, self.alerts, self.clock = queue, alerts, clock
        self.office: Office = queue.office
        self.rng, self.shares, self.result = rng, shares, result
        self.steps: list[_Step] = []
        self.order = 0
        self.idle: set[int] = set()
        self.closing = 0.0
        self.lunch_due: dict[int, float] = {}
        self.staff: dict[int, Actor] = {
            w.number: Actor(f"operator{w.number}", "consultant") for w in self.office.windows
        }

    def at(self, when: float, action: Callable[[], None]) -> None:
        self.order += 1
        heapq.heappush(self.steps, _Step(when, self.order, action))

    def run(self, opens: float, closes: float, visitors: int) -> None:
        self.closing = closes
        for w in self.office.windows:
            self.at(opens, lambda n=w.number: self.open(n))
            self.lunch_due[w.number] = opens + (closes - opens) * self.rng.uniform(0.35, 0.6)
        span = closes - opens - 15 * MINUTE
        for _ in range(visitors):
            self.at(opens + self.arrival() * span, self.issue)
        for _ in range(self.shares.staff_calls_per_day):
            self.at(opens + self.rng.random() * span, self.staff_call)
        while self.steps:
            step = heapq.heappop(self.steps)
            self.clock.now = max(self.clock.now, step.at)
            step.action()
        for number in list(self.idle):
            self.queue.close_window(self.staff[number], number)

    # Visitors ---------------------------------------------------------------------------

    def arrival(self) -> float:
        """When a visitor comes, as a share of the issuing hours (rejection sampling)."""
        while True:
            x = self.rng.random()
            if self.rng.random() * SHAPE_MAX <= arrival_shape(x):
                return x

    def topic(self) -> str:
        """A window at random, then one of its services by weight: every window gets about
        the same traffic, so no queue runs away while other windows sit idle."""
        window = self.rng.choice(self.office.windows)
        served = window.services
        return self.rng.choices([s.code for s in served], [s.weight for s in served])[0]

    def issue(self) -> None:
        office, rng = self.office, self.rng
        service = office.service(self.topic()) or rng.choice(office.services)
        try:
            if rng.random() < self.shares.vip and service.segment is None and \
                    len(office.segments) > 1:
                segment = office.segments[-1].code
                self.queue.issue(HALL, service.code, segment=segment)
            elif rng.random() < self.shares.out_of_turn and office.out_of_turn:
                self.queue.issue(KIOSK, service.code, category=office.out_of_turn[0].code)
            else:
                self.queue.issue(KIOSK, service.code)
        except QueueError:
            self.result.skipped += 1
            return
        self.result.tickets += 1
        for number in sorted(self.idle):
            self.at(self.clock.now, lambda n=number: self.call(n))

    def staff_call(self) -> None:
        raised = self.alerts.staff_call(KIOSK, button="hall")
        delay = self.rng.uniform(20, 240)
        self.at(self.clock.now + delay,
                lambda: self.alerts.acknowledge(HALL, raised.alert.id or 0))

    # Windows ----------------------------------------------------------------------------

    def open(self, number: int) -> None:
        self.queue.open_window(self.staff[number], number)
        self.idle.add(number)
        self.call(number)

    def call(self, number: int) -> None:
        if number not in self.idle:
            return
        actor, now = self.staff[number], self.clock.now
        if now >= self.lunch_due.get(number, math.inf):
            del self.lunch_due[number]
            self.queue.pause_window(actor, number, "lunch")
            self.idle.discard(number)
            self.at(now + 30 * MINUTE, lambda: self.resume(number))
            return
        try:
            self.queue.call_next(actor, number)
        except QueueEmpty:
            if now >= self.closing:
                self.queue.close_window(actor, number)
                self.idle.discard(number)
            return
        self.idle.discard(number)
        rng = self.rng
        walk = rng.uniform(*self.shares.walk_s)
        if rng.random() < self.shares.recall:  # called again halfway, before the visitor is in
            self.at(now + walk / 2, lambda: self.queue.recall(actor, number))
        if rng.random() < self.shares.no_show:
            self.at(now + 120, lambda: self.release(number, self.queue.no_show))
            return
        self.at(now + walk, lambda: self.start(number))

    def resume(self, number: int) -> None:
        self.queue.resume_window(self.staff[number], number)
        self.idle.add(number)
        self.call(number)

    def start(self, number: int) -> None:
        actor, rng = self.staff[number], self.rng
        ticket = self.queue.start(actor, number)
        mean = self.shares.mean_service_min * MINUTE
        sigma2 = math.log(1 + self.shares.service_cv ** 2)
        duration = min(rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2)),
                       60 * MINUTE)
        roll = rng.random()
        done = self.clock.now + duration
        if roll < self.shares.postpone:
            self.at(done / 2 + self.clock.now / 2, lambda: self.release(
                number, lambda a, n: self.queue.postpone(a, n, "documents")))
            return
        if roll < self.shares.postpone + self.shares.transfer:
            others = [s.code for s in self.office.services if s.code != ticket.service]
            target = rng.choice(others) if others else None
            if target is not None:
                self.at(done / 2 + self.clock.now / 2, lambda: self.release(
                    number, lambda a, n: self.queue.transfer(a, n, service=target)))
                return
        self.at(done, lambda: self.finish(number))

    def finish(self, number: int) -> None:
        self.queue.finish(self.staff[number], number, outcome="ok")
        if self.rng.random() < self.shares.rated:
            self.queue.rate(BRIDGE, number, self.rng.choice((3, 4, 4, 5, 5, 5)))
        self.idle.add(number)
        self.at(self.clock.now + self.rng.uniform(*self.shares.gap_s), lambda: self.call(number))

    def release(self, number: int, move: Callable[[Actor, int], object]) -> None:
        move(self.staff[number], number)
        self.idle.add(number)
        self.at(self.clock.now + self.rng.uniform(*self.shares.gap_s), lambda: self.call(number))


def seed_history(
    office: Office,
    store: object,
    *,
    days: int,
    per_day: int,
    last_day: date,
    seed: int = 1,
    shares: Shares | None = None,
    progress: Callable[[date, Seeded], None] | None = None,
    notifier: Notifier | None = None,
) -> Seeded:
    """Play ``days`` office days ending with ``last_day`` into ``store``, about ``per_day``
    visitors each working day (days the schedule keeps closed get none)."""
    clock = HandClock()
    queue = QueueService(office, store, notifier or QuietNotifier(), clock)  # type: ignore[arg-type]
    alerts = AlertService(queue)
    rng = random.Random(seed)
    result = Seeded()
    zone = office.zone
    first = last_day - timedelta(days=days - 1)
    clock.now = datetime.combine(first, time(0), tzinfo=zone).timestamp()
    queue.prepare()
    stuck = _stuck(queue)
    if stuck:
        raise ValueError(f"windows {stuck} are not closed: seed history into a new database")
    with _relaxed_sync(store):
        _play(queue, alerts, clock, rng, result, first, days, per_day, shares, progress)
    return result


def _play(queue: QueueService, alerts: AlertService, clock: HandClock, rng: random.Random,
          result: Seeded, first: date, days: int, per_day: int, shares: Shares | None,
          progress: Callable[[date, Seeded], None] | None) -> None:
    office, zone = queue.office, queue.office.zone
    for k in range(days):
        day = first + timedelta(days=k)
        hours = office.schedule.opening(day)
        if hours is None:
            continue
        opens = datetime.combine(day, hours[0], tzinfo=zone).timestamp()
        closes = datetime.combine(day, hours[1], tzinfo=zone).timestamp()
        clock.now = max(clock.now, opens)
        visitors = max(0, round(rng.gauss(per_day, math.sqrt(per_day))))
        mix = shares or busy_shares(office, opens, closes, per_day)
        _Day(queue, alerts, clock, rng, mix, result).run(opens, closes, visitors)
        result.days += 1
        if progress is not None:
            progress(day, result)


@contextmanager
def _relaxed_sync(store: object) -> Iterator[None]:
    """History is rebuilt, not lost: while it is written, a commit need not wait for the disk
    (``synchronous = NORMAL``: WAL still keeps the database consistent; only the last
    commits could be lost to a power cut). The seeder writes on one thread, so it reuses one
    pooled connection; the setting is restored afterwards."""
    read = getattr(store, "read", None)
    conn = None
    if read is not None:
        with read() as tx:
            conn = getattr(tx, "conn", None)
    if conn is None:
        yield
        return
    conn.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        conn.execute("PRAGMA synchronous = FULL")


def busy_shares(office: Office, opens: float, closes: float, per_day: int) -> Shares:
    """A day's mix for an office staffed for its traffic: walks, gaps and a mean service
    time that keep the windows about ``UTILISATION`` busy with ``per_day`` visitors. A busy
    office (a few minutes a visitor) has quick walks and gaps; service is 0.5-12 minutes."""
    staffed = len(office.windows) * (closes - opens - 30 * MINUTE)  # lunch off
    per_visitor = UTILISATION * staffed / max(per_day, 1)  # seconds of window time
    quick = per_visitor < 6 * MINUTE
    walk, gap = ((10.0, 40.0), (3.0, 12.0)) if quick else ((20.0, 90.0), (5.0, 30.0))
    overhead = sum(walk) / 2 + sum(gap) / 2 + Shares.no_show * 120.0
    service = min(12 * MINUTE, max(0.5 * MINUTE, per_visitor - overhead))
    return Shares(mean_service_min=service / MINUTE, walk_s=walk, gap_s=gap)


def _stuck(queue: QueueService) -> list[int]:
    with queue.store.read() as tx:
        return [w.number for w in tx.windows() if w.state is not WindowState.CLOSED]
