"""Expected arrivals: walk-ins from the same weekday of past weeks, bookings not checked in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from server import config
from server.domain import arrivals, prediction
from server.domain.arrivals import PastArrival
from server.domain.booking import Booking, BookingStatus
from server.domain.schedule import Weekday
from tests.conftest import MONDAY_10AM

MONDAY = date(2026, 11, 23)
MINUTE, HOUR = 60.0, 3600.0


def at(office: config.OfficeFile, day: date, hh: int, mm: int = 0) -> float:
    return datetime.combine(day, time(hh, mm), office.zone).timestamp()


def streams_of(office: config.OfficeFile, past: list[PastArrival], today: date,
               now: float) -> list[prediction.Stream]:
    return arrivals.walk_in_streams(arrivals.walk_in_profile(office, past, today), now)


def test_history_days_are_the_same_weekday_of_past_weeks_the_office_was_open(
        demo_office: config.OfficeFile) -> None:
    assert arrivals.history_days(demo_office, MONDAY) == [
        date(2026, 11, 16), date(2026, 11, 9), date(2026, 11, 2), date(2026, 10, 26)]
    # 2027-01-07 is a holiday: the Thursday of that week is not history for the 14th.
    assert date(2027, 1, 7) not in arrivals.history_days(demo_office, date(2027, 1, 14))


def test_walk_ins_are_expected_per_kind_at_each_hours_mean_rate(
        demo_office: config.OfficeFile) -> None:
    past = [PastArrival(at(demo_office, date(2026, 11, 16), 10, 5 + k), "consult",
                        "individual", "disability") for k in range(4)]
    past += [PastArrival(at(demo_office, date(2026, 11, 9), 10, 30), "consult", "individual",
                         "disability")]
    past += [PastArrival(at(demo_office, date(2026, 11, 9), 16, 40), "payment", "individual")]
    streams = streams_of(demo_office, past, MONDAY, MONDAY_10AM + 30 * MINUTE)
    by_kind = {(s.prototype.service, s.prototype.category): s for s in streams}
    oot = by_kind[("consult", "disability")]
    # Five in the 10 o'clock hour over two Mondays: 2.5 an hour, from 10:00 to 11:00.
    assert (oot.start, oot.end) == (MONDAY_10AM, MONDAY_10AM + HOUR)
    assert oot.rate * HOUR == 2.5
    assert oot.prototype.is_out_of_turn and oot.prototype.wait_target == 20 * MINUTE
    # The 16 o'clock hour ends at closing, 17:00 on Mondays; one in two Mondays.
    pay = by_kind[("payment", None)]
    assert (pay.start, pay.end) == (at(demo_office, MONDAY, 16), at(demo_office, MONDAY, 17))
    assert pay.rate * HOUR == 0.5
    # Half of the 10 o'clock hour is left: one of the 2.5 an hour is expected, mid-way.
    moments = prediction.arrivals([oot], MONDAY_10AM + 30 * MINUTE, MONDAY_10AM + 2 * HOUR)
    assert [t.issued_at for t in moments] == [MONDAY_10AM + 42 * MINUTE]


def test_no_walk_ins_without_history_past_hours_or_on_a_closed_day(
        demo_office: config.OfficeFile) -> None:
    assert streams_of(demo_office, [], MONDAY, MONDAY_10AM) == []
    past = [PastArrival(at(demo_office, date(2026, 11, 16), 9, 10), "consult", "individual")]
    assert streams_of(demo_office, past, MONDAY, MONDAY_10AM) == []
    sunday = date(2026, 11, 29)
    past = [PastArrival(at(demo_office, date(2026, 11, 22), 10, 10), "consult", "individual")]
    assert streams_of(demo_office, past, sunday, at(demo_office, sunday, 9)) == []


def test_a_topic_gone_from_the_office_file_is_not_expected(
        demo_office: config.OfficeFile) -> None:
    past = [PastArrival(at(demo_office, date(2026, 11, 16), 11, 0), "closed-topic", "individual"),
            PastArrival(at(demo_office, date(2026, 11, 16), 11, 0), "consult", "individual",
                        "no-such-category")]
    assert streams_of(demo_office, past, MONDAY, MONDAY_10AM) == []


def booking(status: BookingStatus, slot_at: float, service: str = "consult") -> Booking:
    return Booking(code="ABCDEFGH", service=service, day="2026-11-23", slot_at=slot_at,
                   slot_end=slot_at + 15 * MINUTE, status=status, name=None, phone=None,
                   channel="web", created_at=0.0)


def test_bookings_not_checked_in_are_expected_at_their_slot_with_the_booking_target(
        demo_office: config.OfficeFile) -> None:
    soon, gone = MONDAY_10AM + 15 * MINUTE, MONDAY_10AM - 15 * MINUTE
    booked = [booking(BookingStatus.BOOKED, soon), booking(BookingStatus.BOOKED, gone),
              booking(BookingStatus.CHECKED_IN, soon), booking(BookingStatus.CANCELLED, soon),
              booking(BookingStatus.BOOKED, soon, service="contract")]
    streams = arrivals.booking_streams(demo_office, booked, MONDAY_10AM)
    assert [(s.at, s.prototype.service) for s in streams] == [(soon, "consult"),
                                                              (soon, "contract")]
    first = streams[0].prototype
    assert first.appointment_at == soon and first.wait_target == 5 * MINUTE
    assert first.segment == "individual" and not first.is_out_of_turn


def test_an_hour_the_office_is_open_for_in_part_keeps_its_visitors(
        demo_office: config.OfficeFile) -> None:
    hours = {**demo_office.schedule.hours, Weekday.MON: (time(8, 30), time(17, 30))}
    office = demo_office.model_copy(update={
        "schedule": demo_office.schedule.model_copy(update={"hours": hours})})
    last_monday = date(2026, 11, 16)
    past = [PastArrival(at(office, last_monday, 8, 30 + 2 * k), "consult", "individual")
            for k in range(10)]
    past += [PastArrival(at(office, last_monday, 17, 2 * k), "consult", "individual")
             for k in range(10)]
    past += [PastArrival(at(office, last_monday, 8, 10), "consult", "individual")]  # before
    profile = arrivals.walk_in_profile(office, past, MONDAY)
    [(_, rates)] = profile
    # The crowd of the half hour after opening and the half hour before closing, whole.
    assert [(s - at(office, MONDAY, 8, 30), e - s, r * (e - s)) for s, e, r in rates] == [
        (0.0, 30 * MINUTE, 10.0), (8.5 * HOUR, 30 * MINUTE, 10.0)]
    opening = at(office, MONDAY, 8, 30)
    expected = prediction.arrivals(arrivals.walk_in_streams(profile, opening), opening,
                                   opening + HOUR)
    assert len(expected) == 10


def test_a_rare_kind_is_expected_over_the_day_not_rounded_away_hour_by_hour(
        demo_office: config.OfficeFile) -> None:
    # One out-of-turn visitor on one Monday in each of 7 hours, over four Mondays: 0.25 an
    # hour. Hour by hour that rounds to nobody; over the day, 1.75 are expected: the first
    # when half a visitor is expected (10:00), the second at 1.5 (14:00).
    past = [PastArrival(at(demo_office, MONDAY - timedelta(weeks=1 + h % 4), 8 + h, 20),
                        "consult", "individual", "disability") for h in range(7)]
    past += [PastArrival(at(demo_office, MONDAY - timedelta(weeks=1 + w), 8, 0), "payment",
                         "individual") for w in range(4)]
    profile = arrivals.walk_in_profile(demo_office, past, MONDAY)
    opening = at(demo_office, MONDAY, 8)
    expected = [t for t in prediction.arrivals(arrivals.walk_in_streams(profile, opening),
                                               opening, opening + 9 * HOUR)
                if t.is_out_of_turn]
    assert [t.issued_at for t in expected] == [at(demo_office, MONDAY, 10),
                                               at(demo_office, MONDAY, 14)]
