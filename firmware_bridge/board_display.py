"""What a window board shows for a window's state: the protocol message that sets its display.

Pure. A calling or serving window shows its visitor's ticket label (``SHOW_LABEL``), a closed
window «ЗАКРЫТО» and a paused one the reason of its pause (``SHOW_CLOSED``), an open window with
nobody at it nothing (``CLEAR``). A window whose state is not known yet (no snapshot since the
bridge started) gets no command: the board keeps what it shows.
"""

from __future__ import annotations

from firmware_bridge import protocol as p
from firmware_bridge.office_mirror import BUSY, WindowView

PAUSE_REASONS = {
    "break": p.ClosedReason.BREAK,
    "lunch": p.ClosedReason.LUNCH,
    "technical": p.ClosedReason.TECHNICAL,
    "other": p.ClosedReason.OTHER,
}
MAX_LABEL = 16  # SHOW_LABEL's label: 1..16 CP866 characters


def board_label(label: str) -> str:
    """``label`` as a board can show it: characters CP866 lacks become "?", cut to 16."""
    text = label.encode(p.TEXT_ENCODING, errors="replace").decode(p.TEXT_ENCODING)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text[:MAX_LABEL] or "?"


def display_message(window: int, view: WindowView | None) -> p.Message | None:
    """The message that makes the board of ``window`` show ``view``; None when unknown."""
    if view is None:
        return None
    if view.state in BUSY:
        return p.ShowLabel(window, board_label(view.label)) if view.label else p.Clear()
    if view.state == "closed":
        return p.ShowClosed(p.ClosedReason.CLOSED)
    if view.state == "paused":
        return p.ShowClosed(PAUSE_REASONS.get(view.pause_reason or "", p.ClosedReason.OTHER))
    return p.Clear()


def board_state(window: int, view: WindowView | None, brightness: int) -> list[p.Message]:
    """Everything a window board needs after a (re)start: brightness, then what to show."""
    shown = display_message(window, view)
    return [p.Brightness(brightness)] + ([shown] if shown is not None else [])
