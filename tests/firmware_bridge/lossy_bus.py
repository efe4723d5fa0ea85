"""A simulated RS-485 bus for link tests: one HostLink, several BoardLinks, virtual time, and
seeded loss, duplication, delay (hence reordering), bit errors and noise on every frame copy.

Every frame the host sends reaches every board (each copy has its own fate), every frame a board
sends reaches the host and the other boards, as on a real multi-drop bus.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from firmware_bridge import link as lk
from firmware_bridge import protocol as p


@dataclass
class Faults:
    loss: float = 0.2
    duplicate: float = 0.05
    bit_error: float = 0.02
    noise: float = 0.02  # random bytes injected before a copy
    late: float = 0.02  # copies delayed far past the reply timeout (reordering)
    delay: tuple[float, float] = (0.0005, 0.003)
    late_delay: tuple[float, float] = (0.05, 0.3)


NONE = Faults(0, 0, 0, 0, 0)


@dataclass
class Counts:
    copies: int = 0
    lost: int = 0
    duplicated: int = 0
    garbled: int = 0
    late: int = 0


@dataclass
class LossyBus:
    host: lk.HostLink
    boards: dict[int, lk.BoardLink]  # or anything with its interface (c_board.CBoardLink)
    seed: int = 0
    faults: Faults = field(default_factory=Faults)
    now: float = 0.0
    dt: float = 0.001
    host_events: list[lk.Event] = field(default_factory=list)
    board_events: dict[int, list[lk.Event]] = field(default_factory=dict)
    sent_by_host: list[tuple[float, p.Frame]] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    # Called with every event the host reports, e.g. to resend state on PeerUp.
    on_host_event: Callable[[lk.Event], None] | None = None
    cut: set[int] = field(default_factory=set)  # board addresses unplugged from the bus

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._queue: list[tuple[float, int, object, bytes]] = []
        self._counter = 0
        self._actions: list[tuple[float, int, Callable[[], None]]] = []
        for address in self.boards:
            self.board_events.setdefault(address, [])

    def at(self, when: float, action: Callable[[], None]) -> None:
        self._counter += 1
        heapq.heappush(self._actions, (when, self._counter, action))

    def replace_board(self, board: lk.BoardLink) -> None:
        """A board restarts (or is swapped): its old state is gone."""
        self.boards[board.address] = board
        self.board_events.setdefault(board.address, [])

    def run(self, until: float) -> None:
        while self.now < until:
            self.tick()

    def run_until_quiet(self, limit: float, done: Callable[[], bool]) -> None:
        while not done():
            if self.now >= limit:
                raise AssertionError(f"not quiet by t={limit}")
            self.tick()

    def tick(self) -> None:
        while self._actions and self._actions[0][0] <= self.now:
            heapq.heappop(self._actions)[2]()
        while self._queue and self._queue[0][0] <= self.now:
            _, _, target, data = heapq.heappop(self._queue)
            if target is self.host:
                self._from_host(self.host.feed(data, self.now))
            elif self.boards.get(getattr(target, "address", None)) is target:
                self._from_board(target, target.feed(data, self.now))
        self._from_host(self.host.poll(self.now))
        for board in list(self.boards.values()):
            self._from_board(board, board.poll(self.now))
        self.now = round(self.now + self.dt, 9)

    def _from_host(self, step: lk.Step) -> None:
        for event in step.events:
            self.host_events.append(event)
            if self.on_host_event is not None:
                self.on_host_event(event)
        for data in step.frames:
            self.sent_by_host.append((self.now, p.FrameDecoder().feed(data)[0]))
            for board in self.boards.values():
                if board.address not in self.cut:
                    self._carry(data, board)

    def _from_board(self, board: lk.BoardLink, step: lk.Step) -> None:
        self.board_events[board.address].extend(step.events)
        if board.address in self.cut:
            return
        for data in step.frames:
            self._carry(data, self.host)
            for other in self.boards.values():
                if other is not board:
                    self._carry(data, other)

    def _carry(self, data: bytes, target: object) -> None:
        faults, rng = self.faults, self.rng
        self.counts.copies += 1
        if rng.random() < faults.loss:
            self.counts.lost += 1
            return
        copies = 1
        if rng.random() < faults.duplicate:
            self.counts.duplicated += 1
            copies = 2
        for _ in range(copies):
            copy = bytearray(data)
            if rng.random() < faults.bit_error:
                self.counts.garbled += 1
                bit = rng.randrange(len(copy) * 8)
                copy[bit // 8] ^= 1 << bit % 8
            if rng.random() < faults.noise:
                copy[:0] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6)))
            if rng.random() < faults.late:
                self.counts.late += 1
                delay = rng.uniform(*faults.late_delay)
            else:
                delay = rng.uniform(*faults.delay)
            self._counter += 1
            heapq.heappush(self._queue, (self.now + delay, self._counter, target, bytes(copy)))


def delivered(events: list[lk.Event], kind: type[p.Message] | None = None,
              address: int | None = None) -> list[lk.Delivered]:
    return [e for e in events if isinstance(e, lk.Delivered)
            and (kind is None or isinstance(e.message, kind))
            and (address is None or e.address == address)]
