"""Report metrics: the definitions of ``docs/metrics.md`` as code, on plain records.

This module owns the day rollup: everything a report shows about one office day, computed once
from that day's tickets (mappings with the ``tickets`` table's columns) and its event log
(mappings with ``at``, ``kind``, ``window``, ``user``, ``data``), as sums, counts, maxima and
fixed-bucket histograms. Rollups merge by addition, so a period report is the merge of its
days, and a report never holds more than one day's records at a time. Pure: no Flask, no
SQLite; durations are float seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ROLLUP_VERSION = 1
DIMENSIONS = ("service", "window", "consultant", "segment", "category", "hour")
PAUSE_REASONS = ("break", "lunch", "technical", "other")

# Histogram buckets: 10 s wide below 10 min, 1 min wide below 2 h, 10 min wide below 8 h,
# then one overflow bucket. A percentile read from them is within half a bucket width of
# the exact value, and never above the exact maximum (kept separately).
FINE_END, MID_END, COARSE_END = 600.0, 7200.0, 28800.0
FINE, MID, COARSE = 10.0, 60.0, 600.0
MID_FIRST = int(FINE_END / FINE)  # 60
COARSE_FIRST = MID_FIRST + int((MID_END - FINE_END) / MID)  # 170
OVERFLOW = COARSE_FIRST + int((COARSE_END - MID_END) / COARSE)  # 206


def bucket_of(seconds: float) -> int:
    """The histogram bucket a duration falls in."""
    s = max(0.0, seconds)
    if s < FINE_END:
        return int(s // FINE)
    if s < MID_END:
        return MID_FIRST + int((s - FINE_END) // MID)
    if s < COARSE_END:
        return COARSE_FIRST + int((s - MID_END) // COARSE)
    return OVERFLOW


def bucket_bounds(index: int) -> tuple[float, float]:
    """[low, high) seconds of a bucket; the overflow bucket's high is infinite."""
    if index < MID_FIRST:
        return index * FINE, (index + 1) * FINE
    if index < COARSE_FIRST:
        low = FINE_END + (index - MID_FIRST) * MID
        return low, low + MID
    if index < OVERFLOW:
        low = MID_END + (index - COARSE_FIRST) * COARSE
        return low, low + COARSE
    return COARSE_END, math.inf


@dataclass
class Dist:
    """A distribution of durations: count, sum, max, how many within their own target, and a
    sparse histogram {bucket: count}."""

    n: int = 0
    total: float = 0.0
    peak: float = 0.0
    within: int = 0
    hist: dict[int, int] = field(default_factory=dict)

    def add(self, seconds: float, target: float | None = None) -> None:
        seconds = max(0.0, seconds)
        self.n += 1
        self.total += seconds
        self.peak = max(self.peak, seconds)
        if target is not None and seconds <= target:
            self.within += 1
        b = bucket_of(seconds)
        self.hist[b] = self.hist.get(b, 0) + 1

    def merge(self, other: Dist) -> None:
        self.n += other.n
        self.total += other.total
        self.peak = max(self.peak, other.peak)
        self.within += other.within
        hist = self.hist
        for b, k in other.hist.items():
            hist[b] = hist.get(b, 0) + k

    def percentile(self, q: float) -> float | None:
        """The q-th percentile (0-100), interpolated inside its bucket, capped at the max."""
        if not self.n:
            return None
        rank = max(1.0, q / 100.0 * self.n)
        seen = 0
        for b in sorted(self.hist):
            k = self.hist[b]
            if seen + k >= rank:
                low, high = bucket_bounds(b)
                high = min(high, self.peak)
                return min(self.peak, low + (high - low) * (rank - seen) / k)
            seen += k
        return self.peak  # pragma: no cover - the ranks always fall inside the histogram

    def summary(self) -> dict[str, float | int | None]:
        return {
            "count": self.n,
            "mean": self.total / self.n if self.n else None,
            "median": self.percentile(50),
            "p90": self.percentile(90),
            "max": self.peak if self.n else None,
            "within_target": self.within,
            "within_share": self.within / self.n if self.n else None,
        }

    def to_json(self) -> list[Any]:
        return [self.n, self.total, self.peak, self.within, self.hist]

    @classmethod
    def from_json(cls, data: list[Any]) -> Dist:
        n, total, peak, within, hist = data
        return cls(n, total, peak, within, {int(b): k for b, k in hist.items()})


COUNTS = ("issued", "served", "no_show", "cancelled", "transferred", "postponed", "recalled")


