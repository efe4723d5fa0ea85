"""Staffing advice: Erlang C windows per hour, confirmed by simulation."""

from __future__ import annotations

import pytest

from server import staffing
from server.config import OfficeFile
from server.domain import erlang
from server.domain.access import Actor
from server.queue import QueueService
from server.store.sqlite import SqliteStore
from tests.conftest import FakeClock

MINUTE = 60.0
DAY = {8: 12.0, 9: 18.0, 10: 24.0, 11: 20.0, 12: 14.0, 13: 16.0, 14: 22.0, 15: 18.0, 16: 10.0}


def test_advice_is_the_fewest_windows_meeting_the_target() -> None:
    advice = staffing.advise(DAY, 10 * MINUTE, 20 * MINUTE, 0.8)
    assert [a.hour for a in advice] == sorted(DAY)
    for a in advice:
        traffic = a.arrivals / 60 * 10
        assert a.expected_share >= 0.8
        assert erlang.service_level(traffic, a.windows - 1, 20 * MINUTE, 10 * MINUTE) < 0.8
    busiest = max(advice, key=lambda a: a.arrivals)
    assert busiest.hour == 10 and busiest.windows == 5  # 24/h × 10 min = 4 erlangs


def test_the_advice_meets_the_target_in_simulation() -> None:
    advice = staffing.advise(DAY, 10 * MINUTE, 20 * MINUTE, 0.8)
    simulated = staffing.simulate_share(advice, 10 * MINUTE, 20 * MINUTE, days=300)
    assert simulated >= 0.8
    fewer = [staffing.Advice(a.hour, a.arrivals, a.windows - 1, 0.0) for a in advice]
    assert staffing.simulate_share(fewer, 10 * MINUTE, 20 * MINUTE, days=300) < 0.8


# Reading the history ------------------------------------------------------------------------

KIOSK = Actor("kiosk-1", "kiosk", is_device=True)
IVANOVA, PETROV = Actor("ivanova", "consultant"), Actor("petrov", "consultant")
WEEK = 7 * 24 * 3600.0


def at(clock: FakeClock, start: float, hh: int, mm: int) -> None:
    """Move the clock to hh:mm of the (local) day that began at ``start`` (midnight)."""
    clock.now = start + hh * 3600 + mm * 60


def play_history(queue: QueueService, clock: FakeClock) -> float:
    """Monday and Tuesday of one week; returns the next Monday's 10:00 (now)."""
    monday = clock.now - 10 * 3600  # FakeClock starts at Monday 10:00 office time
    at(clock, monday, 10, 0)
    queue.open_window(IVANOVA, 3)
    for minute in (0, 10, 20):
        at(clock, monday, 10, minute)
        queue.issue(KIOSK, "consult")
    queue.call_next(IVANOVA, 3)
    queue.start(IVANOVA, 3)
    at(clock, monday, 10, 26)
    queue.finish(IVANOVA, 3)  # 6 min
    at(clock, monday, 10, 30)
    queue.call_next(IVANOVA, 3)
    queue.start(IVANOVA, 3)
    at(clock, monday, 10, 40)
    queue.finish(IVANOVA, 3)  # 10 min
    at(clock, monday, 11, 0)
    queue.open_window(PETROV, 4)
    at(clock, monday, 11, 15)
    queue.issue(KIOSK, "consult")
    at(clock, monday, 11, 30)
    queue.close_window(IVANOVA, 3)
    at(clock, monday, 12, 0)
    queue.close_window(PETROV, 4)
    tuesday = monday + 24 * 3600
    for minute in (5, 50):
        at(clock, tuesday, 14, minute)
        queue.issue(KIOSK, "consult")
    at(clock, monday + WEEK, 9, 30)
    queue.issue(KIOSK, "consult")  # today: not history yet
    return monday + WEEK + 10 * 3600


