"""Queue use cases over a real SQLite store: publishing, routing, forecasts."""

from __future__ import annotations

import pytest

from server import config
from server.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    QueueEmpty,
    UnknownTicket,
)
from server.queue import QueueService
from server.snapshots import QueueReader
from server.store.sqlite import SqliteStore
from tests.conftest import FakeClock
from tests.server.conftest import ADMIN, HALL, KIOSK, RecordingNotifier, consultant

IVANOVA = consultant("ivanova")
PETROV = consultant("petrov")


def test_events_are_published_after_commit_and_not_for_failed_moves(
    queue: QueueService, notifier: RecordingNotifier
) -> None:
    queue.issue(KIOSK, "consult")
    assert notifier.kinds() == ["ticket.issued", "queue.changed"]
    with pytest.raises(InvalidTransition):
        queue.start(IVANOVA, 2)  # window closed: nothing happens, nothing is published
    assert notifier.kinds() == ["ticket.issued", "queue.changed"]
    queue.open_window(IVANOVA, 2)
    queue.call_next(IVANOVA, 2)
    called = [e for e in notifier.events if e["kind"] == "ticket.called"][0]
    assert called["ticket"]["label"] == "К-001"  # type: ignore[index]
    seqs = [e["seq"] for e in notifier.events if e["kind"] != "queue.changed"]
    assert seqs == list(range(1, len(seqs) + 1)), "one seq per logged change, no gaps"


def test_out_of_turn_visitor_is_called_first_and_counted_ahead(
    queue: QueueService, clock: FakeClock
) -> None:
    queue.issue(KIOSK, "consult")
    clock.advance(600)
    oot = queue.issue(KIOSK, "consult", category="disability")
    assert oot.ahead == 0
    later = queue.issue(KIOSK, "consult")
    assert later.ahead == 2
    queue.open_window(IVANOVA, 2)
    assert queue.call_next(IVANOVA, 2).label == oot.ticket.label


def test_transfer_to_a_window_goes_only_there(queue: QueueService) -> None:
    queue.issue(KIOSK, "consult")
    queue.open_window(IVANOVA, 2)
    queue.call_next(IVANOVA, 2)
    with pytest.raises(InvalidInput, match="window 5 is closed"):
        queue.transfer(IVANOVA, 2, window=5, comment="к юристу")
    window5 = consultant("sidorova")
    queue.open_window(window5, 5)
    queue.transfer(IVANOVA, 2, window=5, comment="к юристу")
    queue.open_window(PETROV, 3)
    with pytest.raises(QueueEmpty):
        queue.call_next(PETROV, 3)  # window 3 serves consult, but the visitor was sent to 5
    # window 5 does not serve consult, yet takes the transfer
    ticket = queue.call_next(window5, 5)
    assert (ticket.label, ticket.transfers, ticket.routed_window) == ("К-001", 1, None)


def test_transfer_to_the_back_when_configured(tmp_path, clock: FakeClock) -> None:
    office = config.load(None, {"TALON_DISPATCH__REQUEUE_TRANSFERS_AT_BACK": "true"})
    store = SqliteStore(tmp_path / "q.db")
    store.migrate()
    queue = QueueService(office, store, RecordingNotifier(), clock)
    queue.prepare()
    queue.issue(KIOSK, "consult")
    clock.advance(60)
    queue.issue(KIOSK, "contract")
    queue.open_window(IVANOVA, 2)
    queue.call_next(IVANOVA, 2)
    clock.advance(60)
    queue.transfer(IVANOVA, 2, service="contract")
    queue.open_window(PETROV, 3)
    assert queue.call_next(PETROV, 3).label == "Д-001"  # the transferred К-001 went behind
    store.close()


def test_call_specific_ticket_must_be_waiting(queue: QueueService) -> None:
    queue.issue(KIOSK, "consult")
    queue.open_window(IVANOVA, 2)
    queue.call_ticket(IVANOVA, 2, "К-001")
    queue.open_window(PETROV, 3)
    with pytest.raises(InvalidTransition, match="К-001 is called"):
        queue.call_ticket(PETROV, 3, "К-001")
    with pytest.raises(UnknownTicket):
        queue.call_ticket(PETROV, 3, "К-099")


