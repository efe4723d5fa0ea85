"""The dispatch-policy simulator behind ``talon simulate SCENARIO.toml``.

This module owns the discrete-event simulation of office days on a virtual clock and the
plain-text comparison report; the scenario file is ``server.scenarios``. It creates real
``Ticket`` objects and asks ``server.domain.dispatch.choose`` for the next visitor whenever a
window is free, as the queue server does, so what it measures is the code the server runs.

Each simulated day is drawn once and replayed under every policy (common random numbers): the
policies see the same visitors at the same instants with the same service times, so the
differences in the report come from dispatch, not from luck. Pure Python: no Flask, no SQLite.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from server.config import ConfigError
from server.domain import dispatch, forecast, prediction
from server.domain.office import Office, Segment, Service
from server.domain.tickets import Ticket, format_label
from server.scenarios import HOUR, MINUTE, Scenario, ServiceMix, load_scenario

ROSTER = True  # the predictor knows the scenario's staffing plan (lunches, early leavers)
FIRST_DAY = date(2026, 3, 2)  # only gives the simulated tickets a date
CLASSES = ("ordinary", "VIP", "priority topic", "out-of-turn")


@dataclass(frozen=True)
class Visitor:
    """One arrival, drawn once per day and replayed under every policy."""

    at: float
    service: Service
    segment: Segment
    category: str | None
    duration: float


@dataclass
class Station:
    """A window during a simulated day."""

    desk: dispatch.Desk
    shifts: list[tuple[float, float]]
    stays: bool  # staffed at closing: calls on until nobody it may serve is waiting
    idle_since: float
    ticket: Ticket | None = None

    def on_duty(self, now: float) -> bool:
        if any(start <= now < end for start, end in self.shifts):
            return True
        return self.stays and now >= max(end for _, end in self.shifts)


@dataclass
class PolicyResult:
    """Waits (seconds) per visitor class, pooled over all simulated days."""

    policy: str
    waits: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CLASSES})
    within: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CLASSES})
    unserved: int = 0  # never called; the closing-time check should keep this at 0
    # (predicted, naive baseline, actual) wait of every ticket, predicted at its issue
    predictions: list[tuple[float, float, float]] = field(default_factory=list)

    def count(self, cls: str | None = None) -> int:
        return sum(len(w) for c, w in self.waits.items() if cls in (None, c))

    def share_within(self, cls: str | None = None) -> float:
        hits = sum(k for c, k in self.within.items() if cls in (None, c))
        return hits / self.count(cls) if self.count(cls) else math.nan

    def all_waits(self) -> list[float]:
        return [w for waits in self.waits.values() for w in waits]


# Drawing a day ------------------------------------------------------------------------------


def draw_day(scenario: Scenario, rng: random.Random) -> list[Visitor]:
    """Poisson arrivals hour by hour; a topic, segment, category and service time for each."""
    spec, office = scenario.spec, scenario.office
    services = {s.code: s for s in office.services}
    segments = {s.code: s for s in office.segments}
    codes = list(spec.services)
    shares = [spec.services[c].share for c in codes]
    categories = [c.code for c in office.out_of_turn]
    start, close = scenario.opening
    visitors = []
    for hour, rate in enumerate(spec.arrivals.per_hour):
        at, hour_end = start + hour * HOUR, min(close, start + (hour + 1) * HOUR)
        while rate > 0:
            # Exponential gaps, restarted each hour: the rate is constant within an hour and
            # the exponential distribution forgets, so this is exactly a Poisson process.
            at += rng.expovariate(rate / HOUR)
            if at >= hour_end:
                break
            service = services[rng.choices(codes, weights=shares)[0]]
            segment = segments[service.segment or office.default_segment]
            # VIP tickets are issued by the hall consultant, for topics without a fixed segment.
            if rng.random() < spec.visitors.vip and service.segment is None:
                segment = segments[spec.visitors.vip_segment]
            category = rng.choice(categories) if rng.random() < spec.visitors.out_of_turn else None
            duration = draw_duration(spec.services[service.code], rng)
            visitors.append(Visitor(at, service, segment, category, duration))
    return visitors


def draw_duration(mix: ServiceMix, rng: random.Random) -> float:
    """Lognormal service time with the given mean and coefficient of variation, cut."""
    mean = mix.mean_min * MINUTE
    if mix.cv == 0:
        return min(mean, mix.max_min * MINUTE)
    sigma2 = math.log(1 + mix.cv**2)
    drawn = rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
    return min(drawn, mix.max_min * MINUTE)


# Simulating a day ---------------------------------------------------------------------------


def make_policy(code: str, scenario: Scenario) -> dispatch.Policy:
    """The policy objects the server builds from the office file (fifo: simulator only)."""
    return {
        "target": dispatch.policy_for(scenario.office),
        "strict": dispatch.StrictPolicy(frozenset({scenario.spec.visitors.vip_segment})),
        "fifo": dispatch.FifoPolicy(),
    }[code]


def make_stations(scenario: Scenario) -> list[Station]:
    close = scenario.opening[1]
    stations = []
    for window in scenario.office.windows:
        if shifts := scenario.shifts(window.number):
            desk = dispatch.Desk(window.number, f"staff-{window.number}", window.weights)
            stays = any(a < close <= b for a, b in shifts)
            stations.append(Station(desk, shifts, stays, idle_since=min(a for a, _ in shifts)))
    return stations


def issue_ticket(office: Office, visitor: Visitor, ident: int, day: str,
                 counters: dict[str, int]) -> Ticket:
    """A ticket as the server issues it: targets from the office, priority from the topic."""
    service, segment = visitor.service, visitor.segment
    counters[service.prefix] = number = counters.get(service.prefix, 0) + 1
    return Ticket(
        day=day, number=number, label=format_label(service.prefix, number),
        service=service.code, segment=segment.code, issued_at=visitor.at,
        wait_target=office.wait_target(service, segment),
        service_target=office.service_target(service, segment),
        public_id=f"sim-{day}-{ident}", category=visitor.category,
        priority=service.priority, id=ident,
    )


def simulate_day(scenario: Scenario, policy: dispatch.Policy, visitors: Sequence[Visitor],
                 day: int = 0,
                 predicted: dict[int, tuple[float, float]] | None = None) -> list[Ticket]:
    """Run one office day on a virtual clock; return every ticket in issue order.

    Events are arrivals, shift starts and finished visits; after each, every free window on
    duty calls its next visitor. Times are seconds since midnight. With ``predicted``, each
    ticket's expected wait at issue (the prediction and the naive baseline) goes there.
    """
    day_name = (FIRST_DAY + timedelta(days=day)).isoformat()
    stations = make_stations(scenario)
    events: list[tuple[float, int, str, Any]] = [
        (visitor.at, i, "arrive", i) for i, visitor in enumerate(visitors)]
    events += [(start, len(events) + j, "shift", None)
               for j, start in enumerate(a for s in stations for a, _ in s.shifts)]
    heapq.heapify(events)
    seq = len(events)  # tie-breaker: events at one instant in the order they were made
    waiting: dict[int, Ticket] = {}
    tickets: list[Ticket] = []
    counters: dict[str, int] = {}
    while events:
        now, _, kind, item = heapq.heappop(events)
        if kind == "arrive":
            ticket = issue_ticket(scenario.office, visitors[item], item + 1, day_name, counters)
            waiting[item + 1] = ticket
            tickets.append(ticket)
            if predicted is not None:
                predicted[ticket.id or 0] = predict_wait(scenario, policy, stations, waiting,
                                                         ticket, now)
        elif kind == "finish":
            item.ticket.finish(now, "done", [])
            item.ticket, item.idle_since = None, now
        for station, ticket in call_free_windows(policy, stations, waiting, now):
            finish = now + visitors[(ticket.id or 0) - 1].duration
            heapq.heappush(events, (finish, seq, "finish", station))
            seq += 1
    return tickets


def history(scenario: Scenario) -> dict[str, float]:
    """Mean service time per topic: what the server learns from its recent visits."""
    return {code: draw_mean(mix) for code, mix in scenario.spec.services.items()}


def draw_mean(mix: ServiceMix) -> float:
    return min(mix.mean_min, mix.max_min) * MINUTE


def expected_streams(scenario: Scenario, now: float) -> list[prediction.Stream]:
    """Arrivals expected after ``now`` at this hour's rate (the history of arrivals per hour):
    ordinary, VIP and out-of-turn visitors of each topic."""
    spec, office = scenario.spec, scenario.office
    start, close = scenario.opening
    hour = min(len(spec.arrivals.per_hour) - 1, max(0, int((now - start) // HOUR)))
    rate = spec.arrivals.per_hour[hour] / HOUR
    category = office.out_of_turn[0].code if office.out_of_turn else None
    streams = []
    for code, mix in spec.services.items():
        service = office.service(code)
        if service is None or mix.share <= 0:
            continue
        oot = spec.visitors.out_of_turn if category else 0.0
        vip = spec.visitors.vip if service.segment is None else 0.0
        kinds = [(service.segment or office.default_segment, None, 1.0 - oot - vip),
                 (spec.visitors.vip_segment, None, vip), (office.default_segment, category, oot)]
        for segment_code, cat, share in kinds:
            segment = office.segment(segment_code)
            if share <= 0 or segment is None:
                continue
            proto = issue_ticket(office, Visitor(now, service, segment, cat, 0.0), 0, "", {})
            streams.append(prediction.Stream(proto, rate * mix.share * share, end=close))
    return streams


def rostered(station: Station, means: dict[str, float], now: float) -> prediction.DeskState:
    """A window with its staffing plan: lunches ahead are known, and when it leaves."""
    free_at = now
    if station.ticket is not None:
        current = station.ticket
        free_at = now + prediction.remaining(means[current.service],
                                             now - (current.started_at or now))
    shifts = sorted(station.shifts)
    away = tuple((a[1], b[0]) for a, b in zip(shifts, shifts[1:], strict=False))
    away = ((0.0, shifts[0][0]), *away)
    leaves = None if station.stays else shifts[-1][1]
    return prediction.DeskState(station.desk, free_at, away, leaves)


def predict_wait(scenario: Scenario, policy: dispatch.Policy, stations: list[Station],
                 waiting: dict[int, Ticket], ticket: Ticket, now: float,
                 roster: bool = ROSTER) -> tuple[float, float]:
    """The prediction the server would show for a ticket just issued, and the naive baseline
    (people ahead × mean service time ÷ serving windows), from what the server knows: windows
    open now, their current visitors, mean service times and arrival rates."""
    means = history(scenario)
    desks = []
    for station in stations:
        if roster:
            desks.append(rostered(station, means, now))
            continue
        if not station.on_duty(now):
            # On a break between shifts the server sees the window paused since the shift
            # ended, and expects it back after a usual lunch; after its last shift, closed.
            ended = [end for _, end in station.shifts if end <= now]
            if ended and any(start > now for start, _ in station.shifts):
                back = max(ended) + prediction.PAUSE_EXPECTED
                desks.append(prediction.DeskState(station.desk, max(now, back)))
            continue
        free_at = now
        if station.ticket is not None:
            current = station.ticket
            elapsed = now - (current.started_at or now)
            free_at = now + prediction.remaining(means[current.service], elapsed)
        desks.append(prediction.DeskState(station.desk, free_at))
    calls = prediction.predict_calls(policy, desks, waiting.values(), now, means,
                                     streams=expected_streams(scenario, now),
                                     wanted=[ticket.id or 0])
    predicted = calls.get(ticket.id or 0, now + prediction.HORIZON) - now
    serving = [d.desk for d in desks if ticket.service in d.desk.weights]
    ahead = forecast.people_ahead(policy, serving, list(waiting.values()), ticket, now)
    return predicted, forecast.expected_wait(ahead, means[ticket.service], len(serving))


def call_free_windows(policy: dispatch.Policy, stations: list[Station],
                      waiting: dict[int, Ticket], now: float) -> list[tuple[Station, Ticket]]:
    """Every free window on duty calls its next visitor; the one idle longest asks first."""
    free = [s for s in stations if s.ticket is None and s.on_duty(now)]
    called = []
    for station in sorted(free, key=lambda s: (s.idle_since, s.desk.number)):
        ticket = dispatch.choose(policy, station.desk, waiting.values(), now)
        if ticket is None:
            continue
        del waiting[ticket.id or 0]
        # The visitor walks up at once; the drawn service time covers the whole visit.
        ticket.call(station.desk.number, station.desk.user, now)
        ticket.start(now)
        station.ticket = ticket
        called.append((station, ticket))
    return called


# Running and reporting ----------------------------------------------------------------------


def classify(ticket: Ticket, vip_segment: str) -> str:
    if ticket.is_out_of_turn:
        return "out-of-turn"
    if ticket.segment == vip_segment:
        return "VIP"
    return "priority topic" if ticket.priority else "ordinary"


def run_scenario(scenario: Scenario, days: int | None = None,
                 seed: int | None = None) -> list[PolicyResult]:
    """Simulate ``days`` office days under every policy of the scenario."""
    spec = scenario.spec
    days, seed = spec.days if days is None else days, spec.seed if seed is None else seed
    if days < 1:
        raise ConfigError(f"{scenario.source}: the number of days must be at least 1")
    results = {code: PolicyResult(code) for code in spec.policies}
    policies = {code: make_policy(code, scenario) for code in spec.policies}
    for day in range(days):
        # A str seed is hashed with SHA-512: the same days on every run and every platform.
        visitors = draw_day(scenario, random.Random(f"talon:{seed}:{day}"))
        for code, policy in policies.items():
            # The server runs the office's policy: its predictions are the ones measured.
            predicted: dict[int, tuple[float, float]] | None = {} if code == spec.policies[
                0] else None
            tickets = simulate_day(scenario, policy, visitors, day, predicted)
            record_day(results[code], tickets, spec.visitors.vip_segment, predicted)
    return list(results.values())


def record_day(result: PolicyResult, tickets: list[Ticket], vip_segment: str,
               predicted: dict[int, tuple[float, float]] | None = None) -> None:
    for ticket in tickets:
        if ticket.first_called_at is None:
            result.unserved += 1
            continue
        cls, wait = classify(ticket, vip_segment), ticket.first_called_at - ticket.issued_at
        result.waits[cls].append(wait)
        result.within[cls] += wait <= ticket.wait_target
        if predicted is not None and ticket.id in predicted:
            result.predictions.append((*predicted[ticket.id], wait))


@dataclass(frozen=True)
class PredictionError:
    """How well the expected wait shown at issue matched the wait that followed."""

    policy: str
    tickets: int
    mae: float  # seconds
    within_5: float  # share of tickets within ±5 min of the prediction
    baseline_mae: float
    baseline_within_5: float


def prediction_error(result: PolicyResult) -> PredictionError | None:
    rows = result.predictions
    if not rows:
        return None
    n = len(rows)
    err = [abs(p - a) for p, _, a in rows]
    base = [abs(b - a) for _, b, a in rows]
    return PredictionError(result.policy, n, sum(err) / n,
                           sum(e <= 5 * MINUTE for e in err) / n, sum(base) / n,
                           sum(e <= 5 * MINUTE for e in base) / n)


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value that at least ``share`` of the values do not exceed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def offered_load(scenario: Scenario) -> tuple[float, float]:
    """Expected hours of service a day, and staffed window-hours while the office is open."""
    spec = scenario.spec
    start, close = scenario.opening
    arrivals = sum(rate * (min(close, start + (h + 1) * HOUR) - start - h * HOUR) / HOUR
                   for h, rate in enumerate(spec.arrivals.per_hour))
    mean_min = sum(mix.share * min(mix.mean_min, mix.max_min) for mix in spec.services.values())
    staffed = sum(max(0.0, min(b, close) - max(a, start))
                  for s in spec.staffing for a, b in scenario.shifts(s.window))
    return arrivals * mean_min / 60.0, staffed / HOUR


def format_report(scenario: Scenario, results: list[PolicyResult], days: int, seed: int) -> str:
    spec = scenario.spec
    work, staffed = offered_load(scenario)
    visitors = results[0].count() + results[0].unserved
    title = spec.name + (f" ({spec.name_en})" if spec.name_en else "")
    lines = [
        f"Scenario: {title}",
        f"  {scenario.source}, office «{scenario.office.name}», "
        f"{spec.hours[0]:%H:%M}-{spec.hours[1]:%H:%M}",
        f"  {days} days, seed {seed}, {visitors} visitors ({visitors / days:.0f} a day)",
        f"  offered load: {work:.1f} h of service a day on {staffed:.1f} staffed window-hours"
        + (f" ({work / staffed:.0%})" if staffed else ""),
        "",
        f"  {'policy':<8}{'class':<16}{'visitors':>9}{'within':>9}{'mean':>8}{'p90':>8}"
        f"{'max':>8}   within own target; wait in minutes",
    ]
    for result in results:
        lines.append(format_row(result.policy, "all", result.all_waits(), result.share_within()))
        lines += [format_row("", cls, result.waits[cls], result.share_within(cls))
                  for cls in CLASSES]
    lines.append("")
    for error in filter(None, map(prediction_error, results)):
        lines += [
            f"  expected wait shown at issue ({error.policy} policy, {error.tickets} tickets):",
            f"  {'method':<26}{'MAE min':>9}{'within ±5 min':>15}",
            f"  {'prediction (replay)':<26}{error.mae / MINUTE:>9.2f}{error.within_5:>15.1%}",
            f"  {'baseline (ahead×mean÷n)':<26}{error.baseline_mae / MINUTE:>9.2f}"
            f"{error.baseline_within_5:>15.1%}",
            "",
        ]
    lines += [f"  WARNING: {r.policy} left {r.unserved} visitors unserved"
              for r in results if r.unserved]
    lines.append("  out-of-turn max wait: " + ", ".join(
        f"{r.policy} {max(r.waits['out-of-turn']) / MINUTE:.1f} min" if r.waits["out-of-turn"]
        else f"{r.policy} -" for r in results))
    return "\n".join(lines) + "\n"


def format_row(policy: str, cls: str, waits: list[float], within: float) -> str:
    if not waits:
        return f"  {policy:<8}{cls:<16}{0:>9}{'-':>9}{'-':>8}{'-':>8}{'-':>8}"
    mean = sum(waits) / len(waits)
    return (f"  {policy:<8}{cls:<16}{len(waits):>9}{within:>9.1%}{mean / MINUTE:>8.1f}"
            f"{percentile(waits, 0.9) / MINUTE:>8.1f}{max(waits) / MINUTE:>8.1f}")


def run_scenario_file(path: str | Path, days: int | None = None, seed: int | None = None) -> str:
    """What ``talon simulate`` prints: the policy comparison for one scenario file."""
    scenario = load_scenario(path)
    days = scenario.spec.days if days is None else days
    seed = scenario.spec.seed if seed is None else seed
    return format_report(scenario, run_scenario(scenario, days, seed), days, seed)
