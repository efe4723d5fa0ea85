"""Pre-booking rules: slots, codes, personal-data checks, check-in windows, retention.

Pure: times are epoch float seconds, the office's time zone turns them into local times.
A slot of a service starts every ``slot_min`` from opening, ends by closing, never overlaps a
break, and takes ``capacity`` visitors; holidays and days off have none. A booking holds a
place from booking until it is cancelled or the visitor is marked a no-show.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum

from server.domain.errors import InvalidInput
from server.domain.office import BookableService, Office

DAY = 86_400.0
HOUR = 3_600.0
MINUTE = 60.0
# No 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B: a code read aloud on the phone or typed on a kiosk
# cannot be mistaken. 22**8 ≈ 5·10**10 codes: not guessable in bulk.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 8
# Cyrillic letters that look like Latin ones, as a visitor may type them on a Russian layout.
_LOOKALIKES = str.maketrans("АВСЕНКМОРТУХ", "ABCEHKMOPTYX")
NAME_MAX = 100
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-]{7,25}$")


class BookingStatus(str, Enum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"  # arrived within the window: a ticket served at the slot time
    LATE = "late"  # arrived past the window: an ordinary walk-in ticket
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# Statuses that hold a place in their slot.
HOLDS_PLACE = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN)


class Arrival(str, Enum):
    TOO_EARLY = "too_early"
    ON_TIME = "on_time"
    LATE = "late"


@dataclass(frozen=True)
class Slot:
    service: str
    start: float
    end: float
    capacity: int


@dataclass
class Booking:
    """A booked visit. ``name`` and ``phone`` are None once purged."""

    code: str
    service: str
    day: str
    slot_at: float
    slot_end: float
    status: BookingStatus
    name: str | None
    phone: str | None
    channel: str
    created_at: float
    id: int | None = None
    checked_in_at: float | None = None
    ticket_id: int | None = None
    reminded_at: float | None = None
    closed_at: float | None = None  # cancelled or marked a no-show
    purged_at: float | None = None


def slots_for(office: Office, service: str, day: date) -> list[Slot]:
    """Every bookable slot of ``service`` on ``day`` (empty if it takes no bookings)."""
    bookable = office.booking.service(service)
    span = office.schedule.opening(day)
    if not office.booking.enabled or bookable is None or span is None:
        return []
    opens, closes = span
    return _slots(office, bookable, day, opens, closes)


def _slots(office: Office, bookable: BookableService, day: date, opens: time,
           closes: time) -> list[Slot]:
    zone = office.zone
    step = timedelta(minutes=bookable.slot_min)
    end_of_day = datetime.combine(day, closes, zone)
    breaks = [(datetime.combine(day, a, zone), datetime.combine(day, b, zone))
              for a, b in office.schedule.breaks]
    start = datetime.combine(day, opens, zone)
    found = []
    while start + step <= end_of_day:
        end = start + step
        overlapping = next((b for b in breaks if start < b[1] and b[0] < end), None)
        if overlapping is not None:
            start = max(start + step, overlapping[1])  # resume right after the break
            continue
        found.append(Slot(bookable.code, start.timestamp(), end.timestamp(),
                          bookable.capacity))
        start = end
    return found


def find_slot(office: Office, service: str, day: date, at: time) -> Slot | None:
    """The slot of ``service`` starting at local ``at`` on ``day``, if there is one."""
    wanted = datetime.combine(day, at, office.zone).timestamp()
    return next((s for s in slots_for(office, service, day) if s.start == wanted), None)


def bookable_day(office: Office, day: date, now: float) -> None:
    """Refuse a day in the past or beyond the booking horizon."""
    today = datetime.fromtimestamp(now, office.zone).date()
    if day < today:
        raise InvalidInput("the date is in the past", field="date", date=day.isoformat())
    if day > today + timedelta(days=office.booking.horizon_days):
        raise InvalidInput(
            f"bookings are taken at most {office.booking.horizon_days} days ahead",
            field="date", date=day.isoformat(), horizon_days=office.booking.horizon_days,
        )


def new_code(pick: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh booking code of unambiguous characters."""
    return "".join(CODE_ALPHABET[pick(len(CODE_ALPHABET))] for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """The code typed by a visitor ("ktx7-9arm", Cyrillic look-alikes) in canonical form, or
    None when it cannot be a code."""
    cleaned = raw.upper().translate(_LOOKALIKES).replace("-", "").replace(" ", "")
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def format_code(code: str) -> str:
    """«KTX7-9ARM»: two halves, easier to read aloud."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= NAME_MAX:
        raise InvalidInput(f"the name must have 1 to {NAME_MAX} characters", field="name")
    if any(ord(ch) < 0x20 for ch in raw):
        raise InvalidInput("the name has control characters", field="name")
    return name


def normalize_phone(raw: str) -> str:
    """A phone number as +<digits>: "8 (912) 345-67-89" → "+79123456789"."""
    if not _PHONE_CHARS.match(raw.strip()):
        raise InvalidInput("the phone number may have digits, spaces, brackets, dashes and a "
                           "leading +", field="phone")
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 11 and digits[0] == "8" and not raw.strip().startswith("+"):
        digits = "7" + digits[1:]  # the Russian trunk prefix
    elif len(digits) == 10 and not raw.strip().startswith("+"):
        digits = "7" + digits
    if not 10 <= len(digits) <= 15:
        raise InvalidInput("the phone number must have 10 to 15 digits", field="phone")
    return "+" + digits


def arrival(booking: Booking, now: float, early_min: float, late_min: float) -> Arrival:
    """Whether a visitor checking in at ``now`` is too early, on time or late."""
    if now < booking.slot_at - early_min * MINUTE:
        return Arrival.TOO_EARLY
    if now > booking.slot_at + late_min * MINUTE:
        return Arrival.LATE
    return Arrival.ON_TIME


def no_show_after(office: Office) -> float:
    """Seconds after a slot's start from which a booking not checked in is a no-show."""
    return office.booking.late_min * MINUTE


def purge_before(office: Office, now: float) -> float:
    """Personal data of visits that started before this time is purged."""
    return now - office.booking.retention_days * DAY


def reminder_window(office: Office, now: float) -> tuple[float, float] | None:
    """Slots starting in [from, until) are due a reminder now; None when reminders are off."""
    hours = office.booking.reminder_hours
    if hours <= 0:
        return None
    return now, now + hours * HOUR


def free_places(slot: Slot, taken: int) -> int:
    return max(0, slot.capacity - taken)
