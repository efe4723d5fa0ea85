"""Reports on a year of history: a one-day and a 365-day report, cold and warm, and peak memory.

Targets (issue "make bench"): one day ≤ 50 ms, one year ≤ 1 s, memory flat in the number of
tickets. The year (1,000 tickets a day) is built once and cached in the temporary folder:

1. one template week (Monday to Sunday; Sunday is closed in the demo office) is played
   through the real use cases by ``server.history.seed_history`` (QueueService, AlertService:
   tickets, windows, pauses, staff calls and their event log);
2. the week's tickets and events are copied in SQL to the 52 weeks before it, with dates,
   times and ids shifted by whole weeks (same weekdays, same office hours).

Cold: no rollup stored yet, so the report rolls each closed day up from its tickets and
events and keeps the rollup (a one-off per day). Warm: every rollup stored, the report only
merges them. The time is ``Reports.report`` plus encoding its JSON, as the API does.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from benchmarks.stats import Report
from server import config
from server.history import seed_history
from server.reports import Period, Reports
from server.store.sqlite import SqliteStore

PER_DAY = 1000
WEEKS = 53  # the template week and 52 copies: 371 days, the last 365 make the year
LAST_DAY = date(2026, 11, 22)  # a Sunday: the template week is 2026-11-16 … 22
CACHE_VERSION = "1"  # bump when the seeding changes, to rebuild the cached year
DAY_MS, YEAR_S = 50.0, 1.0
REPEATS = 5
SECONDS_PER_WEEK = 7 * 86400

# Every column of tickets; the ones shifted by the clone are rewritten in _clone.
TICKET_COLUMNS = (
    "id", "day", "number", "label", "service", "segment", "category", "priority", "source",
    "appointment_at", "issued_at", "wait_target", "service_target", "public_id", "status",
    "queue_since", "window", "user", "first_called_at", "called_at", "started_at",
    "finished_at", "recalls", "postponements", "transfers", "routed_window", "routed_user",
    "outcome", "note", "topics", "idempotency_key", "request_digest",
)
SHIFTED = ("appointment_at", "issued_at", "queue_since", "first_called_at", "called_at",
           "started_at", "finished_at")


@dataclass
class Year:
    path: Path
    tickets: int
    days: int
    first: date
    last: date
    built_seconds: float | None  # None: taken from the cache


def _say(text: str) -> None:
    sys.stderr.write(f"[bench] {text}\n")
    sys.stderr.flush()


def _clone(path: Path, weeks: int) -> None:
    """Copy the template week (the last one) to the ``weeks - 1`` weeks before it."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("BEGIN")
        top = conn.execute("SELECT MAX(id) FROM tickets").fetchone()[0] or 0
        start = conn.execute("SELECT MIN(at) FROM events").fetchone()[0]
        columns = ", ".join(f'"{c}"' for c in TICKET_COLUMNS)
        for k in range(1, weeks):
            shift = k * SECONDS_PER_WEEK
            values = []
            for c in TICKET_COLUMNS:
                if c == "id":
                    values.append(f"id + {k * top}")
                elif c == "day":
                    values.append(f"date(day, '-{7 * k} days')")
                elif c in SHIFTED:
                    values.append(f'"{c}" - {shift}')
                elif c in ("public_id", "idempotency_key"):
                    values.append(f"CASE WHEN \"{c}\" IS NULL THEN NULL "
                                  f"ELSE \"{c}\" || '-w{k}' END")
                else:
                    values.append(f'"{c}"')
            conn.execute(f"INSERT INTO tickets ({columns}) SELECT {', '.join(values)} "
                         f"FROM tickets WHERE id <= {top}")
            conn.execute(
                "INSERT INTO events (at, kind, ticket_id, label, window, user, data) "
                f"SELECT at - {shift}, kind, CASE WHEN ticket_id IS NULL THEN NULL "
                f"ELSE ticket_id + {k * top} END, label, window, user, data FROM events "
                f"WHERE at >= {start} ORDER BY seq")
        conn.execute("COMMIT")
    finally:
        conn.close()


def build_year(folder: Path) -> Year:
    """The cached year of history, built on first use (see the module doc)."""
    path = folder / f"year-{PER_DAY}-v{CACHE_VERSION}.db"
    ready = folder / f"year-{PER_DAY}-v{CACHE_VERSION}.ready"
    office = config.load(None, {})
    built = None
    if not ready.exists():
        for leftover in folder.glob(f"year-{PER_DAY}-v{CACHE_VERSION}.db*"):
            leftover.unlink()
        began = time.perf_counter()
        store = SqliteStore(path)
        store.migrate()
        _say(f"seeding a template week at {PER_DAY} tickets a day through QueueService …")
        seed_history(office, store, days=7, per_day=PER_DAY, last_day=LAST_DAY, seed=2026,
                     progress=lambda day, done: _say(f"  {day}: {done.tickets} tickets"))
        store.close()
        _say(f"cloning it over {WEEKS - 1} earlier weeks in SQL …")
        _clone(path, WEEKS)
        built = time.perf_counter() - began
        ready.write_text(f"{built:.1f}\n", encoding="utf-8")
    conn = sqlite3.connect(str(path))
    try:
        first = LAST_DAY - timedelta(days=364)
        tickets = conn.execute("SELECT COUNT(*) FROM tickets WHERE day >= ?",
                               (first.isoformat(),)).fetchone()[0]
        days = conn.execute("SELECT COUNT(DISTINCT day) FROM tickets WHERE day >= ?",
                            (first.isoformat(),)).fetchone()[0]
    finally:
        conn.close()
    return Year(path, tickets, days, first, LAST_DAY, built)


