"""Socket.IO push: a snapshot on every (re)connect, then every committed event.

Rooms: ``hall`` (devices) and ``staff`` (staff sessions) get every event of the office, but
alert events reach ``hall`` without their data; ``window:N`` gets the events of window N;
``kiosk:NAME`` gets the print requests for kiosk NAME (every connection of that kiosk joins).
A client connecting with ``auth={"token": ..., "window": N}`` (a window screen, a bridge
board) joins only ``window:N``; any other client joins ``hall`` and may add window rooms with
``subscribe {"window": N}``. A client in several rooms still gets each event once.
A client joins its rooms *before* the snapshot is read, so no event can fall between the
two; events whose ``seq`` is not greater than the snapshot's are already in it. Connections
without a valid session or device token are refused.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import current_app, request
from flask_socketio import SocketIO, emit, join_room

from server import contract as c
from server.domain.access import QUEUE_READ
from server.snapshots import QueueReader
from server.web.auth import resolve_actor

log = logging.getLogger(__name__)


class SocketIONotifier:
    """The queue's Notifier: emits committed events to the hall and window rooms."""

    def __init__(self, socketio: SocketIO) -> None:
        self.socketio = socketio

    def publish(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event["kind"] in c.ALERT_EVENTS:
                # Who called for staff, a device's fault: for the staff, not a public board.
                self.socketio.emit(event["kind"], event, to=c.STAFF_ROOM)
                self.socketio.emit(event["kind"], redacted(event), to=c.HALL_ROOM)
                continue
            window = event.get("window")
            number = window["number"] if window else (event.get("ticket") or {}).get("window")
            rooms = [c.HALL_ROOM, c.STAFF_ROOM]
            if number is not None:
                rooms.append(c.window_room(number))
            self.socketio.emit(event["kind"], event, to=rooms)


def redacted(event: dict[str, Any]) -> dict[str, Any]:
    """Only what keeps a device's event count whole: seq, kind and time."""
    return {"seq": event["seq"], "kind": event["kind"], "at": event["at"], "ticket": None,
            "window": None, "data": {}}


class Presence:
    """Which devices have a live Socket.IO connection now (the console's choice of kiosk)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, str] = {}

    def arrive(self, sid: str, name: str) -> None:
        with self._lock:
            self._by_sid[sid] = name

    def leave(self, sid: str) -> None:
        with self._lock:
            self._by_sid.pop(sid, None)

    def connected(self, name: str) -> bool:
        return self.newest(name) is not None

    def newest(self, name: str) -> str | None:
        """The latest connection of device ``name``: a kiosk that reconnected may still have
        a dying old connection, and a ticket must be printed once, not once per connection."""
        with self._lock:
            return next((sid for sid, who in reversed(self._by_sid.items()) if who == name),
                        None)


def register(socketio: SocketIO, presence: Presence) -> None:
    @socketio.on("connect")
    def on_connect(auth: dict[str, Any] | None = None) -> bool:
        auth = auth if isinstance(auth, dict) else {}
        token, window = auth.get("token"), auth.get("window")
        reader = current_app.extensions["talon"].reader
        if token is not None and not isinstance(token, str):
            return False
        if window is not None and not _is_window(reader, window):
            return False
        actor = resolve_actor(token)
        if actor is None or not actor.can(QUEUE_READ):
            log.info("refused Socket.IO connection from %s", request.remote_addr)
            return False
        if window is not None:
            join_room(c.window_room(window))
        else:
            join_room(c.HALL_ROOM if actor.is_device else c.STAFF_ROOM)
        emit(c.SNAPSHOT, reader.snapshot())
        if actor.is_device and actor.role == c.ROLE_KIOSK:
            # After the snapshot: a connection refused on the way is never counted.
            join_room(c.kiosk_room(actor.name))
            presence.arrive(request.sid, actor.name)  # type: ignore[attr-defined]
        return True

    @socketio.on("disconnect")
    def on_disconnect(reason: object = None) -> None:
        presence.leave(request.sid)  # type: ignore[attr-defined]

    @socketio.on(c.SUBSCRIBE)
    def on_subscribe(data: Any) -> dict[str, Any]:
        number = data.get("window") if isinstance(data, dict) else None
        reader = current_app.extensions["talon"].reader
        if not _is_window(reader, number):
            return {"ok": False, "error": "subscribe needs {'window': <configured number>}"}
        join_room(c.window_room(number))
        return {"ok": True, "snapshot": reader.snapshot()}


def _is_window(reader: QueueReader, number: object) -> bool:
    return (
        isinstance(number, int)
        and not isinstance(number, bool)
        and reader.office.window(number) is not None
    )
