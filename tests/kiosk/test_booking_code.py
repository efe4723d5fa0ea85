"""The kiosk's check-in rules (``kiosk.booking_code``): typed codes and refusals."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from kiosk.booking_code import (
    CODE_ALPHABET,
    format_code,
    normalize_code,
    refusal_details,
    refusal_reason,
)
from kiosk.journal import EntryKind
from kiosk.journal_store import Journal


@pytest.mark.parametrize("typed", ["KCX7-9ARM", "kcx79arm", " KCX7 9ARM ", "КСХ7-9АRМ"])
def test_a_typed_code_is_read_as_the_server_reads_it(typed: str) -> None:
    assert normalize_code(typed) == "KCX79ARM"
    assert format_code("KCX79ARM") == "KCX7-9ARM"


@pytest.mark.parametrize("typed", ["", "KCX7-9AR", "KCX7-9ARMM", "OOOO-0000", "KCX7-9AR5"])
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    assert normalize_code(typed) is None


def test_the_alphabet_has_no_look_alikes() -> None:
    assert len(CODE_ALPHABET) == 22 and not set(CODE_ALPHABET) & set("0O1IL2Z5S6G8B")


@pytest.mark.parametrize("status,code,details,reason", [
    (409, "invalid_transition", {"reason": "too_early", "opens_at": 0.0}, "too_early"),
    (404, "unknown_booking", {}, "unknown_code"),
    (409, "invalid_transition", {"status": "cancelled"}, "cancelled"),
    (409, "invalid_transition", {"day": "2026-11-24"}, "other_day"),
    (429, "too_many_requests", {}, "too_many_codes"),
    (400, "invalid_input", {"field": "code"}, "invalid_code"),
    (409, "office_closed", {"reason": "cutoff"}, "office_closed"),
])
def test_refusals_become_a_word_the_screen_knows(status: int, code: str,
                                                 details: dict[str, object],
                                                 reason: str) -> None:
    assert refusal_reason(status, code, details) == reason


def test_too_early_says_the_local_opening_time() -> None:
    shown = refusal_details("too_early", {"reason": "too_early", "opens_at": 1795419900.0},
                            "Europe/Moscow")
    assert shown["opens_at_local"] == "10:45"


def test_a_journal_from_before_check_in_gets_the_code_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript("""CREATE TABLE entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL, service TEXT NOT NULL, category TEXT, source TEXT NOT NULL,
            state TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, answer TEXT,
            error TEXT NOT NULL DEFAULT '{}');
            INSERT INTO entries (key, kind, service, source, state, created_at, updated_at)
            VALUES ('old', 'visitor', 'consult', 'screen', 'printed', 1, 1);""")
    db.close()
    journal = Journal(path, clock=time.time)
    try:
        assert journal.by_key("old").code is None
        entry = journal.append("new", EntryKind.CHECK_IN, "", None, "screen", code="KCX79ARM")
        assert journal.get(entry.id).code == "KCX79ARM"
    finally:
        journal.close()
