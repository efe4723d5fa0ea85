"""Office hours: when the office is open and when kiosks may issue tickets.

Hours per weekday, office-wide breaks (lunch), holidays, extra working days (a working
Saturday), and the last-issue cutoff before closing. Everyone who took a ticket before closing
is still served (seed 003 p.42): the schedule limits issuing, never calling.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict


def _parse_span(value: object) -> object:
    """Accept "08:00-17:00"; return (start, end) times."""
    if not isinstance(value, str):
        return value
    parts = value.replace(" ", "").split("-")
    if len(parts) != 2:
        raise ValueError(f"expected 'HH:MM-HH:MM', got {value!r}")
    try:
        start, end = (time.fromisoformat(p) for p in parts)
    except ValueError as exc:
        raise ValueError(f"expected 'HH:MM-HH:MM', got {value!r}") from exc
    if end <= start:
        raise ValueError(f"span {value!r} ends before it starts")
    return (start, end)


Span = Annotated[tuple[time, time], BeforeValidator(_parse_span)]


class Weekday(str, Enum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS = list(Weekday)
DEFAULT_HOURS: dict[Weekday, Span | None] = {
    **{d: (time(8), time(17)) for d in WEEKDAYS[:4]},
    Weekday.FRI: (time(8), time(16)),
    Weekday.SAT: None,
    Weekday.SUN: None,
}


class IssueRefusal(str, Enum):
    """Why tickets cannot be issued right now."""

    HOLIDAY = "holiday"
    DAY_OFF = "day_off"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    CUTOFF = "cutoff"
    BREAK = "break"


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    enforce: bool = True
    hours: dict[Annotated[Weekday, Strict(False)], Span | None] = Field(
        default_factory=lambda: dict(DEFAULT_HOURS)
    )
    breaks: list[Span] = Field(default_factory=list)
    holidays: list[date] = Field(default_factory=list)
    # TOML table keys are strings: "2026-12-27" = "10:00-15:00".
    extra_days: dict[Annotated[date, Strict(False)], Span] = Field(default_factory=dict)
    issue_cutoff_min: float = Field(default=15.0, ge=0, le=240)

    def opening(self, day: date) -> tuple[time, time] | None:
        """Opening and closing time on ``day``, or None when the office is closed all day."""
        if day in self.extra_days:
            return self.extra_days[day]
        if day in self.holidays:
            return None
        return self.hours.get(WEEKDAYS[day.weekday()])

    def refuse_issue(self, local: datetime) -> IssueRefusal | None:
        """Return why a ticket may not be issued at local time ``local``, or None if it may."""
        if not self.enforce:
            return None
        day = local.date()
        span = self.opening(day)
        if span is None:
            return IssueRefusal.HOLIDAY if day in self.holidays else IssueRefusal.DAY_OFF
        opens, closes = span
        now = local.time().replace(tzinfo=None)
        if now < opens:
            return IssueRefusal.NOT_YET_OPEN
        if now >= closes:
            return IssueRefusal.CLOSED
        cutoff = datetime.combine(day, closes) - timedelta(minutes=self.issue_cutoff_min)
        if now >= cutoff.time():
            return IssueRefusal.CUTOFF
        if any(start <= now < end for start, end in self.breaks):
            return IssueRefusal.BREAK
        return None