@dataclass
class Group:
    """The figures of one slice of visits (a service, a window, an hour …)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    wait: Dist = field(default_factory=Dist)
    walk: Dist = field(default_factory=Dist)
    service: Dist = field(default_factory=Dist)

    def merge(self, other: Group) -> None:
        for key, value in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + value
        self.wait.merge(other.wait)
        self.walk.merge(other.walk)
        self.service.merge(other.service)

    def summary(self) -> dict[str, Any]:
        return {**self.counts, "wait": self.wait.summary(), "walk": self.walk.summary(),
                "service": self.service.summary()}

    def to_json(self) -> list[Any]:
        return [self.counts, self.wait.to_json(), self.walk.to_json(), self.service.to_json()]

    @classmethod
    def from_json(cls, data: list[Any]) -> Group:
        return cls(dict(data[0]), Dist.from_json(data[1]), Dist.from_json(data[2]),
                   Dist.from_json(data[3]))


@dataclass
class Desk:
    """Time of a window, or of a consultant, by state (seconds), and pauses by reason."""

    open: float = 0.0  # not closed: idle, calling, serving or paused
    serving: float = 0.0
    paused: dict[str, float] = field(default_factory=dict)
    pauses: dict[str, int] = field(default_factory=dict)
    idle_waiting: float = 0.0  # idle (open, no visitor) while somebody was waiting

    def merge(self, other: Desk) -> None:
        self.open += other.open
        self.serving += other.serving
        self.idle_waiting += other.idle_waiting
        for reason, seconds in other.paused.items():
            self.paused[reason] = self.paused.get(reason, 0.0) + seconds
        for reason, k in other.pauses.items():
            self.pauses[reason] = self.pauses.get(reason, 0) + k

    def summary(self) -> dict[str, Any]:
        paused = sum(self.paused.values())
        staffed = self.open - paused
        return {
            "open": self.open,
            "paused": paused,
            "serving": self.serving,
            "idle_while_waiting": self.idle_waiting,
            "utilisation": self.serving / staffed if staffed > 0 else None,
            "paused_by_reason": dict(sorted(self.paused.items())),
            "pauses_by_reason": dict(sorted(self.pauses.items())),
        }

    def to_json(self) -> list[Any]:
        return [self.open, self.serving, self.paused, self.pauses, self.idle_waiting]

    @classmethod
    def from_json(cls, data: list[Any]) -> Desk:
        return cls(data[0], data[1], dict(data[2]), dict(data[3]), data[4])


@dataclass
class Rollup:
    """One office day (or, merged, a period): groups per dimension, desks, queue, calls."""

    days: int = 0
    all: Group = field(default_factory=Group)
    groups: dict[str, dict[str, Group]] = field(
        default_factory=lambda: {d: {} for d in DIMENSIONS})
    windows: dict[str, Desk] = field(default_factory=dict)
    consultants: dict[str, Desk] = field(default_factory=dict)
    queue_peak: dict[str, int] = field(default_factory=dict)  # hour → most waiting at once
    queue_area: dict[str, float] = field(default_factory=dict)  # hour → waiting × seconds
    heat: dict[str, list[float]] = field(default_factory=dict)  # "wd:hh" → [arrivals, wait Σ, n]
    staff_calls: int = 0
    staff_response: Dist = field(default_factory=Dist)
    ratings: dict[str, int] = field(default_factory=dict)
    trend: list[dict[str, Any]] = field(default_factory=list)  # one row per day

    def group(self, dimension: str, key: object) -> Group:
        slot = self.groups[dimension]
        name = "" if key is None else str(key)
        found = slot.get(name)
        if found is None:
            found = slot[name] = Group()
        return found

    def merge(self, other: Rollup) -> None:
        self.days += other.days
        self.all.merge(other.all)
        for dimension, slot in other.groups.items():
            mine = self.groups.setdefault(dimension, {})
            for key, group in slot.items():
                if key in mine:
                    mine[key].merge(group)
                else:
                    mine[key] = Group.from_json(group.to_json())
        for target, source in ((self.windows, other.windows),
                               (self.consultants, other.consultants)):
            for key, desk in source.items():
                target.setdefault(key, Desk()).merge(desk)
        for hour, peak in other.queue_peak.items():
            self.queue_peak[hour] = max(self.queue_peak.get(hour, 0), peak)
        for hour, area in other.queue_area.items():
            self.queue_area[hour] = self.queue_area.get(hour, 0.0) + area
        for cell, (arrivals, wait_sum, waits) in other.heat.items():
            mine_cell = self.heat.setdefault(cell, [0, 0.0, 0])
            mine_cell[0] += arrivals
            mine_cell[1] += wait_sum
            mine_cell[2] += waits
        self.staff_calls += other.staff_calls
        self.staff_response.merge(other.staff_response)
        for stars, k in other.ratings.items():
            self.ratings[stars] = self.ratings.get(stars, 0) + k
        self.trend.extend(other.trend)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": ROLLUP_VERSION,
            "days": self.days,
            "all": self.all.to_json(),
            "groups": {d: {k: g.to_json() for k, g in s.items()} for d, s in self.groups.items()},
            "windows": {k: d.to_json() for k, d in self.windows.items()},
            "consultants": {k: d.to_json() for k, d in self.consultants.items()},
            "queue_peak": self.queue_peak,
            "queue_area": self.queue_area,
            "heat": self.heat,
            "staff_calls": self.staff_calls,
            "staff_response": self.staff_response.to_json(),
            "ratings": self.ratings,
            "trend": self.trend,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rollup:
        if data.get("version") != ROLLUP_VERSION:
            raise ValueError(f"rollup version {data.get('version')!r}, not {ROLLUP_VERSION}")
        groups = {d: {} for d in DIMENSIONS}
        for d, slot in data["groups"].items():
            groups[d] = {k: Group.from_json(g) for k, g in slot.items()}
        return cls(
            days=data["days"],
            all=Group.from_json(data["all"]),
            groups=groups,
            windows={k: Desk.from_json(v) for k, v in data["windows"].items()},
            consultants={k: Desk.from_json(v) for k, v in data["consultants"].items()},
            queue_peak=dict(data["queue_peak"]),
            queue_area=dict(data["queue_area"]),
            heat={k: list(v) for k, v in data["heat"].items()},
            staff_calls=data["staff_calls"],
            staff_response=Dist.from_json(data["staff_response"]),
            ratings=dict(data["ratings"]),
            trend=list(data["trend"]),
        )


# Building a day ---------------------------------------------------------------------------


def _visit(rollup: Rollup, t: Mapping[str, Any], hour_of: Callable[[float], int],
           weekday: int, closed: bool) -> None:
    status = t["status"]
    issued = float(t["issued_at"])
    hour = hour_of(issued)
    groups = [rollup.all]
    for dimension, key in (("service", t["service"]), ("segment", t["segment"]),
                           ("hour", f"{hour:02d}")):
        groups.append(rollup.group(dimension, key))
    if t["category"]:
        groups.append(rollup.group("category", t["category"]))
    if t["window"] is not None and status in ("done", "no_show"):
        groups.append(rollup.group("window", t["window"]))
    if t["user"] and status in ("done", "no_show"):
        groups.append(rollup.group("consultant", t["user"]))
    if status == "cancelled" or (closed and status == "waiting"):
        outcome = "cancelled"  # a past day's ticket still waiting is cancelled (day_closed)
    elif status == "done":
        outcome = "served"
    elif status == "no_show":
        outcome = "no_show"
    else:
        # Still in the office: waiting today, or called / being served across midnight (the
        # server cancels only waiting tickets; this visit ends, and counts, later).
        outcome = None
    first = t["first_called_at"]
    wait = float(first) - issued if first is not None else None
    walk = service = None
    if status == "done" and t["started_at"] is not None:
        if t["called_at"] is not None:
            walk = float(t["started_at"]) - float(t["called_at"])
        if t["finished_at"] is not None:
            service = float(t["finished_at"]) - float(t["started_at"])
    for g in groups:
        c = g.counts
        c["issued"] += 1
        if outcome is not None:
            c[outcome] += 1
        c["transferred"] += 1 if t["transfers"] else 0
        c["postponed"] += 1 if t["postponements"] else 0
        c["recalled"] += 1 if t["recalls"] else 0
        if wait is not None:
            g.wait.add(wait, t["wait_target"])
        if walk is not None:
            g.walk.add(walk)
        if service is not None:
            g.service.add(service, t["service_target"])
    cell = rollup.heat.setdefault(f"{weekday}:{hour:02d}", [0, 0.0, 0])
    cell[0] += 1
    if wait is not None:
        cell[1] += wait
        cell[2] += 1
    if t["rating"]:
        stars = str(t["rating"])
        rollup.ratings[stars] = rollup.ratings.get(stars, 0) + 1


@dataclass
class _Station:
    state: str = "closed"  # closed, idle, calling, serving, paused
    user: str | None = None
    reason: str | None = None
    since: float = 0.0


# Ticket events that put a visitor (back) into the queue, or take one out of it.
JOINS = frozenset({"ticket.issued", "ticket.postponed", "ticket.transferred"})
LEAVES = frozenset({"ticket.called", "ticket.cancelled"})
RELEASES = frozenset({"ticket.finished", "ticket.no_show", "ticket.postponed",
                      "ticket.transferred"})
# Ticket events that can only come from a visit already at the window.
CARRIED_OVER = RELEASES | {"ticket.started"}


class _Replay:
    """Walks the day's event log in order, accruing time to windows, consultants and hours."""

    def __init__(self, rollup: Rollup, hour_of: Callable[[float], int], start: float) -> None:
        self.rollup, self.hour_of = rollup, hour_of
        self.stations: dict[int, _Station] = {}
        self.waiting = 0
        self.clock = self.start = start

    def _advance(self, to: float) -> None:
        """Accrue [clock, to) to every station's current state and to the queue length."""
        while self.clock < to:
            # Split at hour boundaries so queue area lands in the right hour.
            hour = self.hour_of(self.clock)
            step_end = min(to, (math.floor(self.clock / 3600.0) + 1) * 3600.0)
            span = step_end - self.clock
            if self.waiting:
                key = f"{hour:02d}"
                self.rollup.queue_area[key] = self.rollup.queue_area.get(key, 0.0) + \
                    self.waiting * span
                # Visitors still waiting from an earlier hour count in this hour's peak too.
                self.rollup.queue_peak[key] = max(self.rollup.queue_peak.get(key, 0),
                                                  self.waiting)
            for number, st in self.stations.items():
                if st.state == "closed":
                    continue
                desks = [self.rollup.windows.setdefault(str(number), Desk())]
                if st.user:
                    desks.append(self.rollup.consultants.setdefault(st.user, Desk()))
                for desk in desks:
                    desk.open += span
                    if st.state == "serving":
                        desk.serving += span
                    elif st.state == "paused":
                        reason = st.reason or "other"
                        desk.paused[reason] = desk.paused.get(reason, 0.0) + span
                    elif st.state == "idle" and self.waiting:
                        desk.idle_waiting += span
            self.clock = step_end

    def _carried_over(self, number: int, e: Mapping[str, Any]) -> None:
        """The window's first event of the day continues a visit from before midnight: the
        window was open since midnight, and serving since midnight if the event is the finish
        (only a visit being served can be finished). The visit itself counts on its own day."""
        span = float(e["at"]) - self.start
        st = self.stations[number] = _Station(state="calling", user=e["user"])
        desks = [self.rollup.windows.setdefault(str(number), Desk())]
        if st.user:
            desks.append(self.rollup.consultants.setdefault(st.user, Desk()))
        for desk in desks:
            desk.open += span
            if e["kind"] == "ticket.finished":
                desk.serving += span

    def _peak(self, at: float) -> None:
        key = f"{self.hour_of(at):02d}"
        self.rollup.queue_peak[key] = max(self.rollup.queue_peak.get(key, 0), self.waiting)

    def apply(self, e: Mapping[str, Any]) -> None:
        at = float(e["at"])
        self._advance(max(at, self.clock))
        kind, data = e["kind"], e["data"] or {}
        number = e["window"]
        if number is not None and number not in self.stations and kind in CARRIED_OVER:
            self._carried_over(number, e)
        st = self.stations.setdefault(number, _Station()) if number is not None else None
        if kind == "window.changed" and st is not None:
            state = str(data.get("state", "closed"))
            st.state = "idle" if state == "open" else state
            if state == "open" and e["user"]:
                st.user = st.user or e["user"]
            if state == "closed":
                st.user = None
            if state == "paused":
                st.reason = str(data.get("pause_reason") or "other")
                for key in (str(number), st.user):
                    if key is None:
                        continue
                    desk = (self.rollup.windows.setdefault(key, Desk()) if key == str(number)
                            else self.rollup.consultants.setdefault(key, Desk()))
                    desk.pauses[st.reason] = desk.pauses.get(st.reason, 0) + 1
        elif kind == "ticket.called" and st is not None:
            if st.state == "closed":  # an admin calling at a window opened before midnight
                st.user = e["user"]
            st.state = "calling"
        elif kind == "ticket.started" and st is not None:
            st.state = "serving"
        elif kind in RELEASES and st is not None:
            st.state = "idle"
        elif kind == "alert.raised" and data.get("kind") == "staff_call":
            self.rollup.staff_calls += 1
        elif kind == "alert.acked" and data.get("kind") == "staff_call":
            if data.get("response_time") is not None:
                self.rollup.staff_response.add(float(data["response_time"]))
        if kind in JOINS:
            self.waiting += 1
            self._peak(at)
        elif kind in LEAVES and (kind != "ticket.cancelled" or self.waiting):
            self.waiting = max(0, self.waiting - 1)

    def finish(self, end: float) -> None:
        self._advance(end)


