"""Scenario files for ``talon simulate``: the format, its validation, and the office behind it.

A scenario names an office (the built-in demo or an office file beside it), the opening hours,
mean Poisson arrivals per hour, the topic mix with service-time distributions, the visitor mix
(out of turn, VIP), the staffing plan and the policies to compare. Errors name the file, the
section and the key. Pure Python: no Flask, no SQLite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.config import ConfigError, describe_errors, load, read_toml
from server.domain.office import Code, Office
from server.domain.schedule import Span

HOUR = 3600.0
MINUTE = 60.0


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceMix(Model):
    """A topic's share of arrivals and its service time: lognormal by mean and cv, cut at
    ``max_min`` so that one freak draw does not decide every policy's worst wait."""

    share: float = Field(ge=0, le=1)
    mean_min: float = Field(gt=0, le=240)
    cv: float = Field(default=0.6, ge=0, le=5)
    max_min: float = Field(default=60.0, gt=0, le=480)


class Visitors(Model):
    """Shares of all arrivals: out of turn, and VIP (issued in ``vip_segment`` by the hall)."""

    out_of_turn: float = Field(default=0.04, ge=0, le=0.5)
    vip: float = Field(default=0.03, ge=0, le=1)
    vip_segment: Code = "vip"


class Arrivals(Model):
    per_hour: list[Annotated[float, Field(ge=0, le=1000)]] = Field(min_length=1)


class Shift(Model):
    """When a window is staffed; a window not listed stays closed all day."""

    window: int = Field(ge=1)
    hours: list[Span] = Field(min_length=1)


class ScenarioFile(Model):
    """The file: [arrivals] per_hour holds mean Poisson arrivals per started opening hour."""

    name: str = Field(min_length=1)
    name_en: str = ""
    office: str = Field(default="demo", min_length=1)
    days: int = Field(default=50, ge=1, le=10_000)
    seed: int = 1
    hours: Span
    visitors: Visitors = Visitors()
    arrivals: Arrivals
    services: dict[str, ServiceMix] = Field(min_length=1)
    staffing: list[Shift] = Field(min_length=1)
    policies: list[Literal["target", "strict", "fifo"]] = Field(
        default=["target", "strict", "fifo"], min_length=1)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its office resolved."""

    spec: ScenarioFile
    office: Office
    source: str

    @property
    def opening(self) -> tuple[float, float]:
        return seconds(self.spec.hours[0]), seconds(self.spec.hours[1])

    def shifts(self, window: int) -> list[tuple[float, float]]:
        return [(seconds(a), seconds(b)) for s in self.spec.staffing if s.window == window
                for a, b in s.hours]


def seconds(moment: time) -> float:
    return moment.hour * HOUR + moment.minute * MINUTE + moment.second


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; ConfigError names the file, section and key."""
    source = str(path)
    data = read_toml(path)
    try:
        spec = ScenarioFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(source, exc)) from None
    scenario = Scenario(spec, resolve_office(spec.office, Path(path).parent), source)
    check_scenario(scenario)
    return scenario


def resolve_office(office: str, folder: Path) -> Office:
    """"demo" is the built-in demo office; anything else an office file beside the scenario.
    The office file's own errors name that file."""
    return load(None if office == "demo" else folder / office, {})


def check_scenario(scenario: Scenario) -> None:
    """Cross-check the scenario against its office; ConfigError lists every problem."""
    spec, office = scenario.spec, scenario.office
    problems: list[str] = []
    start, close = scenario.opening
    hours = math.ceil((close - start) / HOUR)
    if len(spec.arrivals.per_hour) != hours:
        problems.append(f"[arrivals] key 'per_hour': {len(spec.arrivals.per_hour)} values for "
                        f"{hours} opening hours")
    problems += [f"[services] {code!r} is not a service of the office"
                 for code in spec.services if office.service(code) is None]
    total = sum(mix.share for mix in spec.services.values())
    if abs(total - 1.0) > 0.005:
        problems.append(f"[services] shares add up to {total:.3f}, not 1")
    staffed = [s.window for s in spec.staffing]
    for number in sorted(set(staffed)):
        if office.window(number) is None:
            problems.append(f"[staffing] window {number} is not a window of the office")
        elif staffed.count(number) > 1:
            problems.append(f"[staffing] window {number} is listed more than once")
    closers = [w for w in office.windows
               if any(a < close <= b for a, b in scenario.shifts(w.number))]
    problems += [f"[staffing] no window serving {code!r} is staffed at closing: its last "
                 "visitors would never be served"
                 for code, mix in spec.services.items()
                 if mix.share > 0 and not any(code in w.weights for w in closers)]
    if spec.visitors.vip > 0 and office.segment(spec.visitors.vip_segment) is None:
        problems.append(f"[visitors] key 'vip_segment': no segment "
                        f"{spec.visitors.vip_segment!r} in the office")
    if spec.visitors.out_of_turn > 0 and not office.out_of_turn:
        problems.append("[visitors] key 'out_of_turn': the office has no out-of-turn categories")
    if problems:
        raise ConfigError("\n".join(f"{scenario.source}: {p}" for p in problems))
