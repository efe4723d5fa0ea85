"""What the kiosk shows: the start screen's mode, one request's progress, the status LEDs.

Pure. The modes, most important first:

* ``starting``: the office (topics) has not been read from the server yet.
* ``offline``: the server does not answer (or refuses this kiosk's token: ``unauthorized``).
  Nothing new is issued: a number the server does not know must never be handed out.
* ``printer``: the printer reports paper out, cover open or offline. Nothing is issued, so
  no ticket is left waiting in the queue without its visitor.
* ``closed``: the server said the office does not issue now (closed, after the cutoff,
  holiday...).
* ``ready``: topics are offered.

The touch page turns these codes into words (``kiosk/web/static/kiosk.js``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.journal import Entry, EntryState
from kiosk.printer_status import PrinterStatus


class Link(StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"
    UNAUTHORIZED = "unauthorized"


class Mode(StrEnum):
    STARTING = "starting"
    OFFLINE = "offline"
    UNAUTHORIZED = "unauthorized"
    PRINTER = "printer"
    CLOSED = "closed"
    READY = "ready"


@dataclass(frozen=True)
class KioskStatus:
    link: Link
    printer: PrinterStatus
    office_loaded: bool
    closed_reason: str | None = None


def mode_of(status: KioskStatus) -> Mode:
    if status.link is Link.UNAUTHORIZED:
        return Mode.UNAUTHORIZED
    if status.link is Link.DOWN:
        return Mode.OFFLINE
    if not status.office_loaded:
        return Mode.STARTING
    if status.printer.blocks_printing:
        return Mode.PRINTER
    if status.closed_reason is not None:
        return Mode.CLOSED
    return Mode.READY


@dataclass(frozen=True)
class Leds:
    ready: bool
    printing: bool
    fault: bool


def led_states(mode: Mode, printing: bool) -> Leds:
    """Ready: topics are offered. Printing: a ticket is going to the printer. Fault: the
    printer or the server link needs a person (closed and starting are not faults)."""
    fault = mode in (Mode.OFFLINE, Mode.UNAUTHORIZED, Mode.PRINTER)
    return Leds(ready=mode is Mode.READY and not printing, printing=printing, fault=fault)


def job_view(entry: Entry, link: Link, service_name: str) -> dict[str, Any]:
    """One request as the page shows it. ``phase``:

    * ``sending``: waiting for the server's answer (``waiting_link`` when it is unreachable:
      the request is kept and sent when the link returns);
    * ``printing``, ``printed``;
    * ``unprinted``: the server has the ticket but it was not printed: the page shows the
      label large, to be written down;
    * ``refused``: nothing was issued; ``reason`` is the server's code (``office_closed``...),
      for a check-in the word of ``kiosk.booking_code.refusal_reason`` (``too_early``,
      ``unknown_code``...) or ``already_checked_in`` (``label`` is the ticket given before).

    A check-in (``kind: check_in``) also has ``late`` (past the late window: an ordinary
    walk-in ticket) and ``slot_time`` (the booked time, HH:MM).
    """
    answer = entry.answer or {}
    ticket = answer.get("ticket") or {}
    phase = {
        EntryState.PENDING: "waiting_link" if link in (Link.DOWN, Link.UNAUTHORIZED)
        else "sending",
        EntryState.ISSUED: "printing",
        EntryState.PRINTING: "printing",
        EntryState.PRINTED: "printed",
        EntryState.UNPRINTED: "unprinted",
        EntryState.REFUSED: "refused",
    }[entry.state]
    return {
        "id": entry.id,
        "phase": phase,
        "service": entry.service,
        "service_name": answer.get("service_name") or service_name,
        "category": entry.category,
        "label": ticket.get("label"),
        "ahead": answer.get("ahead"),
        "expected_wait": answer.get("expected_wait"),
        "reason": entry.error.get("code"),
        "details": entry.error.get("details", {}),
        "kind": entry.kind.value,
        "late": bool(answer.get("late")),
        "slot_time": (answer.get("booking") or {}).get("time"),
    }