def build_day(
    day: str,
    tickets: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    *,
    start: float,
    end: float,
    weekday: int,
    hour_of: Callable[[float], int],
    closed: bool,
) -> Rollup:
    """The rollup of office day ``day`` ([start, end) in epoch seconds): ``tickets`` are the
    day's tickets, ``events`` its log in ``seq`` order. ``closed``: the day is over, so a
    ticket still waiting counts as cancelled. For today, ``end`` is now."""
    rollup = Rollup(days=1)
    for ticket in tickets:
        _visit(rollup, ticket, hour_of, weekday, closed)
    replay = _Replay(rollup, hour_of, start)
    for event in events:
        replay.apply(event)
    replay.finish(end)
    a = rollup.all
    rollup.trend.append({
        "day": day,
        "issued": a.counts["issued"],
        "served": a.counts["served"],
        "no_show": a.counts["no_show"],
        "mean_wait": a.wait.total / a.wait.n if a.wait.n else None,
        "wait_within_share": a.wait.within / a.wait.n if a.wait.n else None,
        "mean_service": a.service.total / a.service.n if a.service.n else None,
        "service_within_share": a.service.within / a.service.n if a.service.n else None,
    })
    return rollup


def merge(rollups: Iterable[Rollup]) -> Rollup:
    total = Rollup()
    for r in rollups:
        total.merge(r)
    return total


