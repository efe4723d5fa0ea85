"""A simulated office on one bus for link tests: a window board (0x03), a keypad (0x05) and a
rating pad (0x21) behind one HostLink, a busy morning on it, and the checks every run must
pass: events exactly once and in order, labels never going back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from firmware_bridge.errors import QueueFull
from tests.firmware_bridge.lossy_bus import NONE, Faults, LossyBus, delivered

WINDOW, KEYPAD, RATING = 0x03, 0x05, 0x21
KINDS = {WINDOW: p.BoardKind.WINDOW_BOARD, KEYPAD: p.BoardKind.KEYPAD,
         RATING: p.BoardKind.RATING_PAD}
FAST = lk.LinkConfig(reply_timeout=0.02, turnaround=0.0, retry_base=0.02, retry_max=0.2,
                     retry_limit=5, reconnect_max=0.5, poll_interval=0.03,
                     display_poll_interval=0.1, queue_limit=200)


# Builds a board end: (address, kind, boot_id, config) -> a BoardLink or anything like it.
BoardFactory = Callable[[int, p.BoardKind, int, lk.LinkConfig], Any]


def bus(seed: int = 0, faults: Faults = NONE, config: lk.LinkConfig = FAST,
        make_board: BoardFactory | None = None, **board_options: Any) -> LossyBus:
    host = lk.HostLink(KINDS, config, session=0x5EED)
    if make_board is None:
        def make_board(address: int, kind: p.BoardKind, boot_id: int,
                       config: lk.LinkConfig) -> lk.BoardLink:
            return lk.BoardLink(address, kind, boot_id=boot_id, config=config,
                                **board_options)
    boards = {address: make_board(address, kind, 100 + address, config)
              for address, kind in KINDS.items()}
    return LossyBus(host, boards, seed=seed, faults=faults)


def labels(count: int) -> list[p.ShowLabel]:
    return [p.ShowLabel(WINDOW, f"А-{n:03d}") for n in range(1, count + 1)]


def host_frames_to(sim: LossyBus, address: int) -> list[tuple[float, p.Frame]]:
    return [(t, f) for t, f in sim.sent_by_host if f.dst == address]


def everything_delivered(sim: LossyBus) -> bool:
    return (all(board.queued == 0 for board in sim.boards.values())
            and all(not sim.host.pending(a) for a in sim.boards))


def run_office(seed: int, faults: Faults, presses: int = 40, label_count: int = 40,
               make_board: BoardFactory | None = None,
               ) -> tuple[LossyBus, list[p.Message], list[p.ShowLabel]]:
    """A keypad pressing keys, a rating pad rating, and the host changing the window board's
    label, all at random times, then running until everything is delivered."""
    sim = bus(seed, faults, make_board=make_board)
    rng = sim.rng
    pressed: list[p.Message] = []
    sent_labels = labels(label_count)

    def press(message: p.Message, address: int) -> None:
        try:
            sim.boards[address].send(message)
        except QueueFull:
            return  # the board refused the press (and beeped): it must not arrive
        pressed.append(message)

    for n in range(presses):
        key = p.KeyPress(rng.choice(list(p.Key)))
        sim.at(rng.uniform(0.1, 6.0), lambda key=key: press(key, KEYPAD))
        if n % 4 == 0:
            rating = p.Rating(rng.randint(1, 5))
            sim.at(rng.uniform(0.1, 6.0), lambda r=rating: press(r, RATING))
    for n, label in enumerate(sent_labels):
        sim.at(0.1 + n * 6.0 / label_count, lambda label=label: sim.host.send(WINDOW, label))
    sim.run(6.5)
    sim.run_until_quiet(120.0, lambda: everything_delivered(sim))
    sim.run(sim.now + 0.5)
    return sim, pressed, sent_labels


def assert_exactly_once_in_order(sim: LossyBus, pressed: list[p.Message]) -> None:
    for address, kind in ((KEYPAD, p.KeyPress), (RATING, p.Rating)):
        got = delivered(sim.host_events, kind, address)
        assert [e.message for e in got] == [m for m in pressed if isinstance(m, kind)]
        seqs = [e.seq for e in got]
        assert all((b - a) % 256 == 1 for a, b in zip(seqs, seqs[1:], strict=False)), seqs


def assert_labels_never_go_back(sim: LossyBus, sent: list[p.ShowLabel]) -> None:
    applied = [e.message for e in delivered(sim.board_events[WINDOW], p.ShowLabel)]
    order = [sent.index(label) for label in applied]
    assert order == sorted(set(order)), "a label was applied twice or after a newer one"
    assert applied[-1] == sent[-1]
