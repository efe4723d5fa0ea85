"""The kiosk agent: takes a visitor's choice to a printed ticket, and never hands out a
number the server does not know.

One worker thread does everything that talks to the server or the printer, in order:

1. A request (touch page, a button, the console's ``print.requested``) is first written to
   the journal (``kiosk.journal_store``, synced to disk) with a fresh idempotency key.
2. The worker sends it; an unknown outcome (no connection, timeout, 5xx) leaves it
   ``pending`` and the same key is sent again, with back-off, until the server answers.
   The server issues once per key and replays the same ticket on every repeat.
3. Only with the server's answer on disk is the ticket printed (``printing`` before,
   ``printed`` after). A printer failure after issuing leaves the visitor's place: the label
   is shown on screen to be written down and reported to the hall console.

A pre-booked visitor's code (``check_in``) takes the same path as a journal entry of kind
``check_in``, sent to the server's check-in instead of ``POST /tickets``; its refusals (too
early, unknown code...) are final (``kiosk.booking_code``).

A restart (power cut, ``kill -9``) simply resumes: the worker's first cycle finds the
unfinished entries and applies the same rule (``kiosk.journal.next_step``).

Before accepting a request the agent checks what would make it a ghost ticket: the printer
(paper out, cover open, offline), the server link and the office's hours
(``kiosk.screen.mode_of``). Printer problems are reported as device-fault alerts and
cleared when they go away.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kiosk import booking_code
from kiosk.errors import (
    InvalidTicket,
    IssueRefused,
    KioskError,
    PrinterFault,
    ServerRefused,
    ServerUnreachable,
)
from kiosk.issued_ticket import TicketLook, answer_from_print_request, printed_ticket
from kiosk.journal import Entry, EntryKind, EntryState, Step, next_step
from kiosk.journal_store import Journal, JournalError
from kiosk.menu import Menu, build_menu, menu_json
from kiosk.printed_ticket import PrintedTicket
from kiosk.printer import PrintReport
from kiosk.printer_status import PrinterState, PrinterStatus
from kiosk.screen import KioskStatus, Link, Mode, job_view, mode_of
from kiosk.staff_call import StaffCallGuard

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

log = logging.getLogger(__name__)

# Printer states reported to the hall console as device faults, with the words shown there.
PRINTER_FAULTS = {
    PrinterState.PAPER_OUT: "нет бумаги",
    PrinterState.COVER_OPEN: "открыта крышка",
    PrinterState.OFFLINE: "принтер не отвечает",
    PrinterState.PAPER_NEAR_END: "бумага заканчивается",
}
REFUSALS = {
    Mode.STARTING: "the kiosk has not read the office's topics from the server yet",
    Mode.OFFLINE: "the server does not answer",
    Mode.UNAUTHORIZED: "the server does not accept this kiosk's token",
    Mode.PRINTER: "the printer cannot print",
    Mode.CLOSED: "the office does not issue tickets now",
}


def printer_fault_code(state: PrinterState) -> str:
    return f"printer_{state.value}"


class Printer(Protocol):
    def read_status(self) -> PrinterStatus: ...

    def print_ticket(self, ticket: PrintedTicket) -> PrintReport: ...

    def close(self) -> None: ...


class Server(Protocol):
    def office(self) -> dict[str, Any]: ...

    def snapshot(self) -> dict[str, Any]: ...

    def issue(self, service: str, category: str | None, key: str) -> dict[str, Any]: ...

    def check_in(self, code: str, key: str) -> dict[str, Any]: ...

    def staff_call(self, button: str) -> dict[str, Any]: ...

    def report_fault(self, code: str, message: str) -> dict[str, Any]: ...

    def clear_fault(self, code: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class AgentSettings:
    name: str
    public_url: str
    footer: str = ""
    logo: str | None = None
    print_within: float = 600.0
    printer_poll: float = 10.0
    closed_recheck: float = 60.0
    staff_call_recheck: float = 120.0
    refresh: float = 60.0  # re-read the office (topics; checks the link) this often
    retry_min: float = 1.0
    retry_max: float = 30.0

    @classmethod
    def from_config(cls, config: KioskConfig) -> AgentSettings:
        k = config.kiosk
        return cls(name=k.name, public_url=config.public_url, footer=k.footer, logo=k.logo,
                   print_within=k.print_within, printer_poll=k.printer_poll,
                   closed_recheck=k.closed_recheck, staff_call_recheck=k.staff_call_recheck,
                   retry_min=config.server.retry_min, retry_max=config.server.retry_max)


class KioskAgent:
    def __init__(self, settings: AgentSettings, journal: Journal, server: Server,
                 printer: Printer, *, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 new_key: Callable[[], str] | None = None) -> None:
        self.settings = settings
        self.journal = journal
        self.server = server
        self.printer = printer
        self.clock = clock
        self.monotonic = monotonic
        self._new_key = new_key or (lambda: f"{settings.name}-{uuid.uuid4().hex}")
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._wake = False
        self._listeners: list[Callable[[], None]] = []
        # Guarded by _cond:
        self._link = Link.UNKNOWN
        self._menu: Menu | None = None
        self._issuing_closed: str | None = None  # from the office document, when it says
        self._closed_reason: str | None = None  # from the last 409 office_closed
        self._closed_until = 0.0
        self._printer_status = PrinterStatus(PrinterState.UNKNOWN, "not read yet")
        self._printing = False
        self._retry_delay = settings.retry_min
        self._retry_at = 0.0
        self._next_refresh = 0.0
        self._next_poll = 0.0
        self._reported: dict[str, str] | None = None  # printer faults the server has
        self._one_off: list[tuple[str, str]] = []  # faults to report once (unprinted tickets)
        self._staff = StaffCallGuard(settings.staff_call_recheck)
        self._staff_lock = threading.Lock()

    # Life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise KioskError("the agent is already running")
        self._thread = threading.Thread(target=self._run, name="kiosk-agent", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def add_listener(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs after every change of state (in the thread that made it)."""
        self._listeners.append(listener)

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until ``predicate()`` holds (checked after every change), or ``timeout``."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    # What the screen, the LEDs and the tests read ---------------------------------------------

    @property
    def link(self) -> Link:
        with self._cond:
            return self._link

    @property
    def printing(self) -> bool:
        with self._cond:
            return self._printing

    @property
    def printer_status(self) -> PrinterStatus:
        with self._cond:
            return self._printer_status

    @property
    def menu(self) -> Menu | None:
        with self._cond:
            return self._menu

    def mode(self) -> Mode:
        with self._cond:
            return mode_of(self._status())

    def _status(self) -> KioskStatus:
        closed = self._issuing_closed
        if closed is None and self._closed_reason is not None:
            if self.monotonic() < self._closed_until:
                closed = self._closed_reason
        return KioskStatus(self._link, self._printer_status, self._menu is not None, closed)

    def status(self) -> dict[str, Any]:
        """The start screen's state, as the touch page reads it."""
        with self._cond:
            status = self._status()
            menu = self._menu
            printing = self._printing
        return {
            "kiosk": self.settings.name,
            "mode": mode_of(status).value,
            "link": status.link.value,
            "printer": {"state": status.printer.state.value, "detail": status.printer.detail},
            "closed": status.closed_reason,
            "printing": printing,
            "menu": menu_json(menu) if menu is not None else None,
        }

    def entry(self, entry_id: int) -> Entry | None:
        return self.journal.get(entry_id)

    def job(self, entry_id: int) -> dict[str, Any] | None:
        entry = self.journal.get(entry_id)
        if entry is None:
            return None
        return job_view(entry, self.link, self._service_name(entry.service))

    def idle(self) -> bool:
        """No request left to send or print, nothing printing, no fault left to report."""
        with self._cond:
            busy = self._printing or bool(self._one_off) or (
                self._link is Link.UP and self._reported is None)
        return not busy and not self.journal.unfinished()

    # Requests -------------------------------------------------------------------------------

    def request_ticket(self, service: str, category: str | None = None,
                       source: str = "screen") -> Entry:
        """Accept a visitor's request: checked, journaled, handed to the worker. IssueRefused
        (nothing recorded, nothing issued) when the kiosk cannot issue now."""
        self.refresh_printer()
        with self._cond:
            mode = mode_of(self._status())
            menu = self._menu
        if mode is not Mode.READY or menu is None:  # READY comes with a menu
            mode = Mode.STARTING if mode is Mode.READY else mode
            log.info("%s: not issuing %s: %s", source, service, REFUSALS[mode])
            raise IssueRefused(mode.value, REFUSALS[mode])
        if menu.topic(service) is None:
            log.warning("%s: unknown service %r", source, service)
            raise IssueRefused("unknown_service", f"the office has no service {service!r}")
        if category is not None and menu.category(category) is None:
            log.warning("%s: unknown out-of-turn category %r", source, category)
            raise IssueRefused("unknown_category", f"the office has no category {category!r}")
        entry = self.journal.append(self._new_key(), EntryKind.VISITOR, service, category,
                                    source)
        log.info("request %d (%s%s) from %s journaled", entry.id, service,
                 f", out of turn: {category}" if category else "", source)
        self._changed(wake=True)
        return entry

    def check_in(self, code: str, source: str = "screen") -> Entry:
        """Accept a pre-booked visitor's code: checked like a ticket request (printer, link,
        hours), journaled with a fresh key as a ``check_in`` entry, handed to the worker.
        IssueRefused (nothing recorded) when the kiosk cannot issue now, the office takes no
        bookings, or the typed text cannot be a booking code (``invalid_code``)."""
        self.refresh_printer()
        with self._cond:
            mode = mode_of(self._status())
            menu = self._menu
        if mode is not Mode.READY or menu is None:  # READY comes with a menu
            mode = Mode.STARTING if mode is Mode.READY else mode
            log.info("%s: no check-in: %s", source, REFUSALS[mode])
            raise IssueRefused(mode.value, REFUSALS[mode])
        if not menu.check_in:
            raise IssueRefused("unavailable", "the office takes no bookings")
        canonical = booking_code.normalize_code(code)
        if canonical is None:
            log.info("%s: check-in with a malformed code", source)
            raise IssueRefused("invalid_code", "a booking code has 8 letters and digits")
        entry = self.journal.append(self._new_key(), EntryKind.CHECK_IN, "", None, source,
                                    code=canonical)
        log.info("check-in %d from %s journaled", entry.id, source)
        self._changed(wake=True)
        return entry

    def preview(self, service: str, category: str | None = None) -> dict[str, Any]:
        """People ahead and the expected wait before the visitor confirms, from the server's
        snapshot (its per-service queue: waiting count and expected wait). An out-of-turn
        visitor is only behind other out-of-turn visitors of that service; the expected wait
        then is not estimated (None)."""
        try:
            snapshot = self.server.snapshot()
        except ServerUnreachable as exc:
            self._link_lost(exc)
            raise IssueRefused(Mode.OFFLINE.value, REFUSALS[Mode.OFFLINE]) from exc
        except ServerRefused as exc:
            raise IssueRefused("refused", exc.message) from exc
        self._link_ok()
        if category is not None:
            ahead = sum(1 for t in snapshot.get("waiting", [])
                        if t.get("service") == service and t.get("category"))
            expected: float | None = None
        else:
            queue = next((q for q in snapshot.get("queues", []) if q.get("service") == service),
                         {})
            ahead = int(queue.get("waiting", 0))
            expected = float(queue.get("expected_wait", 0.0))
        return {"service": service, "service_name": self._service_name(service),
                "category": category, "ahead": ahead, "expected_wait": expected,
                "source": "snapshot"}

    def staff_call(self, button: str) -> dict[str, Any]:
        """A «Вызов персонала» press. Not sent while this button's alert is known to be open.
        IssueRefused when the server cannot be told."""
        with self._staff_lock:
            now = self.monotonic()
            with self._cond:
                send = self._staff.should_send(button, now)
            if not send:
                log.info("staff call %s: the alert is still open, not sent again", button)
                return {"sent": False, "open": True, "created": False}
            try:
                result = self.server.staff_call(button)
            except ServerUnreachable as exc:
                self._link_lost(exc)
                raise IssueRefused(Mode.OFFLINE.value, REFUSALS[Mode.OFFLINE]) from exc
            except ServerRefused as exc:
                log.warning("staff call %s refused: %s", button, exc.message)
                raise IssueRefused("refused", exc.message) from exc
            self._link_ok()
            with self._cond:
                self._staff.sent(button, result["alert"], now)
            log.info("staff call %s: alert %s (%s)", button, result["alert"].get("id"),
                     "new" if result.get("created") else "already open")
        self._changed()
        return {"sent": True, "open": True, "created": bool(result.get("created"))}

    def staff_call_open(self, button: str) -> bool:
        with self._cond:
            return self._staff.is_open(button, self.monotonic())

    def on_print_request(self, request: dict[str, Any]) -> Entry | None:
        """``print.requested`` from the server: the hall consultant issued a ticket for a
        visitor and asks this kiosk to print it. A repeated delivery prints nothing more."""
        try:
            answer = answer_from_print_request(request)
            public_id = str(request["public_id"])
            ticket = answer["ticket"]
            service = str(ticket["service"])
        except (KeyError, TypeError) as exc:
            log.warning("print request without %s ignored", exc)
            return None
        key = f"console-{public_id}"
        if self.journal.by_key(key) is not None:
            log.info("print request for %s already received", ticket.get("label"))
            return None
        answer.update(self._look_fields())
        try:
            entry = self.journal.append(key, EntryKind.CONSOLE, service, ticket.get("category"),
                                        f"console:{answer['requested_by']}",
                                        state=EntryState.ISSUED, answer=answer)
        except JournalError:
            return None  # the same request, delivered twice at once
        log.info("print request %d for %s from %s journaled", entry.id, ticket.get("label"),
                 answer["requested_by"])
        self._changed(wake=True)
        return entry

    def on_alert_closed(self, alert_id: int | None) -> None:
        """An alert was acknowledged or resolved (heard over Socket.IO; None: which one is
        not said, as devices hear alert events without their data)."""
        with self._cond:
            self._staff.closed(alert_id)
        self._changed()

    def on_connected(self) -> None:
        """The Socket.IO link is (back) up: the server is probably reachable again."""
        self.retry_now()

    def retry_now(self) -> None:
        """Try the server now instead of at the next back-off step."""
        with self._cond:
            self._retry_at = 0.0
            self._next_refresh = 0.0  # the office is re-read: that checks the link
            self._wake = True
            self._cond.notify_all()

    def refresh_printer(self) -> PrinterStatus:
        """Read the printer's status now (also done every ``printer_poll`` seconds)."""
        status = self.printer.read_status()
        self._set_printer_status(status)
        return status

    # The worker -----------------------------------------------------------------------------

    def _run(self) -> None:
        log.info("kiosk %s: agent started", self.settings.name)
        while True:
            with self._cond:
                if self._stopping:
                    break
                self._wake = False
            try:
                delay = self._cycle()
            except Exception:  # the kiosk's only worker must outlive a bug
                log.exception("kiosk agent cycle failed")
                delay = self.settings.retry_max
            with self._cond:
                if self._stopping:
                    break
                if not self._wake:
                    self._cond.wait(timeout=delay)
        log.info("kiosk %s: agent stopped", self.settings.name)

    def _cycle(self) -> float:
        """One pass over everything due; returns the seconds until something is due again."""
        now = self.monotonic()
        with self._cond:
            link, retry_at = self._link, self._retry_at
            refresh_due = self._menu is None or now >= self._next_refresh
        down = link in (Link.DOWN, Link.UNAUTHORIZED)
        if (refresh_due and not down) or (down and now >= retry_at):
            self._load_office()
        for entry in self.journal.unfinished():
            if not self._advance(entry):
                break
        self._sync_faults()
        if self.monotonic() >= self._next_poll:
            self._next_poll = self.monotonic() + self.settings.printer_poll
            self.refresh_printer()
        return self._next_due()

    def _next_due(self) -> float:
        now = self.monotonic()
        with self._cond:
            due = [self._next_poll, self._next_refresh]
            if self._link in (Link.DOWN, Link.UNAUTHORIZED):
                due.append(self._retry_at)
            if self._closed_reason is not None and self._closed_until > now:
                due.append(self._closed_until)
            expired = self._closed_reason is not None and self._closed_until <= now
            if expired:
                self._closed_reason = None
        if expired:
            self._changed()
        return min(max(min(due) - now, 0.01), 60.0)

    def _load_office(self) -> None:
        try:
            office = self.server.office()
        except ServerUnreachable as exc:
            self._link_lost(exc)
            return
        except ServerRefused as exc:
            self._link_lost(exc, unauthorized=exc.status in (401, 403))
            return
        menu = build_menu(office)
        issuing = office.get("issuing")
        with self._cond:
            first = self._menu is None
            before = (self._menu, self._issuing_closed, self._closed_reason)
            self._menu = menu
            self._next_refresh = self.monotonic() + self.settings.refresh
            # The hook for an office document that says whether tickets are issued now.
            if isinstance(issuing, dict):
                self._issuing_closed = (None if issuing.get("open", True)
                                        else str(issuing.get("reason") or "closed"))
                if self._issuing_closed is None:
                    self._closed_reason = None
            changed = before != (self._menu, self._issuing_closed, self._closed_reason)
        if first:
            log.info("office %r: %d topics", menu.office_name, len(office.get("services", [])))
        self._link_ok()
        if changed:
            self._changed()

    def _advance(self, entry: Entry) -> bool:
        """Move ``entry`` on as far as it goes now. False: the server is unreachable, leave
        the rest for the next attempt (requests are sent in the order they were made)."""
        step = next_step(entry, self.clock(), self.settings.print_within)
        if step is Step.SEND:
            with self._cond:
                waiting = (self._link in (Link.DOWN, Link.UNAUTHORIZED)
                           and self.monotonic() < self._retry_at)
            if waiting:
                return False
            sent = self._send(entry)
            if sent is None:
                return False
            entry = sent
            step = next_step(entry, self.clock(), self.settings.print_within)
        if step is Step.PRINT:
            self._print(entry)
        elif step is Step.GIVE_UP:
            self._give_up(entry)
        return True

    def _send(self, entry: Entry) -> Entry | None:
        self.journal.count_attempt(entry.id)
        try:
            if entry.kind is EntryKind.CHECK_IN:
                answer = self.server.check_in(entry.code or "", entry.key)
            else:
                answer = self.server.issue(entry.service, entry.category, entry.key)
        except ServerUnreachable as exc:
            log.warning("request %d: no answer from the server (attempt %d), kept to resend",
                        entry.id, entry.attempts + 1)
            self._link_lost(exc)
            self._changed()
            return None
        except ServerRefused as exc:
            return self._refused(entry, exc)
        self._link_ok()
        service = entry.service or str((answer.get("ticket") or {}).get("service", ""))
        answer = {**answer, "service_name": self._service_name(service),
                  **self._look_fields()}
        if self._checked_in_before(entry, answer):
            return self._refused_again(entry, answer)
        entry = self.journal.move(entry.id, EntryState.ISSUED, answer=answer)
        log.info("request %d: ticket %s issued%s", entry.id, entry.label,
                 " (replayed)" if answer.get("replayed") else "")
        self._changed()
        return entry

    def _checked_in_before(self, entry: Entry, answer: dict[str, Any]) -> bool:
        """A check-in the server replayed whose ticket an earlier entry already has: the
        same code typed again. Its ticket is not printed a second time."""
        if entry.kind is not EntryKind.CHECK_IN or not answer.get("replayed"):
            return False
        ticket_id = (answer.get("ticket") or {}).get("id")
        return ticket_id is not None and self.journal.holds_ticket(ticket_id, entry.id)

    def _refused_again(self, entry: Entry, answer: dict[str, Any]) -> Entry:
        label = (answer.get("ticket") or {}).get("label")
        entry = self.journal.move(
            entry.id, EntryState.REFUSED, answer=answer,
            error={"code": booking_code.ALREADY_CHECKED_IN, "details": {"label": label},
                   "message": f"this code was checked in already: ticket {label}"})
        log.info("check-in %d: code used already (ticket %s), not printed again",
                 entry.id, label)
        self._changed()
        return entry

    def _refused(self, entry: Entry, exc: ServerRefused) -> Entry:
        error = {"code": exc.error_code, "message": exc.message, "details": exc.details,
                 "status": exc.status}
        if entry.kind is EntryKind.CHECK_IN:
            reason = booking_code.refusal_reason(exc.status, exc.error_code, exc.details)
            timezone = self._look_fields().get("timezone", "Europe/Moscow")
            error.update(code=reason, server_code=exc.error_code,
                         details=booking_code.refusal_details(reason, exc.details, timezone))
        with self._cond:  # one step for observers: refused, and (if so) closed
            entry = self.journal.move(entry.id, EntryState.REFUSED, error=error)
            if exc.error_code == "office_closed":
                self._closed_reason = str(exc.details.get("reason") or "closed")
                self._closed_until = self.monotonic() + self.settings.closed_recheck
        log.warning("request %d refused by the server: %s", entry.id, exc.message)
        if exc.status in (401, 403):
            self._link_lost(exc, unauthorized=True)
        else:
            self._link_ok()
        self._changed()
        return entry

    def _print(self, entry: Entry) -> None:
        again = entry.state is EntryState.PRINTING
        entry = self.journal.move(entry.id, EntryState.PRINTING)
        if again:
            log.warning("ticket %s: printing again (the kiosk stopped while printing it)",
                        entry.label)
        answer = entry.answer or {}
        try:
            ticket = printed_ticket(answer, self._service_name(entry.service), self._look(answer))
        except InvalidTicket as exc:
            self._unprinted(entry, {"code": "invalid_ticket", "message": exc.message})
            return
        with self._cond:
            self._printing = True
        self._changed()
        try:
            report = self.printer.print_ticket(ticket)
        except PrinterFault as exc:
            self._set_printer_status(exc.status)
            self._unprinted(entry, {"code": "printer", "state": exc.status.state.value,
                                    "message": exc.message})
        except (KioskError, OSError, ValueError) as exc:
            self._unprinted(entry, {"code": "print_failed", "message": str(exc)})
        else:
            self.journal.move(entry.id, EntryState.PRINTED)
            log.info("ticket %s printed", entry.label)
            self._set_printer_status(report.after)
        finally:
            with self._cond:
                self._printing = False
            self._changed()

    def _give_up(self, entry: Entry) -> None:
        age = self.clock() - entry.created_at
        self._unprinted(entry, {"code": "too_late",
                                "message": f"answered {age:.0f} s after the request"})

    def _unprinted(self, entry: Entry, error: dict[str, Any]) -> None:
        """The server has the ticket but the visitor has no paper: the screen shows the label
        (to write down) and the hall console gets an alert naming it."""
        label = entry.label or "?"
        why = {"printer": "принтер: " + PRINTER_FAULTS.get(
                   PrinterState(error.get("state", "unknown")), "ошибка печати"),
               "too_late": "ответ сервера пришёл слишком поздно, посетитель мог уйти"
               }.get(error["code"], "ошибка печати")
        message = f"Талон {label} выдан, но не напечатан ({why}). Киоск {self.settings.name}."
        ticket = (entry.answer or {}).get("ticket") or {}
        with self._cond:  # one step for idle(): the entry final and its report due
            self.journal.move(entry.id, EntryState.UNPRINTED, error=error)
            self._one_off.append((f"unprinted_{ticket.get('id', entry.id)}", message))
            self._wake = True
        log.error("ticket %s not printed: %s", label, error.get("message", error["code"]))
        self._changed()

    # Faults ---------------------------------------------------------------------------------

    def _set_printer_status(self, status: PrinterStatus) -> None:
        with self._cond:
            old = self._printer_status
            self._printer_status = status
            if status != old:
                self._wake = True
        if status.state is old.state:
            return
        if status.blocks_printing:
            log.warning("printer: %s %s", status.state.value, status.detail)
        else:
            log.info("printer: %s", status.state.value)
        self._changed()

    def _sync_faults(self) -> None:
        """Tell the server about printer faults that appeared or went away, and about
        unprinted tickets. After a start the server's view is unknown: every printer fault
        not present now is cleared once."""
        with self._cond:
            if self._link is not Link.UP:
                return
            state = self._printer_status.state
            wanted = ({printer_fault_code(state): PRINTER_FAULTS[state]}
                      if state in PRINTER_FAULTS else {})
            reported = self._reported
            one_off = list(self._one_off)
        to_clear = [printer_fault_code(s) for s in PRINTER_FAULTS
                    if printer_fault_code(s) not in wanted
                    and (reported is None or printer_fault_code(s) in reported)]
        to_report = {c: m for c, m in wanted.items() if reported is None or c not in reported}
        now_reported = dict(reported or {})
        try:
            for code, text in to_report.items():
                self.server.report_fault(code, f"Киоск {self.settings.name}: {text}")
                now_reported[code] = text
                log.info("fault %s reported", code)
            for code in to_clear:
                self.server.clear_fault(code)
                now_reported.pop(code, None)
            for code, message in one_off:
                self.server.report_fault(code, message)
                with self._cond:
                    self._one_off.remove((code, message))
        except ServerUnreachable as exc:
            self._link_lost(exc)
        except ServerRefused as exc:  # not worth retrying (a token without the right)
            log.warning("fault report refused: %s", exc.message)
            with self._cond:
                self._one_off.clear()
                self._reported = dict(wanted)
        else:
            with self._cond:
                self._reported = now_reported
            if to_report or to_clear or one_off:
                self._changed()

    # Link -----------------------------------------------------------------------------------

    def _link_ok(self) -> None:
        with self._cond:
            old = self._link
            self._link = Link.UP
            self._retry_delay = self.settings.retry_min
            self._retry_at = 0.0
        if old is not Link.UP:
            log.info("server %s", "reachable" if old is Link.UNKNOWN else "reachable again")
            self._changed(wake=True)

    def _link_lost(self, exc: KioskError, unauthorized: bool = False) -> None:
        with self._cond:
            old = self._link
            self._link = Link.UNAUTHORIZED if unauthorized else Link.DOWN
            self._retry_at = self.monotonic() + self._retry_delay
            self._retry_delay = min(self._retry_delay * 2, self.settings.retry_max)
            # The server's view of our faults is unknown after an outage.
            self._reported = None
            new = self._link
        if old is not new:
            log.warning("server unreachable: %s", exc.message)
            self._changed()

    # Helpers --------------------------------------------------------------------------------

    def _service_name(self, code: str) -> str:
        with self._cond:
            menu = self._menu
        topic = menu.topic(code) if menu is not None else None
        return topic.name if topic is not None else code

    def _look_fields(self) -> dict[str, str]:
        """What the printed ticket needs from the office, kept with the answer in the journal
        so that a ticket can still be printed after a restart without the server."""
        with self._cond:
            menu = self._menu
        if menu is None:
            return {}
        return {"office_name": menu.office_name, "timezone": menu.timezone}

    def _look(self, answer: dict[str, Any]) -> TicketLook:
        fields = {**self._look_fields(), **{k: answer[k] for k in ("office_name", "timezone")
                                            if answer.get(k)}}
        return TicketLook(office_name=fields.get("office_name", ""),
                          timezone=fields.get("timezone", "Europe/Moscow"),
                          public_url=self.settings.public_url, footer=self.settings.footer,
                          logo_path=self.settings.logo)

    def _changed(self, wake: bool = False) -> None:
        with self._cond:
            if wake:
                self._wake = True
            self._cond.notify_all()
        for listener in list(self._listeners):
            listener()
