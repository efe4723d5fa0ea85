"""Errors the kiosk raises on purpose. Each has a stable, machine-readable ``code``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.printer_status import PrinterStatus


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose."""

    code = "kiosk_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KioskConfigError(KioskError):
    """The kiosk configuration cannot be used; the message says where and why."""

    code = "config_error"


class InvalidTicket(KioskError, ValueError):
    """A ticket to print has impossible contents (a naive time, a negative wait...)."""

    code = "invalid_ticket"


class PrinterSetupError(KioskError):
    """The configured printer cannot be driven on this machine (e.g. pyusb is missing)."""

    code = "printer_setup"


class PrinterFault(KioskError):
    """The ticket was not printed. ``status`` says why (paper out, cover open, offline).

    Raised before anything is sent when the printer reports a blocking state, and when
    sending fails (the underlying error is chained as ``__cause__``).
    """

    code = "printer_fault"

    def __init__(self, status: PrinterStatus, message: str | None = None) -> None:
        detail = f": {status.detail}" if status.detail else ""
        super().__init__(message or f"printer {status.state.value}{detail}")
        self.status = status


class ServerUnreachable(KioskError):
    """The server did not answer (no connection, a timeout, a server error): the request may
    or may not have arrived, so it is repeated with the same idempotency key."""

    code = "server_unreachable"


class ServerRefused(KioskError):
    """The server answered with a refusal (4xx): nothing was done. ``error_code`` is the
    server's own code (``office_closed``, ``unknown_service``...), ``details`` its details."""

    code = "server_refused"

    def __init__(self, status: int, error_code: str, message: str,
                 details: dict[str, object] | None = None) -> None:
        super().__init__(f"server refused ({status} {error_code}): {message}")
        self.status = status
        self.error_code = error_code
        self.details = details or {}


class IssueRefused(KioskError):
    """The kiosk does not issue a ticket now; ``reason`` says why in one word the screen
    knows (``offline``, ``printer``, ``closed``, ``starting``, ``unknown_service``...)."""

    code = "issue_refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