def _reports(path: Path) -> tuple[Reports, SqliteStore]:
    office = config.load(None, {})
    store = SqliteStore(path)
    after = datetime.combine(LAST_DAY + timedelta(days=2), clock_time(12),
                             tzinfo=office.zone).timestamp()
    return Reports(office, store, lambda: after), store


def _forget_rollups(store: SqliteStore) -> None:
    with store.write() as tx:
        tx.conn.execute("DELETE FROM report_rollups")


def _timed(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def _peak(run: Callable[[], object]) -> float:
    """Peak traced memory of ``run`` in MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(report: Report, folder: Path | None = None) -> None:
    """Add the report rows (and their targets) to ``report``."""
    folder = folder or Path(tempfile.gettempdir()) / "talon-bench-reports"
    folder.mkdir(parents=True, exist_ok=True)
    year = build_year(folder)
    report.add("reports: history", f"{year.tickets} tickets",
               note=f"{year.days} office days {year.first} … {year.last} in {year.path}; "
               + (f"built in {year.built_seconds:.0f} s" if year.built_seconds is not None
                  else "cached"))
    reports, store = _reports(year.path)
    try:
        _measure(report, reports, store, year)
    finally:
        store.close()


def _measure(report: Report, reports: Reports, store: SqliteStore, year: Year) -> None:
    busy = Period(year.last - timedelta(days=6), year.last - timedelta(days=6))  # a Monday
    whole = Period(year.first, year.last)
    quarter = Period(year.last - timedelta(days=89), year.last)

    def run(period: Period) -> Callable[[], object]:
        return lambda: json.dumps(reports.report(period))

    _forget_rollups(store)
    cold_day = _timed(run(busy))
    _forget_rollups(store)
    cold_day_memory = _peak(run(busy))
    _forget_rollups(store)
    cold_quarter_memory = _peak(run(quarter))
    cold_year = _timed(run(whole))  # rolls up the other 275 days
    _say(f"cold: one day {cold_day * 1000:.0f} ms, the rest of the year {cold_year:.1f} s")
    warm_day = statistics.median(_timed(run(busy)) for _ in range(REPEATS))
    warm_year = statistics.median(_timed(run(whole)) for _ in range(REPEATS))
    warm_quarter_memory = _peak(run(quarter))
    warm_year_memory = _peak(run(whole))
    _say(f"warm: one day {warm_day * 1000:.1f} ms, year {warm_year * 1000:.0f} ms")
    per_day = year.tickets / max(year.days, 1)
    report.check("report, one day (warm)", warm_day * 1000, "ms", at_most=DAY_MS,
                 note=f"a Monday of {per_day:.0f} tickets, rollup stored; median of {REPEATS}")
    report.check("report, 365 days (warm)", warm_year * 1000, "ms", at_most=YEAR_S * 1000,
                 fmt="{:.0f}", note=f"{year.days} office days merged; median of {REPEATS}")
    report.add("report, one day (cold)", f"{cold_day * 1000:.0f} ms",
               note="first report of a closed day: rolls it up from tickets and events and "
                    "keeps the rollup (once per day)")
    report.add("report, 365 days (cold)", f"{cold_year:.1f} s",
               note=f"rolls up the {whole.days - quarter.days} days not yet stored (once)")
    report.add("peak memory, cold: 1 day / 90 days", f"{cold_day_memory:.1f} / "
               f"{cold_quarter_memory:.1f} MiB",
               note=f"tracemalloc; {per_day:.0f} vs {per_day * 77:.0f} tickets rolled up")
    report.add("peak memory, warm: 90 / 365 days", f"{warm_quarter_memory:.1f} / "
               f"{warm_year_memory:.1f} MiB", note="tracemalloc; merging stored rollups")
    flat = cold_quarter_memory <= 2 * cold_day_memory + 1 and \
        warm_year_memory <= 2 * warm_quarter_memory + 1
    report.add("memory flat in tickets", "yes" if flat else "NO", "yes", flat,
               note="90 days of tickets peak ≤ 2 × one day's; a year ≤ 2 × 90 days")
    if not flat:
        report.fail("reports: peak memory grows with the number of tickets")


def main() -> int:
    report = Report()
    measure(report)
    sys.stdout.write(report.table() + "\n")
    return 1 if report.problems else 0
