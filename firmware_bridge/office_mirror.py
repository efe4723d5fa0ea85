"""The windows of the office as the server last told the bridge: a snapshot, then events.

Pure: payloads in (``server.contract`` shapes, as parsed JSON), ``Update`` out, no I/O.

The server numbers every logged change (``seq``, one office-wide sequence) and sends a snapshot
on every (re)connect. Events may reach the bridge out of order (the Socket.IO client runs each
handler in a thread of its own) or not at all (a dropped connection), so:

* every event that concerns a window carries that window's whole state, which is applied if it
  is newer than what the mirror holds for that window, whatever else was missed;
* a call or a recall blinks the window's board when its event arrives, if the window still
  calls that visitor (a snapshot read after the call may have told of it first);
* a gap in ``seq`` (or an event before any snapshot) asks for a fresh snapshot (``resync``);
* a snapshot older than what the mirror holds is ignored, unless ``forget`` was called (the
  connection dropped: the server may have restarted on a new database, so its next snapshot is
  the truth whatever its ``seq``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from server import contract as c

STATES = ("closed", "open", "calling", "serving", "paused")
BUSY = ("calling", "serving")
# Events that mean "look at window N now": its board blinks.
BLINKING = (c.TICKET_CALLED, c.TICKET_RECALLED)


@dataclass(frozen=True)
class WindowView:
    """What a board needs to know about one window."""

    number: int
    state: str  # one of STATES
    label: str | None = None  # the current visitor's ticket, while calling or serving
    pause_reason: str | None = None


@dataclass(frozen=True)
class Update:
    changed: frozenset[int] = frozenset()  # windows whose view changed
    blink: frozenset[int] = frozenset()  # windows whose boards should blink (call, recall)
    resync: bool = False  # events were missed: fetch a snapshot and ``load`` it
    loaded: bool = False  # a snapshot was taken (not ignored as older than what is held)


def window_view(payload: object) -> WindowView | None:
    """A ``WindowPayload`` as a view; None if it is not one (never trust a payload's shape)."""
    if not isinstance(payload, Mapping):
        return None
    number, state = payload.get("number"), payload.get("state")
    if type(number) is not int or state not in STATES:
        return None
    ticket = payload.get("ticket")
    label = ticket.get("label") if isinstance(ticket, Mapping) else None
    reason = payload.get("pause_reason")
    return WindowView(number, state, label if isinstance(label, str) and label else None,
                      reason if isinstance(reason, str) else None)


def _seq(payload: Mapping[str, Any]) -> int | None:
    seq = payload.get("seq")
    return seq if type(seq) is int else None


class OfficeMirror:
    """The views of ``windows`` (the ones some board follows). Not thread-safe: the owner
    holds a lock around every call."""

    def __init__(self, windows: Collection[int]) -> None:
        self.windows = frozenset(windows)
        self._views: dict[int, WindowView] = {}
        self._window_seq: dict[int, int] = {}
        self.seq: int | None = None  # the last office-wide seq applied in order

    def view(self, number: int) -> WindowView | None:
        """None until a snapshot or event has told the state of window ``number``."""
        return self._views.get(number)

    def forget(self) -> None:
        """The connection dropped: the next snapshot is taken whatever its seq. The views are
        kept, so the boards go on showing the last state meanwhile."""
        self.seq = None
        self._window_seq.clear()

    def load(self, snapshot: object) -> Update:
        """A ``SnapshotPayload``: the whole truth as of its seq."""
        if not isinstance(snapshot, Mapping):
            return Update()
        seq = _seq(snapshot)
        if seq is None or (self.seq is not None and seq < self.seq):
            return Update()  # older than what we hold (it lost a race with an event)
        changed = set()
        for payload in snapshot.get("windows") or ():
            view = window_view(payload)
            if view is None or view.number not in self.windows:
                continue
            if self._window_seq.get(view.number, -1) > seq:
                continue  # an event newer than this snapshot already told us
            changed |= self._set(view, seq)
        self.seq = seq
        return Update(frozenset(changed), loaded=True)

    def apply(self, event: object) -> Update:
        """One pushed event (``EventPayload``)."""
        if not isinstance(event, Mapping):
            return Update()
        seq = _seq(event)
        kind = event.get("kind")
        if seq is None or kind == c.QUEUE_CHANGED:
            return Update()  # a summary, not a logged change: it carries no seq of its own
        resync = self.seq is None or seq > self.seq + 1
        if self.seq is not None and seq == self.seq + 1:
            self.seq = seq
        view = window_view(event.get("window"))
        if view is None or view.number not in self.windows:
            return Update(resync=resync)
        changed: set[int] = set()
        if self._window_seq.get(view.number, -1) < seq:
            changed = self._set(view, seq)
        # A call or recall blinks the board even if a snapshot already told of the call (a
        # resync can overtake the event), but only while the window still calls that visitor.
        current = self._views.get(view.number)
        blink = kind in BLINKING and view.state == "calling" and current is not None and (
            current.state == "calling" and current.label == view.label)
        return Update(frozenset(changed), frozenset({view.number} if blink else ()), resync)

    def _set(self, view: WindowView, seq: int) -> set[int]:
        self._window_seq[view.number] = seq
        if self._views.get(view.number) == view:
            return set()
        self._views[view.number] = view
        return {view.number}
