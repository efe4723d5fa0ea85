"""The kiosk's Socket.IO connection to the server (python-socketio client).

Connected with the kiosk's device token, the server puts the connection in the room
``kiosk:<device name>`` and sends it ``print.requested`` (a ticket the hall consultant
issued for a visitor, to print here). The kiosk also hears ``alert.acked`` and
``alert.resolved`` (without their data: perhaps its staff-call alert was answered) and
takes the connection coming and going as a hint to try the server at once; whether the
server is reachable is decided by HTTP.

A thread of its own connects, waits for the connection to end and connects again, with
back-off; ``url`` is asked anew on every attempt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

import socketio
import socketio.exceptions

from server import contract as c

log = logging.getLogger(__name__)


class RealtimeHandler(Protocol):
    """What the connection reports to (``kiosk.agent.KioskAgent``)."""

    def on_print_request(self, request: dict[str, Any]) -> object: ...

    def on_alert_closed(self, alert_id: int | None) -> None: ...

    def on_connected(self) -> None: ...

    def retry_now(self) -> None: ...


class RealtimeLink:
    def __init__(self, url: Callable[[], str], token: str, handler: RealtimeHandler, *,
                 retry_min: float = 1.0, retry_max: float = 30.0,
                 connect_timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.handler = handler
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.connect_timeout = connect_timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()
        self._ended = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kiosk-realtime", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._ended.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _new_client(self) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.on("connect", self._on_connect)
        client.on("disconnect", self._on_disconnect)
        client.on(c.PRINT_REQUESTED, self._on_print)
        client.on(c.ALERT_ACKED, self._on_alert_closed)
        client.on(c.ALERT_RESOLVED, self._on_alert_closed)
        return client

    def _run(self) -> None:
        delay = self.retry_min
        while not self._stop.is_set():
            client = self._new_client()
            try:
                client.connect(self.url(), auth={"token": self.token}, transports=["polling"],
                               wait_timeout=self.connect_timeout)
            except (socketio.exceptions.ConnectionError, ValueError) as exc:
                log.debug("Socket.IO connection failed: %s", exc)
            else:
                delay = self.retry_min
                # Until the server goes away or stop() disconnects (both end in
                # _on_disconnect). Not client.wait(): it lingers a second after the end.
                while client.connected and not self._stop.is_set():
                    self._ended.wait(self.connect_timeout)
                if client.connected:
                    client.disconnect()
            self._ended.clear()
            self.connected.clear()
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, self.retry_max)

    def _on_connect(self) -> None:
        log.info("Socket.IO connected")
        self.connected.set()
        self.handler.on_connected()

    def _on_disconnect(self, reason: object = None) -> None:
        log.info("Socket.IO disconnected (%s)", reason)
        self.connected.clear()
        self._ended.set()
        self.handler.retry_now()

    def _on_print(self, data: Any) -> None:
        if isinstance(data, dict):
            self.handler.on_print_request(data)

    def _on_alert_closed(self, data: Any) -> None:
        # Devices get alert events without their data: the id is usually not there.
        alert_id = (data.get("data") or {}).get("id") if isinstance(data, dict) else None
        self.handler.on_alert_closed(alert_id if isinstance(alert_id, int) else None)
