"""The dispatch-policy simulator behind ``talon simulate SCENARIO.toml``.

This module owns the discrete-event simulation of office days on a virtual clock and the
plain-text comparison report; the scenario file is ``server.scenarios``. It creates real
``Ticket`` objects and asks ``server.domain.dispatch.choose`` for the next visitor whenever a
window is free, as the queue server does, so what it measures is the code the server runs.

Each simulated day is drawn once and replayed under every policy (common random numbers): the
policies see the same visitors at the same instants with the same service times, so the
differences in the report come from dispatch, not from luck. It also measures the expected
wait the server shows at issue and, on request, its clairvoyant bound: the same day replayed
from each ticket's issue with the true arrivals and drawn service times. Pure Python: no
Flask, no SQLite.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from statistics import NormalDist, median
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
    bounds: list[tuple[float, float]] = field(default_factory=list)  # (clairvoyant, actual)

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
    law = log_law(mix)
    return min(rng.lognormvariate(law.mean, law.stdev), mix.max_min * MINUTE)


def draw_remaining(mix: ServiceMix, elapsed: float, rng: random.Random) -> float:
    """A service time for a visit already ``elapsed`` long: ``draw_duration``'s law given
    that it lasts longer than that. Drawn by inverting the distribution function, so a long
    overdue visit needs no endless redraws."""
    cap = mix.max_min * MINUTE
    if elapsed >= cap:  # a visit as long as the cut ends now
        return elapsed
    law = log_law(mix) if mix.cv > 0 and elapsed > 0 else None
    low = law.cdf(math.log(elapsed)) if law else 0.0
    if law is None or low <= 0.0:  # a fixed time, or no condition to speak of
        return max(elapsed, draw_duration(mix, rng))
    share = low + (1.0 - low) * rng.random()
    if share >= 1.0:
        return cap
    return min(cap, max(elapsed, math.exp(law.inv_cdf(share))))


def log_law(mix: ServiceMix) -> NormalDist:
    """The normal law of the logarithm of a service time, before the cut."""
    sigma2 = math.log(1 + mix.cv**2)
    return NormalDist(math.log(mix.mean_min * MINUTE) - sigma2 / 2, math.sqrt(sigma2))


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


@dataclass
class Day:
    """A simulated day in progress: its windows, who waits, and the events still to come.

    An event is ``(time, order, kind, item)``: an arrival (``item`` is the visitor's index),
    a shift start, or a finished visit (``item`` is its station); ``order`` keeps events at
    one instant in the order they were made."""

    scenario: Scenario
    visitors: Sequence[Visitor]
    name: str
    stations: list[Station]
    events: list[tuple[float, int, str, Any]]
    made: int  # events made so far: the next one's order
    waiting: dict[int, Ticket] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def schedule(self, at: float, kind: str, item: Any) -> None:
        """Add an event after every one made so far (it loses ties with them)."""
        heapq.heappush(self.events, (at, self.made, kind, item))
        self.made += 1

    def next_event(self) -> tuple[float, Ticket | None]:
        """Take the next event and apply it: an arrival joins the queue (its new ticket is
        returned), a finished visit frees its window."""
        now, _, kind, item = heapq.heappop(self.events)
        if kind == "arrive":
            ticket = issue_ticket(self.scenario.office, self.visitors[item], item + 1,
                                  self.name, self.counters)
            self.waiting[item + 1] = ticket
            return now, ticket
        if kind == "finish":
            item.ticket.finish(now, "done", [])
            item.ticket, item.idle_since = None, now
        return now, None

    def call(self, policy: dispatch.Policy, now: float,
             duration: Callable[[Ticket], float]) -> list[Ticket]:
        """Every free window on duty calls its next visitor, who stays ``duration(ticket)``."""
        called = call_free_windows(policy, self.stations, self.waiting, now)
        for station, ticket in called:
            self.schedule(now + duration(ticket), "finish", station)
        return [ticket for _, ticket in called]


def open_day(scenario: Scenario, visitors: Sequence[Visitor], day: int) -> Day:
    """A day before opening: every arrival and shift start is an event already."""
    stations = make_stations(scenario)
    events: list[tuple[float, int, str, Any]] = [
        (visitor.at, i, "arrive", i) for i, visitor in enumerate(visitors)]
    events += [(start, len(events) + j, "shift", None)
               for j, start in enumerate(a for s in stations for a, _ in s.shifts)]
    heapq.heapify(events)
    name = (FIRST_DAY + timedelta(days=day)).isoformat()
    return Day(scenario, visitors, name, stations, events, made=len(events))


def simulate_day(scenario: Scenario, policy: dispatch.Policy, visitors: Sequence[Visitor],
                 day: int = 0, predicted: dict[int, tuple[float, float]] | None = None,
                 bounds: Bounds | None = None) -> list[Ticket]:
    """Run one office day on a virtual clock; return every ticket in issue order.

    Events are arrivals, shift starts and finished visits; after each, every free window on
    duty calls its next visitor. Times are seconds since midnight. With ``predicted``, each
    ticket's expected wait at issue (the prediction and the naive baseline) goes there; with
    ``bounds``, its clairvoyant bound too.
    """
    state = open_day(scenario, visitors, day)
    tickets: list[Ticket] = []
    while state.events:
        now, ticket = state.next_event()
        if ticket is not None:
            tickets.append(ticket)
            if predicted is not None:
                predicted[ticket.id or 0] = predict_wait(scenario, policy, state.stations,
                                                         state.waiting, ticket, now)
            if bounds is not None:
                bounds.waits[ticket.id or 0] = clairvoyant_wait(
                    state, policy, ticket, now, bounds.replays, bounds.rng(ticket))
        state.call(policy, now, lambda t: visitors[(t.id or 0) - 1].duration)
    return tickets


def history(scenario: Scenario) -> dict[str, float]:
    """Mean service time per topic: what the server learns from its recent visits."""
    return {code: draw_mean(mix) for code, mix in scenario.spec.services.items()}


def draw_mean(mix: ServiceMix) -> float:
    return min(mix.mean_min, mix.max_min) * MINUTE


def hourly_rates(scenario: Scenario) -> list[tuple[float, float, float]]:
    """Each opening hour as ``(start, end, arrivals per second)``, the last cut at closing:
    the history of arrivals per hour the server learns."""
    start, close = scenario.opening
    return [(start + h * HOUR, min(close, start + (h + 1) * HOUR), rate / HOUR)
            for h, rate in enumerate(scenario.spec.arrivals.per_hour)]


def expected_streams(scenario: Scenario, now: float) -> list[prediction.Stream]:
    """Arrivals expected after ``now``, hour by hour at each hour's rate: ordinary, VIP and
    out-of-turn visitors of each topic."""
    spec, office = scenario.spec, scenario.office
    rates = hourly_rates(scenario)
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
            scaled = [(a, b, rate * mix.share * share) for a, b, rate in rates]
            streams += prediction.hourly_streams(proto, scaled, now)
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


# The clairvoyant bound ---------------------------------------------------------------------


@dataclass
class Bounds:
    """The clairvoyant bound of each ticket of one day (seconds, by ticket id), from
    ``replays`` replays per ticket drawn from generators seeded by ``seed`` and the ticket."""

    replays: int
    seed: str
    waits: dict[int, float] = field(default_factory=dict)

    def rng(self, ticket: Ticket) -> random.Random:
        """The ticket's own generator: its bound does not depend on the tickets before it."""
        return random.Random(f"{self.seed}:bound:{ticket.id}")


def clairvoyant_wait(day: Day, policy: dispatch.Policy, ticket: Ticket, now: float,
                     replays: int, rng: random.Random) -> float:
    """The wait of ``ticket`` as one who knows every arrival to come (time, topic, category)
    and the staffing plan would predict it: the median over ``replays`` replays of the rest
    of the day in which only the service times are drawn. The median minimises the expected
    absolute error, so this is about the least MAE possible without knowing service times."""
    return median(replay_wait(day, policy, ticket.id or 0, now, rng) for _ in range(replays))


def replay_wait(day: Day, policy: dispatch.Policy, target: int, now: float,
                rng: random.Random) -> float:
    """Seconds until ``target`` is called in one replay of ``day`` from ``now`` on a copy,
    with service times drawn afresh (``prediction.HORIZON`` if it never is)."""
    copy = fork_day(day, now, rng)
    mixes = day.scenario.spec.services
    at = now
    while True:
        called = copy.call(policy, at, lambda t: draw_duration(mixes[t.service], rng))
        if any(t.id == target for t in called):
            return at - now
        if not copy.events:
            return prediction.HORIZON
        at, _ = copy.next_event()


def fork_day(day: Day, now: float, rng: random.Random) -> Day:
    """A copy of ``day`` at ``now`` to replay without touching the real one: windows, waiting
    tickets and events copied, each visit in progress ending at a time drawn given how long
    it has lasted (the true service times stay unknown)."""
    stations = [replace(s, ticket=copy_ticket(s.ticket) if s.ticket else None)
                for s in day.stations]
    by_id = {id(old): new for old, new in zip(day.stations, stations, strict=True)}
    mixes = day.scenario.spec.services
    events = []
    for at, order, kind, item in day.events:
        if kind == "finish":
            item = by_id[id(item)]
            begun = item.ticket.started_at or now
            at = begun + draw_remaining(mixes[item.ticket.service], now - begun, rng)
        events.append((at, order, kind, item))
    heapq.heapify(events)
    return replace(day, stations=stations, events=events, counters=dict(day.counters),
                   waiting={i: copy_ticket(t) for i, t in day.waiting.items()})


def copy_ticket(ticket: Ticket) -> Ticket:
    """A ticket to call and finish in a replay; its list of topics is its own."""
    return replace(ticket, topics=list(ticket.topics))


# Running and reporting ----------------------------------------------------------------------


def classify(ticket: Ticket, vip_segment: str) -> str:
    if ticket.is_out_of_turn:
        return "out-of-turn"
    if ticket.segment == vip_segment:
        return "VIP"
    return "priority topic" if ticket.priority else "ordinary"


def run_scenario(scenario: Scenario, days: int | None = None, seed: int | None = None,
                 bound: int | None = None) -> list[PolicyResult]:
    """Simulate ``days`` office days under every policy of the scenario; with ``bound``,
    the clairvoyant bound of every measured prediction too, from ``bound`` replays each."""
    spec = scenario.spec
    days, seed = spec.days if days is None else days, spec.seed if seed is None else seed
    if days < 1:
        raise ConfigError(f"{scenario.source}: the number of days must be at least 1")
    if bound is not None and bound < 1:
        raise ConfigError(f"--bound {bound}: the clairvoyant bound needs at least 1 replay "
                          "per ticket (try --bound 31)")
    results = {code: PolicyResult(code) for code in spec.policies}
    policies = {code: make_policy(code, scenario) for code in spec.policies}
    for day in range(days):
        # A str seed is hashed with SHA-512: the same days on every run and every platform.
        visitors = draw_day(scenario, random.Random(f"talon:{seed}:{day}"))
        for code, policy in policies.items():
            # The server runs the office's policy: its predictions are the ones measured.
            measured = code == spec.policies[0]
            predicted: dict[int, tuple[float, float]] | None = {} if measured else None
            bounds = Bounds(bound, f"talon:{seed}:{day}") if measured and bound else None
            tickets = simulate_day(scenario, policy, visitors, day, predicted, bounds)
            record_day(results[code], tickets, spec.visitors.vip_segment, predicted, bounds)
    return list(results.values())


def record_day(result: PolicyResult, tickets: list[Ticket], vip_segment: str,
               predicted: dict[int, tuple[float, float]] | None = None,
               bounds: Bounds | None = None) -> None:
    for ticket in tickets:
        if ticket.first_called_at is None:
            result.unserved += 1
            continue
        cls, wait = classify(ticket, vip_segment), ticket.first_called_at - ticket.issued_at
        result.waits[cls].append(wait)
        result.within[cls] += wait <= ticket.wait_target
        if predicted is not None and ticket.id in predicted:
            result.predictions.append((*predicted[ticket.id], wait))
        if bounds is not None and ticket.id in bounds.waits:
            result.bounds.append((bounds.waits[ticket.id], wait))


@dataclass(frozen=True)
class PredictionError:
    """How well the expected wait shown at issue matched the wait that followed."""

    policy: str
    tickets: int
    mae: float  # seconds
    within_5: float  # share of tickets within ±5 min of the prediction
    baseline_mae: float
    baseline_within_5: float
    bound_mae: float | None = None  # the clairvoyant bound, when computed
    bound_within_5: float | None = None


def prediction_error(result: PolicyResult) -> PredictionError | None:
    rows = result.predictions
    if not rows:
        return None
    bound = error_of(result.bounds) if result.bounds else (None, None)
    return PredictionError(result.policy, len(rows), *error_of([(p, a) for p, _, a in rows]),
                           *error_of([(b, a) for _, b, a in rows]), *bound)


def error_of(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    """Mean absolute error and share within ±5 min of (predicted, actual) pairs."""
    err = [abs(p - a) for p, a in pairs]
    return sum(err) / len(err), sum(e <= 5 * MINUTE for e in err) / len(err)


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


def format_report(scenario: Scenario, results: list[PolicyResult], days: int, seed: int,
                  bound: int | None = None) -> str:
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
        ]
        if error.bound_mae is not None and error.bound_within_5 is not None:
            lines += [
                f"  {f'clairvoyant bound (K={bound})':<26}{error.bound_mae / MINUTE:>9.2f}"
                f"{error.bound_within_5:>15.1%}",
                "  (clairvoyant bound: the median of K replays that know every arrival to come"
                " and draw",
                "  only the service times: about the least error of any prediction that does"
                " not know them)",
            ]
        lines.append("")
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


def run_scenario_file(path: str | Path, days: int | None = None, seed: int | None = None,
                      bound: int | None = None) -> str:
    """What ``talon simulate`` prints: the policy comparison for one scenario file, and with
    ``bound`` the clairvoyant bound of the expected wait from ``bound`` replays a ticket."""
    scenario = load_scenario(path)
    days = scenario.spec.days if days is None else days
    seed = scenario.spec.seed if seed is None else seed
    return format_report(scenario, run_scenario(scenario, days, seed, bound), days, seed, bound)
