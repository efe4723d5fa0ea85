"""Tickets: labels and the life cycle of one visit.

    waiting ──call──► called ──start──► serving ──finish──► done
       ▲  │             │ ▲  recall        │
       │  │ cancel      │ └──────┘         │
       │  ▼             ├─no_show──► no_show
       │ cancelled      │                  │
       └──── postpone / transfer ◄─────────┘

A move that the current status does not allow raises InvalidTransition and changes nothing.
Times are epoch seconds (float); ``queue_since`` is the ticket's place in the queue, which a
transfer keeps and a postponement resets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from server.domain.errors import InvalidInput, InvalidTransition


class TicketStatus(str, Enum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


FINAL = frozenset({TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED})


def format_label(prefix: str, number: int) -> str:
    """«А-017»: the prefix, a hyphen, and at least three digits."""
    return f"{prefix}-{number:03d}"


# Latin letters that look like Cyrillic ones: a consultant typing «К-017» on a Latin
# keyboard layout types "K-017".
LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")


def label_candidates(typed: str) -> list[str]:
    """The labels someone typing ``typed`` may mean: «к17», "K-017" and «К-017» all find
    «К-017». Most likely first."""
    text = "".join(typed.split()).upper()
    prefix = text.rstrip("0123456789").rstrip("-")
    digits = text[len(text.rstrip("0123456789")):]
    shapes = [text]
    if prefix and digits:
        shapes.append(format_label(prefix, int(digits)))
    candidates = shapes + [s.translate(LOOKALIKES) for s in shapes]
    return list(dict.fromkeys(candidates))


@dataclass
class Ticket:
    day: str
    number: int
    label: str
    service: str
    segment: str
    issued_at: float
    wait_target: float
    service_target: float
    public_id: str
    category: str | None = None
    priority: bool = False
    source: str = "kiosk"
    appointment_at: float | None = None
    id: int | None = None
    status: TicketStatus = TicketStatus.WAITING
    queue_since: float = 0.0
    window: int | None = None
    user: str | None = None
    first_called_at: float | None = None
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    recalls: int = 0
    postponements: int = 0
    transfers: int = 0
    routed_window: int | None = None
    routed_user: str | None = None
    outcome: str | None = None
    note: str | None = None
    topics: list[str] = field(default_factory=list)
    rating: int | None = None  # 1-5 from a rating pad at the window, once per visit

    def __post_init__(self) -> None:
        if not self.queue_since:
            self.queue_since = self.issued_at

    @property
    def is_out_of_turn(self) -> bool:
        return self.category is not None

    def waited(self, now: float) -> float:
        """Seconds waited: issue → first call, or up to ``now`` while never called."""
        end = self.first_called_at if self.first_called_at is not None else now
        return max(0.0, end - self.issued_at)

    def _require(self, action: str, *allowed: TicketStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                f"ticket {self.label} is {self.status.value}: cannot {action}",
                ticket=self.label,
                status=self.status.value,
                action=action,
            )

    def call(self, window: int, user: str | None, now: float) -> None:
        self._require("call", TicketStatus.WAITING)
        self.status = TicketStatus.CALLED
        self.window, self.user, self.called_at = window, user, now
        if self.first_called_at is None:
            self.first_called_at = now
        self.routed_window = self.routed_user = None

    def recall(self, now: float) -> None:
        self._require("recall", TicketStatus.CALLED)
        self.recalls += 1
        self.called_at = now

    def start(self, now: float) -> None:
        self._require("start", TicketStatus.CALLED)
        self.status = TicketStatus.SERVING
        self.started_at = now
        if self.service not in self.topics:
            self.topics.append(self.service)

    def add_topic(self, service: str) -> None:
        self._require("record a topic", TicketStatus.SERVING)
        if service not in self.topics:
            self.topics.append(service)

    def finish(self, now: float, outcome: str | None, topics: list[str]) -> None:
        self._require("finish", TicketStatus.SERVING)
        for topic in topics:
            self.add_topic(topic)
        self.status = TicketStatus.DONE
        self.finished_at, self.outcome = now, outcome

    def rate(self, rating: int) -> None:
        """The visitor's 1-5 rating of this visit; the first press counts."""
        self._require("rate", TicketStatus.SERVING, TicketStatus.DONE)
        if not 1 <= rating <= 5:
            raise InvalidInput("a rating is 1 to 5", rating=rating)
        if self.rating is not None:
            raise InvalidTransition(f"ticket {self.label} is already rated",
                                    ticket=self.label, rating=self.rating)
        self.rating = rating

    def mark_no_show(self, now: float) -> None:
        self._require("mark as no-show", TicketStatus.CALLED)
        self.status = TicketStatus.NO_SHOW
        self.finished_at = now

    def postpone(self, now: float, reason: str) -> None:
        """Back into the queue, at its end: the visitor stepped away (to fetch a document)."""
        self._require("postpone", TicketStatus.CALLED, TicketStatus.SERVING)
        self._back_to_queue()
        self.postponements += 1
        self.queue_since, self.note = now, reason

    def transfer(
        self,
        now: float,
        *,
        service: str | None,
        window: int | None,
        user: str | None,
        comment: str,
        to_back: bool,
    ) -> None:
        """Send the visitor on; the label and, unless ``to_back``, the place in queue are kept."""
        self._require("transfer", TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.WAITING)
        self._back_to_queue()
        self.transfers += 1
        if service is not None:
            self.service = service
        self.routed_window, self.routed_user, self.note = window, user, comment
        if to_back:
            self.queue_since = now

    def cancel(self, now: float, reason: str) -> None:
        self._require("cancel", TicketStatus.WAITING)
        self.status = TicketStatus.CANCELLED
        self.finished_at, self.note = now, reason

    def _back_to_queue(self) -> None:
        self.status = TicketStatus.WAITING
        self.window = self.user = None
        self.called_at = self.started_at = None