def test_idempotency_keys_are_per_device(queue: QueueService) -> None:
    from server.domain.access import Actor

    other_kiosk = Actor("kiosk-2", "kiosk", is_device=True)
    first = queue.issue(KIOSK, "consult", idempotency_key="1")
    second = queue.issue(other_kiosk, "consult", idempotency_key="1")
    assert first.ticket.label != second.ticket.label
    with pytest.raises(Conflict):
        queue.issue(KIOSK, "payment", idempotency_key="1")


def test_snapshot_lists_windows_waiting_and_recent_calls(
    queue: QueueService, clock: FakeClock
) -> None:
    reader = QueueReader(queue.office, queue.store, clock)
    for _ in range(3):
        queue.issue(KIOSK, "consult")
        clock.advance(30)
    queue.issue(HALL, "payment", segment="vip")
    queue.open_window(IVANOVA, 2)
    queue.call_next(IVANOVA, 2)
    snapshot = reader.snapshot()
    windows = {w["number"]: w for w in snapshot["windows"]}
    assert windows[2]["state"] == "calling"
    assert windows[2]["ticket"]["label"] == "К-001"  # type: ignore[index]
    assert [t["label"] for t in snapshot["waiting"]] == ["К-002", "К-003", "О-001"]
    assert [t["label"] for t in snapshot["recent_calls"]] == ["К-001"]
    consult = next(q for q in snapshot["queues"] if q["service"] == "consult")
    assert consult["waiting"] == 2
    # Next morning the board starts clean: yesterday's calls are not recent any more.
    clock.advance(24 * 3600)
    assert reader.snapshot()["recent_calls"] == []


def test_admin_may_act_at_any_window(queue: QueueService) -> None:
    queue.issue(KIOSK, "consult")
    queue.open_window(IVANOVA, 2)
    assert queue.call_next(ADMIN, 2).label == "К-001"


def test_a_past_days_leftovers_do_not_jump_todays_queue(
    queue: QueueService, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    queue.issue(KIOSK, "consult")
    queue.issue(KIOSK, "consult")
    clock.advance(24 * 3600)
    today = queue.issue(KIOSK, "consult").ticket
    assert today.label == "К-001"
    cancelled = [e for e in notifier.events if e["kind"] == "ticket.cancelled"]
    assert [e["data"]["reason"] for e in cancelled] == ["day_closed", "day_closed"]
    reader = QueueReader(queue.office, queue.store, clock)
    assert [t["label"] for t in reader.snapshot()["waiting"]] == ["К-001"]
    assert reader.snapshot()["waiting"][0]["id"] == today.id
    queue.open_window(IVANOVA, 2)
    assert queue.call_next(IVANOVA, 2).id == today.id
    with pytest.raises(QueueEmpty):
        queue.call_next(PETROV, 3) if queue.open_window(PETROV, 3) else None


def test_call_a_ticket_typed_on_a_latin_keyboard(queue: QueueService) -> None:
    queue.issue(KIOSK, "consult")
    queue.issue(KIOSK, "consult")
    queue.open_window(IVANOVA, 2)
    assert queue.call_ticket(IVANOVA, 2, "k2").label == "К-002"


def test_the_event_log_keeps_window_states_for_statistics(queue: QueueService) -> None:
    queue.open_window(IVANOVA, 2)
    queue.pause_window(IVANOVA, 2, "lunch")
    queue.resume_window(IVANOVA, 2)
    queue.close_window(IVANOVA, 2)
    with queue.store.read() as tx:
        logged = [e for e in tx.events() if e["kind"] == "window.changed"]
    assert [(e["window"], e["user"], e["data"]) for e in logged] == [
        (2, "ivanova", {"state": "open"}),
        (2, "ivanova", {"state": "paused", "pause_reason": "lunch"}),
        (2, "ivanova", {"state": "open"}),
        (2, "ivanova", {"state": "closed"}),
    ]
