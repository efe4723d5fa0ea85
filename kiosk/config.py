"""The whole kiosk.toml: the server link, the kiosk itself, the printer, GPIO buttons and LEDs,
and the local journal.

Validated with pydantic in strict mode: unknown keys and wrong types are refused, not
converted, and every mistake is reported with the file, the section and the key::

    /etc/talon/kiosk.toml: [buttons][1] key 'service': required for action 'issue'

The ``[printer]`` section is ``kiosk.printer_config``'s. ``deploy/kiosk/kiosk.toml`` is a
commented example of every key. Durations are float seconds.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kiosk.errors import KioskConfigError
from kiosk.printer_config import PrinterConfig, read_printer_section

Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
Seconds = Annotated[float, Field(gt=0, le=24 * 3600)]
# A gpiozero pin: a BCM number, or a name gpiozero understands ("GPIO17", "BOARD11", "J8:11").
PIN_NAME = re.compile(r"^(GPIO|BCM|BOARD|WPI|J8:)\d{1,2}$")
Pin = int | str
PinFactoryName = Literal["default", "mock", "lgpio", "rpigpio", "pigpio", "native"]
ButtonName = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ServerSection(Section):
    """``[server]``: where the queue server is and how this kiosk proves who it is."""

    url: str
    token: str | None = Field(default=None, min_length=1)
    token_file: str | None = Field(default=None, min_length=1)
    # The address visitors' phones reach for the QR code (``<public_url>/t/<id>``); the
    # kiosk's own ``url`` by default.
    public_url: str | None = None
    timeout: Annotated[float, Field(gt=0, le=60)] = 5.0
    retry_min: Annotated[float, Field(gt=0, le=60)] = 1.0
    retry_max: Annotated[float, Field(gt=0, le=600)] = 30.0

    @field_validator("url", "public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} is not an http:// or https:// address")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_token(self) -> ServerSection:
        if (self.token is None) == (self.token_file is None):
            raise ValueError("give either token or token_file (exactly one)")
        if self.retry_max < self.retry_min:
            raise ValueError("retry_max must not be less than retry_min")
        return self


class KioskSection(Section):
    """``[kiosk]``: this kiosk's name, its touch page and its timings."""

    name: Annotated[str, Field(min_length=1, max_length=64)]
    listen_host: str = "127.0.0.1"
    # 0 picks a free port (tests); the browser unit opens 8080.
    listen_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    inactivity: Annotated[float, Field(ge=5, le=600)] = 30.0
    language: Literal["ru", "en"] = "ru"
    footer: str = "Спасибо за обращение!"
    logo: str | None = None
    # A ticket the server answered later than this after the visitor asked is not printed
    # (the visitor has most likely gone); its label goes to the hall console instead.
    print_within: Seconds = 600.0
    printer_poll: Seconds = 10.0
    # After the server said "office closed", the start screen says so this long before
    # offering topics again (the next attempt asks the server anew).
    closed_recheck: Seconds = 60.0
    # A staff call the kiosk knows is open is not sent again for this long (unless the
    # kiosk hears it was acknowledged first).
    staff_call_recheck: Seconds = 120.0
    # Keep the last printed tickets (text and picture) viewable at /printed: demo only.
    preview: bool = False


class GpioSection(Section):
    """``[gpio]``: gpiozero's pin factory. "default" lets gpiozero choose (lgpio on Raspberry
    Pi OS Bookworm); "mock" drives no hardware and must be asked for explicitly."""

    pin_factory: PinFactoryName = "default"


class ButtonSection(Section):
    """One ``[[buttons]]`` entry: a push button on ``pin`` (to ground, internal pull-up)."""

    pin: Pin
    action: Literal["issue", "out_of_turn", "staff_call"]
    service: Code | None = None
    category: Code | None = None
    # The button's name in the server's staff-call alert ("pin-17" by default).
    name: ButtonName | None = None
    cooldown: Annotated[float, Field(ge=0, le=600)] = 5.0
    pull_up: bool = True

    @field_validator("pin")
    @classmethod
    def _pin(cls, value: Pin) -> Pin:
        return check_pin(value)

    @model_validator(mode="after")
    def _action_needs(self) -> ButtonSection:
        if self.action in ("issue", "out_of_turn") and self.service is None:
            raise ValueError(f"'service' is required for action {self.action!r}")
        if self.action == "out_of_turn" and self.category is None:
            raise ValueError("'category' is required for action 'out_of_turn'")
        if self.action != "out_of_turn" and self.category is not None:
            raise ValueError(f"'category' is only for action 'out_of_turn', not {self.action!r}")
        if self.action == "staff_call" and self.service is not None:
            raise ValueError("'service' is not used by action 'staff_call'")
        if self.action != "staff_call" and self.name is not None:
            raise ValueError("'name' is only for action 'staff_call'")
        return self

    @property
    def staff_call_name(self) -> str:
        return self.name or f"pin-{self.pin}".replace(":", "-")


