"""Exports of reports and of the raw visit log: CSV and XLSX (openpyxl, write-only mode).

This module owns the file layouts: a report as tables (summary, one per breakdown, desks,
queue by hour, trend), the visit log one row per ticket (streamed: CSV chunk by chunk, XLSX
through openpyxl's write-only workbook), and the monthly summary workbook for the management
report. Durations are written in seconds; times as local ISO date-times.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any

from openpyxl import Workbook

DIST_FIELDS = ("count", "mean", "median", "p90", "max", "within_target", "within_share")
COUNT_FIELDS = ("issued", "served", "no_show", "cancelled", "transferred", "postponed",
                "recalled")
DESK_FIELDS = ("open", "paused", "serving", "idle_while_waiting", "utilisation")
VISIT_FIELDS = ("id", "day", "label", "service", "segment", "category", "source", "status",
                "issued_at", "first_called_at", "called_at", "started_at", "finished_at",
                "wait", "service_time", "wait_target", "service_target", "window", "user",
                "recalls", "postponements", "transfers", "outcome", "topics", "rating")
TIME_FIELDS = ("issued_at", "first_called_at", "called_at", "started_at", "finished_at")


def _group_header() -> list[str]:
    return [*COUNT_FIELDS, *(f"wait_{f}" for f in DIST_FIELDS),
            *(f"service_{f}" for f in DIST_FIELDS)]


def _group_row(group: dict[str, Any]) -> list[Any]:
    return [*(group[f] for f in COUNT_FIELDS), *(group["wait"][f] for f in DIST_FIELDS),
            *(group["service"][f] for f in DIST_FIELDS)]


def report_tables(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report as named tables (title, header, rows), the layout of both exports."""
    tables: list[tuple[str, list[str], list[list[Any]]]] = []
    summary = [["from", report["from"]], ["to", report["to"]], ["days", report["days"]]]
    summary += [[k, v] for k, v in report["totals"].items()]
    for part in ("wait", "walk", "service"):
        summary += [[f"{part}_{f}", report[part][f]] for f in DIST_FIELDS]
    summary += [["staff_calls", report["staff_calls"]["presses"]]]
    summary += [[f"staff_call_response_{f}", report["staff_calls"]["response"][f]]
                for f in ("count", "mean", "median", "p90", "max")]
    summary += [["ratings", report["ratings"]["count"]],
                ["rating_mean", report["ratings"]["mean"]]]
    tables.append(("summary", ["figure", "value"], summary))
    for dimension, groups in report["breakdowns"].items():
        rows = [[key, *_group_row(g)] for key, g in groups.items()]
        tables.append((f"by_{dimension}", [dimension, *_group_header()], rows))
    tables.append(("windows", ["window", *DESK_FIELDS, "paused_by_reason"],
                   [[k, *(d[f] for f in DESK_FIELDS), _reasons(d["paused_by_reason"])]
                    for k, d in report["windows"].items()]))
    tables.append(("consultants",
                   ["consultant", "served", "mean_service", *DESK_FIELDS, "paused_by_reason",
                    "pauses_by_reason"],
                   [[k, d["served"], d["mean_service"], *(d[f] for f in DESK_FIELDS),
                     _reasons(d["paused_by_reason"]), _reasons(d["pauses_by_reason"])]
                    for k, d in report["consultants"].items()]))
    tables.append(("queue_by_hour", ["hour", "peak_waiting", "mean_waiting"],
                   [[h, q["peak"], q["mean"]] for h, q in report["queue_by_hour"].items()]))
    tables.append(("heat_map", ["weekday", "hour", "arrivals", "mean_wait"],
                   [[*cell.split(":"), v["arrivals"], v["mean_wait"]]
                    for cell, v in report["heat_map"].items()]))
    trend_fields = ["day", "issued", "served", "no_show", "mean_wait", "wait_within_share",
                    "mean_service", "service_within_share"]
    tables.append(("trend", trend_fields,
                   [[row[f] for f in trend_fields] for row in report["trend"]]))
    return tables


def _reasons(values: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v:g}" for k, v in values.items())


def report_csv(report: dict[str, Any]) -> str:
    """One CSV: each table under a line naming it, tables separated by an empty line."""
    out = io.StringIO()
    writer = csv.writer(out)
    for title, header, rows in report_tables(report):
        writer.writerow([f"# {title}"])
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow([])
    return out.getvalue()


