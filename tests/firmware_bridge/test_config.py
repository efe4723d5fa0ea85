"""bridge.toml: what it accepts, and errors that name the file, section and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from firmware_bridge import config as cfg
from firmware_bridge import protocol as p
from firmware_bridge.errors import BridgeConfigError

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[server]
url = "http://10.0.0.2:5000/"
token_file = "bridge.token"

[serial]
port = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"

[[boards]]
address = 0x03
kind = "window_board"
window = 3

[[boards]]
address = 0x13
kind = "keypad"
window = 3
pause_reason = "lunch"

[[boards]]
address = 0x21
kind = "rating_pad"
window = 3

[[boards]]
address = 0x30
kind = "staff_call"

[timings]
key_ttl = 5
reply_timeout = 0.1
"""


def minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "server": {"url": "http://127.0.0.1:5000", "token": "t"},
        "serial": {"port": "/dev/ttyAMA0"},
        "boards": [{"address": 1, "kind": "window_board", "window": 1}],
    }
    data.update(changes)
    return data


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(BridgeConfigError) as caught:
        cfg.parse(data, "bridge.toml")
    return caught.value.message


def test_a_full_file_is_read_with_its_token_file(tmp_path: Path) -> None:
    (tmp_path / "bridge.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bridge.token").write_text("secret-token\n", encoding="utf-8")
    config = cfg.load(tmp_path / "bridge.toml")
    assert config.token == "secret-token"
    assert config.server.url == "http://10.0.0.2:5000"
    assert config.serial.baudrate == 38400 and not config.serial.simulated
    assert config.kinds() == {3: p.BoardKind.WINDOW_BOARD, 0x13: p.BoardKind.KEYPAD,
                              0x21: p.BoardKind.RATING_PAD, 0x30: p.BoardKind.STAFF_CALL}
    keypad = config.board(0x13)
    assert isinstance(keypad, cfg.Keypad) and keypad.pause_reason == "lunch"
    assert config.board(3).brightness == 8  # type: ignore[union-attr]
    assert config.timings.key_ttl == 5.0
    link = config.timings.link()
    assert (link.reply_timeout, link.retry_limit, link.poll_interval) == (0.1, 5, 0.2)


def test_the_demo_config_is_valid_and_simulated() -> None:
    config = cfg.load(ROOT / "firmware_bridge" / "demo_bridge.toml")
    assert config.serial.simulated
    assert config.simulator is not None and config.simulator.status_port == 5081
    windows = sorted(b.window for b in config.boards if isinstance(b, cfg.WindowBoard))
    assert windows == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("data", "message"), [
    (minimal(server={"url": "http://x", "token": "t", "tokn": 1}),
     "bridge.toml: [server] key 'tokn': unknown key"),
    (minimal(server={"url": "http://x"}),
     "bridge.toml: [server]: give exactly one of token and token_file"),
    (minimal(server={"url": "http://x", "token": "a", "token_file": "b"}),
     "bridge.toml: [server]: give exactly one of token and token_file"),
    (minimal(server={"url": "ftp://x", "token": "t"}),
     "bridge.toml: [server] key 'url': 'ftp://x' is not an http:// or https:// address"),
    (minimal(serial={"port": "/dev/ttyAMA0", "baudrate": 1234}),
     "bridge.toml: [serial] key 'baudrate': Input should be 9600, 19200, 38400, 57600 or "
     "115200"),
    (minimal(serial={"port": "tcp://board:4000"}),
     "bridge.toml: [serial] key 'port': 'tcp://board:4000': a device path "
     "(/dev/serial/by-id/...) or 'sim://' for simulated boards"),
    (minimal(boards=[{"address": 1, "kind": "window_board"}]),
     "bridge.toml: [[boards]] #1 key 'window': Field required"),
    (minimal(boards=[{"address": 1, "kind": "window_board", "window": 300}]),
     "bridge.toml: [[boards]] #1 key 'window': Input should be less than or equal to 255"),
    (minimal(boards=[{"address": 0xF8, "kind": "keypad", "window": 1}]),
     "bridge.toml: [[boards]] #1 key 'address': Input should be less than or equal to 247"),
    (minimal(boards=[{"address": 1, "kind": "led"}]),
     "bridge.toml: [[boards]] #1: unknown board kind, expected one of window_board, keypad, "
     "staff_call, rating_pad"),
    (minimal(boards=[{"address": 1}]),
     "bridge.toml: [[boards]] #1: 'kind' is required, one of window_board, keypad, "
     "staff_call, rating_pad"),
    (minimal(boards=[{"address": 1, "kind": "keypad", "window": 1, "pause_reason": "nap"}]),
     "bridge.toml: [[boards]] #1 key 'pause_reason': Input should be 'break', 'lunch', "
     "'technical' or 'other'"),
    (minimal(boards=[{"address": 2, "kind": "staff_call", "button": "hall 1"}]),
     "bridge.toml: [[boards]] #1 key 'button': String should match pattern "
     "'^[A-Za-z0-9_.-]{1,32}$'"),
    (minimal(boards=[{"address": 1, "kind": "window_board", "window": 1},
                     {"address": 1, "kind": "keypad", "window": 1}]),
     "bridge.toml: two boards have address 1 (0x01)"),
    (minimal(boards=[]), "bridge.toml: key 'boards': List should have at least 1 item after "
     "validation, not 0"),
    (minimal(timings={"key_ttl": "10"}),
     "bridge.toml: [timings] key 'key_ttl': Input should be a valid number"),
    (minimal(timings={"blink": 0}),
     "bridge.toml: [timings] key 'blink': Input should be greater than or equal to 1"),
    ({"server": {"url": "http://x", "token": "t"}, "boards": [{"address": 1, "kind": "keypad",
                                                               "window": 1}]},
     "bridge.toml: [serial]: section missing"),
    (minimal(serial={"port": "/dev/ttyAMA0"}, display={}),
     "bridge.toml: key 'display': unknown key"),
    (minimal(simulator={"status_port": 5081}),
     "bridge.toml: [simulator] needs [serial] port = 'sim://'"),
])
def test_errors_name_the_section_and_key(data: dict[str, Any], message: str) -> None:
    assert error_of(data) == message


def test_a_missing_or_empty_token_file_is_an_error(tmp_path: Path) -> None:
    data = minimal(server={"url": "http://x", "token_file": "none.token"})
    with pytest.raises(BridgeConfigError, match="'token_file': cannot read"):
        cfg.parse(data, "bridge.toml", tmp_path)
    (tmp_path / "none.token").write_text("  \n", encoding="utf-8")
    with pytest.raises(BridgeConfigError, match="is empty"):
        cfg.parse(data, "bridge.toml", tmp_path)


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(BridgeConfigError, match="missing.toml: cannot read"):
        cfg.load(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[server\n", encoding="utf-8")
    with pytest.raises(BridgeConfigError, match="bad.toml: not valid TOML"):
        cfg.load(tmp_path / "bad.toml")


def test_kernel_numbered_port_names_are_flagged_as_unstable() -> None:
    assert cfg.unstable_port_name("/dev/ttyUSB0") and cfg.unstable_port_name("/dev/ttyACM1")
    assert not cfg.unstable_port_name("/dev/serial/by-id/usb-FTDI-if00-port0")
    assert not cfg.unstable_port_name("sim://")