class LedSection(Section):
    """``[leds]``: status LEDs, each optional."""

    ready: Pin | None = None
    printing: Pin | None = None
    fault: Pin | None = None
    active_high: bool = True

    @field_validator("ready", "printing", "fault")
    @classmethod
    def _pin(cls, value: Pin | None) -> Pin | None:
        return None if value is None else check_pin(value)


class JournalSection(Section):
    """``[journal]``: the SQLite file of issue requests (see ``kiosk.journal``)."""

    path: Annotated[str, Field(min_length=1)] = "/var/lib/talon-kiosk/journal.db"


class KioskConfig(Section):
    server: ServerSection
    kiosk: KioskSection
    printer: Any  # validated by kiosk.printer_config (its own messages), see load_config
    gpio: GpioSection = GpioSection()
    buttons: list[ButtonSection] = Field(default_factory=list)
    leds: LedSection = LedSection()
    journal: JournalSection = JournalSection()

    @model_validator(mode="after")
    def _pins_used_once(self) -> KioskConfig:
        seen: dict[str, str] = {}
        named = [(f"[buttons][{i}]", b.pin) for i, b in enumerate(self.buttons)]
        named += [(f"[leds] {k}", getattr(self.leds, k)) for k in ("ready", "printing", "fault")]
        for where, pin in named:
            if pin is None:
                continue
            key = normal_pin(pin)
            if key in seen:
                raise ValueError(f"pin {pin!r} of {where} is already used by {seen[key]}")
            seen[key] = where
        return self

    @property
    def printer_config(self) -> PrinterConfig:
        return self.printer  # type: ignore[no-any-return]

    @property
    def token(self) -> str:
        """The device token (read from ``token_file`` at load time when that is given)."""
        if self.server.token is None:  # load_kiosk_config fills it from token_file
            raise KioskConfigError("[server] needs token or token_file")
        return self.server.token

    @property
    def public_url(self) -> str:
        return self.server.public_url or self.server.url


def check_pin(value: Pin) -> Pin:
    if isinstance(value, int):
        if not 0 <= value <= 27:
            raise ValueError(f"pin {value} is not a BCM GPIO number (0 to 27)")
        return value
    if not PIN_NAME.match(value):
        raise ValueError(f"pin {value!r} is not a BCM number or a name like \"GPIO17\" or "
                         "\"BOARD11\"")
    return value


def normal_pin(pin: Pin) -> str:
    """One spelling per BCM pin, so that 17, "GPIO17" and "BCM17" count as the same pin."""
    if isinstance(pin, int):
        return f"GPIO{pin}"
    return re.sub(r"^BCM", "GPIO", pin)


def _describe(source: str, exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        # Union members ("int", "str") and validator names are not keys.
        loc = [p for p in loc if p not in ("int", "str") and not p.startswith("function-")]
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "missing" and len(loc) == 1:
            message = "section required"
        if not loc:
            lines.append(f"{source}: {message}")
            continue
        section = f"[{loc[0]}]"
        rest = loc[1:]
        if rest and rest[0].isdigit():  # [[buttons]]: "[buttons][1]"
            section += f"[{rest[0]}]"
            rest = rest[1:]
        key = f" key {'.'.join(rest)!r}" if rest else ""
        lines.append(f"{source}: {section}{key}: {message}")
    return lines


def parse_config(data: Mapping[str, Any], source: str = "kiosk.toml",
                 base: Path | None = None) -> KioskConfig:
    """Validate parsed TOML. ``token_file`` (relative to ``base``) is read here, so a kiosk
    with an unreadable token refuses to start instead of failing at the first visitor."""
    data = dict(data)
    errors: list[str] = []
    printer: PrinterConfig | None = None
    if "printer" not in data:
        errors.append(f"{source}: [printer]: section required")
    else:
        try:
            printer = read_printer_section(data["printer"], source)
        except KioskConfigError as exc:
            errors.append(exc.message)
    data["printer"] = printer
    config: KioskConfig | None = None
    try:
        config = KioskConfig.model_validate(data)
    except ValidationError as exc:
        errors[:0] = [line for line in _describe(source, exc) if "[printer]" not in line]
    if errors:
        raise KioskConfigError("\n".join(errors))
    if config is None:  # no errors means the model was built; say so if that ever breaks
        raise KioskConfigError(f"{source}: could not read the configuration")
    if config.server.token_file is not None:
        path = Path(config.server.token_file)
        if not path.is_absolute() and base is not None:
            path = base / path
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise KioskConfigError(f"{source}: [server] key 'token_file': cannot read "
                                   f"{str(path)!r}: {exc}") from None
        if not token:
            raise KioskConfigError(f"{source}: [server] key 'token_file': {str(path)!r} "
                                   "is empty")
        server = config.server.model_copy(update={"token": token})
        config = config.model_copy(update={"server": server})
    return config


def load_config(path: Path | str) -> KioskConfig:
    """Read and validate kiosk.toml; KioskConfigError says where and why it cannot be used."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise KioskConfigError(f"{source}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise KioskConfigError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KioskConfigError(f"{source}: not valid TOML: {exc}") from None
    return parse_config(data, source, Path(path).resolve().parent)
