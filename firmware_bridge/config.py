"""bridge.toml: which server, which serial port, which board hangs where, and the timings.

::

    [server]
    url = "http://10.0.0.2:5000"
    token_file = "/etc/talon/bridge.token"    # or token = "..." (one of the two)

    [serial]
    # A stable name: /dev/ttyUSB0 may become /dev/ttyUSB1 after a replug, by-id names do not.
    port = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"
    baudrate = 38400

    [[boards]]
    address = 3                 # the board's bus address, 1..247 (0x03 works too)
    kind = "window_board"       # window_board, keypad, staff_call, rating_pad
    window = 3                  # the window whose state it shows
    brightness = 8              # 0..15

    [[boards]]
    address = 0x13
    kind = "keypad"
    window = 3                  # its keys act as this window
    pause_reason = "break"      # what its «pause» key asks for: break, lunch, technical, other

    [[boards]]
    address = 0x21
    kind = "rating_pad"
    window = 3                  # rates the visit at this window

    [[boards]]
    address = 0x30
    kind = "staff_call"
    window = 3                  # optional: the desk it hangs at
    button = "desk_3"           # optional: how the hall console names it

    [timings]                   # seconds; every key is optional
    key_ttl = 10.0

``port = "sim://"`` drives simulated boards in the bridge's own process (the demo; see
``simulator``), with an optional ``[simulator]`` section for their status page. Fakes are used
only when configured like that, never as a fallback. A path to a pty works like a serial port.

Unknown keys and wrong types are refused, not converted; every error names the file, section and
key (``BridgeConfigError``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from firmware_bridge import protocol as p
from firmware_bridge.errors import BridgeConfigError
from firmware_bridge.link import LinkConfig

SIM_PORT = "sim://"
KINDS = ("window_board", "keypad", "staff_call", "rating_pad")
SECTIONS = ("server", "serial", "timings", "simulator")
BOARD_KINDS: dict[str, p.BoardKind] = {
    "window_board": p.BoardKind.WINDOW_BOARD,
    "keypad": p.BoardKind.KEYPAD,
    "staff_call": p.BoardKind.STAFF_CALL,
    "rating_pad": p.BoardKind.RATING_PAD,
}
# Names that the kernel hands out in plugging order: a replug may move the adapter to another.
UNSTABLE_PREFIXES = ("/dev/ttyUSB", "/dev/ttyACM")

Seconds = Annotated[float, Field(gt=0, le=3600)]
Address = Annotated[int, Field(ge=p.FIRST_BOARD, le=p.LAST_BOARD)]
WindowNumber = Annotated[int, Field(ge=1, le=999)]
PauseReason = Literal["break", "lunch", "technical", "other"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ServerSection(_Section):
    url: Annotated[str, Field(min_length=1)]
    token: Annotated[str, Field(min_length=1)] | None = None
    token_file: Annotated[str, Field(min_length=1)] | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// address")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_token(self) -> ServerSection:
        if (self.token is None) == (self.token_file is None):
            raise ValueError("give exactly one of token and token_file")
        return self


class SerialSection(_Section):
    port: Annotated[str, Field(min_length=1)]
    baudrate: Literal[9600, 19200, 38400, 57600, 115200] = 38400

    @property
    def simulated(self) -> bool:
        return self.port == SIM_PORT

    @field_validator("port")
    @classmethod
    def _port_or_sim(cls, value: str) -> str:
        if "://" in value and value != SIM_PORT:
            raise ValueError(f"{value!r}: a device path (/dev/serial/by-id/...) or "
                             f"{SIM_PORT!r} for simulated boards")
        return value


class _Board(_Section):
    kind: str
    address: Address
    name: str = ""  # for logs and the simulator's page; "board 0x13" when empty

    @property
    def board_kind(self) -> p.BoardKind:
        return BOARD_KINDS[self.kind]

    @property
    def label(self) -> str:
        return self.name or f"board 0x{self.address:02X}"


class WindowBoard(_Board):
    kind: Literal["window_board"]
    window: Annotated[int, Field(ge=1, le=255)]  # SHOW_LABEL carries the window in one byte
    brightness: Annotated[int, Field(ge=0, le=15)] = 8


class Keypad(_Board):
    kind: Literal["keypad"]
    window: WindowNumber
    pause_reason: PauseReason = "break"


class StaffCallButton(_Board):
    kind: Literal["staff_call"]
    window: WindowNumber | None = None
    button: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")] | None = None


class RatingPad(_Board):
    kind: Literal["rating_pad"]
    window: WindowNumber


BoardConfig = Annotated[WindowBoard | Keypad | StaffCallButton | RatingPad,
                        Field(discriminator="kind")]


class Timings(_Section):
    """Seconds. The link's timings are PROTOCOL.md's (see ``link.LinkConfig``)."""

    reply_timeout: Seconds = 0.08
    turnaround: Annotated[float, Field(ge=0, le=1)] = 0.002
    retry_base: Seconds = 0.05
    retry_max: Seconds = 1.0
    retry_limit: Annotated[int, Field(ge=1, le=100)] = 5
    reconnect_max: Seconds = 10.0
    poll_interval: Seconds = 0.2
    display_poll_interval: Seconds = 1.0
    idle_gap: Seconds = 0.005
    # Reopening a serial port that vanished: first wait, doubling up to the cap.
    reopen_base: Seconds = 0.5
    reopen_max: Seconds = 10.0
    # The server: first retry after it was unreachable, doubling up to the cap; HTTP timeout.
    server_retry_base: Seconds = 0.5
    server_retry_max: Seconds = 10.0
    request_timeout: Seconds = 5.0
    # How long a key press waits for an unreachable server before it is dropped, and a staff
    # call or a rating (see docs/bridge.md, "While the server is unreachable").
    key_ttl: Seconds = 10.0
    report_ttl: Seconds = 120.0
    # Whole seconds a window board blinks on a call or a recall (BLINK carries whole seconds).
    blink: Annotated[int, Field(ge=1, le=60)] = 10

    def link(self) -> LinkConfig:
        return LinkConfig(
            reply_timeout=self.reply_timeout, turnaround=self.turnaround,
            retry_base=self.retry_base, retry_max=self.retry_max, retry_limit=self.retry_limit,
            reconnect_max=self.reconnect_max, poll_interval=self.poll_interval,
            display_poll_interval=self.display_poll_interval, idle_gap=self.idle_gap)


class SimulatorSection(_Section):
    """Only with ``port = "sim://"``: where the simulated boards' status page listens
    (``status_port = 0``: no page)."""

    status_host: Annotated[str, Field(min_length=1)] = "127.0.0.1"
    status_port: Annotated[int, Field(ge=0, le=65535)] = 0


class BridgeConfig(_Section):
    server: ServerSection
    serial: SerialSection
    boards: Annotated[list[BoardConfig], Field(min_length=1)]
    timings: Timings = Timings()
    simulator: SimulatorSection | None = None

    @model_validator(mode="after")
    def _consistent(self) -> BridgeConfig:
        seen: set[int] = set()
        for board in self.boards:
            if board.address in seen:
                raise ValueError(f"two boards have address {board.address} (0x{board.address:02X})")
            seen.add(board.address)
        if self.simulator is not None and not self.serial.simulated:
            raise ValueError(f"[simulator] needs [serial] port = {SIM_PORT!r}")
        return self

    @property
    def token(self) -> str:
        if self.server.token is None:  # load() always fills it in
            raise BridgeConfigError("[server] token was not read")
        return self.server.token

    def board(self, address: int) -> WindowBoard | Keypad | StaffCallButton | RatingPad:
        return next(b for b in self.boards if b.address == address)

    def kinds(self) -> dict[int, p.BoardKind]:
        return {b.address: b.board_kind for b in self.boards}


def unstable_port_name(port: str) -> bool:
    """A kernel-numbered name (/dev/ttyUSB0) that a replug may change."""
    return port.startswith(UNSTABLE_PREFIXES)


def describe_errors(source: str, exc: ValidationError) -> str:
    """One line per error: "bridge.toml: [[boards]] #2 key 'window': Field required"."""
    lines = []
    for error in exc.errors():
        loc = [part for part in error["loc"] if part not in KINDS]
        where = ""
        if loc and loc[0] == "boards" and len(loc) > 1 and isinstance(loc[1], int):
            where, loc = f"[[boards]] #{loc[1] + 1}", loc[2:]
        elif len(loc) > 1 or (loc and loc[0] in SECTIONS):
            where, loc = f"[{loc[0]}]", loc[1:]
        key = f"key {'.'.join(str(x) for x in loc)!r}" if loc else ""
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "missing" and not loc:
            message = "section missing"
        elif error["type"] == "union_tag_invalid":
            message = f"unknown board kind, expected one of {', '.join(KINDS)}"
        elif error["type"] == "union_tag_not_found":
            message = f"'kind' is required, one of {', '.join(KINDS)}"
        location = " ".join(part for part in (where, key) if part)
        lines.append(f"{source}: {location}: {message}" if location else f"{source}: {message}")
    return "\n".join(lines)


def parse(data: Mapping[str, Any], source: str = "bridge.toml",
          base: Path | None = None) -> BridgeConfig:
    """Validate ``data`` (parsed TOML); a token_file is read relative to ``base``."""
    try:
        config = BridgeConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise BridgeConfigError(describe_errors(source, exc)) from None
    if config.server.token_file is not None:
        path = Path(config.server.token_file)
        if not path.is_absolute() and base is not None:
            path = base / path
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise BridgeConfigError(f"{source}: [server] key 'token_file': cannot read "
                                    f"{str(path)!r}: {exc}") from None
        if not token:
            raise BridgeConfigError(f"{source}: [server] key 'token_file': {str(path)!r} "
                                    "is empty")
        config = config.model_copy(update={"server": config.server.model_copy(
            update={"token": token})})
    return config


def load(path: Path | str) -> BridgeConfig:
    """Read and validate bridge.toml; BridgeConfigError says where and why it is wrong."""
    source = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BridgeConfigError(f"{source}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise BridgeConfigError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise BridgeConfigError(f"{source}: not valid TOML: {exc}") from None
    return parse(data, source, Path(path).parent)