def test_history_counts_arrivals_windows_and_service_per_weekday_and_hour(
    queue: QueueService, store: SqliteStore, clock: FakeClock, demo_office: OfficeFile
) -> None:
    now = play_history(queue, clock)
    history = staffing.read_history(store, queue.office, now, weeks=8)
    assert history.arrivals == {(0, 10): 3.0, (0, 11): 1.0, (1, 14): 2.0}
    assert history.windows == pytest.approx({(0, 10): 1.0, (0, 11): 1.5})
    assert history.service_time == pytest.approx(8 * MINUTE)
    assert history.days == {0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}  # from the first ticket's day


def test_history_averages_over_the_weeks_of_a_weekday(
    queue: QueueService, store: SqliteStore, clock: FakeClock, demo_office: OfficeFile
) -> None:
    now = play_history(queue, clock)
    later = now + WEEK  # a second Monday without visitors halves Monday's means
    history = staffing.read_history(store, queue.office, later, weeks=8)
    assert history.days[0] == 2
    assert history.arrivals[(0, 9)] == 0.5  # last Monday's ticket now counts
    assert history.arrivals[(0, 10)] == 1.5
    assert history.windows[(0, 11)] == pytest.approx(0.75)
    assert staffing.read_history(store, queue.office, later, weeks=1).arrivals == {
        (0, 9): 1.0}  # only last week: the Monday 09:30 ticket


def test_the_week_advice_follows_office_hours_and_the_history(
    queue: QueueService, store: SqliteStore, clock: FakeClock, demo_office: OfficeFile
) -> None:
    office = queue.office
    now = play_history(queue, clock)
    history = staffing.read_history(store, office, now, weeks=8)
    week = staffing.advise_week(history, office, now, 0.8, simulated_days=20)
    days = sorted({h.day.weekday() for h in week})
    assert days == [0, 1, 2, 3, 4, 5]  # no Sunday in the demo schedule
    monday = [h for h in week if h.day.weekday() == 0]
    assert [h.hour for h in monday] == list(range(8, 17))
    ten = next(h for h in monday if h.hour == 10)
    assert (ten.arrivals, ten.actual_windows, ten.recommended_windows) == (3.0, 1.0, 1)
    assert ten.recommended_share >= 0.8 and ten.actual_share == ten.recommended_share
    quiet = next(h for h in monday if h.hour == 9)
    assert (quiet.recommended_windows, quiet.simulated_share) == (0, None)
    saturday = [h.hour for h in week if h.day.weekday() == 5]
    assert saturday == list(range(9, 14))


@pytest.mark.parametrize("rate", [6.0, 30.0, 90.0])
def test_the_advice_meets_the_target_in_simulation_at_several_loads(rate: float) -> None:
    day = {h: rate * (1.5 if h in (10, 14) else 1.0) for h in range(8, 17)}
    advice = staffing.advise(day, 8 * MINUTE, 20 * MINUTE, 0.9)
    counts = staffing.simulate_shares(advice, 8 * MINUTE, 20 * MINUTE, days=80)
    hits, total = (sum(c[i] for c in counts.values()) for i in (0, 1))
    assert total > 80 * sum(day.values()) * 0.9
    assert hits / total >= 0.9
    fewer = [staffing.Advice(a.hour, a.arrivals, max(a.windows - 1, 1), 0.0) for a in advice]
    assert staffing.simulate_share(fewer, 8 * MINUTE, 20 * MINUTE, days=80) < 0.9


def test_fractional_actual_windows_interpolate_the_share() -> None:
    low = staffing.expect_share(30.0, 5, 8 * MINUTE, 20 * MINUTE)
    high = staffing.expect_share(30.0, 6, 8 * MINUTE, 20 * MINUTE)
    assert low < high
    assert staffing.expect_share(30.0, 5.5, 8 * MINUTE, 20 * MINUTE) == pytest.approx(
        (low + high) / 2)
    assert staffing.expect_share(30.0, 0.0, 8 * MINUTE, 20 * MINUTE) == 0.0
