"""Pre-booking check-in rules as the kiosk applies them: the code a visitor types, and what a
refusal from the server means on screen.

Pure (standard library only). The code alphabet mirrors the server's
(``server/domain/booking.py``; the kiosk may not import it): 8 characters, no look-alikes
(0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B), shown as ``KCX7-9ARM``. A typed code is upper-cased,
dashes and spaces are dropped and Cyrillic letters that look like Latin ones are read as
those, as the server does. A code that cannot be a booking code is refused before anything
is journaled or sent.

The server's refusals of ``POST /bookings/check-in`` are final (the same code would be
refused again) and become one word the touch page knows:

* ``too_early`` (409, details ``reason: too_early``, ``opens_at``): check-in opens later;
  ``opens_at_local`` (HH:MM in the office's time zone) is added for the screen;
* ``unknown_code`` (404 ``unknown_booking``);
* ``cancelled`` (409, the booking was cancelled); ``other_day`` (409, booked for another
  day);
* ``too_many_codes`` (429: too many unknown codes from this kiosk);
* ``invalid_code`` (400); the server's own code otherwise (``office_closed``...).

A repeated check-in is not a refusal: the server answers with the same ticket
(``replayed``). The kiosk prints it unless its journal already holds that ticket from an
earlier entry (``already_checked_in``): a code typed twice prints one ticket.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 8
_LOOKALIKES = str.maketrans("АВСЕНКМОРТУХ", "ABCEHKMOPTYX")
ALREADY_CHECKED_IN = "already_checked_in"


def normalize_code(typed: str) -> str | None:
    """The canonical code (8 characters, no dash), or None if ``typed`` cannot be one."""
    code = typed.upper().translate(_LOOKALIKES).replace("-", "").replace(" ", "")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def format_code(code: str) -> str:
    """``KCX79ARM`` → ``KCX7-9ARM``, as the visitor's confirmation shows it."""
    return f"{code[:4]}-{code[4:]}"


def local_time(at: float, timezone: str) -> str:
    """``at`` (epoch seconds) as HH:MM in ``timezone`` (Moscow if it is unknown)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Europe/Moscow")
    return datetime.fromtimestamp(at, zone).strftime("%H:%M")


def refusal_reason(status: int, error_code: str, details: Mapping[str, object]) -> str:
    """The screen's word for the server's refusal of a check-in."""
    if status == 404:
        return "unknown_code"
    if status == 429:
        return "too_many_codes"
    if status == 400:
        return "invalid_code"
    if details.get("reason") in ("cancelled", "other_day"):
        return str(details["reason"])
    if details.get("reason") == "too_early":
        return "too_early"
    if details.get("status") == "cancelled":
        return "cancelled"
    if "day" in details and error_code == "invalid_transition":
        return "other_day"
    return error_code


def refusal_details(reason: str, details: Mapping[str, object],
                    timezone: str) -> dict[str, object]:
    """The server's details, plus what the screen shows (the local opening time)."""
    shown = dict(details)
    opens_at = details.get("opens_at")
    if reason == "too_early" and isinstance(opens_at, int | float):
        shown["opens_at_local"] = local_time(float(opens_at), timezone)
    return shown
