"""Staffing advice: how many windows to open each hour so that a target share of visitors
waits no longer than the wait target (Erlang C), checked by a small simulation, next to the
windows the office actually had open.

This module owns reading the history for the advice (arrivals per weekday and hour, the mean
service time, the windows open per weekday and hour, all in the office's timezone), the
advice per hour of next week, and the simulation that checks it. The Erlang C formulas live in
``server.domain.erlang``. Durations are float seconds.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from server.domain import erlang
from server.domain.office import Office

HOUR = 3600.0
SIMULATED_DAYS = 60  # per weekday when the API checks its advice
CLOSED = "closed"


@dataclass(frozen=True)
class Advice:
    """One hour: arrivals expected, windows recommended and the share within target then."""

    hour: int
    arrivals: float  # per hour
    windows: int
    expected_share: float


def advise(
    per_hour: Mapping[int, float], mean_service: float, wait_target: float, share: float = 0.8
) -> list[Advice]:
    """Per hour of the day (arrivals per hour): the fewest windows meeting ``share``."""
    advice = []
    for hour, rate in sorted(per_hour.items()):
        traffic = rate / HOUR * mean_service
        windows = erlang.agents_needed(traffic, wait_target, share, mean_service)
        level = erlang.service_level(traffic, windows, wait_target, mean_service)
        advice.append(Advice(hour, rate, windows, level))
    return advice


def expect_share(
    rate: float, windows: float, mean_service: float, wait_target: float
) -> float:
    """Erlang C's share within ``wait_target`` for ``rate`` arrivals per hour and a possibly
    fractional mean number of windows (linear between the whole numbers around it)."""
    traffic = rate / HOUR * mean_service
    low = math.floor(windows)
    share = erlang.service_level(traffic, low, wait_target, mean_service)
    if windows > low:
        above = erlang.service_level(traffic, low + 1, wait_target, mean_service)
        share += (windows - low) * (above - share)
    return share


# Simulation ------------------------------------------------------------------------------


def _open_spans(windows_at: Mapping[int, int], slot: int) -> list[tuple[float, float]]:
    """When window ``slot`` (0-based) is open: the hours with more than ``slot`` windows."""
    spans: list[tuple[float, float]] = []
    for hour in sorted(windows_at):
        if windows_at[hour] <= slot:
            continue
        start, end = hour * HOUR, (hour + 1) * HOUR
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _earliest_start(spans: list[tuple[float, float]], ready: float) -> float:
    """The first moment at or after ``ready`` inside one of ``spans`` (inf when none)."""
    for start, end in spans:
        if ready < end:
            return max(ready, start)
    return math.inf


def simulate_shares(
    advice: list[Advice], mean_service: float, wait_target: float, days: int, seed: int = 1
) -> dict[int, tuple[int, int]]:
    """Per hour of arrival: (called within ``wait_target``, visitors) over ``days`` simulated
    days with the advised windows each hour. Poisson arrivals, exponential visits, first come
    first served (one topic, as Erlang C assumes). A window closing at the hour finishes its
    visitor; a visitor no window can call before the day ends counts as waiting too long."""
    rng = random.Random(f"staffing:{seed}")
    windows_at = {a.hour: a.windows for a in advice}
    slots = [_open_spans(windows_at, k) for k in range(max(windows_at.values(), default=0))]
    counts: dict[int, list[int]] = {a.hour: [0, 0] for a in advice}
    for _ in range(days):
        free = [0.0] * len(slots)  # when each window finishes its visitor
        for a in sorted(advice, key=lambda a: a.hour):
            at, end = a.hour * HOUR, (a.hour + 1) * HOUR
            while a.arrivals > 0:
                at += rng.expovariate(a.arrivals / HOUR)
                if at >= end:
                    break
                starts = [_earliest_start(spans, max(at, free[k]))
                          for k, spans in enumerate(slots)]
                counts[a.hour][1] += 1
                if not starts or min(starts) == math.inf:
                    continue
                k = min(range(len(starts)), key=starts.__getitem__)
                counts[a.hour][0] += starts[k] - at <= wait_target
                free[k] = starts[k] + rng.expovariate(1 / mean_service)
    return {hour: (hits, total) for hour, (hits, total) in counts.items()}


def simulate_share(
    advice: list[Advice], mean_service: float, wait_target: float, days: int, seed: int = 1
) -> float:
    """Share of all simulated visitors called within ``wait_target`` (see simulate_shares)."""
    counts = simulate_shares(advice, mean_service, wait_target, days, seed).values()
    hits, total = sum(h for h, _ in counts), sum(t for _, t in counts)
    return hits / total if total else 1.0


# History ---------------------------------------------------------------------------------


class HistoryRecords(Protocol):
    """What the advice reads from the store (``SqliteUnit`` implements it)."""

    def visits(self, first_day: str, last_day: str) -> Iterator[dict[str, object]]: ...
    def events_between(self, start: float, end: float) -> Iterator[dict[str, object]]: ...


class HistoryStore(Protocol):
    def read(self) -> AbstractContextManager[HistoryRecords]: ...


@dataclass(frozen=True)
class History:
    """The office's recent weeks, per (weekday 0=Monday, hour) in the office's timezone."""

    first_day: date
    last_day: date
    days: dict[int, int]  # weekday: office days counted
    arrivals: dict[tuple[int, int], float]  # mean tickets issued in that hour of such a day
    windows: dict[tuple[int, int], float]  # mean windows not closed during that hour
    service_time: float | None  # mean start-to-finish of done visits, None without any


def _office_days(office: Office, first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if office.schedule.opening(day) is not None:
            days.append(day)
        day += timedelta(days=1)
    return days


def _midnight(day: date, office: Office) -> float:
    return datetime.combine(day, time(0), office.zone).timestamp()


def _local_hour(at: float, office: Office) -> tuple[date, int]:
    local = datetime.fromtimestamp(at, office.zone)
    return local.date(), local.hour


def count_window_hours(
    events: Iterable[Mapping[str, object]], office: Office, start: float, end: float
) -> dict[tuple[date, int], float]:
    """Window-seconds not closed per (local day, hour) between ``start`` and ``end``, replayed
    from ``window.changed`` events (every window is taken as closed at ``start``)."""
    states: dict[object, str] = {}
    seconds: dict[tuple[date, int], float] = defaultdict(float)
    last = start

    def spend(until: float) -> None:
        busy = sum(1 for s in states.values() if s != CLOSED)
        at = last
        while busy and at < until:
            local = datetime.fromtimestamp(at, office.zone)
            top = local.replace(minute=0, second=0, microsecond=0).timestamp() + HOUR
            step = min(top, until)
            seconds[(local.date(), local.hour)] += busy * (step - at)
            at = step

    for event in events:
        if event["kind"] != "window.changed" or event["window"] is None:
            continue
        at = min(max(float(event["at"]), start), end)  # type: ignore[arg-type]
        spend(at)
        last = at
        data = event["data"] if isinstance(event["data"], Mapping) else {}
        states[event["window"]] = str(data.get("state", CLOSED))
    spend(end)
    return dict(seconds)


def read_history(store: HistoryStore, office: Office, now: float, weeks: int) -> History:
    """The last ``weeks`` full weeks before today (office days only, from the first day with
    a ticket): arrivals and windows per weekday and hour, and the mean service time."""
    today = date.fromisoformat(office.day_of(now))
    first, last = today - timedelta(weeks=weeks), today - timedelta(days=1)
    start, end = _midnight(first, office), _midnight(today, office)
    issued: dict[tuple[date, int], int] = defaultdict(int)
    service_sum, served = 0.0, 0
    with store.read() as records:
        for visit in records.visits(first.isoformat(), last.isoformat()):
            at = visit["issued_at"]
            if isinstance(at, float | int):
                issued[_local_hour(float(at), office)] += 1
            began, ended = visit["started_at"], visit["finished_at"]
            if (visit["status"] == "done" and isinstance(began, float | int)
                    and isinstance(ended, float | int) and ended >= began):
                service_sum += float(ended) - float(began)
                served += 1
        occupied = count_window_hours(records.events_between(start, end), office, start, end)
    seen = [d for d, _ in issued]
    days = [d for d in _office_days(office, min(seen, default=today), last)]
    per_weekday: dict[int, int] = defaultdict(int)
    for day in days:
        per_weekday[day.weekday()] += 1
    counted = set(days)
    arrivals: dict[tuple[int, int], float] = defaultdict(float)
    for (day, hour), n in issued.items():
        if day in counted:
            arrivals[(day.weekday(), hour)] += n / per_weekday[day.weekday()]
    windows: dict[tuple[int, int], float] = defaultdict(float)
    for (day, hour), busy in occupied.items():
        if day in counted:
            windows[(day.weekday(), hour)] += busy / HOUR / per_weekday[day.weekday()]
    return History(first, last, dict(per_weekday), dict(arrivals), dict(windows),
                   service_sum / served if served else None)


# The week's advice -----------------------------------------------------------------------


@dataclass(frozen=True)
class HourAdvice:
    """One hour of next week: history, the actual staffing's share and the advice's."""

    day: date
    hour: int
    arrivals: float
    actual_windows: float
    actual_share: float
    recommended_windows: int
    recommended_share: float
    simulated_share: float | None  # None: no simulated visitor arrived in that hour


def office_hours(office: Office, day: date) -> list[int]:
    """The hours of ``day`` in which the office is open at all (none on a day off)."""
    span = office.schedule.opening(day)
    if span is None:
        return []
    opens, closes = span
    last = closes.hour + (1 if (closes.minute, closes.second) != (0, 0) else 0)
    return list(range(opens.hour, last))


def next_week(office: Office, now: float) -> list[date]:
    """Monday to Sunday of the week after this one, in the office's timezone."""
    today = date.fromisoformat(office.day_of(now))
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=1)
    return [monday + timedelta(days=i) for i in range(7)]


