"""Errors raised by the queue core. The web edge maps each ``code`` to an HTTP status."""


class QueueError(Exception):
    """Base of every error the core raises on purpose. ``code`` is stable and machine-readable."""

    code = "queue_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(QueueError, ValueError):
    code = "invalid_input"


class NotFound(QueueError, LookupError):
    code = "not_found"


class UnknownService(NotFound):
    code = "unknown_service"


class UnknownWindow(NotFound):
    code = "unknown_window"


class UnknownAlert(NotFound):
    code = "unknown_alert"


class UnknownTicket(NotFound):
    code = "unknown_ticket"


class InvalidTransition(QueueError):
    """A move that the current state of a ticket or window does not allow."""

    code = "invalid_transition"


class QueueEmpty(QueueError):
    code = "queue_empty"


class OfficeClosed(QueueError):
    code = "office_closed"


class Unauthorized(QueueError):
    code = "unauthorized"


class Forbidden(QueueError):
    code = "forbidden"


class Conflict(QueueError):
    code = "conflict"
