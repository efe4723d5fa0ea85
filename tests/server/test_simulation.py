"""The dispatch-policy simulator: scenario files, the simulated day, the comparison, the CLI."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from server import scenarios
from server import simulation as sim
from server.cli import run
from server.config import ConfigError
from server.domain import prediction
from server.domain.tickets import Ticket, TicketStatus
from server.scenarios import HOUR, MINUTE

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
UNDERSTAFFED = ROOT / "scenarios" / "understaffed_afternoon.toml"
PEAK = ROOT / "scenarios" / "peak_monday.toml"

ONE_WINDOW_OFFICE = """\
name = "Тестовый офис"

[[services]]
code = "consult"
prefix = "К"
name = "Консультация"

[[windows]]
number = 1
services = ["consult"]
"""

# Half the visitors are VIP and the one window is nearly saturated: the case the strict
# policy is bad at, because an ordinary visitor waits as long as any VIP is queued.
VIP_RUSH = """\
name = "VIP rush"
office = "office.toml"
days = 30
seed = 1
hours = "09:00-13:00"

[visitors]
out_of_turn = 0.0
vip = 0.5

[arrivals]
per_hour = [7, 7, 7, 7]

[services.consult]
share = 1.0
mean_min = 8
cv = 0.5

[[staffing]]
window = 1
hours = ["09:00-13:00"]
"""


def write_scenario(folder: Path, text: str = VIP_RUSH) -> Path:
    (folder / "office.toml").write_text(ONE_WINDOW_OFFICE, encoding="utf-8")
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def by_policy(results: list[sim.PolicyResult]) -> dict[str, sim.PolicyResult]:
    return {r.policy: r for r in results}


def simulated_days(
    path: Path, policy: str, days: int
) -> list[tuple[scenarios.Scenario, list[Ticket]]]:
    scenario = scenarios.load_scenario(path)
    runs = []
    for day in range(days):
        visitors = sim.draw_day(scenario, random.Random(f"test:{day}"))
        tickets = sim.simulate_day(scenario, sim.make_policy(policy, scenario), visitors, day)
        runs.append((scenario, tickets))
    return runs


# --- the shipped scenarios and the command ------------------------------------------------


def test_three_scenarios_are_shipped() -> None:
    assert {p.stem for p in SCENARIOS} >= {"calm_day", "peak_monday", "understaffed_afternoon"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_talon_simulate_prints_the_comparison(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["simulate", str(path), "--days", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Scenario: ")
    assert "2 days, seed 3" in out
    for policy in ("target", "strict", "fifo"):
        assert f"  {policy} " in out
    for cls in ("ordinary", "VIP", "priority topic", "out-of-turn"):
        rows = [line for line in out.splitlines() if f" {cls} " in line and "%" in line]
        assert len(rows) == 3  # one row per policy
    assert "out-of-turn max wait: target " in out
    assert "WARNING" not in out


def test_same_seed_gives_the_same_report_and_another_seed_another() -> None:
    first = sim.run_scenario_file(PEAK, days=2, seed=11)
    assert sim.run_scenario_file(PEAK, days=2, seed=11) == first
    assert sim.run_scenario_file(PEAK, days=2, seed=12) != first


def test_scenario_draws_the_arrivals_and_mix_it_describes() -> None:
    scenario = scenarios.load_scenario(PEAK)
    days = [sim.draw_day(scenario, random.Random(f"mix:{d}")) for d in range(40)]
    visitors = [v for day in days for v in day]
    expected_per_day = sum(scenario.spec.arrivals.per_hour)
    assert len(visitors) / len(days) == pytest.approx(expected_per_day, rel=0.03)
    out_of_turn = sum(v.category is not None for v in visitors) / len(visitors)
    assert out_of_turn == pytest.approx(scenario.spec.visitors.out_of_turn, abs=0.01)
    payments = [v.duration for v in visitors if v.service.code == "payment"]
    assert len(payments) / len(visitors) == pytest.approx(0.18, abs=0.015)
    assert sum(payments) / len(payments) == pytest.approx(4 * 60, rel=0.05)
    start, close = scenario.opening
    assert all(start <= v.at < close for v in visitors)
    assert all(v.segment.code == "legal" for v in visitors if v.service.code == "legal")


# --- the simulated day --------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["target", "strict", "fifo"])
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_visitor_is_served_exactly_once_by_a_window_that_serves_the_topic(
    path: Path, policy: str
) -> None:
    for scenario, tickets in simulated_days(path, policy, days=2):
        assert [t.id for t in tickets] == list(range(1, len(tickets) + 1))
        assert all(t.status is TicketStatus.DONE for t in tickets)
        windows = {w.number: w.weights for w in scenario.office.windows}
        for ticket in tickets:
            assert ticket.first_called_at is not None and ticket.finished_at is not None
            assert ticket.issued_at <= ticket.first_called_at <= ticket.finished_at
            assert ticket.service in windows[ticket.window or 0]
            shifts = scenario.shifts(ticket.window or 0)
            on_shift = any(a <= ticket.first_called_at < b for a, b in shifts)
            after_closing = ticket.first_called_at >= max(b for _, b in shifts)
            assert on_shift or after_closing
        by_window: dict[int, list[Ticket]] = {}
        for ticket in tickets:
            by_window.setdefault(ticket.window or 0, []).append(ticket)
        for served in by_window.values():  # one visitor at a time at each window
            served.sort(key=lambda t: t.first_called_at or 0.0)
            assert all((a.finished_at or 0.0) <= (b.first_called_at or 0.0)
                       for a, b in zip(served, served[1:], strict=False))


def passed_out_of_turn(
    scenario: scenarios.Scenario, tickets: list[Ticket]
) -> list[tuple[str, str]]:
    """(called, passed) pairs: a ticket called while an earlier out-of-turn visitor the same
    window could serve was still waiting."""
    weights = {w.number: w.weights for w in scenario.office.windows}
    out_of_turn = [t for t in tickets if t.is_out_of_turn]
    passes = []
    for called in tickets:
        at = called.first_called_at or 0.0
        for other in out_of_turn:
            waiting = other.issued_at <= at < (other.first_called_at or 0.0)
            first = not called.is_out_of_turn or other.issued_at < called.issued_at
            if waiting and first and other.service in weights[called.window or 0]:
                passes.append((called.label, other.label))
    return passes


@pytest.mark.parametrize("policy", ["target", "strict"])
@pytest.mark.parametrize("path", [PEAK, UNDERSTAFFED], ids=lambda p: p.stem)
def test_out_of_turn_visitors_go_first_in_arrival_order(path: Path, policy: str) -> None:
    for scenario, tickets in simulated_days(path, policy, days=4):
        assert passed_out_of_turn(scenario, tickets) == []


def test_fifo_does_let_ordinary_visitors_pass_out_of_turn_ones() -> None:
    """The check above can fail: plain arrival order ignores the out-of-turn right."""
    runs = simulated_days(PEAK, "fifo", days=4)
    assert any(passed_out_of_turn(scenario, tickets) for scenario, tickets in runs)


# --- the comparison -----------------------------------------------------------------------


def test_target_policy_serves_more_visitors_within_target_when_understaffed() -> None:
    results = by_policy(sim.run_scenario(scenarios.load_scenario(UNDERSTAFFED), days=30, seed=5))
    target, strict, fifo = results["target"], results["strict"], results["fifo"]
    assert target.share_within() >= strict.share_within() + 0.02
    assert target.share_within() >= fifo.share_within() + 0.02
    # ... and ordinary visitors gain most of it, against strict priority
    assert target.share_within("ordinary") >= strict.share_within("ordinary") + 0.03
    # VIPs and out-of-turn visitors do better than in plain arrival order
    assert target.share_within("VIP") > fifo.share_within("VIP")
    assert target.share_within("out-of-turn") >= 0.9 > fifo.share_within("out-of-turn")
    assert target.count() == strict.count() == fifo.count()
    assert target.unserved == strict.unserved == fifo.unserved == 0


def test_strict_priority_makes_ordinary_visitors_wait_where_target_does_not(
    tmp_path: Path,
) -> None:
    results = by_policy(sim.run_scenario(scenarios.load_scenario(write_scenario(tmp_path))))
    target, strict = results["target"], results["strict"]
    target_p90 = sim.percentile(target.waits["ordinary"], 0.9)
    strict_p90 = sim.percentile(strict.waits["ordinary"], 0.9)
    assert strict_p90 > 1.1 * target_p90
    assert max(strict.waits["ordinary"]) >= max(target.waits["ordinary"])
    assert target.share_within("ordinary") >= strict.share_within("ordinary") + 0.05
    # VIPs pay for it, within reason: their worst wait stays well below the ordinary worst
    assert max(target.waits["VIP"]) < max(target.waits["ordinary"])


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert sim.percentile(values, 0.9) == 9.0
    assert sim.percentile(values, 1.0) == 10.0
    assert sim.percentile([5.0], 0.9) == 5.0


# --- bad scenario files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("seed = 1", "seed = 1\nspeed = 2"), "scenario.toml: key 'speed': unknown key"),
        (("share = 1.0", "share = \"all\""), "[services][consult] key 'share':"),
        (("mean_min = 8", "mean_min = -8"), "[services][consult] key 'mean_min':"),
        (("[services.consult]", "[services.billing]"), "'billing' is not a service"),
        (("share = 1.0", "share = 0.5"), "shares add up to 0.500, not 1"),
        (("window = 1", "window = 7"), "window 7 is not a window of the office"),
        (("[\"09:00-13:00\"]", "[\"09:00-12:00\"]"),
         "no window serving 'consult' is staffed at closing"),
        (("[7, 7, 7, 7]", "[7, 7, 7]"), "key 'per_hour': 3 values for 4 opening hours"),
        (("hours = \"09:00-13:00\"", "hours = \"13:00-09:00\""), "key 'hours':"),
        (("vip = 0.5", "vip = 0.5\nvip_segment = \"gold\""), "no segment 'gold'"),
        (("[visitors]", "[visitor]"), "key 'visitor': unknown key"),
        (("office = \"office.toml\"", "office = \"missing.toml\""), "missing.toml: cannot read"),
        (("days = 30", "days = 30\ndays = 31"), "not valid TOML"),
    ],
)
def test_bad_scenario_is_refused_naming_the_file_and_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in VIP_RUSH
    path = write_scenario(tmp_path, VIP_RUSH.replace(old, new, 1))
    with pytest.raises(ConfigError) as error:
        scenarios.load_scenario(path)
    assert message in str(error.value)
    assert str(tmp_path) in str(error.value)


def test_missing_scenario_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["simulate", str(tmp_path / "nowhere.toml")]) == 1
    assert "nowhere.toml: cannot read" in capsys.readouterr().err


def test_bad_scenario_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tmp_path, VIP_RUSH.replace("share = 1.0", "share = 0.9"))
    assert run(["simulate", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("talon: ") and "shares add up to 0.900" in captured.err


def test_days_below_one_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        sim.run_scenario_file(write_scenario(tmp_path), days=0)


# --- the expected-wait prediction ---------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_prediction_at_issue_beats_the_naive_baseline(path: Path) -> None:
    results = by_policy(sim.run_scenario(scenarios.load_scenario(path), days=20, seed=7))
    error = sim.prediction_error(results["target"])
    assert error is not None and error.tickets == results["target"].count()
    assert sim.prediction_error(results["fifo"]) is None  # only the server's policy
    assert error.mae < 0.8 * error.baseline_mae
    assert error.within_5 > error.baseline_within_5
    if path.stem == "calm_day":
        assert error.mae <= 3 * 60


def test_the_predictor_expects_arrivals_hour_by_hour_at_each_hours_rate(tmp_path: Path) -> None:
    scenario = scenarios.load_scenario(PEAK)
    start, close = scenario.opening
    per_hour = scenario.spec.arrivals.per_hour
    total: dict[tuple[float | None, float | None], float] = {}
    for stream in sim.expected_streams(scenario, start + 30 * MINUTE):
        total[stream.start, stream.end] = total.get((stream.start, stream.end), 0) + stream.rate
    # Every kind of visitor of every topic adds up to the hour's arrivals, hour by hour.
    assert total == pytest.approx({(start + h * HOUR, start + (h + 1) * HOUR): rate / HOUR
                                   for h, rate in enumerate(per_hour)})
    # The replay places them: out-of-turn visitors and VIPs too, rare as they are in each
    # hour (5 % and 3 % of peak Monday's 246 a day), about as many as the rest of the day
    # brings.
    now = start + 30 * MINUTE
    placed = prediction.arrivals(sim.expected_streams(scenario, now), now, close)
    rest = per_hour[0] / 2 + sum(per_hour[1:])
    oot = sum(t.is_out_of_turn for t in placed)
    vip = sum(t.segment == scenario.spec.visitors.vip_segment for t in placed)
    assert len(placed) == pytest.approx(rest, abs=len(total) * 3)
    assert oot == pytest.approx(rest * scenario.spec.visitors.out_of_turn, abs=1.5)
    assert vip > 0
    later = sim.expected_streams(scenario, start + 4.5 * HOUR)
    assert min(s.start or 0.0 for s in later) == start + 4 * HOUR  # hours gone by are dropped
    # The last hour is cut at closing (here 12:30).
    text = VIP_RUSH.replace("09:00-13:00", "09:00-12:30")
    short = scenarios.load_scenario(write_scenario(tmp_path, text))
    ends = {s.end for s in sim.expected_streams(short, 9.5 * HOUR)}
    assert max(e or 0.0 for e in ends) == 12.5 * HOUR


def test_simulate_report_shows_prediction_error_and_baseline(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["simulate", str(PEAK), "--days", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "expected wait shown at issue (target policy" in out
    assert "MAE min" in out and "within ±5 min" in out
    assert "prediction (replay)" in out and "baseline (ahead×mean÷n)" in out
