"""Percentiles, result rows and targets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``; NaN if there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Row:
    """One line of the results table; ``target`` is shown, ``ok`` False marks a miss."""

    name: str
    value: str
    target: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        return {None: "", True: "ok", False: "MISSED"}[self.ok]


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # missed targets, errors: exit 1
    warnings: list[str] = field(default_factory=list)  # worth fixing, not a target

    def add(self, name: str, value: str, target: str = "", ok: bool | None = None,
            note: str = "") -> None:
        self.rows.append(Row(name, value, target, ok, note))

    def check(self, name: str, value: float, unit: str, *, at_least: float | None = None,
              at_most: float | None = None, note: str = "", fmt: str = "{:.1f}") -> None:
        """Add a row with a target; a miss (or a NaN value) is remembered as a problem."""
        if at_least is not None:
            ok, target = value >= at_least, f"≥ {fmt.format(at_least)} {unit}"
        elif at_most is not None:
            ok, target = value <= at_most, f"≤ {fmt.format(at_most)} {unit}"
        else:
            raise ValueError("check needs at_least or at_most")
        shown = "n/a" if math.isnan(value) else f"{fmt.format(value)} {unit}"
        self.add(name, shown, target, ok, note)
        if not ok:
            self.problems.append(f"{name}: {shown}, target {target}")

    def fail(self, problem: str) -> None:
        self.problems.append(problem)

    def warn(self, warning: str) -> None:
        self.warnings.append(warning)

    def table(self) -> str:
        """A Markdown table, readable on a terminal and pasteable into BENCHMARKS.md."""
        head = ("measure", "result", "target", "", "notes")
        lines = [head] + [(r.name, r.value, r.target, r.verdict, r.note) for r in self.rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]

        def fmt(cells: tuple[str, ...]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        out = [fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [fmt(line) for line in lines[1:]]
        return "\n".join(out)
