"""Pre-booking rules: slots from the schedule, codes, personal data checks, check-in windows."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from server import config
from server.domain import booking as rules
from server.domain.booking import Arrival, Booking, BookingStatus
from server.domain.errors import InvalidInput
from tests.conftest import MONDAY_10AM

MONDAY = date(2026, 11, 23)


def local(office: config.OfficeFile, at: float) -> str:
    return datetime.fromtimestamp(at, office.zone).strftime("%H:%M")


def test_slots_follow_the_hours_and_skip_the_lunch_break(demo_office: config.OfficeFile) -> None:
    slots = rules.slots_for(demo_office, "consult", MONDAY)
    times = [local(demo_office, s.start) for s in slots]
    assert times[0] == "08:00" and times[-1] == "16:45"  # the last one ends at closing
    assert "11:45" in times and "12:45" in times
    assert not any("12:00" <= t < "12:45" for t in times)  # lunch 12:00-12:45
    assert len(slots) == 16 + 17
    assert all(s.capacity == 1 and s.end - s.start == 15 * 60 for s in slots)


def test_slot_length_and_capacity_are_per_service(demo_office: config.OfficeFile) -> None:
    slots = rules.slots_for(demo_office, "contract", MONDAY)
    assert {s.capacity for s in slots} == {2}
    times = [local(demo_office, s.start) for s in slots]
    assert times[:3] == ["08:00", "08:20", "08:40"]
    assert "11:40" in times and "12:45" in times and "12:20" not in times


def test_no_slots_on_holidays_days_off_or_unbookable_services(
    demo_office: config.OfficeFile,
) -> None:
    assert rules.slots_for(demo_office, "consult", date(2026, 12, 31)) == []  # a holiday
    assert rules.slots_for(demo_office, "consult", date(2026, 11, 29)) == []  # Sunday
    assert rules.slots_for(demo_office, "payment", MONDAY) == []  # takes no bookings
    off = config.load(None, {"TALON_BOOKING__ENABLED": "false"})
    assert rules.slots_for(off, "consult", MONDAY) == []
    assert off.bookings is False and demo_office.bookings is True


def test_find_slot_only_at_a_slot_start(demo_office: config.OfficeFile) -> None:
    assert rules.find_slot(demo_office, "consult", MONDAY, time(10, 15)) is not None
    assert rules.find_slot(demo_office, "consult", MONDAY, time(10, 10)) is None
    assert rules.find_slot(demo_office, "consult", MONDAY, time(12, 15)) is None  # lunch


def test_days_within_the_horizon_only(demo_office: config.OfficeFile) -> None:
    rules.bookable_day(demo_office, MONDAY, MONDAY_10AM)
    rules.bookable_day(demo_office, date(2026, 12, 7), MONDAY_10AM)  # 14 days ahead
    with pytest.raises(InvalidInput):
        rules.bookable_day(demo_office, date(2026, 12, 8), MONDAY_10AM)
    with pytest.raises(InvalidInput):
        rules.bookable_day(demo_office, date(2026, 11, 22), MONDAY_10AM)


def test_codes_are_unambiguous_and_typed_loosely() -> None:
    code = rules.new_code()
    assert len(code) == 8 and set(code) <= set(rules.CODE_ALPHABET)
    assert not set("01IOLSZB2568") & set(rules.CODE_ALPHABET)
    assert rules.normalize_code("kcx7-9arm") == "KCX79ARM"
    assert rules.normalize_code("ксх7 9арм") == "KCX79APM"  # Cyrillic look-alikes
    assert rules.normalize_code("KCX79AR0") is None
    assert rules.normalize_code("KCX79") is None
    assert rules.format_code("KCX79ARM") == "KCX7-9ARM"


def test_phone_and_name_are_checked() -> None:
    assert rules.normalize_phone("8 (912) 345-67-89") == "+79123456789"
    assert rules.normalize_phone("+7 912 345 67 89") == "+79123456789"
    assert rules.normalize_phone("9123456789") == "+79123456789"
    for bad in ("12345", "+7 912 abc 67 89", "+7912345678901234567", ""):
        with pytest.raises(InvalidInput):
            rules.normalize_phone(bad)
    assert rules.clean_name("  Иван   Петров ") == "Иван Петров"
    for bad in ("", "   ", "x" * 101, "a\x00b"):
        with pytest.raises(InvalidInput):
            rules.clean_name(bad)


def test_arrival_window() -> None:
    slot = MONDAY_10AM
    booking = Booking("KCX79ARM", "consult", "2026-11-23", slot, slot + 900,
                      BookingStatus.BOOKED, "x", "+7", "web", 0.0)
    assert rules.arrival(booking, slot - 15 * 60 - 1, 15, 10) is Arrival.TOO_EARLY
    assert rules.arrival(booking, slot - 15 * 60, 15, 10) is Arrival.ON_TIME
    assert rules.arrival(booking, slot + 10 * 60, 15, 10) is Arrival.ON_TIME
    assert rules.arrival(booking, slot + 10 * 60 + 1, 15, 10) is Arrival.LATE


def test_the_office_refuses_bookings_for_unknown_services() -> None:
    with pytest.raises(config.ConfigError, match="booking: unknown service"):
        config.load(None, {"TALON_BOOKING__SERVICES": '[{code = "nope"}]'})
