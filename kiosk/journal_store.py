"""The journal on disk: one SQLite file, every change a transaction synced to disk.

``PRAGMA synchronous=FULL`` with the WAL journal: a commit returns only after the write-ahead
log is fsynced, so an entry (or a state change) that a call here returned survives a power
cut or ``kill -9``. State changes are checked against ``kiosk.journal.TRANSITIONS``.
Safe to share between threads (one statement at a time).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError
from kiosk.journal import Entry, EntryKind, EntryState, can_move

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    service TEXT NOT NULL,
    category TEXT,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    answer TEXT,
    error TEXT NOT NULL DEFAULT '{}',
    code TEXT
);
CREATE INDEX IF NOT EXISTS entries_open ON entries (state)
    WHERE state IN ('pending', 'issued', 'printing');
"""
_OPEN = ("pending", "issued", "printing")


class JournalError(KioskError):
    """A journal change that the state machine does not allow (a bug, not a visitor's
    mistake), or a journal file that cannot be used."""

    code = "journal_error"


class Journal:
    def __init__(self, path: Path | str, clock: Callable[[], float]) -> None:
        self.path = str(path)
        self.clock = clock
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
            _add_code_column(self._db)
        except sqlite3.Error as exc:
            raise JournalError(f"journal {self.path}: {exc}") from exc
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()

    def pragma(self, name: str) -> Any:
        with self._lock:
            return self._db.execute(f"PRAGMA {name}").fetchone()[0]

    def append(self, key: str, kind: EntryKind, service: str, category: str | None,
               source: str, *, state: EntryState = EntryState.PENDING,
               answer: dict[str, Any] | None = None, code: str | None = None) -> Entry:
        """Record a new request (durably) and return it. A console print request starts as
        ``issued`` with the ticket as its answer; a check-in carries the booking ``code``.
        JournalError if ``key`` is already there."""
        now = self.clock()
        with self._lock:
            try:
                cursor = self._db.execute(
                    "INSERT INTO entries (key, kind, service, category, source, state,"
                    " created_at, updated_at, answer, code)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, kind.value, service, category, source, state.value, now, now,
                     None if answer is None else json.dumps(answer), code))
            except sqlite3.IntegrityError:
                raise JournalError(f"journal already has an entry with key {key!r}") from None
            row = self._db.execute("SELECT * FROM entries WHERE id = ?",
                                   (cursor.lastrowid,)).fetchone()
        return _entry(row)

    def move(self, entry_id: int, state: EntryState, *, answer: dict[str, Any] | None = None,
             error: dict[str, Any] | None = None) -> Entry:
        """Change an entry's state (and keep the server's answer or the error with it)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT * FROM entries WHERE id = ?",
                                       (entry_id,)).fetchone()
                if row is None:
                    raise JournalError(f"no journal entry {entry_id}")
                old = EntryState(row["state"])
                if not can_move(old, state):
                    raise JournalError(f"journal entry {entry_id}: {old} → {state} is not "
                                       "allowed")
                self._db.execute(
                    "UPDATE entries SET state = ?, updated_at = ?,"
                    " answer = COALESCE(?, answer), error = COALESCE(?, error) WHERE id = ?",
                    (state.value, self.clock(),
                     None if answer is None else json.dumps(answer),
                     None if error is None else json.dumps(error), entry_id))
                row = self._db.execute("SELECT * FROM entries WHERE id = ?",
                                       (entry_id,)).fetchone()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return _entry(row)

    def count_attempt(self, entry_id: int) -> None:
        with self._lock:
            self._db.execute("UPDATE entries SET attempts = attempts + 1 WHERE id = ?",
                             (entry_id,))

    def get(self, entry_id: int) -> Entry | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM entries WHERE id = ?",
                                   (entry_id,)).fetchone()
        return None if row is None else _entry(row)

    def by_key(self, key: str) -> Entry | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM entries WHERE key = ?", (key,)).fetchone()
        return None if row is None else _entry(row)

    def holds_ticket(self, ticket_id: object, other_than: int) -> bool:
        """Whether an entry other than ``other_than`` got the server's ticket ``ticket_id``
        that is printed or on its way to the printer (not refused, not left unprinted)."""
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM entries WHERE id != ?"
                " AND state IN ('issued', 'printing', 'printed')"
                " AND json_extract(answer, '$.ticket.id') = ? LIMIT 1",
                (other_than, ticket_id)).fetchone()
        return row is not None

    def unfinished(self) -> list[Entry]:
        """Entries not in a final state, oldest first: the work left to do."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM entries WHERE state IN (?, ?, ?) ORDER BY id", _OPEN
            ).fetchall()
        return [_entry(row) for row in rows]

    def recent(self, limit: int = 50) -> list[Entry]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM entries ORDER BY id DESC LIMIT ?",
                                    (limit,)).fetchall()
        return [_entry(row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        id=row["id"],
        key=row["key"],
        kind=EntryKind(row["kind"]),
        service=row["service"],
        category=row["category"],
        source=row["source"],
        state=EntryState(row["state"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        attempts=row["attempts"],
        answer=None if row["answer"] is None else json.loads(row["answer"]),
        error=json.loads(row["error"]),
        code=row["code"],
    )


def _add_code_column(db: sqlite3.Connection) -> None:
    """A journal written before check-in existed has no ``code`` column: add it."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(entries)")}
    if "code" not in columns:
        db.execute("ALTER TABLE entries ADD COLUMN code TEXT")