def advise_week(
    history: History,
    office: Office,
    now: float,
    share: float,
    *,
    simulated_days: int = SIMULATED_DAYS,
) -> list[HourAdvice]:
    """For each open hour of next week: the fewest windows that call ``share`` of visitors
    within the office's wait target (Erlang C), that advice simulated, and the share the
    windows actually open on that weekday and hour would give."""
    wait_target = office.targets.wait_min * 60.0
    service = history.service_time or office.targets.service_min * 60.0
    result = []
    for day in next_week(office, now):
        weekday = day.weekday()
        rates = {h: history.arrivals.get((weekday, h), 0.0) for h in office_hours(office, day)}
        if not rates:
            continue
        advice = advise(rates, service, wait_target, share)
        simulated = simulate_shares(advice, service, wait_target, simulated_days,
                                    seed=day.toordinal())
        for a in advice:
            actual = history.windows.get((weekday, a.hour), 0.0)
            hits, total = simulated[a.hour]
            result.append(HourAdvice(
                day=day, hour=a.hour, arrivals=a.arrivals, actual_windows=actual,
                actual_share=expect_share(a.arrivals, actual, service, wait_target),
                recommended_windows=a.windows, recommended_share=a.expected_share,
                simulated_share=hits / total if total else None,
            ))
    return result


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def staffing_payload(
    store: HistoryStore, office: Office, now: float, weeks: int, share: float
) -> dict[str, object]:
    """The JSON of GET /api/v1/staffing."""
    history = read_history(store, office, now, weeks)
    hours = advise_week(history, office, now, share)
    service = history.service_time or office.targets.service_min * 60.0
    return {
        "target": share,
        "wait_target": office.targets.wait_min * 60.0,
        "service_time": round(service, 1),
        "service_time_measured": history.service_time is not None,
        "weeks": weeks,
        "history": {"first_day": history.first_day.isoformat(),
                    "last_day": history.last_day.isoformat(),
                    "days": sum(history.days.values())},
        "hours": [
            {
                "day": h.day.isoformat(),
                "weekday": h.day.weekday(),
                "hour": h.hour,
                "arrivals": round(h.arrivals, 2),
                "actual_windows": round(h.actual_windows, 2),
                "actual_share": _rounded(h.actual_share),
                "recommended_windows": h.recommended_windows,
                "recommended_share": _rounded(h.recommended_share),
                "simulated_share": _rounded(h.simulated_share),
            }
            for h in hours
        ],
    }
