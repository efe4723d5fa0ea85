"""The clairvoyant bound of the expected wait: ``talon simulate --bound K``."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from server import scenarios
from server import simulation as sim
from server.cli import run
from server.config import ConfigError
from server.scenarios import MINUTE, ServiceMix
from tests.server.test_simulation import write_scenario

# Visits of fixed length on four windows of the demo office, two of them away for a while,
# with out-of-turn and VIP visitors: whoever knows every arrival knows every wait exactly.
FIXED_VISITS = """\
name = "Fixed visits"
office = "demo"
days = 3
seed = 5
hours = "09:00-12:00"

[visitors]
out_of_turn = 0.1
vip = 0.1

[arrivals]
per_hour = [20, 24, 16]

[services.consult]
share = 0.4
mean_min = 8
cv = 0

[services.payment]
share = 0.25
mean_min = 4
cv = 0

[services.contract]
share = 0.15
mean_min = 15
cv = 0

[services.legal]
share = 0.1
mean_min = 12
cv = 0

[services.paid]
share = 0.1
mean_min = 10
cv = 0

[[staffing]]
window = 1
hours = ["09:00-12:00"]

[[staffing]]
window = 2
hours = ["09:00-10:30", "11:00-12:00"]

[[staffing]]
window = 3
hours = ["09:00-10:00", "10:45-12:00"]

[[staffing]]
window = 5
hours = ["09:00-12:00"]
"""


def test_bound_adds_its_line_to_the_report_and_leaves_the_day_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(write_scenario(tmp_path))
    assert run(["simulate", path, "--days", "3", "--bound", "5"]) == 0
    with_bound = capsys.readouterr().out.splitlines()
    assert run(["simulate", path, "--days", "3"]) == 0
    without = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(with_bound) if "clairvoyant bound (K=5)" in line)
    assert with_bound[at - 1].lstrip().startswith("baseline")
    assert with_bound[at].endswith("%")  # its MAE and share within ±5 min
    assert with_bound[at + 1].startswith("  (clairvoyant bound: the median of K replays")
    assert with_bound[at + 2].endswith("not know them)")  # one sentence says what it is
    # The replays work on copies: every other line, the policies' waits included, is the same.
    assert with_bound[:at] + with_bound[at + 3:] == without


def test_bound_is_reproducible(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    first = sim.run_scenario_file(path, days=3, bound=5)
    assert sim.run_scenario_file(path, days=3, bound=5) == first
    assert sim.run_scenario_file(path, days=3, seed=2, bound=5) != first


@pytest.mark.parametrize("replays", ["0", "-3"])
def test_fewer_than_one_replay_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replays: str
) -> None:
    path = str(write_scenario(tmp_path))
    assert run(["simulate", path, "--days", "1", "--bound", replays]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"talon: --bound {replays}: ")
    assert "at least 1 replay" in captured.err
    with pytest.raises(ConfigError, match="at least 1 replay"):
        sim.run_scenario(scenarios.load_scenario(path), days=1, bound=0)


def test_with_fixed_visits_the_bound_knows_every_wait_exactly(tmp_path: Path) -> None:
    path = tmp_path / "fixed.toml"
    path.write_text(FIXED_VISITS, encoding="utf-8")
    results = sim.run_scenario(scenarios.load_scenario(path), bound=2)
    error = sim.prediction_error(results[0])
    assert error is not None and error.tickets == results[0].count() > 100
    assert error.bound_mae == 0.0 and error.bound_within_5 == 1.0
    # ... while people do wait, and the shipped prediction, not knowing who comes, misses.
    assert max(results[0].all_waits()) > 10 * MINUTE
    assert error.mae > 0.5 * MINUTE


def test_a_visit_in_progress_is_drawn_given_the_time_it_has_lasted() -> None:
    mix = ServiceMix(share=1.0, mean_min=8, cv=0.7, max_min=30)
    rng = random.Random(3)
    elapsed = 12 * MINUTE  # well past the mean
    drawn = [sim.draw_remaining(mix, elapsed, rng) for _ in range(4000)]
    assert all(elapsed <= d <= 30 * MINUTE for d in drawn)
    # The same law as drawing whole visits and keeping those longer than that.
    kept = [d for d in (sim.draw_duration(mix, rng) for _ in range(40000)) if d > elapsed]
    assert sum(drawn) / len(drawn) == pytest.approx(sum(kept) / len(kept), rel=0.03)
    assert sim.percentile(drawn, 0.9) == pytest.approx(sim.percentile(kept, 0.9), rel=0.05)
    fixed = ServiceMix(share=1.0, mean_min=8, cv=0)
    assert sim.draw_remaining(fixed, 3 * MINUTE, rng) == 8 * MINUTE
    assert sim.draw_remaining(mix, 31 * MINUTE, rng) == 31 * MINUTE  # over the cut: ends now
