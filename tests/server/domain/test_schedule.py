"""Office hours: when kiosks may issue tickets."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from server.domain.schedule import DEFAULT_HOURS, IssueRefusal, Schedule, Weekday
from tests.conftest import MONDAY_10AM

MONDAY = date(2026, 11, 23)
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)
R = IssueRefusal


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm))


def test_the_test_dates_are_the_weekdays_they_claim() -> None:
    assert [d.weekday() for d in (MONDAY, FRIDAY, SATURDAY, SUNDAY)] == [0, 4, 5, 6]


def test_default_week_is_eight_to_five_with_a_short_friday_and_weekend_off() -> None:
    schedule = Schedule()
    assert schedule.opening(MONDAY) == (time(8), time(17))
    assert schedule.opening(FRIDAY) == (time(8), time(16))
    assert schedule.opening(SATURDAY) is None
    assert schedule.opening(SUNDAY) is None
    assert schedule.enforce is True
    assert schedule.issue_cutoff_min == 15


def test_default_hours_are_not_shared_between_schedules() -> None:
    assert Schedule().hours == DEFAULT_HOURS
    assert Schedule().hours is not Schedule().hours


def test_issuing_is_allowed_during_opening_hours() -> None:
    assert Schedule().refuse_issue(at(MONDAY, "10:00")) is None
    assert Schedule().refuse_issue(at(MONDAY, "08:00")) is None


def test_issuing_on_a_day_off_is_refused() -> None:
    assert Schedule().refuse_issue(at(SATURDAY, "10:00")) is R.DAY_OFF
    assert Schedule().refuse_issue(at(SUNDAY, "10:00")) is R.DAY_OFF


def test_issuing_before_opening_is_refused() -> None:
    assert Schedule().refuse_issue(at(MONDAY, "07:59")) is R.NOT_YET_OPEN


def test_issuing_at_and_after_closing_is_refused() -> None:
    assert Schedule().refuse_issue(at(MONDAY, "17:00")) is R.CLOSED
    assert Schedule().refuse_issue(at(MONDAY, "21:30")) is R.CLOSED


def test_kiosk_stops_issuing_the_cutoff_before_closing() -> None:
    schedule = Schedule(issue_cutoff_min=15)
    assert schedule.refuse_issue(at(MONDAY, "16:44")) is None
    assert schedule.refuse_issue(at(MONDAY, "16:45")) is R.CUTOFF
    assert schedule.refuse_issue(at(MONDAY, "16:59")) is R.CUTOFF
    # the cutoff follows each day's own closing time
    assert schedule.refuse_issue(at(FRIDAY, "15:44")) is None
    assert schedule.refuse_issue(at(FRIDAY, "15:45")) is R.CUTOFF


def test_cutoff_is_configurable_and_may_be_zero() -> None:
    assert Schedule(issue_cutoff_min=0).refuse_issue(at(MONDAY, "16:59")) is None
    assert Schedule(issue_cutoff_min=60).refuse_issue(at(MONDAY, "16:00")) is R.CUTOFF
    assert Schedule(issue_cutoff_min=60).refuse_issue(at(MONDAY, "15:59")) is None


@pytest.mark.parametrize("minutes", [-1, 241])
def test_cutoff_out_of_range_is_rejected(minutes: float) -> None:
    with pytest.raises(ValidationError, match="issue_cutoff_min"):
        Schedule(issue_cutoff_min=minutes)


def test_issuing_during_a_break_is_refused() -> None:
    schedule = Schedule(breaks=["12:00-12:45", "15:00-15:10"])
    assert schedule.refuse_issue(at(MONDAY, "11:59")) is None
    assert schedule.refuse_issue(at(MONDAY, "12:00")) is R.BREAK
    assert schedule.refuse_issue(at(MONDAY, "12:44")) is R.BREAK
    assert schedule.refuse_issue(at(MONDAY, "12:45")) is None
    assert schedule.refuse_issue(at(MONDAY, "15:05")) is R.BREAK


def test_holiday_closes_a_working_day() -> None:
    new_year_eve = date(2026, 12, 31)  # a Thursday
    schedule = Schedule(holidays=[new_year_eve])
    assert schedule.opening(new_year_eve) is None
    assert schedule.refuse_issue(at(new_year_eve, "10:00")) is R.HOLIDAY
    assert schedule.refuse_issue(at(date(2026, 12, 30), "10:00")) is None


def test_holiday_on_a_weekend_is_reported_as_holiday() -> None:
    schedule = Schedule(holidays=[SATURDAY])
    assert schedule.refuse_issue(at(SATURDAY, "10:00")) is R.HOLIDAY


def test_extra_working_day_opens_a_saturday_with_its_own_hours() -> None:
    schedule = Schedule(extra_days={SATURDAY: "09:00-14:00"}, issue_cutoff_min=15)
    assert schedule.opening(SATURDAY) == (time(9), time(14))
    assert schedule.refuse_issue(at(SATURDAY, "08:59")) is R.NOT_YET_OPEN
    assert schedule.refuse_issue(at(SATURDAY, "11:00")) is None
    assert schedule.refuse_issue(at(SATURDAY, "13:45")) is R.CUTOFF
    assert schedule.refuse_issue(at(SATURDAY, "14:00")) is R.CLOSED
    # the next Saturday is still a day off
    assert schedule.refuse_issue(at(date(2026, 12, 5), "11:00")) is R.DAY_OFF


def test_weekday_left_out_of_the_hours_is_a_day_off() -> None:
    schedule = Schedule(hours={"mon": "08:00-17:00", "sat": "09:00-14:00"})
    assert schedule.refuse_issue(at(SATURDAY, "10:00")) is None
    assert schedule.refuse_issue(at(MONDAY, "10:00")) is None
    assert schedule.refuse_issue(at(FRIDAY, "10:00")) is R.DAY_OFF


def test_not_enforced_schedule_never_refuses() -> None:
    schedule = Schedule(enforce=False, holidays=[MONDAY], breaks=["12:00-13:00"])
    for moment in (at(SUNDAY, "03:00"), at(MONDAY, "12:30"), at(FRIDAY, "23:59")):
        assert schedule.refuse_issue(moment) is None


def test_local_time_with_a_timezone_is_read_as_wall_clock_time() -> None:
    moscow = datetime.fromtimestamp(MONDAY_10AM, ZoneInfo("Europe/Moscow"))
    assert (moscow.date(), moscow.time()) == (MONDAY, time(10))
    assert Schedule().refuse_issue(moscow) is None
    assert Schedule(breaks=["09:30-10:30"]).refuse_issue(moscow) is R.BREAK


def test_span_accepts_spaces_around_the_hyphen() -> None:
    assert Schedule(breaks=["12:00 - 12:45"]).breaks == [(time(12), time(12, 45))]


@pytest.mark.parametrize(
    ("span", "message"),
    [
        ("17:00-08:00", "ends before it starts"),
        ("09:00-09:00", "ends before it starts"),
        ("8am", "expected 'HH:MM-HH:MM'"),
        ("8am-5pm", "expected 'HH:MM-HH:MM'"),
        ("08:00", "expected 'HH:MM-HH:MM'"),
        ("08:00-12:00-13:00", "expected 'HH:MM-HH:MM'"),
        ("25:00-26:00", "expected 'HH:MM-HH:MM'"),
        ("", "expected 'HH:MM-HH:MM'"),
    ],
)
def test_bad_spans_are_rejected(span: str, message: str) -> None:
    for fields in ({"hours": {"mon": span}}, {"breaks": [span]}, {"extra_days": {SATURDAY: span}}):
        with pytest.raises(ValidationError, match=message):
            Schedule.model_validate(fields)


def test_unknown_weekday_is_rejected() -> None:
    with pytest.raises(ValidationError, match="'mon', 'tue'"):
        Schedule.model_validate({"hours": {"monday": "08:00-17:00"}})


def test_unknown_schedule_key_is_rejected() -> None:
    with pytest.raises(ValidationError, match="enforced"):
        Schedule.model_validate({"enforced": False})


def test_schedule_is_immutable() -> None:
    schedule = Schedule()
    with pytest.raises(ValidationError):
        schedule.enforce = False  # type: ignore[misc]
    assert schedule.enforce is True


def test_weekday_names_are_the_lowercase_short_names() -> None:
    assert [d.value for d in Weekday] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