def _save(book: Workbook) -> bytes:
    with tempfile.TemporaryFile() as spool:
        book.save(spool)
        spool.seek(0)
        return spool.read()


def report_xlsx(report: dict[str, Any]) -> bytes:
    """One sheet per table."""
    book = Workbook(write_only=True)
    for title, header, rows in report_tables(report):
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    return _save(book)


def visit_row(visit: dict[str, Any], zone: tzinfo) -> list[Any]:
    row = dict(visit)
    if row["first_called_at"] is not None:
        row["wait"] = row["first_called_at"] - row["issued_at"]
    else:
        row["wait"] = None
    if row["status"] == "done" and row["started_at"] is not None and row["finished_at"]:
        row["service_time"] = row["finished_at"] - row["started_at"]
    else:
        row["service_time"] = None
    for name in TIME_FIELDS:
        if row[name] is not None:
            row[name] = datetime.fromtimestamp(row[name], zone).replace(tzinfo=None) \
                .isoformat(timespec="seconds")
    return [row[f] for f in VISIT_FIELDS]


def visits_csv(visits: Iterable[dict[str, Any]], zone: tzinfo, chunk: int = 500) -> Iterator[str]:
    """The visit log as CSV text, ``chunk`` rows at a time."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(VISIT_FIELDS)
    for k, visit in enumerate(visits, 1):
        writer.writerow(visit_row(visit, zone))
        if k % chunk == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def visits_xlsx(visits: Iterable[dict[str, Any]], zone: tzinfo) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("visits")
    sheet.append(list(VISIT_FIELDS))
    for visit in visits:
        sheet.append(visit_row(visit, zone))
    return _save(book)


def monthly_xlsx(report: dict[str, Any]) -> bytes:
    """The management report of a month: figures against targets, per service, per window
    and consultant, and the trend by day."""
    book = Workbook(write_only=True)
    names = report["names"]
    wait, service, totals = report["wait"], report["service"], report["totals"]
    sheet = book.create_sheet("Summary")
    sheet.append([f"{report['office']}: {report['from']} – {report['to']}"])
    sheet.append(["figure", "value", "target", "met"])
    for label, value in (("visitors issued", totals["issued"]), ("served", totals["served"]),
                         ("no-shows", totals["no_show"]), ("cancelled", totals["cancelled"]),
                         ("transferred", totals["transferred"]),
                         ("postponed", totals["postponed"])):
        sheet.append([label, value, None, None])
    for label, dist, target in (("mean wait, min", wait, report["targets"]["wait"]),
                                ("mean service, min", service, report["targets"]["service"])):
        mean = dist["mean"]
        sheet.append([label, _minutes(mean), target / 60.0,
                      None if mean is None else ("yes" if mean <= target else "no")])
    sheet.append(["median wait, min", _minutes(wait["median"]), None, None])
    sheet.append(["90th percentile wait, min", _minutes(wait["p90"]), None, None])
    sheet.append(["longest wait, min", _minutes(wait["max"]), None, None])
    sheet.append(["share waited within own target", wait["within_share"], None, None])
    sheet.append(["share served within own target", service["within_share"], None, None])
    sheet.append(["staff calls", report["staff_calls"]["presses"], None, None])
    sheet.append(["mean staff-call response, min",
                  _minutes(report["staff_calls"]["response"]["mean"]), None, None])
    sheet.append(["mean rating (1-5)", report["ratings"]["mean"], None, None])
    header = ["issued", "served", "no-shows", "mean wait, min", "wait within target",
              "mean service, min", "service within target"]
    for title, dimension in (("Services", "service"), ("Windows", "window"),
                             ("Consultants", "consultant")):
        sheet = book.create_sheet(title)
        sheet.append([dimension, *header])
        for key, g in report["breakdowns"][dimension].items():
            sheet.append([names.get(dimension, {}).get(key) or key, g["issued"], g["served"],
                          g["no_show"], _minutes(g["wait"]["mean"]), g["wait"]["within_share"],
                          _minutes(g["service"]["mean"]), g["service"]["within_share"]])
    sheet = book.create_sheet("Days")
    sheet.append(["day", "issued", "served", "no-shows", "mean wait, min", "wait within target",
                  "mean service, min", "service within target"])
    for row in report["trend"]:
        sheet.append([row["day"], row["issued"], row["served"], row["no_show"],
                      _minutes(row["mean_wait"]), row["wait_within_share"],
                      _minutes(row["mean_service"]), row["service_within_share"]])
    return _save(book)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 2)
