"""Report charts drawn as SVG on the server: no chart library, nothing for the browser to run.

This module owns the three charts of a report: served and waiting by hour, the wait
distribution against the wait target line, and the trend of the within-target share over
days. Each takes the report's figures and returns an SVG document; labels are given by the
caller (translated), and every bar carries a <title> with its figure, so nothing is told by
colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 28, 36
CHARTS = ("hourly", "waits", "trend")


def _frame(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>'
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
        + "".join(body) + "</svg>"
    )


def _axes(peak: float, unit: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = [f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
           f'y2="{HEIGHT - BOTTOM}" stroke="#000"/>',
           f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#000"/>']
    for k in range(5):
        value = peak * k / 4
        y = HEIGHT - BOTTOM - plot_h * k / 4
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
                   f"{value:.{0 if peak >= 4 else 2}f}{escape(unit)}</text>")
    return out


def _bars(values: Sequence[float], labels: Sequence[str], peak: float, *, slot: int,
          slots: int, fill: str, pattern: str, name: str) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values), 1)
    width = step * 0.8 / slots
    out = []
    for k, value in enumerate(values):
        h = plot_h * value / peak if peak else 0.0
        x = LEFT + k * step + step * 0.1 + slot * width
        out.append(f'<rect x="{x:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" width="{width:.1f}" '
                   f'height="{h:.1f}" fill="{fill}" stroke="#000" stroke-dasharray="{pattern}">'
                   f"<title>{escape(labels[k])} {escape(name)}: {value:g}</title></rect>")
    return out


def _x_labels(labels: Sequence[str], every: int = 1) -> list[str]:
    plot_w = WIDTH - LEFT - RIGHT
    step = plot_w / max(len(labels), 1)
    return [f'<text x="{LEFT + (k + 0.5) * step:.1f}" y="{HEIGHT - BOTTOM + 14}" '
            f'text-anchor="middle">{escape(label)}</text>'
            for k, label in enumerate(labels) if k % every == 0]


def _legend(items: Sequence[tuple[str, str]]) -> list[str]:
    out, x = [], WIDTH - RIGHT - 150 * len(items)
    for fill, name in items:
        out.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{fill}" stroke="#000"/>'
                   f'<text x="{x + 16}" y="18">{escape(name)}</text>')
        x += 150
    return out


def hourly(report: dict[str, Any], labels: dict[str, str]) -> str:
    """Served visitors (bars) and the most waiting at once (bars, hatched) per hour."""
    hours = sorted(set(report["breakdowns"]["hour"]) | set(report["queue_by_hour"]))
    served = [float(report["breakdowns"]["hour"].get(h, {}).get("served", 0)) for h in hours]
    waiting = [float(report["queue_by_hour"].get(h, {}).get("peak", 0)) for h in hours]
    peak = max([*served, *waiting, 1.0])
    body = _axes(peak, "")
    body += _bars(served, hours, peak, slot=0, slots=2, fill="#1f5fbf", pattern="",
                  name=labels.get("served", "served"))
    body += _bars(waiting, hours, peak, slot=1, slots=2, fill="#f2b705", pattern="3 2",
                  name=labels.get("waiting", "waiting"))
    body += _x_labels(hours)
    body += _legend([("#1f5fbf", labels.get("served", "served")),
                     ("#f2b705", labels.get("waiting", "waiting"))])
    return _frame(labels.get("title", "Served and waiting by hour"), body)


def waits(report: dict[str, Any], labels: dict[str, str]) -> str:
    """Visitors per minute of wait (the last bar: an hour or more), and the wait target."""
    bins = report["wait_histogram"]
    peak = max([*bins, 1])
    names = [f"{k}" for k in range(len(bins) - 1)] + ["60+"]
    body = _axes(peak, "")
    body += _bars([float(b) for b in bins], names, peak, slot=0, slots=1, fill="#1f5fbf",
                  pattern="", name=labels.get("visitors", "visitors"))
    body += _x_labels(names, every=5)
    target_min = report["targets"]["wait"] / 60.0
    plot_w = WIDTH - LEFT - RIGHT
    x = LEFT + plot_w * min(target_min, len(bins)) / len(bins)
    body.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" '
                f'stroke="#c00" stroke-width="2" stroke-dasharray="6 3"/>'
                f'<text x="{x + 4:.1f}" y="{TOP + 12}" fill="#c00">'
                f'{escape(labels.get("target", "target"))} {target_min:g} '
                f'{escape(labels.get("min", "min"))}</text>')
    body.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 4}" text-anchor="end">'
                f'{escape(labels.get("axis", "wait, min"))}</text>')
    return _frame(labels.get("title", "Wait distribution"), body)


def trend(report: dict[str, Any], labels: dict[str, str]) -> str:
    """The share of visitors who waited within their own target, day by day (a line with
    a marked point per day)."""
    rows = report["trend"]
    body = _axes(100.0, "%")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(rows), 1)
    points = []
    for k, row in enumerate(rows):
        share = row["wait_within_share"]
        if share is None:
            continue
        x = LEFT + (k + 0.5) * step
        y = HEIGHT - BOTTOM - plot_h * share
        points.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f5fbf">'
                    f'<title>{escape(row["day"])}: {share * 100:.1f}%</title></circle>')
    if points:
        body.insert(2, f'<polyline points="{" ".join(points)}" fill="none" stroke="#1f5fbf" '
                       'stroke-width="2"/>')
    every = max(1, len(rows) // 8)
    body += _x_labels([row["day"][5:] for row in rows], every=every)
    return _frame(labels.get("title", "Share within the wait target by day"), body)


def draw(name: str, report: dict[str, Any], labels: dict[str, str]) -> str:
    return {"hourly": hourly, "waits": waits, "trend": trend}[name](report, labels)
