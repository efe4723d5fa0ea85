"""``HostLink.restart``: the port was reopened. Every board is identified again, its state can
be put back, and nothing is applied or delivered twice, even with restarts at random moments on
a lossy bus."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from tests.firmware_bridge.lossy_bus import Faults, delivered
from tests.firmware_bridge.office_bus import (
    KEYPAD,
    KINDS,
    WINDOW,
    assert_exactly_once_in_order,
    assert_labels_never_go_back,
    bus,
    everything_delivered,
    labels,
)


def test_restart_identifies_every_board_again_in_the_same_session() -> None:
    sim = bus()
    sim.run(0.3)
    assert all(sim.host.state(a) is lk.PeerState.UP for a in KINDS)
    sim.host.restart(sim.now)
    assert all(sim.host.state(a) is lk.PeerState.CONNECTING for a in KINDS)
    sim.run(sim.now + 0.3)
    ups = [e for e in sim.host_events if isinstance(e, lk.PeerUp)]
    assert sorted(e.address for e in ups) == sorted(list(KINDS) * 2)
    assert not any(e.rebooted for e in ups)
    sent = [f for _, f in sim.sent_by_host if f.msg_id == p.Identify.ID]
    sessions = {p.unpack(f).session for f in sent}  # type: ignore[attr-defined]
    assert sessions == {0x5EED}


def test_restart_drops_a_partial_frame_and_the_exchange_in_progress() -> None:
    host = lk.HostLink({WINDOW: p.BoardKind.WINDOW_BOARD}, session=7)
    [identify] = host.poll(0.0).frames
    reply = p.encode(p.IdentifyReply(1, p.BoardKind.WINDOW_BOARD, 1, 0, 0, p.TABLE_CHECKSUM,
                                     5, p.unpack(p.FrameDecoder().feed(identify)[0]).nonce,
                                     1), dst=p.HOST, src=WINDOW)
    host.feed(reply[:5], 0.001)  # half a reply, then the adapter is pulled
    host.restart(0.002)
    step = host.poll(0.002)
    assert [p.FrameDecoder().feed(f)[0].msg_id for f in step.frames] == [p.Identify.ID]
    stale = host.feed(reply[5:], 0.003)  # the rest of the old reply: not a frame any more
    assert stale.events == () and host.state(WINDOW) is lk.PeerState.CONNECTING


def test_a_board_that_is_down_stays_reported_once_across_restarts() -> None:
    sim = bus()
    sim.cut.add(WINDOW)
    sim.run(2.0)
    sim.host.restart(sim.now)
    sim.run(sim.now + 2.0)
    downs = [e for e in sim.host_events if isinstance(e, lk.PeerDown) and e.address == WINDOW]
    assert downs == [lk.PeerDown(WINDOW, "unresponsive")]
    sim.cut.clear()
    sim.host.restart(sim.now)  # asks at once, not after the long back-off
    sim.run(sim.now + 0.1)
    assert sim.host.state(WINDOW) is lk.PeerState.UP


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), restarts=st.lists(st.floats(0.1, 6.0), max_size=6))
def test_events_arrive_once_and_labels_never_go_back_across_restarts(
        seed: int, restarts: list[float]) -> None:
    sim = bus(seed, Faults(loss=0.2, duplicate=0.05, bit_error=0.02))
    pressed: list[p.Message] = []
    for n in range(30):
        key = p.KeyPress(list(p.Key)[n % 6])
        sim.at(sim.rng.uniform(0.1, 6.0), lambda key=key: (sim.boards[KEYPAD].send(key),
                                                          pressed.append(key)))
    sent = labels(30)
    for n, label in enumerate(sent):
        sim.at(0.1 + n * 0.2, lambda label=label: sim.host.send(WINDOW, label))
    for when in restarts:
        sim.at(when, lambda: sim.host.restart(sim.now))
    sim.run(6.5)
    sim.run_until_quiet(120.0, lambda: everything_delivered(sim))
    sim.run(sim.now + 0.5)
    assert_exactly_once_in_order(sim, pressed)
    assert_labels_never_go_back(sim, sent)
    assert delivered(sim.board_events[WINDOW], p.ShowLabel)[-1].message == sent[-1]
