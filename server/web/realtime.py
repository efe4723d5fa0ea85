"""Socket.IO push: a snapshot on every (re)connect, then every committed event.

Rooms: ``hall`` gets every event of the office; ``window:N`` gets the events of window N;
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
            window = event.get("window")
            number = window["number"] if window else (event.get("ticket") or {}).get("window")
            rooms = [c.HALL_ROOM] if number is None else [c.HALL_ROOM, c.window_room(number)]
            self.socketio.emit(event["kind"], event, to=rooms)


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
        with self._lock:
            return name in self._by_sid.values()


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
        join_room(c.HALL_ROOM if window is None else c.window_room(window))
        if actor.is_device and actor.role == c.ROLE_KIOSK:
            join_room(c.kiosk_room(actor.name))
            presence.arrive(request.sid, actor.name)  # type: ignore[attr-defined]
        emit(c.SNAPSHOT, reader.snapshot())
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
