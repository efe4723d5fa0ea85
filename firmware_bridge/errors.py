"""Errors raised by the bridge package on purpose. ``code`` is stable and machine-readable."""

from __future__ import annotations


class BridgeError(Exception):
    """Base of every error the bridge package raises on purpose."""

    code = "bridge_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class FrameError(BridgeError, ValueError):
    """A frame cannot be built: a field is out of range or the route is not host↔board.

    The stream decoder never raises this: it skips whatever is not a valid frame.
    """

    code = "frame_error"


class MessageError(BridgeError, ValueError):
    """A frame does not carry a valid message: bad payload, wrong direction or sequencing."""

    code = "message_error"


class UnknownMessage(MessageError):
    """The message id is not in the message table."""

    code = "unknown_message"


class LinkError(BridgeError):
    """The link was asked for something the protocol does not allow (wrong direction, a
    message the board's kind does not handle, an address that is not on the bus)."""

    code = "link_error"


class QueueFull(LinkError):
    """A board's outgoing event queue is full; the event was not queued."""

    code = "queue_full"


class BridgeConfigError(BridgeError):
    """bridge.toml cannot be used; the message names the file, section and key."""

    code = "config_error"


class ServerUnavailable(BridgeError):
    """The queue server could not be reached, timed out or answered 5xx: worth retrying."""

    code = "server_unavailable"
