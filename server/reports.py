"""Reports for any office day or period: the use case behind /api/v1/reports and the exports.

A closed office day (any day before today) is rolled up once (``server.domain.metrics``) and
the rollup kept in the store; a period report merges its days' rollups, so its cost grows
with the number of days, not of tickets, and it never holds more than one day's tickets.
Today is rolled up live on every request and never kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from server.domain import metrics
from server.domain.errors import InvalidInput
from server.domain.office import Office
from server.ports import ReportRecords

MAX_DAYS = 366  # the longest period one report covers


class ReportStore(Protocol):
    def read(self) -> AbstractContextManager[Any]: ...
    def write(self) -> AbstractContextManager[Any]: ...


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each(self) -> Iterator[date]:
        for k in range(self.days):
            yield self.first + timedelta(days=k)


def parse_day(text: str | None, name: str) -> date:
    if not text:
        raise InvalidInput(f"{name} is required (YYYY-MM-DD)", parameter=name)
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date YYYY-MM-DD", parameter=name,
                           value=text[:40]) from None


def parse_period(first: str | None, last: str | None) -> Period:
    """A period from query text; ``to`` defaults to ``from``. Refused: bad dates, from after
    to, more than MAX_DAYS days."""
    start = parse_day(first, "from")
    end = parse_day(last, "to") if last else start
    if end < start:
        raise InvalidInput("from is after to", **{"from": start.isoformat(),
                                                  "to": end.isoformat()})
    period = Period(start, end)
    if period.days > MAX_DAYS:
        raise InvalidInput(f"a report covers at most {MAX_DAYS} days", days=period.days,
                           max_days=MAX_DAYS)
    return period


def parse_month(text: str | None) -> Period:
    """``YYYY-MM`` → the period of that calendar month."""
    try:
        if not text or len(text) != 7:
            raise ValueError(text)
        first = date.fromisoformat(f"{text}-01")
    except ValueError:
        raise InvalidInput("month must be YYYY-MM", parameter="month",
                           value=(text or "")[:40]) from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(first, following - timedelta(days=1))


class Reports:
    def __init__(self, office: Office, store: ReportStore, clock: Callable[[], float]) -> None:
        self.office = office
        self.store = store
        self.clock = clock

    def bounds(self, day: date) -> tuple[float, float]:
        """The office day's [start, end) in epoch seconds: local midnight to midnight."""
        zone = self.office.zone
        start = datetime.combine(day, time(0), tzinfo=zone).timestamp()
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).timestamp()
        return start, end

    def _build(self, tx: ReportRecords, day: date, now: float) -> metrics.Rollup:
        start, end = self.bounds(day)
        offset = datetime.fromtimestamp(start, self.office.zone).utcoffset()
        shift = offset.total_seconds() if offset is not None else 0.0

        def hour_of(at: float) -> int:
            return int(((at + shift) % 86400.0) // 3600.0)

        closed = end <= now
        return metrics.build_day(
            day.isoformat(), tx.day_tickets(day.isoformat()),
            tx.events_between(start, min(end, now)),
            start=start, end=min(end, now), weekday=day.weekday(), hour_of=hour_of,
            closed=closed,
        )

    def rollup(self, period: Period) -> metrics.Rollup:
        """The merged rollup of ``period``: stored rollups of closed days (building and keeping
        the missing ones), today's built live, future days empty."""
        now = self.clock()
        today = date.fromisoformat(self.office.day_of(now))
        total = metrics.Rollup()
        first, last = period.first.isoformat(), period.last.isoformat()
        stored: set[str] = set()
        with self.store.read() as tx:
            for day, data in tx.rollups(first, last, metrics.ROLLUP_VERSION):
                total.merge(metrics.Rollup.from_json(json.loads(data)))
                stored.add(day)
        missing = [d for d in period.each() if d.isoformat() not in stored and d <= today]
        for day in missing:
            with self.store.read() as tx:
                built = self._build(tx, day, now)
            counts = built.all.counts
            settled = counts["served"] + counts["no_show"] + counts["cancelled"]
            # A past day is kept once all its visits have ended: one being served across
            # midnight counts when it finishes (docs/metrics.md, "Midnight").
            if day < today and settled == counts["issued"]:
                with self.store.write() as tx:
                    tx.save_rollup(day.isoformat(), metrics.ROLLUP_VERSION,
                                   json.dumps(built.to_json(), separators=(",", ":")), now)
            total.merge(built)
        return total

    def report(self, period: Period) -> dict[str, Any]:
        """The report of ``period`` as JSON-ready figures (see docs/metrics.md)."""
        figures = metrics.summarise(self.rollup(period))
        return {
            "office": self.office.name,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "generated_at": self.clock(),
            "bucket_seconds": {"below_10_min": metrics.FINE, "below_2_h": metrics.MID,
                               "below_8_h": metrics.COARSE},
            "names": self.names(),
            "targets": {"wait": self.office.targets.wait_min * 60.0,
                        "service": self.office.targets.service_min * 60.0},
            **figures,
        }

    def names(self) -> dict[str, dict[str, str]]:
        office = self.office
        return {
            "service": {s.code: s.name for s in office.services},
            "segment": {s.code: s.name for s in office.segments},
            "category": {c.code: c.name for c in office.out_of_turn},
            "window": {str(w.number): w.name for w in office.windows},
        }

    def visits(self, period: Period) -> Iterator[dict[str, object]]:
        """The raw visit log of ``period``, streamed (one read transaction while iterated)."""
        with self.store.read() as tx:
            yield from tx.visits(period.first.isoformat(), period.last.isoformat())
