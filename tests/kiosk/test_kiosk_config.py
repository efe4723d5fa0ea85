"""The whole kiosk.toml: the example in deploy/ is valid, defaults are safe, and mistakes
name the file, the section and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.config import load_config, parse_config
from kiosk.errors import KioskConfigError
from kiosk.printer_config import UsbPrinter

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = {
    "server": {"url": "http://192.168.1.10:5000", "token": "secret"},
    "kiosk": {"name": "kiosk-1"},
    "printer": {"kind": "dummy"},
}


def config_with(**sections: object) -> dict:
    return {**MINIMAL, **sections}


def test_the_example_in_deploy_is_valid() -> None:
    path = ROOT / "deploy" / "kiosk" / "kiosk.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["server"].pop("token_file")
    data["server"]["token"] = "example"
    config = parse_config(data, str(path))
    assert isinstance(config.printer_config, UsbPrinter)
    assert config.gpio.pin_factory == "default"  # real GPIO unless mock is asked for
    assert [b.action for b in config.buttons] == ["issue", "out_of_turn", "staff_call"]
    assert (config.kiosk.listen_host, config.kiosk.listen_port) == ("127.0.0.1", 8080)


def test_the_demo_config_of_make_run_uses_no_hardware() -> None:
    config = load_config(ROOT / "deploy" / "kiosk" / "kiosk-demo.toml")
    assert (config.printer_config.kind, config.gpio.pin_factory) == ("dummy", "mock")
    assert config.token == "demo-kiosk-1" and config.kiosk.preview is True
    assert config.journal.path == "var/kiosk-journal.db"


def test_defaults() -> None:
    config = parse_config(MINIMAL)
    assert config.kiosk.language == "ru"
    assert config.kiosk.inactivity == 30.0
    assert config.gpio.pin_factory == "default"
    assert config.buttons == [] and config.leds.ready is None
    assert config.kiosk.preview is False
    assert config.public_url == "http://192.168.1.10:5000"
    assert config.token == "secret"


def test_the_token_can_come_from_a_file_next_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "kiosk.token").write_text("from-file\n", encoding="utf-8")
    path = tmp_path / "kiosk.toml"
    path.write_text('[server]\nurl = "http://s:5000"\ntoken_file = "kiosk.token"\n'
                    '[kiosk]\nname = "k"\n[printer]\nkind = "dummy"\n', encoding="utf-8")
    assert load_config(path).token == "from-file"


@pytest.mark.parametrize(("data", "message"), [
    ({"kiosk": {"name": "k"}, "printer": {"kind": "dummy"}}, "k.toml: [server]: section required"),
    (config_with(server={"url": "http://s", "token": "a", "token_file": "/t"}),
     "[server]: give either token or token_file (exactly one)"),
    (config_with(server={"url": "ftp://s", "token": "a"}),
     "[server] key 'url': 'ftp://s' is not an http:// or https:// address"),
    (config_with(kiosk={"name": "k", "listen_port": "8080"}),
     "[kiosk] key 'listen_port': Input should be a valid integer"),
    (config_with(kiosk={"name": "k", "language": "de"}), "[kiosk] key 'language': Input should"),
    (config_with(kiosk={"name": "k", "colour": "red"}), "[kiosk] key 'colour': unknown key"),
    (config_with(gpio={"pin_factory": "fake"}), "[gpio] key 'pin_factory': Input should be"),
    (config_with(buttons=[{"pin": 17, "action": "issue"}]),
     "[buttons][0]: 'service' is required for action 'issue'"),
    (config_with(buttons=[{"pin": 17, "action": "out_of_turn", "service": "consult"}]),
     "[buttons][0]: 'category' is required for action 'out_of_turn'"),
    (config_with(buttons=[{"pin": 40, "action": "staff_call"}]),
     "[buttons][0] key 'pin': Value error, pin 40 is not a BCM GPIO number"),
    (config_with(buttons=[{"pin": "P1", "action": "staff_call"}]),
     "[buttons][0] key 'pin'"),
    (config_with(buttons=[{"pin": 17, "action": "staff_call", "cooldown": -1}]),
     "[buttons][0] key 'cooldown': Input should be greater than or equal to 0"),
    (config_with(buttons=[{"pin": 17, "action": "staff_call"}], leds={"fault": "GPIO17"}),
     "pin 'GPIO17' of [leds] fault is already used by [buttons][0]"),
    (config_with(printer={"kind": "network"}), "[printer] key 'host': Field required"),
    ({"server": MINIMAL["server"], "kiosk": MINIMAL["kiosk"]}, "[printer]: section required"),
])
def test_mistakes_name_the_file_section_and_key(data: dict, message: str) -> None:
    with pytest.raises(KioskConfigError) as caught:
        parse_config(data, "k.toml")
    assert message.replace("Value error, ", "") in str(caught.value)
    assert all(line.startswith("k.toml: ") for line in str(caught.value).splitlines())


def test_an_unreadable_token_file_stops_the_kiosk(tmp_path: Path) -> None:
    data = config_with(server={"url": "http://s", "token_file": str(tmp_path / "missing")})
    with pytest.raises(KioskConfigError, match=r"\[server\] key 'token_file': cannot read"):
        parse_config(data, "k.toml")


def test_a_file_that_is_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[server\n", encoding="utf-8")
    with pytest.raises(KioskConfigError, match="not valid TOML"):
        load_config(path)
