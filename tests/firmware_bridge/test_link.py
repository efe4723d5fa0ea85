"""The reliable link: handshake, exactly-once events, ordered state, back-off, refusals, all on
virtual time, directly and through a lossy simulated bus."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from firmware_bridge.errors import LinkError, QueueFull
from firmware_bridge.vectors.generate import HAND_CHECKED
from tests.firmware_bridge.lossy_bus import NONE, Faults, LossyBus, delivered
from tests.firmware_bridge.office_bus import (
    FAST,
    KEYPAD,
    KINDS,
    WINDOW,
    assert_exactly_once_in_order,
    assert_labels_never_go_back,
    bus,
    host_frames_to,
    labels,
    run_office,
)

# --- the example exchange of PROTOCOL.md -----------------------------------------------------


def test_the_example_exchange_is_byte_for_byte_the_documented_one() -> None:
    host = lk.HostLink({WINDOW: p.BoardKind.WINDOW_BOARD, KEYPAD: p.BoardKind.KEYPAD},
                       FAST, session=1)
    board = lk.BoardLink(WINDOW, p.BoardKind.WINDOW_BOARD, config=FAST)
    keypad = lk.BoardLink(KEYPAD, p.BoardKind.KEYPAD, config=FAST)
    ends = {WINDOW: board, KEYPAD: keypad}
    started: list[bytes] = []  # a frame the host sent as soon as the last reply came in

    def exchange(now: float) -> list[bytes]:
        """One host frame and its reply, as bytes on the wire."""
        sent = started.pop() if started else host.poll(now).frames[0]
        [reply] = ends[sent[2]].feed(sent, now).frames  # byte 2 is DST
        started.extend(host.feed(reply, now).frames)
        return [sent, reply]

    now = 0.0
    for _ in range(2):  # the handshakes
        exchange(now)
    assert host.state(WINDOW) is host.state(KEYPAD) is lk.PeerState.UP
    host.send(WINDOW, p.ShowLabel(3, "А-017"))
    keypad.send(p.KeyPress(p.Key.CALL_NEXT))
    now += 1.0  # both boards are due for a poll; the window board has a label waiting
    wire = exchange(now)
    wire += exchange(now)  # the poll of the keypad and its key press
    wire += exchange(now)  # the host's ACK and the keypad's "nothing more"
    expected = [bytes.fromhex(hex_bytes) for *_, hex_bytes in HAND_CHECKED]
    assert wire == expected


def test_handshake_reports_the_board_identity() -> None:
    sim = bus()
    sim.run(0.2)
    ups = [e for e in sim.host_events if isinstance(e, lk.PeerUp)]
    assert {e.address for e in ups} == set(KINDS)
    window = next(e for e in ups if e.address == WINDOW)
    assert window.identity == lk.Identity(p.BoardKind.WINDOW_BOARD, (1, 0, 0), 103,
                                          p.PROTOCOL_VERSION, p.TABLE_CHECKSUM)
    assert not window.rebooted
    assert all(sim.host.state(a) is lk.PeerState.UP for a in KINDS)


# --- exactly once, in order, under loss ------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_every_event_arrives_exactly_once_and_labels_never_go_back_under_20_percent_loss(
        seed: int) -> None:
    sim, pressed, sent = run_office(seed, Faults(loss=0.2))
    assert_exactly_once_in_order(sim, pressed)
    assert_labels_never_go_back(sim, sent)
    assert 0.17 < sim.counts.lost / sim.counts.copies < 0.23  # the loss really happened


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_exactly_once_under_loss_duplication_reordering_and_bit_errors(seed: int) -> None:
    faults = Faults(loss=0.2, duplicate=0.1, bit_error=0.05, noise=0.05, late=0.05)
    sim, pressed, sent = run_office(seed, faults, presses=25, label_count=25)
    assert_exactly_once_in_order(sim, pressed)
    assert_labels_never_go_back(sim, sent)
    assert sim.counts.duplicated and sim.counts.late and sim.counts.garbled


def test_queued_labels_collapse_to_the_newest() -> None:
    sim = bus()
    sim.cut.add(WINDOW)
    sim.run(0.1)
    for label in labels(5):
        sim.host.send(WINDOW, label)
    sim.host.send(WINDOW, p.Brightness(3))
    sim.host.send(WINDOW, p.Brightness(9))
    assert sim.host.pending(WINDOW) == [labels(5)[-1], p.Brightness(9)]
    sim.cut.clear()
    sim.run(3.0)
    applied = [e.message for e in delivered(sim.board_events[WINDOW])]
    assert applied == [labels(5)[-1], p.Brightness(9)]


# --- back-off, retry limit, reconnection -----------------------------------------------------


def test_unanswered_board_is_reported_down_after_the_retry_limit_with_backoff() -> None:
    host = lk.HostLink({WINDOW: p.BoardKind.WINDOW_BOARD}, FAST, session=1)
    sim = LossyBus(host, {WINDOW: lk.BoardLink(WINDOW, p.BoardKind.WINDOW_BOARD)}, faults=NONE)
    sim.cut.add(WINDOW)
    sim.run(2.0)
    downs = [e for e in sim.host_events if isinstance(e, lk.PeerDown)]
    assert downs == [lk.PeerDown(WINDOW, "unresponsive")]
    attempts = [t for t, f in host_frames_to(sim, WINDOW)]
    assert all(f.msg_id == p.Identify.ID for _, f in host_frames_to(sim, WINDOW))
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    # reply timeout, then a back-off doubling from retry_base up to reconnect_max (to within
    # the simulation's 1 ms tick)
    backoffs = [min(FAST.retry_base * 2 ** n, FAST.reconnect_max) for n in range(len(gaps))]
    assert gaps == pytest.approx([FAST.reply_timeout + b for b in backoffs], abs=0.0015)
    assert len(attempts) > FAST.retry_limit
    assert sim.host.state(WINDOW) is lk.PeerState.DOWN


def test_a_board_that_stops_answering_goes_down_and_comes_back_with_its_state() -> None:
    sim = bus()
    resent: list[lk.PeerUp] = []

    def restore(event: lk.Event) -> None:
        if isinstance(event, lk.PeerUp) and event.address == WINDOW:
            resent.append(event)
            sim.host.send(WINDOW, p.ShowLabel(3, "К-101"))

    sim.on_host_event = restore
    sim.run(0.3)
    sim.cut.add(WINDOW)
    sim.run(2.0)
    assert lk.PeerDown(WINDOW, "unresponsive") in sim.host_events
    sim.cut.clear()
    sim.run(4.0)
    assert sim.host.state(WINDOW) is lk.PeerState.UP
    assert len(resent) == 2 and not resent[1].rebooted
    assert delivered(sim.board_events[WINDOW], p.ShowLabel)[-1].message.label == "К-101"


def test_a_restarted_board_is_re_identified_and_its_events_still_arrive_once() -> None:
    sim = bus()
    sim.boards[KEYPAD].send(p.KeyPress(p.Key.START))
    sim.run(0.5)
    sim.replace_board(lk.BoardLink(KEYPAD, p.BoardKind.KEYPAD, boot_id=999, config=FAST))
    sim.run(0.6)
    sim.boards[KEYPAD].send(p.KeyPress(p.Key.FINISH))
    sim.run(1.0)
    ups = [e for e in sim.host_events if isinstance(e, lk.PeerUp) and e.address == KEYPAD]
    assert [e.rebooted for e in ups] == [False, True]
    assert [e.message.key for e in delivered(sim.host_events, p.KeyPress)] == [
        p.Key.START, p.Key.FINISH]


def test_a_restarted_host_starts_a_new_session() -> None:
    sim = bus()
    sim.host.send(WINDOW, p.ShowLabel(3, "А-001"))
    sim.run(0.5)
    sim.host = lk.HostLink(KINDS, FAST, session=0x0BAD)
    sim.host.send(WINDOW, p.ShowLabel(3, "А-002"))
    sim.run(1.0)
    applied = [e.message.label for e in delivered(sim.board_events[WINDOW], p.ShowLabel)]
    assert applied == ["А-001", "А-002"]
    assert len([e for e in sim.board_events[WINDOW] if isinstance(e, lk.PeerUp)]) == 2


def test_board_reports_a_silent_host_and_keeps_its_events() -> None:
    config = dataclasses.replace(FAST, host_timeout=1.0)
    sim = bus(config=config)
    sim.run(0.5)
    sim.cut.update(KINDS)
    sim.boards[KEYPAD].send(p.KeyPress(p.Key.PAUSE))
    sim.run(2.0)
    assert lk.PeerDown(p.HOST, "silent") in sim.board_events[KEYPAD]
    assert sim.boards[KEYPAD].queued == 1
    sim.cut.clear()
    sim.run(5.0)
    assert [e.message for e in delivered(sim.host_events, p.KeyPress)] == [
        p.KeyPress(p.Key.PAUSE)]


def test_board_reports_acks_that_never_come_but_never_drops_the_event() -> None:
    keypad = lk.BoardLink(KEYPAD, p.BoardKind.KEYPAD, config=FAST)
    keypad.feed(p.encode(p.Identify(1, p.TABLE_CHECKSUM, 7, 1, 1), dst=KEYPAD, src=0), 0.0)
    keypad.send(p.KeyPress(p.Key.RECALL))
    poll = p.encode(p.Heartbeat(), dst=KEYPAD, src=p.HOST)
    replies = [keypad.feed(poll, 0.1 * n) for n in range(1, FAST.retry_limit + 3)]
    events = [e for r in replies for e in r.events]
    assert events == [lk.PeerDown(p.HOST, "unacknowledged")]
    assert all(r.frames[0][5] == p.KeyPress.ID for r in replies)
    assert keypad.queued == 1


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("options, problem", [
    ({"table_checksum": p.TABLE_CHECKSUM ^ 0x0101}, "message table checksum"),
    ({"version": 2}, "protocol version 2, expected 1"),
])
def test_a_mismatched_board_is_refused_and_gets_nothing(options: dict, problem: str) -> None:
    sim = bus(**options)
    for address in KINDS:
        if KINDS[address] is p.BoardKind.WINDOW_BOARD:
            sim.host.send(address, p.ShowLabel(3, "А-017"))
    sim.run(3.0)
    refused = [e for e in sim.host_events if isinstance(e, lk.Refused)]
    assert {e.address for e in refused} == set(KINDS)
    assert all(len(e.problems) == 1 and problem in e.problems[0] for e in refused)
    assert len(refused) == len(KINDS)  # reported once, not on every retry
    assert not any(isinstance(e, lk.PeerUp) for e in sim.host_events)
    assert {f.msg_id for _, f in sim.sent_by_host} == {p.Identify.ID}
    assert all(sim.host.state(a) is lk.PeerState.REFUSED for a in KINDS)
    board_refusals = [e for e in sim.board_events[WINDOW] if isinstance(e, lk.Refused)]
    assert len(board_refusals) == 1 and not sim.boards[WINDOW].identified
    assert not delivered(sim.board_events[WINDOW])


def test_a_board_of_the_wrong_kind_is_refused() -> None:
    host = lk.HostLink({WINDOW: p.BoardKind.WINDOW_BOARD}, FAST, session=1)
    wrong = lk.BoardLink(WINDOW, p.BoardKind.KEYPAD, config=FAST)
    sim = LossyBus(host, {WINDOW: wrong}, faults=NONE)
    host.send(WINDOW, p.ShowLabel(3, "А-017"))
    sim.run(1.0)
    [refused] = [e for e in sim.host_events if isinstance(e, lk.Refused)]
    assert refused.problems == ("a KEYPAD, expected a WINDOW_BOARD",)
    assert refused.identity is not None and refused.identity.kind is p.BoardKind.KEYPAD
    assert {f.msg_id for _, f in sim.sent_by_host} == {p.Identify.ID}


def test_a_host_of_another_protocol_version_is_refused_by_the_board() -> None:
    board = lk.BoardLink(WINDOW, p.BoardKind.WINDOW_BOARD, config=FAST)
    # Version 2 may lay IDENTIFY out differently; only its first byte is trusted.
    step = board.feed(p.encode_frame(p.Frame(WINDOW, p.HOST, 0, p.Identify.ID, b"\x02\x00")),
                      0.0)
    assert step.events == (lk.Refused(p.HOST, ("protocol version 2, expected 1",)),)
    [reply] = p.FrameDecoder().feed(step.frames[0])
    assert p.unpack(reply).version == 1 and not board.identified


# --- single frames at the board's end --------------------------------------------------------


def identified_board(kind: p.BoardKind = p.BoardKind.WINDOW_BOARD,
                     address: int = WINDOW) -> lk.BoardLink:
    board = lk.BoardLink(address, kind, config=FAST)
    board.feed(p.encode(p.Identify(1, p.TABLE_CHECKSUM, 9, 1, 1), dst=address, src=0), 0.0)
    assert board.identified
    return board


def reply_to(board: lk.BoardLink, frame: p.Frame, now: float = 1.0) -> p.Message:
    step = board.feed(p.encode_frame(frame), now)
    [reply] = p.FrameDecoder().feed(step.data)
    return p.unpack(reply)


def test_board_acknowledges_a_repeat_without_applying_it_again() -> None:
    board = identified_board()
    frame = p.pack(p.ShowLabel(3, "А-017"), dst=WINDOW, src=0, seq=1)
    first = board.feed(p.encode_frame(frame), 1.0)
    second = board.feed(p.encode_frame(frame), 1.1)
    assert len(delivered(list(first.events))) == 1 and not delivered(list(second.events))
    assert first.frames == second.frames == (p.encode(p.Ack(1), dst=0, src=WINDOW),)


@pytest.mark.parametrize("frame, answer", [
    (p.Frame(WINDOW, 0, 1, 0x10, b"\x03"), p.Nak(1, p.NakReason.BAD_PAYLOAD)),
    (p.Frame(WINDOW, 0, 1, 0x7E, b""), p.Nak(1, p.NakReason.UNKNOWN_MESSAGE)),
    (p.Frame(WINDOW, 0, 5, 0x10, b"\x03A"), p.Nak(5, p.NakReason.OUT_OF_SEQUENCE)),
    (p.Frame(WINDOW, 0, 0, 0x03, b""), p.Heartbeat()),
])
def test_board_answers_every_frame_with_one_reply(frame: p.Frame, answer: p.Message) -> None:
    assert reply_to(identified_board(), frame) == answer


def test_board_refuses_what_its_kind_does_not_handle() -> None:
    keypad = identified_board(p.BoardKind.KEYPAD, KEYPAD)
    frame = p.pack(p.ShowLabel(3, "А"), dst=KEYPAD, src=0, seq=1)
    assert reply_to(keypad, frame) == p.Nak(1, p.NakReason.UNSUPPORTED)


def test_board_without_a_session_asks_to_be_identified() -> None:
    board = lk.BoardLink(WINDOW, p.BoardKind.WINDOW_BOARD, config=FAST)
    assert reply_to(board, p.pack(p.Heartbeat(), dst=WINDOW, src=0)) == p.Nak(
        0, p.NakReason.NOT_IDENTIFIED)


def test_board_ignores_other_boards_and_broadcasts() -> None:
    board = identified_board()
    other = p.encode(p.Heartbeat(), dst=0x04, src=0)
    reply = p.encode(p.Heartbeat(), dst=0, src=0x04)
    broadcast = p.encode_frame(p.Frame(p.BROADCAST, 0, 0, p.Heartbeat.ID))
    assert board.feed(other + reply + broadcast, 1.0) == lk.Step()


def test_board_queue_is_bounded_and_checks_what_it_sends() -> None:
    board = lk.BoardLink(KEYPAD, p.BoardKind.KEYPAD, config=lk.LinkConfig(queue_limit=2))
    board.send(p.KeyPress(p.Key.CALL_NEXT))
    board.send(p.KeyPress(p.Key.CALL_NEXT))
    with pytest.raises(QueueFull):
        board.send(p.KeyPress(p.Key.CALL_NEXT))
    with pytest.raises(LinkError):
        board.send(p.Rating(5))  # a keypad has no rating buttons
    with pytest.raises(LinkError):
        board.send(p.Heartbeat())


# --- single frames at the host's end ---------------------------------------------------------


def up_host() -> tuple[lk.HostLink, lk.BoardLink]:
    host = lk.HostLink({KEYPAD: p.BoardKind.KEYPAD}, FAST, session=3)
    keypad = lk.BoardLink(KEYPAD, p.BoardKind.KEYPAD, config=FAST)
    host.feed(keypad.feed(host.poll(0.0).data, 0.0).data, 0.0)
    assert host.state(KEYPAD) is lk.PeerState.UP
    return host, keypad


def test_host_delivers_a_repeated_event_once_and_acknowledges_both() -> None:
    host, _ = up_host()
    key = p.encode(p.KeyPress(p.Key.NO_SHOW), dst=0, src=KEYPAD, seq=1)
    first = host.feed(key, 1.0)
    second = host.feed(key, 1.1)
    assert len(delivered(list(first.events) + list(second.events))) == 1
    assert first.frames == second.frames == (p.encode(p.Ack(1), dst=KEYPAD, src=0),)


def test_host_refuses_a_bad_event_so_the_board_drops_it() -> None:
    host, _ = up_host()
    bad = p.encode_frame(p.Frame(0, KEYPAD, 1, p.KeyPress.ID, b"\x09"))
    assert host.feed(bad, 1.0).frames == (
        p.encode(p.Nak(1, p.NakReason.BAD_PAYLOAD), dst=KEYPAD, src=0),)


def test_host_reports_a_command_the_board_refused() -> None:
    host = lk.HostLink({WINDOW: None}, FAST, session=3)
    board = lk.BoardLink(WINDOW, p.BoardKind.WINDOW_BOARD, config=FAST)
    host.feed(board.feed(host.poll(0.0).data, 0.0).data, 0.0)
    host.send(WINDOW, p.Brightness(4))
    sent = host.poll(1.0).frames
    [frame] = p.FrameDecoder().feed(sent[0])
    step = host.feed(p.encode(p.Nak(frame.seq, p.NakReason.UNSUPPORTED), dst=0, src=WINDOW),
                     1.0)
    assert lk.Rejected(WINDOW, p.Brightness(4), p.NakReason.UNSUPPORTED) in step.events
    assert host.pending(WINDOW) == []


def test_host_refuses_to_queue_what_a_board_cannot_take() -> None:
    host = lk.HostLink({KEYPAD: p.BoardKind.KEYPAD, WINDOW: None}, FAST, session=1)
    with pytest.raises(LinkError):
        host.send(KEYPAD, p.ShowLabel(3, "А"))
    with pytest.raises(LinkError):
        host.send(WINDOW, p.KeyPress(p.Key.START))
    with pytest.raises(LinkError):
        host.send(0x09, p.Clear())
    with pytest.raises(LinkError):
        lk.HostLink({0xFF: None})


def test_next_deadline_tells_the_owner_when_to_poll() -> None:
    host, keypad = up_host()
    deadline = host.next_deadline()
    assert deadline is not None and 0.0 < deadline <= FAST.poll_interval
    assert host.poll(deadline - 0.001).frames == ()
    assert host.poll(deadline).frames == (p.encode(p.Heartbeat(), dst=KEYPAD, src=0),)
    assert host.next_deadline() == pytest.approx(deadline + FAST.reply_timeout)
