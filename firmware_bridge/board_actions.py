"""What the boards ask of the server: a keypad's key as a move of its window, a staff-call press
as a hall alert, a rating as the visit's rating; and the fault alerts the bridge keeps for the
hall console (a board silent, refused, or reporting a fault; the serial port gone).

Pure: the server's paths and bodies (``/api/v1/...``, see ``server/web/openapi.yaml``) are
built here and sent elsewhere (``outbox``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from firmware_bridge import protocol as p
from firmware_bridge.config import Keypad, RatingPad, StaffCallButton
from firmware_bridge.office_mirror import WindowView
from server import contract as c

KEY_MOVES = {
    p.Key.CALL_NEXT: "call-next",
    p.Key.RECALL: "recall",
    p.Key.START: "start",
    p.Key.FINISH: "finish",
    p.Key.NO_SHOW: "no-show",
}
KEY_NAMES = {
    p.Key.CALL_NEXT: "call next",
    p.Key.RECALL: "recall",
    p.Key.START: "start",
    p.Key.FINISH: "finish",
    p.Key.NO_SHOW: "no-show",
    p.Key.PAUSE: "pause",
}
PORT_LOST = "serial_port_lost"


class Urgency(enum.Enum):
    """How long a request may wait for an unreachable server (``timings``)."""

    KEY = "key"  # a window move: soon or never (key_ttl)
    REPORT = "report"  # a staff call or a rating: still worth it a while later (report_ttl)


@dataclass(frozen=True)
class ServerRequest:
    """A POST to the server on a board's behalf."""

    path: str
    body: dict[str, object] = field(default_factory=dict)
    urgency: Urgency = Urgency.KEY
    what: str = ""  # for the log: "keypad 0x13: call next at window 3"


def window_path(window: int, move: str) -> str:
    return f"{c.API_PREFIX}/windows/{window}/{move}"


def key_request(board: Keypad, key: p.Key, view: WindowView | None) -> ServerRequest:
    """The move a key asks for at the keypad's window.

    «Pause» toggles: it resumes a paused window and otherwise pauses it with the keypad's
    ``pause_reason`` (the server refuses a pause unless the window is open and idle).
    """
    window = board.window
    what = f"{board.label}: {KEY_NAMES[key]} at window {window}"
    if key is p.Key.PAUSE:
        if view is not None and view.state == "paused":
            return ServerRequest(window_path(window, "resume"), {}, Urgency.KEY,
                                 f"{board.label}: resume at window {window}")
        return ServerRequest(window_path(window, "pause"), {"reason": board.pause_reason},
                             Urgency.KEY, what)
    return ServerRequest(window_path(window, KEY_MOVES[key]), {}, Urgency.KEY, what)


def staff_call_request(board: StaffCallButton) -> ServerRequest:
    body: dict[str, object] = {"button": board.button or f"board_{board.address}"}
    if board.window is not None:
        body["window"] = board.window
    return ServerRequest(f"{c.API_PREFIX}/alerts/staff-call", body, Urgency.REPORT,
                         f"{board.label}: staff call")


def rating_request(board: RatingPad, score: int) -> ServerRequest:
    return ServerRequest(window_path(board.window, "rating"), {"rating": score}, Urgency.REPORT,
                         f"{board.label}: rating {score} at window {board.window}")


# Fault codes (``^[a-z0-9_]{1,32}$``), one open alert each on the server.


def silent_code(address: int) -> str:
    return f"board_{address}_silent"


def refused_code(address: int) -> str:
    return f"board_{address}_refused"


def board_fault_code(address: int, code: int) -> str:
    return f"board_{address}_fault_{code}"


def fault_text(board_label: str, fault: p.Fault) -> str:
    try:
        name = p.FaultCode(fault.code).name.lower().replace("_", " ")
    except ValueError:
        name = f"code {fault.code}"
    return f"{board_label}: {name}" + (f": {fault.text}" if fault.text else "")