# The report --------------------------------------------------------------------------------


def _totals(group: Group) -> dict[str, int]:
    return dict(group.counts)


def summarise(rollup: Rollup) -> dict[str, Any]:
    """The report's figures (JSON-ready) from a merged rollup."""
    breakdowns = {
        dimension: {key: rollup.groups[dimension][key].summary()
                    for key in sorted(rollup.groups.get(dimension, {}))}
        for dimension in DIMENSIONS
    }
    ratings = {str(s): rollup.ratings.get(str(s), 0) for s in range(1, 6)}
    rated = sum(ratings.values())
    hours = sorted(set(rollup.queue_peak) | set(rollup.queue_area)
                   | set(rollup.groups["hour"]))
    days = max(rollup.days, 1)
    return {
        "days": rollup.days,
        "totals": _totals(rollup.all),
        "wait": rollup.all.wait.summary(),
        "walk": rollup.all.walk.summary(),
        "service": rollup.all.service.summary(),
        "breakdowns": breakdowns,
        "queue_by_hour": {
            h: {"peak": rollup.queue_peak.get(h, 0),
                "mean": rollup.queue_area.get(h, 0.0) / 3600.0 / days}
            for h in hours
        },
        "heat_map": {cell: {"arrivals": v[0], "mean_wait": v[1] / v[2] if v[2] else None}
                     for cell, v in sorted(rollup.heat.items())},
        "windows": {k: rollup.windows[k].summary()
                    for k in sorted(rollup.windows, key=lambda s: (len(s), s))},
        "consultants": {
            k: {**rollup.consultants.get(k, Desk()).summary(),
                "served": rollup.groups["consultant"].get(k, Group()).counts["served"],
                "mean_service": rollup.groups["consultant"].get(k, Group()).service.summary()
                ["mean"]}
            for k in sorted(rollup.consultants.keys() | rollup.groups["consultant"].keys())
        },
        "staff_calls": {"presses": rollup.staff_calls,
                        "response": rollup.staff_response.summary()},
        "ratings": {"count": rated,
                    "mean": sum(int(s) * k for s, k in ratings.items()) / rated
                    if rated else None,
                    "by_stars": ratings},
        "trend": sorted(rollup.trend, key=lambda row: row["day"]),
        "wait_histogram": wait_histogram(rollup.all.wait),
    }


def wait_histogram(dist: Dist, width: float = 60.0, limit: float = 3600.0) -> list[int]:
    """Waits counted per ``width``-second bin up to ``limit`` (the last bin: everything over),
    for the distribution chart. Exact for widths that are multiples of a bucket."""
    bins = [0] * (int(limit // width) + 1)
    for b, k in dist.hist.items():
        low, _ = bucket_bounds(b)
        bins[min(len(bins) - 1, int(low // width))] += k
    return bins
