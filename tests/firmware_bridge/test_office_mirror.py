"""The mirror of the office's windows: snapshot, events in any order, gaps, reconnects."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.office_mirror import OfficeMirror, Update, WindowView, window_view
from server import contract as c
from tests.firmware_bridge.payloads import event, snapshot, window


def started() -> OfficeMirror:
    mirror = OfficeMirror({2, 3})
    update = mirror.load(snapshot(10, window(1, "open"), window(2, "closed"),
                                  window(3, "open")))
    assert update == Update(frozenset({2, 3}), loaded=True)
    return mirror


def test_a_snapshot_gives_the_views_of_the_followed_windows_only() -> None:
    mirror = started()
    assert mirror.view(2) == WindowView(2, "closed")
    assert mirror.view(3) == WindowView(3, "open")
    assert mirror.view(1) is None
    assert mirror.seq == 10


def test_a_call_changes_the_window_and_blinks_its_board() -> None:
    mirror = started()
    update = mirror.apply(event(11, c.TICKET_CALLED, window(3, "calling", "К-001")))
    assert update == Update(frozenset({3}), frozenset({3}))
    assert mirror.view(3) == WindowView(3, "calling", "К-001")
    recall = mirror.apply(event(12, c.TICKET_RECALLED, window(3, "calling", "К-001")))
    assert recall == Update(frozenset(), frozenset({3}))
    started_ = mirror.apply(event(13, c.TICKET_STARTED, window(3, "serving", "К-001")))
    assert started_ == Update(frozenset({3}))
    assert mirror.seq == 13


def test_events_without_a_followed_window_only_advance_the_seq() -> None:
    mirror = started()
    assert mirror.apply(event(11, c.TICKET_ISSUED)) == Update()
    assert mirror.apply(event(12, c.WINDOW_CHANGED, window(1, "closed"))) == Update()
    assert mirror.apply(event(12, c.QUEUE_CHANGED)) == Update()  # a summary: no seq of its own
    assert mirror.seq == 12


def test_a_gap_asks_for_a_snapshot_but_the_event_still_counts() -> None:
    mirror = started()
    update = mirror.apply(event(13, c.TICKET_CALLED, window(2, "calling", "А-005")))
    assert update.resync and update.changed == {2} and update.blink == {2}
    assert mirror.view(2) == WindowView(2, "calling", "А-005")
    # The snapshot that answers the resync knows the call; an older view of window 2 in it
    # (there is none here) would not override the event.
    reloaded = mirror.load(snapshot(13, window(2, "calling", "А-005"), window(3, "paused",
                                                                          reason="lunch")))
    assert reloaded.loaded and reloaded.changed == {3}
    assert mirror.view(3) == WindowView(3, "paused", None, "lunch")


def test_a_late_event_never_takes_a_window_back() -> None:
    mirror = started()
    mirror.apply(event(12, c.TICKET_STARTED, window(3, "serving", "К-001")))
    late = mirror.apply(event(11, c.TICKET_CALLED, window(3, "calling", "К-001")))
    assert late.changed == frozenset() and late.blink == frozenset()  # not calling any more
    assert mirror.view(3) == WindowView(3, "serving", "К-001")


def test_a_call_told_first_by_a_snapshot_still_blinks() -> None:
    mirror = started()
    mirror.load(snapshot(11, window(2, "calling", "К-002"), window(3, "open")))
    update = mirror.apply(event(11, c.TICKET_CALLED, window(2, "calling", "К-002")))
    assert update == Update(frozenset(), frozenset({2}))


def test_an_older_snapshot_is_ignored_until_the_connection_drops() -> None:
    mirror = started()
    assert not mirror.load(snapshot(5, window(2, "open"), window(3, "open"))).loaded
    assert mirror.view(2) == WindowView(2, "closed")
    mirror.forget()  # the server restarted, perhaps on a new database
    assert mirror.view(2) == WindowView(2, "closed")  # the boards keep the last state
    assert mirror.apply(event(6, c.TICKET_ISSUED)).resync  # an event before the snapshot
    update = mirror.load(snapshot(5, window(2, "open"), window(3, "open")))
    assert update.loaded and update.changed == {2}
    assert mirror.seq == 5


def test_malformed_payloads_change_nothing() -> None:
    mirror = started()
    for bad in (None, [], {"seq": "11"}, event(11, c.WINDOW_CHANGED, {"number": 2}),
                event(11, c.WINDOW_CHANGED, window(2, "dancing"))):
        assert mirror.apply(bad).changed == frozenset()
    assert mirror.load("not a snapshot") == Update()
    assert mirror.view(2) == WindowView(2, "closed")
    assert window_view({"number": True, "state": "open"}) is None


# --- any order, any loss ---------------------------------------------------------------------

STATES = st.sampled_from([("closed", None), ("open", None), ("calling", "К-1"),
                          ("calling", "К-2"), ("serving", "К-2"), ("paused", None)])


@settings(max_examples=200, deadline=None)
@given(history=st.lists(st.tuples(st.sampled_from([2, 3]), STATES), min_size=1, max_size=25),
       data=st.data())
def test_any_order_and_loss_never_goes_back_and_resyncs_reach_the_truth(
        history: list[tuple[int, tuple[str, str | None]]], data: st.DataObject) -> None:
    # The office: window states at seq 1 (the snapshot), then one event per change.
    truth = {2: window(2, "closed"), 3: window(3, "closed")}
    events, truth_at = [], {0: dict(truth)}
    for seq, (number, (state, label)) in enumerate(history, start=2):
        truth[number] = window(number, state, label)
        events.append(event(seq, c.WINDOW_CHANGED, truth[number]))
        truth_at[seq] = dict(truth)
    last = len(history) + 1
    mirror = OfficeMirror({2, 3})
    mirror.load(snapshot(1, window(2, "closed"), window(3, "closed")))
    delivered = data.draw(st.permutations(events))
    delivered = delivered[:data.draw(st.integers(0, len(delivered)))]  # the rest is lost
    newest = {2: 0, 3: 0}  # the newest seq applied per window
    resync = False
    for ev in delivered:
        resync |= mirror.apply(ev).resync
        number = ev["window"]["number"]
        newest[number] = max(newest[number], ev["seq"])
        for n in (2, 3):  # never older than the newest event seen for that window
            expected = events[newest[n] - 2]["window"] if newest[n] else window(n, "closed")
            assert mirror.view(n) == window_view(expected)
    got = {ev["seq"] for ev in delivered}
    lost = {ev["seq"] for ev in events} - got
    if lost and any(seq > min(lost) for seq in got):
        assert resync  # a loss that a later event reveals asks for a snapshot
    if resync or len(delivered) == len(events):
        mirror.load(snapshot(last, truth[2], truth[3]))
        assert mirror.view(2) == window_view(truth[2])
        assert mirror.view(3) == window_view(truth[3])
