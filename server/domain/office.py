"""The office model: services (topics), segments, windows, out-of-turn categories, targets.

Value objects validated by pydantic: unknown keys and wrong types are rejected, cross references
(a window serving an unknown service, a duplicate service code) are checked once, at load
time.
Targets are written in minutes in the office file, because that is how the standards state
them; the model exposes them as float seconds for the rest of the code.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from functools import cached_property
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    computed_field,
    field_validator,
    model_validator,
)

from server.domain.schedule import Schedule

MINUTE = 60.0


class Model(BaseModel):
    # strict: "15" is not a number of minutes and 0 is not false; enum names and TOML dates
    # are accepted where marked (Strict(False)).
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, strict=True
    )


Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
Minutes = Annotated[float, Field(gt=0, le=24 * 60)]


class Targets(Model):
    """Office-wide defaults: average wait 20 min and service 10 min (seed 003)."""

    wait_min: Minutes = 20.0
    service_min: Minutes = 10.0


class Segment(Model):
    """A visitor segment with its own targets, e.g. VIP individuals wait ≤ 10 min (seed 004)."""

    code: Code
    name: str = Field(min_length=1)
    name_en: str = ""
    wait_min: Minutes | None = None
    service_min: Minutes | None = None


class Service(Model):
    """A topic a visitor can choose. Services sharing a prefix share one daily counter."""

    code: Code
    prefix: str = Field(min_length=1, max_length=3)
    name: str = Field(min_length=1)
    name_en: str = ""
    group: str | None = None
    wait_min: Minutes | None = None
    service_min: Minutes | None = None
    priority: bool = False
    segment: Code | None = None

    @field_validator("prefix")
    @classmethod
    def _letters_only(cls, value: str) -> str:
        if not value.isalpha():
            raise ValueError("prefix must be letters only (Cyrillic allowed), e.g. 'А'")
        return value.upper()


class ServedService(Model):
    """A service a window serves; a higher weight makes the window prefer it."""

    code: Code
    weight: float = Field(default=1.0, gt=0, le=100)


class WindowConfig(Model):
    number: int = Field(ge=1, le=999)
    name: str = ""
    services: list[ServedService] = Field(min_length=1)

    @field_validator("services", mode="before")
    @classmethod
    def _accept_plain_codes(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"code": item} if isinstance(item, str) else item for item in value]
        return value

    @cached_property
    def weights(self) -> dict[str, float]:
        """Service code → weight. Computed once: the model is frozen."""
        return {served.code: served.weight for served in self.services}


class Category(Model):
    """An out-of-turn category («вне очереди»); the list is configuration, not law."""

    code: Code
    name: str = Field(min_length=1)
    name_en: str = ""


class PolicyName(str, Enum):
    TARGET = "target"
    STRICT = "strict"


class Dispatch(Model):
    policy: Annotated[PolicyName, Strict(False)] = PolicyName.TARGET
    priority_boost: float = Field(default=1.5, ge=1.0, le=10.0)
    # A ticket that waited this many times its own target goes ahead of everyone newer.
    overdue_factor: float = Field(default=2.0, ge=1.0, le=10.0)
    requeue_transfers_at_back: bool = False
    appointment_wait_min: Minutes = 5.0


class Board(Model):
    """What the hall boards show besides the queue: no advertising, only office text."""

    running_text: str = Field(default="", max_length=500)
    running_text_en: str = Field(default="", max_length=500)
    # The newest call stays highlighted and blinking this long.
    highlight_seconds: float = Field(default=8.0, ge=1.0, le=60.0)
    history: int = Field(default=8, ge=1, le=20)


class Alerts(Model):
    """When the hall consultant is alerted about a window."""

    pause_max_min: Minutes = 15.0
    # A lunch break is long by nature: it is alerted about only past this.
    lunch_max_min: Minutes = 60.0


class BookableService(Model):
    """A service that takes pre-booked visits: ``capacity`` windows per slot of ``slot_min``."""

    code: Code
    capacity: int = Field(default=1, ge=1, le=50)
    slot_min: Minutes = 15.0


class Booking(Model):
    """Pre-booking (seed 002): which services take bookings and the rules of check-in.

    Personal data (name and phone) is kept ``retention_days`` after the visit, then purged.
    """

    enabled: bool = False
    services: list[BookableService] = Field(default_factory=list)
    horizon_days: int = Field(default=14, ge=1, le=90)
    early_min: float = Field(default=15.0, ge=0, le=240)
    late_min: float = Field(default=10.0, ge=0, le=240)
    retention_days: int = Field(default=30, ge=0, le=3650)
    reminder_hours: float = Field(default=24.0, ge=0, le=168)
    reminder_file: str = ""  # empty: reminders go to the log
    max_per_phone: int = Field(default=3, ge=1, le=50)

    def service(self, code: str) -> BookableService | None:
        return next((s for s in self.services if s.code == code), None)


DEFAULT_SEGMENTS = (
    Segment(code="individual", name="Физические лица", name_en="Individuals"),
    Segment(code="legal", name="Юридические лица и ИП", name_en="Legal entities"),
    Segment(code="vip", name="VIP", name_en="VIP", wait_min=10.0),
)
DEFAULT_CATEGORIES = (
    Category(
        code="disability",
        name="Инвалиды и лица с ОВЗ",
        name_en="Visitors with disabilities",
    ),
)


class Office(Model):
    name: str = Field(min_length=1)
    name_en: str = ""
    timezone: str = "Europe/Moscow"
    language: Literal["ru", "en"] = "ru"
    targets: Targets = Targets()
    segments: list[Segment] = Field(default_factory=lambda: list(DEFAULT_SEGMENTS), min_length=1)
    default_segment: Code = "individual"
    services: list[Service] = Field(min_length=1)
    windows: list[WindowConfig] = Field(min_length=1)
    out_of_turn: list[Category] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    dispatch: Dispatch = Dispatch()
    schedule: Schedule = Schedule()
    board: Board = Board()
    alerts: Alerts = Alerts()
    booking: Booking = Booking()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def bookings(self) -> bool:
        """Whether visitors may book (the kiosk shows its check-in button when true)."""
        return self.booking.enabled and bool(self.booking.services)

    @model_validator(mode="after")
    def _check_references(self) -> Office:
        _require_unique("services", [s.code for s in self.services])
        _require_unique("windows", [w.number for w in self.windows])
        _require_unique("segments", [s.code for s in self.segments])
        _require_unique("out_of_turn", [c.code for c in self.out_of_turn])
        segments = {s.code for s in self.segments}
        if self.default_segment not in segments:
            raise ValueError(f"default_segment {self.default_segment!r} is not a segment")
        services = {s.code for s in self.services}
        for service in self.services:
            if service.segment is not None and service.segment not in segments:
                raise ValueError(f"service {service.code!r}: unknown segment {service.segment!r}")
        for window in self.windows:
            _require_unique(f"window {window.number}", [s.code for s in window.services])
            for served in window.services:
                if served.code not in services:
                    raise ValueError(f"window {window.number}: unknown service {served.code!r}")
        _require_unique("booking.services", [s.code for s in self.booking.services])
        for bookable in self.booking.services:
            if bookable.code not in services:
                raise ValueError(f"booking: unknown service {bookable.code!r}")
        _check_timezone(self.timezone)
        return self

    # Lookups by key, built once (the model is frozen): dispatch asks on every call.
    @cached_property
    def _services_by_code(self) -> dict[str, Service]:
        return {s.code: s for s in self.services}

    @cached_property
    def _windows_by_number(self) -> dict[int, WindowConfig]:
        return {w.number: w for w in self.windows}

    def day_of(self, now: float) -> str:
        """The office day (local date, ISO) of epoch time ``now``: labels restart with it."""
        return datetime.fromtimestamp(now, self.zone).date().isoformat()

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def service(self, code: str) -> Service | None:
        return self._services_by_code.get(code)

    def segment(self, code: str) -> Segment | None:
        return next((s for s in self.segments if s.code == code), None)

    def window(self, number: int) -> WindowConfig | None:
        return self._windows_by_number.get(number)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.out_of_turn if c.code == code), None)

    def wait_target(self, service: Service, segment: Segment) -> float:
        """The tightest wait target that applies, in seconds."""
        return MINUTE * min(
            m for m in (self.targets.wait_min, service.wait_min, segment.wait_min) if m is not None
        )

    def service_target(self, service: Service, segment: Segment) -> float:
        return MINUTE * min(
            m
            for m in (self.targets.service_min, service.service_min, segment.service_min)
            if m is not None
        )


def _require_unique(section: str, keys: list[object]) -> None:
    seen: set[object] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{section}: duplicate {key!r}")
        seen.add(key)


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {name!r}") from exc
