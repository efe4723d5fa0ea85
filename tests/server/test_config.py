"""Configuration layering: built-in demo office < office TOML file < TALON_* variables."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from server import config
from server.config import ConfigError
from server.domain.office import PolicyName

DEMO = config.demo_office_text()


def office_file(tmp_path: Path, text: str = DEMO, name: str = "office.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    """The demo office with one line changed."""
    assert old in DEMO, old
    return DEMO.replace(old, new, 1)


def load_error(path: Path | str | None, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        config.load(path, env or {})
    return str(caught.value)


# --- the built-in demo office -------------------------------------------------------------


def test_without_file_or_variables_the_demo_office_is_loaded() -> None:
    settings = config.load(None, {})
    assert settings.name == "ЦОК «Центральный»"
    assert settings.server.port == 5000
    assert settings.schedule.enforce is False
    assert len(settings.windows) == 5


def test_missing_env_mapping_means_no_overrides() -> None:
    assert config.load(None, None).server.port == 5000


def test_variables_without_the_talon_prefix_are_ignored() -> None:
    settings = config.load(None, {"PATH": "/usr/bin", "PORT": "1", "SERVER__PORT": "2"})
    assert settings.server.port == 5000


# --- the office file ----------------------------------------------------------------------


def test_office_file_replaces_the_demo_office(tmp_path: Path) -> None:
    text = edited('name = "ЦОК «Центральный»"', 'name = "ЦОК «Северный»"')
    path = office_file(tmp_path, text.replace("port = 5000", "port = 6000"))
    settings = config.load(path, {})
    assert settings.name == "ЦОК «Северный»"
    assert settings.server.port == 6000


def test_path_may_be_a_string(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited("port = 5000", "port = 6001"))
    assert config.load(str(path), {}).server.port == 6001


def test_talon_config_selects_the_file(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited("port = 5000", "port = 6002"))
    assert config.load(None, {"TALON_CONFIG": str(path)}).server.port == 6002


def test_explicit_path_wins_over_talon_config(tmp_path: Path) -> None:
    chosen = office_file(tmp_path, edited("port = 5000", "port = 6003"), "chosen.toml")
    other = office_file(tmp_path, edited("port = 5000", "port = 6004"), "other.toml")
    assert config.load(chosen, {"TALON_CONFIG": str(other)}).server.port == 6003


def test_empty_talon_config_means_the_demo_office() -> None:
    assert config.load(None, {"TALON_CONFIG": ""}).name == "ЦОК «Центральный»"


def test_server_section_may_be_left_out(tmp_path: Path) -> None:
    text = DEMO[: DEMO.index("[server]")]
    settings = config.load(office_file(tmp_path, text), {})
    assert settings.server == config.ServerSettings()


# --- variables override one key each ------------------------------------------------------


def test_env_overrides_the_port_as_an_integer() -> None:
    settings = config.load(None, {"TALON_SERVER__PORT": "5001"})
    assert settings.server.port == 5001


def test_env_turns_schedule_enforcement_off(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited("enforce = false", "enforce = true"))
    assert config.load(path, {}).schedule.enforce is True
    assert config.load(path, {"TALON_SCHEDULE__ENFORCE": "false"}).schedule.enforce is False


def test_env_changes_the_wait_target_used_for_tickets() -> None:
    settings = config.load(None, {"TALON_TARGETS__WAIT_MIN": "15"})
    assert settings.targets.wait_min == 15
    consult, individual = settings.service("consult"), settings.segment("individual")
    assert consult is not None and individual is not None
    assert settings.wait_target(consult, individual) == 15 * 60


def test_env_overrides_the_file(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited("port = 5000", "port = 6000"))
    env = {"TALON_CONFIG": str(path), "TALON_SERVER__PORT": "5001"}
    settings = config.load(None, env)
    assert settings.server.port == 5001
    assert settings.name == "ЦОК «Центральный»"


def test_env_reaches_nested_sections_and_new_keys() -> None:
    settings = config.load(
        None,
        {
            "TALON_SCHEDULE__HOURS__SUN": "10:00-12:00",
            "TALON_DISPATCH__POLICY": "strict",
            "TALON_DISPATCH__PRIORITY_BOOST": "2.5",
            "TALON_SERVER__LOG_LEVEL": "DEBUG",
        },
    )
    assert settings.schedule.opening(date(2026, 11, 29)) == (time(10), time(12))  # a Sunday
    assert settings.dispatch.policy is PolicyName.STRICT
    assert settings.dispatch.priority_boost == 2.5
    assert settings.server.log_level == "DEBUG"


def test_env_values_that_are_not_toml_scalars_are_plain_strings() -> None:
    settings = config.load(
        None,
        {"TALON_SERVER__HOST": "0.0.0.0", "TALON_SERVER__DATABASE": "/srv/talon/queue.db"},
    )
    assert settings.server.host == "0.0.0.0"
    assert settings.server.database == "/srv/talon/queue.db"


def test_quoted_env_value_stays_a_string() -> None:
    settings = config.load(None, {"TALON_SERVER__SECRET_KEY": '"12345"'})
    assert settings.server.secret_key == "12345"


def test_env_does_not_change_the_mapping_it_is_given() -> None:
    env = {"TALON_SERVER__PORT": "5001"}
    config.load(None, env)
    assert env == {"TALON_SERVER__PORT": "5001"}


# --- errors name the file or variable, the section and the key ----------------------------


def test_unknown_key_in_the_file_names_file_section_and_key(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited('prefix = "К"', 'prefx = "К"'))
    message = load_error(path)
    assert f"{path}: [services][0] key 'prefx': unknown key" in message.splitlines()


def test_wrong_type_in_the_file_names_file_section_and_key(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited("port = 5000", 'port = "high"'))
    message = load_error(path)
    assert message.startswith(f"{path}: [server] key 'port': ")
    assert "integer" in message


def test_top_level_wrong_type_names_the_key(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited('language = "ru"', 'language = "de"'))
    assert load_error(path).startswith(f"{path}: key 'language': ")


def test_error_in_a_nested_section_names_the_whole_path(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited('mon = "08:00-17:00"', 'mon = "17:00-08:00"'))
    message = load_error(path)
    assert message == (
        f"{path}: [schedule][hours] key 'mon': span '17:00-08:00' ends before it starts"
    )


def test_error_in_the_built_in_office_names_it() -> None:
    message = load_error(None, {"TALON_FOO": "1"})
    assert message == "environment TALON_FOO: key 'foo': unknown key"


def test_every_error_is_reported_on_its_own_line(tmp_path: Path) -> None:
    text = edited("port = 5000", "port = 0").replace("wait_min = 20", "wait_min = -1", 1)
    path = office_file(tmp_path, text)
    lines = load_error(path).splitlines()
    assert len(lines) == 2
    assert any(line.startswith(f"{path}: [server] key 'port': ") for line in lines)
    assert any(line.startswith(f"{path}: [targets] key 'wait_min': ") for line in lines)


def test_cross_reference_error_names_the_file(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited('services = ["payment"]', 'services = ["astrology"]'))
    assert load_error(path) == f"{path}: window 1: unknown service 'astrology'"


def test_bad_env_value_names_the_variable_section_and_key() -> None:
    message = load_error(None, {"TALON_SERVER__PORT": "abc"})
    assert message.startswith("environment TALON_SERVER__PORT: [server] key 'port': ")


def test_out_of_range_env_value_names_the_variable() -> None:
    message = load_error(None, {"TALON_SERVER__PORT": "70000"})
    assert message.startswith("environment TALON_SERVER__PORT: [server] key 'port': ")
    assert "65535" in message


def test_bad_env_boolean_names_the_variable() -> None:
    message = load_error(None, {"TALON_SCHEDULE__ENFORCE": "perhaps"})
    assert message.startswith("environment TALON_SCHEDULE__ENFORCE: [schedule] key 'enforce': ")


def test_unknown_key_from_env_names_the_variable() -> None:
    message = load_error(None, {"TALON_SERVER__PROT": "5001"})
    assert message == "environment TALON_SERVER__PROT: [server] key 'prot': unknown key"


def test_file_error_is_not_blamed_on_an_unrelated_variable(tmp_path: Path) -> None:
    path = office_file(tmp_path, edited("port = 5000", 'port = "high"'))
    message = load_error(path, {"TALON_SERVER__HOST": "0.0.0.0",
                                "TALON_SCHEDULE__ENFORCE": "true"})
    assert message.startswith(f"{path}: [server] key 'port': ")
    assert "environment" not in message


def test_env_var_into_a_value_that_is_not_a_section_is_refused() -> None:
    assert load_error(None, {"TALON_NAME__FIRST": "x"}) == (
        "environment TALON_NAME__FIRST: 'name' is not a section"
    )
    assert "'services' is not a section" in load_error(None, {"TALON_SERVICES__0__PREFIX": "X"})


@pytest.mark.parametrize("name", ["TALON_SERVER__", "TALON___PORT", "TALON_", "TALON_A____B"])
def test_malformed_variable_name_is_refused(name: str) -> None:
    assert load_error(None, {name: "1"}) == f"environment {name}: malformed name"


# --- files that cannot be used ------------------------------------------------------------


def test_missing_file_gives_config_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    message = load_error(path)
    assert message.startswith(f"{path}: cannot read")


def test_missing_file_named_by_talon_config_gives_config_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    assert load_error(None, {"TALON_CONFIG": str(path)}).startswith(f"{path}: cannot read")


def test_directory_instead_of_a_file_gives_config_error(tmp_path: Path) -> None:
    assert load_error(tmp_path).startswith(f"{tmp_path}: cannot read")


def test_file_not_in_utf8_gives_config_error(tmp_path: Path) -> None:
    path = tmp_path / "office.toml"
    path.write_bytes(DEMO.encode("cp1251", errors="replace"))  # saved by an old Windows editor
    message = load_error(path)
    assert message.startswith(f"{path}: ")
    assert "UTF-8" in message


def test_invalid_toml_gives_config_error(tmp_path: Path) -> None:
    path = office_file(tmp_path, DEMO + "\n[server\nport = ")
    message = load_error(path)
    assert message.startswith(f"{path}: not valid TOML")


def test_empty_file_reports_the_missing_keys(tmp_path: Path) -> None:
    path = office_file(tmp_path, "")
    lines = load_error(path).splitlines()
    assert f"{path}: key 'name': Field required" in lines
    assert f"{path}: key 'services': Field required" in lines
    assert f"{path}: key 'windows': Field required" in lines


@pytest.mark.parametrize(
    "old, new, where",
    [
        ("port = 5000", 'port = "5000"', "[server] key 'port'"),
        ("wait_min = 20", 'wait_min = "20"', "[targets] key 'wait_min'"),
        ("number = 1\n", 'number = "1"\n', "[windows][0] key 'number'"),
        ("requeue_transfers_at_back = false", "requeue_transfers_at_back = 0",
         "[dispatch] key 'requeue_transfers_at_back'"),
    ],
)
def test_values_of_the_wrong_type_are_refused_not_converted(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    path = tmp_path / "office.toml"
    text = config.demo_office_text()
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(config.ConfigError) as caught:
        config.load(path, {})
    assert f"{path}: {where}" in str(caught.value)


def test_an_environment_value_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(config.ConfigError, match="environment TALON_SCHEDULE__ENFORCE"):
        config.load(None, {"TALON_SCHEDULE__ENFORCE": "yes"})
