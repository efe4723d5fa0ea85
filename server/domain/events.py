"""Logged events: one per change, the audit trail and the raw data for statistics."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.domain.tickets import Ticket
from server.domain.windows import Window


@dataclass(frozen=True)
class Event:
    """A change that happened. ``seq`` is set by the log when the event is appended."""

    kind: str
    at: float
    user: str | None
    ticket: Ticket | None = None
    window: Window | None = None
    data: dict[str, object] = field(default_factory=dict)
    seq: int = 0
