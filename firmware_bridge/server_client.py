"""The queue server over the wire, as the bridge's device token: HTTP requests (``requests``)
and the realtime feed (a python-socketio client).

``HttpServer.post``/``snapshot`` raise ServerUnavailable when the server cannot be reached,
times out or answers 5xx; any other answer is returned. ``RealtimeFeed`` connects, retrying
with back-off until it gets through, passes the snapshot (sent on every connect) and every event
on, reports a dropped connection, and reconnects by itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import requests
import socketio

from firmware_bridge.errors import ServerUnavailable
from server import contract as c

log = logging.getLogger(__name__)


class HttpServer:
    def __init__(self, url: str, token: str, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    def post(self, path: str, body: Mapping[str, object]) -> tuple[int, object]:
        return self._request("POST", path, dict(body))

    def snapshot(self) -> object:
        """The office snapshot (``GET /api/v1/snapshot``)."""
        status, body = self._request("GET", f"{c.API_PREFIX}/snapshot", None)
        if status != 200:
            raise ServerUnavailable(f"snapshot: the server answered {status}", status=status)
        return body

    def _request(self, method: str, path: str, body: dict[str, object] | None,
                 ) -> tuple[int, object]:
        try:
            response = self._session.request(method, self.url + path, json=body,
                                             timeout=self.timeout)
        except requests.RequestException as error:
            raise ServerUnavailable(f"{method} {path}: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise ServerUnavailable(f"{method} {path}: the server answered "
                                    f"{response.status_code}", status=response.status_code)
        try:
            answer: object = response.json()
        except ValueError:
            answer = response.text
        return response.status_code, answer

    def close(self) -> None:
        self._session.close()


class RealtimeFeed:
    """The bridge's Socket.IO connection. Handlers run on the client's threads, possibly
    several at once and out of order (the receiver sorts that out by ``seq``)."""

    def __init__(self, url: str, token: str, *, on_snapshot: Callable[[Any], None],
                 on_event: Callable[[Any], None], on_disconnect: Callable[[], None],
                 retry_base: float = 0.5, retry_max: float = 10.0, timeout: float = 5.0) -> None:
        self.url, self._token = url, token
        self._retry_base, self._retry_max, self._timeout = retry_base, retry_max, timeout
        self._on_snapshot, self._on_event = on_snapshot, on_event
        self._on_disconnect = on_disconnect
        self.connected = threading.Event()
        self._client = socketio.Client(
            reconnection=True, reconnection_attempts=0, reconnection_delay=retry_base,
            reconnection_delay_max=max(retry_base, retry_max), handle_sigint=False)
        self._client.on("connect", self._connected)
        self._client.on("disconnect", self._disconnected)
        self._client.on("*", self._received)

    def run(self, stop: threading.Event) -> None:
        """Connect (retrying) and stay connected until ``stop`` is set."""
        backoff = 0.0
        while not stop.is_set():
            try:
                self._client.connect(self.url, auth={"token": self._token},
                                     transports=["polling"], wait_timeout=self._timeout)
                break
            except socketio.exceptions.ConnectionError as error:
                backoff = min(max(backoff * 2, self._retry_base), self._retry_max)
                log.warning("realtime feed: cannot connect to %s (%s); retrying in %.1f s",
                            self.url, error, backoff)
                stop.wait(backoff)
        stop.wait()
        self._client.shutdown()

    def _connected(self) -> None:
        log.info("realtime feed: connected to %s", self.url)
        self.connected.set()

    def _disconnected(self, reason: object = None) -> None:
        log.warning("realtime feed: disconnected (%s)", reason)
        self.connected.clear()
        self._on_disconnect()

    def _received(self, event: str, data: Any = None) -> None:
        if event == c.SNAPSHOT:
            self._on_snapshot(data)
        elif event in c.EVENTS:
            self._on_event(data)
