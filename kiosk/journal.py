"""The journal's rules: the states of a ticket request and what the kiosk does next with one.

Pure (standard library only); ``kiosk.journal_store`` keeps the entries in SQLite. Every
ticket the kiosk hands out goes through the journal, and every step is written (and synced
to disk) *before* the kiosk acts on it::

    pending ──server answered──► issued ──► printing ──► printed
       │                           │           │
       └─server refused─► refused  └───────────┴─printer failed / too late─► unprinted

* ``pending``: a visitor asked; the request and its idempotency key are on disk, the server
  has not answered yet. It is sent (again) with the same key until the server answers, so
  the server issues at most one ticket per key and replays it on every repeat.
* ``issued``: the server's answer (label, ticket, people ahead) is on disk.
* ``printing``: the ticket is about to go to the printer.
* ``printed``: the printer took the ticket and did not report a failure. Final.
* ``unprinted``: issued but not printed (printer failure, or the answer came too late for
  the visitor to be still waiting). The label is shown on screen and reported to the hall
  console. Final.
* ``refused``: the server answered with a refusal (office closed, unknown service; for a
  check-in: too early, unknown code, cancelled): nothing was issued. Final. A check-in whose
  ticket an earlier entry of this journal already has ends here too
  (``already_checked_in``, the answer kept): a code typed twice prints one ticket.

Entries are of three kinds (``EntryKind``): a visitor's request for a topic, a console
print request, and a pre-booking check-in (sent to ``POST /bookings/check-in`` with the
booking code instead of ``POST /tickets``). All follow the same states and the same rule.

Exactly-once printing, as far as a printer allows: an entry found in ``printing`` after a
restart (the power went while the ticket was being sent) is printed again when it is still
fresh, so the visitor gets the ticket at the price of a possible second copy of the *same*
number; an entry marked ``printed`` is never printed again. See docs/kiosk.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any


class EntryState(StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    PRINTING = "printing"
    PRINTED = "printed"
    UNPRINTED = "unprinted"
    REFUSED = "refused"


class EntryKind(StrEnum):
    VISITOR = "visitor"  # asked at this kiosk (touch screen or a button)
    CONSOLE = "console"  # the hall consultant issued it and asked this kiosk to print it
    CHECK_IN = "check_in"  # a pre-booked visitor typed their code (``code``) at this kiosk


FINAL = frozenset({EntryState.PRINTED, EntryState.UNPRINTED, EntryState.REFUSED})

TRANSITIONS: dict[EntryState, frozenset[EntryState]] = {
    EntryState.PENDING: frozenset({EntryState.ISSUED, EntryState.REFUSED}),
    EntryState.ISSUED: frozenset({EntryState.PRINTING, EntryState.UNPRINTED}),
    # printing → printing: a restart found it half-printed and prints it again.
    EntryState.PRINTING: frozenset({EntryState.PRINTING, EntryState.PRINTED,
                                    EntryState.UNPRINTED}),
    EntryState.PRINTED: frozenset(),
    EntryState.UNPRINTED: frozenset(),
    EntryState.REFUSED: frozenset(),
}


def can_move(old: EntryState, new: EntryState) -> bool:
    return new in TRANSITIONS[old]


@dataclass
class Entry:
    """One ticket request. ``answer`` is the server's answer (or the console's print
    request), ``error`` why it was refused or not printed. A check-in entry carries the
    booking ``code`` and no ``service`` until the server's answer names it."""

    id: int
    key: str
    kind: EntryKind
    service: str
    category: str | None
    source: str
    state: EntryState
    created_at: float
    updated_at: float
    attempts: int = 0
    answer: dict[str, Any] | None = None
    error: dict[str, Any] = field(default_factory=dict)
    code: str | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL

    @property
    def label(self) -> str | None:
        ticket = (self.answer or {}).get("ticket") or {}
        return ticket.get("label")


class Step(Enum):
    SEND = "send"  # (re)send the request with its key
    PRINT = "print"
    GIVE_UP = "give_up"  # issued, but too late to print: mark unprinted, tell the hall
    NOTHING = "nothing"


def next_step(entry: Entry, now: float, print_within: float) -> Step:
    """What to do with ``entry`` now: the same rule at a normal run and after a restart.

    A ticket is printed only while the visitor can still be expected at the kiosk:
    ``print_within`` seconds after they asked (for a console request, after it arrived).
    """
    if entry.state is EntryState.PENDING:
        return Step.SEND
    if entry.state in (EntryState.ISSUED, EntryState.PRINTING):
        if now - entry.created_at > print_within:
            return Step.GIVE_UP
        return Step.PRINT
    return Step.NOTHING
