"""The journal on disk: synced writes, the state machine enforced, and nothing acknowledged
lost to ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.journal import EntryKind, EntryState
from kiosk.journal_store import Journal, JournalError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def journal(tmp_path: Path):
    journal = Journal(tmp_path / "sub" / "journal.db", clock=lambda: 100.0)
    yield journal
    journal.close()


def test_writes_are_synced_to_disk(journal: Journal) -> None:
    assert journal.pragma("journal_mode") == "wal"
    assert journal.pragma("synchronous") == 2  # FULL


def test_an_entry_moves_only_as_the_rules_allow(journal: Journal) -> None:
    entry = journal.append("key-1", EntryKind.VISITOR, "consult", "disability", "button:17")
    assert (entry.state, entry.category, entry.created_at) == (EntryState.PENDING,
                                                               "disability", 100.0)
    with pytest.raises(JournalError, match="pending → printing is not allowed"):
        journal.move(entry.id, EntryState.PRINTING)
    issued = journal.move(entry.id, EntryState.ISSUED, answer={"ticket": {"label": "К-001"}})
    assert issued.label == "К-001"
    journal.move(entry.id, EntryState.PRINTING)
    journal.move(entry.id, EntryState.PRINTED)
    with pytest.raises(JournalError):
        journal.move(entry.id, EntryState.PRINTING)  # printed is never printed again
    assert journal.get(entry.id).answer == {"ticket": {"label": "К-001"}}
    assert journal.unfinished() == []


def test_a_key_is_journaled_once(journal: Journal) -> None:
    journal.append("same", EntryKind.CONSOLE, "consult", None, "console:hall",
                   state=EntryState.ISSUED, answer={})
    with pytest.raises(JournalError, match="already has an entry"):
        journal.append("same", EntryKind.CONSOLE, "consult", None, "console:hall")


def test_unfinished_entries_oldest_first(journal: Journal) -> None:
    first = journal.append("a", EntryKind.VISITOR, "consult", None, "screen")
    second = journal.append("b", EntryKind.VISITOR, "payment", None, "screen")
    journal.move(second.id, EntryState.REFUSED, error={"code": "office_closed"})
    third = journal.append("c", EntryKind.VISITOR, "payment", None, "screen")
    assert [e.id for e in journal.unfinished()] == [first.id, third.id]
    assert journal.get(second.id).error == {"code": "office_closed"}


CHILD = textwrap.dedent("""
    import sys, time
    from kiosk.journal import EntryKind, EntryState
    from kiosk.journal_store import Journal
    journal = Journal(sys.argv[1], clock=time.time)
    n = 0
    while True:
        n += 1
        entry = journal.append(f"key-{n}", EntryKind.VISITOR, "consult", None, "screen")
        print(f"appended {entry.id} key-{n}", flush=True)
        journal.move(entry.id, EntryState.ISSUED, answer={"n": n})
        print(f"issued {entry.id}", flush=True)
""")


def test_kill_minus_nine_loses_nothing_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    appended: dict[int, str] = {}
    issued: set[int] = set()
    assert child.stdout is not None
    with child.stdout:
        for line in child.stdout:
            word, number, *key = line.split()
            if word == "appended":
                appended[int(number)] = key[0]
            else:
                issued.add(int(number))
            if len(issued) >= 50:
                child.send_signal(signal.SIGKILL)
                break
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    journal = Journal(path, clock=lambda: 0.0)
    try:
        for entry_id, key in appended.items():
            entry = journal.get(entry_id)
            assert entry is not None and entry.key == key
            if entry_id in issued:
                assert entry.state is EntryState.ISSUED
    finally:
        journal.close()
