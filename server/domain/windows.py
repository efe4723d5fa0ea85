"""Windows (desks) and their states.

    closed ──open──► open ──call──► calling ──start──► serving
      ▲               │ ▲              │                  │
      └────close──────┤ └── release ───┴──────────────────┘
                      │  (finish, no-show, postpone, transfer)
            pause ◄───┴───► paused ──resume──► open

A window may close only when it has no visitor at it; a paused window calls nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from server.domain.errors import InvalidTransition


class WindowState(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    CALLING = "calling"
    SERVING = "serving"
    PAUSED = "paused"


class PauseReason(str, Enum):
    BREAK = "break"
    LUNCH = "lunch"
    TECHNICAL = "technical"
    OTHER = "other"


@dataclass
class Window:
    number: int
    state: WindowState = WindowState.CLOSED
    user: str | None = None
    ticket_id: int | None = None
    pause_reason: PauseReason | None = None
    since: float = 0.0

    def _require(self, action: str, *allowed: WindowState) -> None:
        if self.state not in allowed:
            raise InvalidTransition(
                f"window {self.number} is {self.state.value}: cannot {action}",
                window=self.number,
                state=self.state.value,
                action=action,
            )

    def _enter(self, state: WindowState, now: float) -> None:
        self.state, self.since = state, now

    def open(self, user: str | None, now: float) -> None:
        self._require("open", WindowState.CLOSED)
        self.user = user
        self._enter(WindowState.OPEN, now)

    def close(self, now: float) -> None:
        self._require("close", WindowState.OPEN, WindowState.PAUSED)
        self.user, self.pause_reason = None, None
        self._enter(WindowState.CLOSED, now)

    def pause(self, reason: PauseReason, now: float) -> None:
        self._require("pause", WindowState.OPEN)
        self.pause_reason = reason
        self._enter(WindowState.PAUSED, now)

    def resume(self, now: float) -> None:
        self._require("resume", WindowState.PAUSED)
        self.pause_reason = None
        self._enter(WindowState.OPEN, now)

    def begin_call(self, ticket_id: int, now: float) -> None:
        self._require("call", WindowState.OPEN)
        self.ticket_id = ticket_id
        self._enter(WindowState.CALLING, now)

    def require_idle(self, action: str) -> None:
        self._require(action, WindowState.OPEN)

    def require_calling(self, action: str) -> None:
        self._require(action, WindowState.CALLING)

    def require_busy(self, action: str) -> None:
        self._require(action, WindowState.CALLING, WindowState.SERVING)

    def start(self, now: float) -> None:
        self._require("start", WindowState.CALLING)
        self._enter(WindowState.SERVING, now)

    def release(self, now: float) -> None:
        """The visitor left the window (finished, no-show, postponed or transferred)."""
        self.require_busy("release")
        self.ticket_id = None
        self._enter(WindowState.OPEN, now)
