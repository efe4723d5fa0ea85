"""Schema migrations, applied in order on start-up. Append new steps; never edit old ones."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


def _initial(db: sqlite_utils.Database) -> None:
    db["tickets"].create(
        {
            "id": int,
            "day": str,
            "number": int,
            "label": str,
            "service": str,
            "segment": str,
            "category": str,
            "priority": int,
            "source": str,
            "appointment_at": float,
            "issued_at": float,
            "wait_target": float,
            "service_target": float,
            "public_id": str,
            "status": str,
            "queue_since": float,
            "window": int,
            "user": str,
            "first_called_at": float,
            "called_at": float,
            "started_at": float,
            "finished_at": float,
            "recalls": int,
            "postponements": int,
            "transfers": int,
            "routed_window": int,
            "routed_user": str,
            "outcome": str,
            "note": str,
            "topics": str,
            "idempotency_key": str,
            "request_digest": str,
        },
        pk="id",
        not_null={"day", "number", "label", "service", "status", "public_id"},
    )
    db["tickets"].create_index(["day", "label"], unique=True)
    db["tickets"].create_index(["public_id"], unique=True)
    db["tickets"].create_index(["idempotency_key"], unique=True)
    db["tickets"].create_index(["status"])
    db["tickets"].create_index(["issued_at"])
    db["tickets"].create_index(["called_at"])
    db["tickets"].create_index(["service", "started_at"])
    db["counters"].create({"day": str, "prefix": str, "last": int}, pk=("day", "prefix"))
    db["windows"].create(
        {
            "number": int,
            "state": str,
            "user": str,
            "ticket_id": int,
            "pause_reason": str,
            "since": float,
        },
        pk="number",
    )
    db.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL,"
        " kind TEXT NOT NULL, ticket_id INTEGER, label TEXT, window INTEGER, user TEXT,"
        " data TEXT NOT NULL DEFAULT '{}')"
    )
    db["events"].create_index(["at"])
    db["events"].create_index(["ticket_id"])
    db["users"].create(
        {
            "username": str,
            "name": str,
            "role": str,
            "password_hash": str,
            "active": int,
            "created_at": float,
        },
        pk="username",
    )
    db["tokens"].create(
        {
            "name": str,
            "role": str,
            "token_hash": str,
            "windows": str,
            "created_at": float,
            "revoked": int,
        },
        pk="name",
    )
    db["tokens"].create_index(["token_hash"], unique=True)


def _alerts(db: sqlite_utils.Database) -> None:
    db["alerts"].create(
        {
            "id": int,
            "kind": str,
            "key": str,
            "source": str,
            "message": str,
            "window": int,
            "ticket_id": int,
            "label": str,
            "data": str,
            "raised_at": float,
            "acked_at": float,
            "acked_by": str,
            "resolved_at": float,
        },
        pk="id",
        not_null={"kind", "key", "source", "raised_at"},
    )
    # One open alert per cause, even if two requests race past the use case's check.
    db.execute(
        "CREATE UNIQUE INDEX alerts_open_cause ON alerts (kind, key)"
        " WHERE acked_at IS NULL AND resolved_at IS NULL"
    )
    db["alerts"].create_index(["raised_at"])


def _ratings(db: sqlite_utils.Database) -> None:
    db["tickets"].add_column("rating", int)


def _bookings(db: sqlite_utils.Database) -> None:
    db["bookings"].create(
        {
            "id": int,
            "code": str,
            "service": str,
            "day": str,
            "slot_at": float,
            "slot_end": float,
            "status": str,
            "name": str,
            "phone": str,
            "channel": str,
            "created_at": float,
            "checked_in_at": float,
            "ticket_id": int,
            "reminded_at": float,
            "closed_at": float,
            "purged_at": float,
        },
        pk="id",
        not_null={"code", "service", "day", "slot_at", "slot_end", "status", "created_at"},
    )
    db["bookings"].create_index(["code"], unique=True)
    db["bookings"].create_index(["service", "slot_at"])
    db["bookings"].create_index(["slot_at"])


def _report_rollups(db: sqlite_utils.Database) -> None:
    """One row per closed office day: its report rollup (server.domain.metrics) as JSON."""
    db["report_rollups"].create(
        {"day": str, "version": int, "data": str, "built_at": float}, pk="day"
    )


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("0001_initial", _initial),
    ("0002_alerts", _alerts),
    ("0003_ratings", _ratings),
    ("0004_bookings", _bookings),
    ("0005_report_rollups", _report_rollups),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations, each in its own transaction; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        conn = db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                conn.execute("COMMIT")
                continue
            step(db)
            conn.execute(
                "INSERT INTO _migrations VALUES (?, datetime('now'))",
                (name,),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
