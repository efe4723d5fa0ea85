"""SQLite storage: the only module that knows table names.

WAL journal with ``synchronous=FULL``: a commit is on disk before the caller is answered, so
``kill -9`` loses no acknowledged ticket or move (tested), and neither should a power cut.
Every write runs in ``BEGIN IMMEDIATE``, which takes SQLite's write lock before reading:
read-modify-write sequences (next number, call next) are atomic across threads *and*
processes. Connections come from a small pool (see SqliteStore).
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

import sqlite_utils

from server.domain.alerts import Alert, AlertKind
from server.domain.arrivals import PastArrival
from server.domain.booking import HOLDS_PLACE, Booking, BookingStatus
from server.domain.events import Event
from server.domain.tickets import Ticket, TicketStatus
from server.domain.windows import PauseReason, Window, WindowState
from server.store.migrations import migrate

TICKET_COLUMNS = [f.name for f in fields(Ticket)]
# Explicit column order, so rows map onto Ticket fields by position.
TICKET_SELECT = "SELECT " + ", ".join(f'"{c}"' for c in TICKET_COLUMNS) + " FROM tickets"
BUSY_TIMEOUT_MS = 30_000
POOL_SIZE = 8


def connect(path: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _ticket_from_row(row: sqlite3.Row) -> Ticket:
    # Extra trailing columns (e.g. request_digest) are the caller's, not the ticket's.
    values = dict(zip(TICKET_COLUMNS, tuple(row)[: len(TICKET_COLUMNS)], strict=True))
    values["status"] = TicketStatus(values["status"])
    values["priority"] = bool(values["priority"])
    topics = values["topics"]
    values["topics"] = json.loads(topics) if topics and topics != "[]" else []
    return Ticket(**values)


def _ticket_to_row(ticket: Ticket) -> dict[str, object]:
    row = {name: getattr(ticket, name) for name in TICKET_COLUMNS}
    row["status"] = ticket.status.value
    row["priority"] = int(ticket.priority)
    row["topics"] = json.dumps(ticket.topics, ensure_ascii=False)
    return row


ALERT_COLUMNS = ("kind", "key", "source", "message", "window", "ticket_id", "label", "data",
                 "raised_at", "acked_at", "acked_by", "resolved_at")


def _alert_from_row(row: sqlite3.Row) -> Alert:
    values = dict(row)
    return Alert(**{**values, "kind": AlertKind(values["kind"]),
                    "data": json.loads(values["data"] or "{}")})


def _alert_values(alert: Alert) -> tuple[object, ...]:
    values = {**vars(alert), "kind": alert.kind.value,
              "data": json.dumps(alert.data, ensure_ascii=False)}
    return tuple(values[c] for c in ALERT_COLUMNS)


WINDOW_SELECT = "SELECT number, state, user, ticket_id, pause_reason, since FROM windows"
_WINDOW_STATES = {s.value: s for s in WindowState}  # a dict lookup is cheaper than the call
_PAUSE_REASONS = {r.value: r for r in PauseReason}


def _window_from_row(row: sqlite3.Row) -> Window:
    """A row of ``WINDOW_SELECT``; read for every window on every queue commit."""
    number, state, user, ticket_id, reason, since = tuple(row)
    return Window(number, _WINDOW_STATES[state], user, ticket_id,
                  _PAUSE_REASONS[reason] if reason else None, since or 0.0)


BOOKING_COLUMNS = [f.name for f in fields(Booking)]
BOOKING_SELECT = "SELECT " + ", ".join(f'"{c}"' for c in BOOKING_COLUMNS) + " FROM bookings"
_HOLDING = tuple(s.value for s in HOLDS_PLACE)


def _booking_from_row(row: sqlite3.Row) -> Booking:
    values = dict(row)
    return Booking(**{**values, "status": BookingStatus(values["status"])})


class SqliteBookings:
    """Pre-bookings inside one transaction (mixed into ``SqliteUnit``)."""

    conn: sqlite3.Connection

    def insert_booking(self, booking: Booking) -> int:
        row = {c: getattr(booking, c) for c in BOOKING_COLUMNS if c != "id"}
        row["status"] = booking.status.value
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        cursor = self.conn.execute(
            f"INSERT INTO bookings ({columns}) VALUES ({marks})", tuple(row.values())
        )
        return int(cursor.lastrowid or 0)

    def update_booking(self, booking: Booking) -> None:
        row = {c: getattr(booking, c) for c in BOOKING_COLUMNS if c != "id"}
        row["status"] = booking.status.value
        sets = ", ".join(f'"{c}" = ?' for c in row)
        self.conn.execute(f"UPDATE bookings SET {sets} WHERE id = ?",
                          (*row.values(), booking.id))

    def booking_by_code(self, code: str) -> Booking | None:
        row = self.conn.execute(f"{BOOKING_SELECT} WHERE code = ?", (code,)).fetchone()
        return _booking_from_row(row) if row else None

    def bookings_on(self, day: str, service: str | None = None) -> list[Booking]:
        sql, args = f"{BOOKING_SELECT} WHERE day = ?", [day]
        if service is not None:
            sql, args = sql + " AND service = ?", [*args, service]
        rows = self.conn.execute(sql + " ORDER BY slot_at, id", args).fetchall()
        return [_booking_from_row(r) for r in rows]

    def places_taken(self, service: str, day: str) -> dict[float, int]:
        """Slot start → bookings holding a place in it."""
        rows = self.conn.execute(
            "SELECT slot_at, COUNT(*) FROM bookings WHERE service = ? AND day = ?"
            f" AND status IN ({', '.join('?' for _ in _HOLDING)}) GROUP BY slot_at",
            (service, day, *_HOLDING),
        ).fetchall()
        return {float(r[0]): int(r[1]) for r in rows}

    def active_bookings_of(self, phone: str, since: float) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM bookings WHERE phone = ? AND slot_at >= ? AND status = ?",
            (phone, since, BookingStatus.BOOKED.value),
        ).fetchone()
        return int(row[0])

    def bookings_booked_before(self, before: float) -> list[Booking]:
        rows = self.conn.execute(
            f"{BOOKING_SELECT} WHERE status = ? AND slot_at < ? ORDER BY slot_at",
            (BookingStatus.BOOKED.value, before),
        ).fetchall()
        return [_booking_from_row(r) for r in rows]

    def bookings_expected(self, start: float, until: float) -> list[Booking]:
        """Bookings not checked in (nor cancelled, nor no-shows) whose slot starts in
        ``[start, until)``; by the slot index, however many bookings the table holds."""
        rows = self.conn.execute(
            f"{BOOKING_SELECT} WHERE status = ? AND slot_at >= ? AND slot_at < ?"
            " ORDER BY slot_at, id",
            (BookingStatus.BOOKED.value, start, until),
        ).fetchall()
        return [_booking_from_row(r) for r in rows]

    def bookings_to_remind(self, start: float, until: float) -> list[Booking]:
        rows = self.conn.execute(
            f"{BOOKING_SELECT} WHERE status = ? AND reminded_at IS NULL"
            " AND slot_at >= ? AND slot_at < ? ORDER BY slot_at",
            (BookingStatus.BOOKED.value, start, until),
        ).fetchall()
        return [_booking_from_row(r) for r in rows]

    def purge_bookings(self, before: float, now: float) -> int:
        """Forget the name and phone of visits that started before ``before``."""
        cursor = self.conn.execute(
            "UPDATE bookings SET name = NULL, phone = NULL, purged_at = ?"
            " WHERE slot_at < ? AND purged_at IS NULL",
            (now, before),
        )
        return cursor.rowcount


class SqliteUnit(SqliteBookings):
    """The queue's view of the database inside one transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.committed = False

    def commit(self) -> None:
        if self.committed:
            return
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error:
            # A failed COMMIT (disk full, I/O error) leaves the transaction open.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.committed = True

    def next_number(self, day: str, prefix: str) -> int:
        row = self.conn.execute(
            "INSERT INTO counters (day, prefix, last) VALUES (?, ?, 1)"
            " ON CONFLICT (day, prefix) DO UPDATE SET last = last + 1 RETURNING last",
            (day, prefix),
        ).fetchone()
        return int(row[0])

    def insert_ticket(self, ticket: Ticket, idempotency_key: str | None, digest: str) -> int:
        row = _ticket_to_row(ticket)
        row.pop("id")
        row["idempotency_key"], row["request_digest"] = idempotency_key, digest
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        cursor = self.conn.execute(
            f"INSERT INTO tickets ({columns}) VALUES ({marks})", tuple(row.values())
        )
        return int(cursor.lastrowid or 0)

    def ticket_by_idempotency(self, key: str) -> tuple[Ticket, str] | None:
        row = self.conn.execute(
            f"{TICKET_SELECT.replace(' FROM', ', request_digest FROM')}"
            " WHERE idempotency_key = ?",
            (key,),
        ).fetchone()
        return (_ticket_from_row(row), row["request_digest"]) if row else None

    def ticket(self, ticket_id: int) -> Ticket | None:
        row = self.conn.execute(f"{TICKET_SELECT} WHERE id = ?", (ticket_id,)).fetchone()
        return _ticket_from_row(row) if row else None

    def tickets(self, ids: Sequence[int]) -> dict[int, Ticket]:
        """The tickets of ``ids`` that exist, by id, in one query."""
        if not ids:
            return {}
        rows = self.conn.execute(
            f"{TICKET_SELECT} WHERE id IN ({', '.join('?' for _ in ids)})", tuple(ids)
        ).fetchall()
        return {t.id or 0: t for t in map(_ticket_from_row, rows)}

    def ticket_by_label(self, day: str, label: str) -> Ticket | None:
        row = self.conn.execute(
            f"{TICKET_SELECT} WHERE day = ? AND label = ?", (day, label)
        ).fetchone()
        return _ticket_from_row(row) if row else None

    def ticket_by_public_id(self, public_id: str) -> Ticket | None:
        row = self.conn.execute(
            f"{TICKET_SELECT} WHERE public_id = ?", (public_id,)
        ).fetchone()
        return _ticket_from_row(row) if row else None

    def waiting(self, day: str) -> list[Ticket]:
        """Today's waiting tickets; a previous day's leftovers are not in anyone's queue."""
        rows = self.conn.execute(
            f"{TICKET_SELECT} WHERE status = 'waiting' AND day = ? ORDER BY queue_since, id",
            (day,),
        ).fetchall()
        return [_ticket_from_row(r) for r in rows]

    def tickets_of_day(self, day: str) -> list[Ticket]:
        """Every ticket of office day ``day``, whatever its status (the dashboard's figures)."""
        rows = self.conn.execute(f"{TICKET_SELECT} WHERE day = ? ORDER BY id", (day,)).fetchall()
        return [_ticket_from_row(r) for r in rows]

    def waiting_before(self, day: str) -> list[Ticket]:
        rows = self.conn.execute(
            f"{TICKET_SELECT} WHERE status = 'waiting' AND day < ? ORDER BY id", (day,)
        ).fetchall()
        return [_ticket_from_row(r) for r in rows]

    def last_visit_at(self, day: str, window: int) -> Ticket | None:
        """The visit most recently finished at ``window`` today."""
        row = self.conn.execute(
            f"{TICKET_SELECT} WHERE day = ? AND window = ? AND status = 'done'"
            " ORDER BY finished_at DESC, id DESC LIMIT 1",
            (day, window),
        ).fetchone()
        return _ticket_from_row(row) if row else None

    def recent_calls(self, day: str, limit: int) -> list[Ticket]:
        """The office day's latest calls, newest first (yesterday's are not on the board)."""
        rows = self.conn.execute(
            f"{TICKET_SELECT} WHERE day = ? AND called_at IS NOT NULL"
            " ORDER BY called_at DESC, id DESC LIMIT ?",
            (day, limit),
        ).fetchall()
        return [_ticket_from_row(r) for r in rows]

    def update_ticket(self, ticket: Ticket) -> None:
        row = _ticket_to_row(ticket)
        ticket_id = row.pop("id")
        assignments = ", ".join(f'"{c}" = ?' for c in row)
        self.conn.execute(
            f"UPDATE tickets SET {assignments} WHERE id = ?", (*row.values(), ticket_id)
        )

    def ensure_windows(self, numbers: list[int], now: float) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO windows (number, state, since) VALUES (?, 'closed', ?)",
            [(n, now) for n in numbers],
        )

    def window(self, number: int) -> Window | None:
        row = self.conn.execute(f"{WINDOW_SELECT} WHERE number = ?", (number,)).fetchone()
        return _window_from_row(row) if row else None

    def windows(self) -> list[Window]:
        rows = self.conn.execute(f"{WINDOW_SELECT} ORDER BY number").fetchall()
        return [_window_from_row(r) for r in rows]

    def update_window(self, window: Window) -> None:
        self.conn.execute(
            "UPDATE windows SET state = ?, user = ?, ticket_id = ?, pause_reason = ?, since = ?"
            " WHERE number = ?",
            (
                window.state.value,
                window.user,
                window.ticket_id,
                window.pause_reason.value if window.pause_reason else None,
                window.since,
                window.number,
            ),
        )

    def append_event(self, event: Event) -> int:
        ticket = event.ticket
        window = event.window.number if event.window else (ticket.window if ticket else None)
        cursor = self.conn.execute(
            "INSERT INTO events (at, kind, ticket_id, label, window, user, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event.at,
                event.kind,
                ticket.id if ticket else None,
                ticket.label if ticket else None,
                window,
                event.user,
                json.dumps(event.data, ensure_ascii=False),
            ),
        )
        return int(cursor.lastrowid or 0)

    def last_seq(self) -> int:
        row = self.conn.execute("SELECT max(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def events(self, since_seq: int = 0, limit: int = 1000) -> list[dict[str, object]]:
        rows = self.conn.execute(
            "SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (since_seq, limit)
        ).fetchall()
        return [{**dict(r), "data": json.loads(r["data"])} for r in rows]

    def mean_service_time(self, service: str, since: float) -> float | None:
        row = self.conn.execute(
            "SELECT avg(finished_at - started_at) FROM tickets WHERE service = ?"
            " AND status = 'done' AND started_at >= ?",
            (service, since),
        ).fetchone()
        return float(row[0]) if row[0] is not None else None

    def walk_ins_on(self, days: Sequence[str]) -> list[PastArrival]:
        """Every ticket issued on those office days that was not a checked-in booking."""
        if not days:
            return []
        rows = self.conn.execute(
            "SELECT issued_at, service, segment, category FROM tickets"
            f" WHERE day IN ({', '.join('?' for _ in days)}) AND appointment_at IS NULL",
            tuple(days),
        ).fetchall()
        return [PastArrival(r[0], r[1], r[2], r[3]) for r in rows]

    def mean_service_times(self, since: float) -> dict[str, float]:
        """Mean visit per service over visits started since ``since``."""
        rows = self.conn.execute(
            "SELECT service, avg(finished_at - started_at) FROM tickets"
            " WHERE status = 'done' AND started_at >= ? GROUP BY service",
            (since,),
        ).fetchall()
        return {r[0]: float(r[1]) for r in rows if r[1] is not None}

    def consultant_day(self, day: str, username: str) -> dict[str, object]:
        """A consultant's office day so far, for their own desk. Visits are counted for the
        consultant who finished them (or marked the no-show)."""
        row = self.conn.execute(
            "SELECT sum(status = 'done'), sum(status = 'no_show'),"
            " avg(CASE WHEN status = 'done' THEN finished_at - started_at END),"
            " sum(status = 'done' AND finished_at - started_at <= service_target)"
            " FROM tickets WHERE day = ? AND user = ? AND status IN ('done', 'no_show')",
            (day, username),
        ).fetchone()
        served = int(row[0] or 0)
        return {
            "served": served,
            "no_show": int(row[1] or 0),
            "mean_service": float(row[2]) if row[2] is not None else None,
            "within_target": int(row[3] or 0) / served if served else None,
        }

    # Reports (server.reports) -----------------------------------------------------------

    def day_tickets(self, day: str) -> Iterator[dict[str, object]]:
        """The office day's tickets as plain rows, streamed from the cursor."""
        cursor = self.conn.execute(
            "SELECT issued_at, first_called_at, called_at, started_at, finished_at, status,"
            " service, segment, category, window, user, wait_target, service_target, recalls,"
            " postponements, transfers, rating FROM tickets WHERE day = ? ORDER BY id",
            (day,),
        )
        for row in cursor:
            yield dict(row)

    def visits(self, first_day: str, last_day: str) -> Iterator[dict[str, object]]:
        """The raw visit log of the days ``first_day``..``last_day``, streamed."""
        cursor = self.conn.execute(
            "SELECT id, day, label, service, segment, category, source, status, issued_at,"
            " first_called_at, called_at, started_at, finished_at, window, user, wait_target,"
            " service_target, recalls, postponements, transfers, outcome, topics, rating"
            " FROM tickets WHERE day BETWEEN ? AND ? ORDER BY day, id",
            (first_day, last_day),
        )
        for row in cursor:
            yield dict(row)

    def events_between(self, start: float, end: float) -> Iterator[dict[str, object]]:
        """Logged events with start <= at < end, in log order, streamed."""
        cursor = self.conn.execute(
            "SELECT at, kind, window, user, data FROM events WHERE at >= ? AND at < ?"
            " ORDER BY seq",
            (start, end),
        )
        for row in cursor:
            data = row["data"]
            yield {"at": row["at"], "kind": row["kind"], "window": row["window"],
                   "user": row["user"], "data": json.loads(data) if data != "{}" else {}}

    def rollups(self, first_day: str, last_day: str, version: int) -> Iterator[tuple[str, str]]:
        """Stored day rollups (day, JSON) of the given version, streamed."""
        cursor = self.conn.execute(
            "SELECT day, data FROM report_rollups WHERE day BETWEEN ? AND ? AND version = ?"
            " ORDER BY day",
            (first_day, last_day, version),
        )
        for row in cursor:
            yield row[0], row[1]

    def save_rollup(self, day: str, version: int, data: str, now: float) -> None:
        self.conn.execute(
            "INSERT INTO report_rollups (day, version, data, built_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (day) DO UPDATE SET version = excluded.version,"
            " data = excluded.data, built_at = excluded.built_at",
            (day, version, data, now),
        )

    def ticket_days(self, first_day: str, last_day: str) -> list[str]:
        """The days in the range on which any ticket was issued."""
        rows = self.conn.execute(
            "SELECT DISTINCT day FROM tickets WHERE day BETWEEN ? AND ? ORDER BY day",
            (first_day, last_day),
        ).fetchall()
        return [str(r[0]) for r in rows]

    # Alerts -----------------------------------------------------------------------------

    def insert_alert(self, alert: Alert) -> int:
        cursor = self.conn.execute(
            f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(ALERT_COLUMNS))})",
            _alert_values(alert),
        )
        return int(cursor.lastrowid or 0)

    def update_alert(self, alert: Alert) -> None:
        self.conn.execute(
            f"UPDATE alerts SET {', '.join(f'{c} = ?' for c in ALERT_COLUMNS)} WHERE id = ?",
            (*_alert_values(alert), alert.id),
        )

    def alert(self, alert_id: int) -> Alert | None:
        row = self.conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return _alert_from_row(row) if row else None

    def open_alerts(self) -> list[Alert]:
        rows = self.conn.execute(
            "SELECT * FROM alerts WHERE acked_at IS NULL AND resolved_at IS NULL ORDER BY id"
        ).fetchall()
        return [_alert_from_row(r) for r in rows]

    def open_alert(self, kind: AlertKind, key: str) -> Alert | None:
        row = self.conn.execute(
            "SELECT * FROM alerts WHERE kind = ? AND key = ? AND acked_at IS NULL"
            " AND resolved_at IS NULL",
            (kind.value, key),
        ).fetchone()
        return _alert_from_row(row) if row else None

    def alerts_since(self, since: float, limit: int = 200) -> list[Alert]:
        rows = self.conn.execute(
            "SELECT * FROM alerts WHERE raised_at >= ? ORDER BY id DESC LIMIT ?", (since, limit)
        ).fetchall()
        return [_alert_from_row(r) for r in rows]

    def alert_causes_since(self, since: float) -> set[tuple[AlertKind, str]]:
        rows = self.conn.execute(
            "SELECT DISTINCT kind, key FROM alerts WHERE raised_at >= ?", (since,)
        ).fetchall()
        return {(AlertKind(r[0]), r[1]) for r in rows}

    # Accounts ---------------------------------------------------------------------------

    def user(self, username: str) -> dict[str, object] | None:
        row = self.conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        return dict(row) if row else None

    def staff(self) -> list[dict[str, object]]:
        """Active staff accounts with the window each works at now (None when at none)."""
        rows = self.conn.execute(
            "SELECT u.username, u.name, u.role, min(w.number) AS window FROM users u"
            " LEFT JOIN windows w ON w.user = u.username AND w.state != 'closed'"
            " WHERE u.active = 1 GROUP BY u.username ORDER BY u.username"
        ).fetchall()
        return [dict(r) for r in rows]

    def upsert_user(self, record: dict[str, object]) -> None:
        self.conn.execute(
            "INSERT INTO users (username, name, role, password_hash, active, created_at)"
            " VALUES (:username, :name, :role, :password_hash, :active, :created_at)"
            " ON CONFLICT (username) DO UPDATE SET name = excluded.name, role = excluded.role,"
            " password_hash = excluded.password_hash, active = excluded.active",
            record,
        )

    def token(self, token_hash: str) -> dict[str, object] | None:
        row = self.conn.execute(
            "SELECT * FROM tokens WHERE token_hash = ? AND revoked = 0", (token_hash,)
        ).fetchone()
        return {**dict(row), "windows": json.loads(row["windows"] or "null")} if row else None

    def device_names(self, role: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT name FROM tokens WHERE role = ? AND NOT coalesce(revoked, 0) ORDER BY name",
            (role,),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def upsert_token(self, record: dict[str, object]) -> None:
        self.conn.execute(
            "INSERT INTO tokens (name, role, token_hash, windows, created_at, revoked)"
            " VALUES (:name, :role, :token_hash, :windows, :created_at, 0)"
            " ON CONFLICT (name) DO UPDATE SET role = excluded.role,"
            " token_hash = excluded.token_hash, windows = excluded.windows, revoked = 0",
            {**record, "windows": json.dumps(record.get("windows"))},
        )


class SqliteStore:
    """A small pool of connections, each checked out for one transaction.

    A pool, not a connection per thread: the web server may start a thread per request, and
    per-thread connections would pile up as open files. Writes in this process also queue on
    a lock before ``BEGIN IMMEDIATE``: SQLite's busy handler sleeps and retries rather than
    queueing, which lets one writer starve for seconds under load. Other processes are still
    serialised by SQLite's own lock.
    """

    def __init__(self, path: Path | str, pool_size: int = POOL_SIZE) -> None:
        self.path = Path(path)
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._write_lock = threading.Lock()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if not self._slots.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("no free database connection")
        try:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = connect(self.path)
                with self._lock:
                    self._connections.append(conn)
            try:
                yield conn
            finally:
                if conn.in_transaction:  # could not be ended: never hand it out again
                    self._discard(conn)
                else:
                    self._idle.put(conn)
        finally:
            self._slots.release()

    def migrate(self) -> list[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._write_lock, self._connection() as conn:
            return migrate(sqlite_utils.Database(conn))

    def _discard(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if conn in self._connections:
                self._connections.remove(conn)
        conn.close()

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection, begin: str) -> Iterator[SqliteUnit]:
        conn.execute(begin)
        unit = SqliteUnit(conn)
        try:
            yield unit
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        unit.commit()

    @contextmanager
    def write(self) -> Iterator[SqliteUnit]:
        """A read-modify-write transaction holding the database write lock."""
        with self._write_lock, self._connection() as conn:
            with self._transaction(conn, "BEGIN IMMEDIATE") as unit:
                yield unit

    @contextmanager
    def read(self) -> Iterator[SqliteUnit]:
        """A consistent read-only snapshot (WAL: never waits for writers)."""
        with self._connection() as conn, self._transaction(conn, "BEGIN") as unit:
            yield unit

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._idle = queue.LifoQueue()
