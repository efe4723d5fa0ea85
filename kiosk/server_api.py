"""The queue server's HTTP API as the kiosk uses it (requests, a device token).

Every failure becomes one of two errors: ``ServerUnreachable`` when the outcome is unknown
(no connection, a timeout, a 5xx, an answer that is not the API's JSON), and
``ServerRefused`` when the server answered 4xx and so did nothing. Issuing always carries
an idempotency key, so an unknown outcome is settled by sending the same request again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests

from kiosk.errors import ServerRefused, ServerUnreachable
from server.contract import API_PREFIX

log = logging.getLogger(__name__)


class ServerApi:
    """One kiosk's client of one server. Safe to use from several threads (each gets its
    own connection pool); ``base_url`` may be changed while running."""

    def __init__(self, base_url: str, token: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._token = token
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._closed = False

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self._token}"
            with self._lock:
                if self._closed:
                    session.close()
                    raise ServerUnreachable("the kiosk is shutting down")
                self._sessions.append(session)
            self._local.session = session
        return session

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}{API_PREFIX}{path}"
        try:
            response = self._session().request(method, url, json=body, headers=headers,
                                               timeout=self.timeout)
        except requests.RequestException as exc:
            raise ServerUnreachable(f"{method} {url}: {exc}") from exc
        with response:
            try:
                data = response.json()
            except ValueError:
                data = None
        if response.status_code >= 500 or not isinstance(data, dict):
            raise ServerUnreachable(f"{method} {url}: HTTP {response.status_code}")
        if response.status_code >= 400:
            error = data.get("error") if isinstance(data.get("error"), dict) else {}
            raise ServerRefused(response.status_code, str(error.get("code", "error")),
                                str(error.get("message", "")), error.get("details") or {})
        return data

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def office(self) -> dict[str, Any]:
        return self._call("GET", "/office")

    def snapshot(self) -> dict[str, Any]:
        return self._call("GET", "/snapshot")

    def issue(self, service: str, category: str | None, key: str) -> dict[str, Any]:
        """``{ticket, ahead, expected_wait, replayed}``; the same key gives the same ticket."""
        body: dict[str, Any] = {"service": service, "idempotency_key": key}
        if category is not None:
            body["category"] = category
        return self._call("POST", "/tickets", body)

    def check_in(self, code: str, key: str) -> dict[str, Any]:
        """A pre-booked visitor's check-in: ``{booking, late, ticket, ahead, expected_wait,
        replayed}``. The server checks a booking in once and answers every repeat with the
        same ticket; ``key`` goes along as the ``Idempotency-Key`` header."""
        return self._call("POST", "/bookings/check-in", {"code": code},
                          headers={"Idempotency-Key": key})

    def staff_call(self, button: str) -> dict[str, Any]:
        """``{alert, created}``: created is False when this button's alert is still open."""
        return self._call("POST", "/alerts/staff-call", {"button": button})

    def report_fault(self, code: str, message: str) -> dict[str, Any]:
        return self._call("POST", "/alerts/faults", {"code": code, "message": message[:500]})

    def clear_fault(self, code: str) -> dict[str, Any]:
        return self._call("POST", "/alerts/faults/clear", {"code": code})

    def close(self) -> None:
        with self._lock:
            self._closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
