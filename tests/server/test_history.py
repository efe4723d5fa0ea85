"""``talon seed-history``: synthetic days played through the real queue use cases, their event
log, determinism with a seed, and the command line."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from server import cli, config
from server.history import busy_shares, seed_history
from server.reports import Period, Reports
from server.store.sqlite import SqliteStore

MONDAY, TUESDAY, SUNDAY = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 29)
STILL_THERE = ("waiting", "called", "serving", "postponed", "transferred")


def seeded(path: Path, *, days: int = 2, per_day: int = 60, last_day: date = TUESDAY,
           seed: int = 7) -> tuple[config.OfficeFile, SqliteStore, object]:
    office = config.load(None, {})
    store = SqliteStore(path)
    store.migrate()
    result = seed_history(office, store, days=days, per_day=per_day, last_day=last_day,
                          seed=seed)
    return office, store, result


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_days_and_tickets_asked_for_are_played_through_the_queue(tmp_path: Path) -> None:
    path = tmp_path / "talon.db"
    _, store, result = seeded(path)
    store.close()
    assert result.days == 2 and result.skipped == 0
    per_day = dict(rows(path, "SELECT day, COUNT(*) FROM tickets GROUP BY day"))
    assert set(per_day) == {MONDAY.isoformat(), TUESDAY.isoformat()}
    assert sum(per_day.values()) == result.tickets
    assert all(40 <= n <= 80 for n in per_day.values())  # about 60 each (Poisson-like)
    kinds = Counter(k for (k,) in rows(path, "SELECT kind FROM events"))
    statuses = Counter(s for (s,) in rows(path, "SELECT status FROM tickets"))
    assert kinds["ticket.issued"] == result.tickets
    assert kinds["ticket.finished"] == statuses["done"] > 0.8 * result.tickets
    assert kinds["ticket.no_show"] == statuses["no_show"]
    assert kinds["ticket.called"] >= result.tickets  # postponed / transferred: called again
    assert kinds["ticket.started"] >= statuses["done"]
    assert kinds["alert.raised"] >= 2 and kinds["alert.acked"] == kinds["alert.raised"]
    assert kinds["window.changed"] > 0
    pauses = rows(path, "SELECT data FROM events WHERE kind = 'window.changed'"
                        " AND data LIKE '%paused%'")
    assert len(pauses) == 2 * 5 and all("lunch" in d for (d,) in pauses)  # every window, daily
    assert not [s for s in statuses if s in STILL_THERE]  # nobody left waiting at day end
    assert rows(path, "SELECT DISTINCT state FROM windows") == [("closed",)]


def test_waits_and_the_report_of_a_seeded_day_look_like_an_office(tmp_path: Path) -> None:
    office, store, _ = seeded(tmp_path / "talon.db", days=1, per_day=150, last_day=MONDAY)
    later = datetime(2026, 11, 25, 12, tzinfo=office.zone).timestamp()
    report = Reports(office, store, lambda: later).report(Period(MONDAY, MONDAY))
    store.close()
    assert report["totals"]["issued"] == report["totals"]["served"] + \
        report["totals"]["no_show"] + report["totals"]["cancelled"]
    assert report["totals"]["cancelled"] == 0
    assert 0 < report["wait"]["mean"] < 30 * 60 and report["wait"]["max"] < 3 * 3600
    assert set(report["breakdowns"]["window"]) == {"1", "2", "3", "4", "5"}
    assert report["staff_calls"]["presses"] >= 1


def test_a_closed_day_gets_nobody(tmp_path: Path) -> None:
    path = tmp_path / "talon.db"
    _, store, result = seeded(path, days=2, per_day=20, last_day=SUNDAY)
    store.close()
    assert result.days == 1  # Saturday; the demo office is closed on Sundays
    assert [d for (d,) in rows(path, "SELECT DISTINCT day FROM tickets")] == ["2026-11-28"]


def test_the_same_seed_gives_the_same_history(tmp_path: Path) -> None:
    sql = ("SELECT day, label, service, segment, category, status, issued_at, first_called_at,"
           " finished_at, window FROM tickets ORDER BY id")
    histories = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        _, store, _ = seeded(tmp_path / f"{name}.db", days=1, per_day=40, seed=seed)
        store.close()
        histories.append(rows(tmp_path / f"{name}.db", sql))
    assert histories[0] == histories[1]
    assert histories[0] != histories[2]


def test_a_busy_office_gets_quick_visits_sized_to_its_windows() -> None:
    office = config.load(None, {})
    opens = datetime(2026, 11, 23, 8, tzinfo=office.zone).timestamp()
    closes = opens + 9 * 3600
    busy = busy_shares(office, opens, closes, 1000)
    calm = busy_shares(office, opens, closes, 100)
    assert 1.0 <= busy.mean_service_min < 3.0 and busy.walk_s[1] <= 40
    assert calm.mean_service_min == 12.0 and calm.walk_s == (20.0, 90.0)


def test_seeding_into_a_database_with_open_windows_is_refused(tmp_path: Path) -> None:
    office, store, _ = seeded(tmp_path / "talon.db", days=1, per_day=10)
    with store.write() as tx:
        tx.conn.execute("UPDATE windows SET state = 'open' WHERE number = 1")
    with pytest.raises(ValueError, match="not closed"):
        seed_history(office, store, days=1, per_day=10, last_day=TUESDAY)
    store.close()


def test_the_command_seeds_days_ending_yesterday(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "talon.db"
    monkeypatch.setenv("TALON_SERVER__DATABASE", str(path))
    monkeypatch.setenv("TALON_SCHEDULE__HOLIDAYS", "[]")  # two days always hold an open one
    assert cli.run(["seed-history", "--days", "2", "--per-day", "50", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert f"into {path}" in out and "seeded" in out
    (count,) = rows(path, "SELECT COUNT(*) FROM tickets")[0]
    assert f"seeded {count} tickets" in out and count > 0
    days = [date.fromisoformat(d) for (d,) in rows(path, "SELECT DISTINCT day FROM tickets")]
    assert max(days) < date.today() and len(days) <= 2


def test_the_command_takes_an_office_file(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    demo = Path(config.__file__).with_name("demo_office.toml").read_text(encoding="utf-8")
    path = tmp_path / "office.db"
    office_file = tmp_path / "office.toml"
    office_file.write_text(demo.replace('database = "var/talon.db"',
                                        f'database = "{path.as_posix()}"'), encoding="utf-8")
    assert cli.run(["seed-history", "--days", "1", "--per-day", "20",
                    "--config", str(office_file)]) == 0
    assert f"into {path}" in capsys.readouterr().out
    assert path.exists()


@pytest.mark.parametrize("argv", [["--days", "0", "--per-day", "10"],
                                  ["--days", "2", "--per-day", "-1"]])
def test_the_command_refuses_bad_numbers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    monkeypatch.setenv("TALON_SERVER__DATABASE", str(tmp_path / "talon.db"))
    assert cli.run(["seed-history", *argv]) == 1
    assert "--days must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "talon.db").exists()


@pytest.mark.parametrize("argv", [["--days", "two", "--per-day", "10"], ["--per-day", "10"]])
def test_the_command_refuses_what_is_not_a_number(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    monkeypatch.setenv("TALON_SERVER__DATABASE", str(tmp_path / "talon.db"))
    with pytest.raises(SystemExit) as exit_:
        cli.run(["seed-history", *argv])
    assert exit_.value.code == 2
