"""Configuration: built-in defaults, then an office TOML file, then ``TALON_*`` variables.

One office file holds the office model (services, windows, targets, schedule...) and a
``[server]`` section. An environment variable overrides one key: ``TALON_SERVER__PORT=5001``,
``TALON_SCHEDULE__ENFORCE=false`` (sections joined by a double underscore, values read as TOML
scalars). ``TALON_CONFIG`` names the file. Unknown keys and wrong types are refused with a
message naming the file (or variable), the section and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.domain.office import Office

ENV_PREFIX = "TALON_"
DEMO_OFFICE = "demo_office.toml"


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 5000
    database: str = "var/talon.db"
    secret_key: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    session_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 12.0
    # gevent: one greenlet per connection, HTTP keep-alive (production). threading: a thread
    # per connection on Werkzeug's development server (tests serve the app this way).
    async_mode: Literal["gevent", "threading"] = "gevent"


class OfficeFile(Office):
    server: ServerSettings = ServerSettings()


def demo_office_text() -> str:
    return resources.files("server").joinpath(DEMO_OFFICE).read_text(encoding="utf-8")


def _parse_env_value(raw: str) -> object:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _apply_env(data: dict[str, object], env: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """Overlay TALON_* variables on ``data``; return which key path came from which variable."""
    origins: dict[tuple[str, ...], str] = {}
    for name, raw in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or name == "TALON_CONFIG":
            continue
        path = tuple(part.lower() for part in name[len(ENV_PREFIX):].split("__"))
        if not all(path):
            raise ConfigError(f"environment {name}: malformed name")
        node = data
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"environment {name}: {part!r} is not a section")
            node = child
        node[path[-1]] = _parse_env_value(raw)
        origins[path] = name
    return origins


def describe_errors(
    source: str, exc: ValidationError, origins: Mapping[tuple[str, ...], str] | None = None
) -> str:
    """One line per error: "office.toml: [services][2] key 'prefix': what is wrong", naming
    the environment variable instead of the file where ``origins`` says a key came from."""
    lines = []
    for error in exc.errors():
        loc = tuple(str(p) for p in error["loc"] if not str(p).startswith("function-"))
        origin = next(
            (var for keys, var in (origins or {}).items() if loc[: len(keys)] == keys), None
        )
        where = "".join(f"[{p}]" for p in loc[:-1])
        key = f"{where} key {loc[-1]!r}: ".lstrip() if loc else ""
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{f'environment {origin}' if origin else source}: {key}{message}")
    return "\n".join(lines)


def read_toml(path: Path | str) -> dict[str, Any]:
    """Parse a TOML file; ConfigError says why it cannot be read."""
    source = str(path)
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc


def load(path: Path | str | None, env: Mapping[str, str] | None = None) -> OfficeFile:
    """Read and validate the configuration. ``path`` None means the built-in demo office."""
    env = dict(env or {})
    if path is None and env.get("TALON_CONFIG"):
        path = env["TALON_CONFIG"]
    if path is None:
        source = f"(built-in) {DEMO_OFFICE}"
        data = tomllib.loads(demo_office_text())
    else:
        source = str(path)
        data = read_toml(path)
    origins = _apply_env(data, env)
    try:
        return OfficeFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(source, exc, origins)) from None
