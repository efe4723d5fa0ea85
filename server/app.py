"""The application factory: the one place where the server's adapters are wired together."""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_socketio import SocketIO

from server.accounts import Accounts
from server.alerts import AlertService
from server.bookings import BookingService
from server.config import OfficeFile
from server.queue import QueueService
from server.reminders import reminders_for
from server.snapshots import QueueReader
from server.store.sqlite import SqliteStore
from server.voice import VoiceLibrary
from server.web import errors, pages, realtime
from server.web.api import api
from server.web.auth import RememberingSessionInterface
from server.web.bookings_api import GuessGuard, bookings_api
from server.web.openapi import document
from server.web.reports_api import reports_api
from server.web.staffing_api import staffing_api
from server.web.voice import voice

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024  # every request body of the API is a few hundred bytes


@dataclass(frozen=True)
class Services:
    """What views and socket handlers reach through ``current_app.extensions["talon"]``."""

    settings: OfficeFile
    queue: QueueService
    reader: QueueReader
    accounts: Accounts
    alerts: AlertService
    store: SqliteStore
    socketio: SocketIO
    presence: realtime.Presence
    session_seconds: float
    bookings: BookingService | None = None  # pre-booking: swept with the alerts


def _secret_key(settings: OfficeFile, database: Path) -> str:
    """The configured key, or one generated once and kept next to the database."""
    if settings.server.secret_key:
        return settings.server.secret_key
    path = database.parent / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created readable by the owner only, never briefly by everyone.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


def _offload(async_mode: str) -> Callable[..., object] | None:
    """Under gevent, CPU-heavy calls that release the GIL run on gevent's thread pool."""
    if async_mode != "gevent":
        return None
    import gevent

    return gevent.get_hub().threadpool.apply


def create_app(settings: OfficeFile, *, clock: Callable[[], float] = time.time) -> Flask:
    # Every script, style and font is served by us: offices run on a closed LAN.
    app = Flask(__name__, static_folder="web/static", static_url_path="/static")
    database = Path(settings.server.database)
    app.config.update(
        SECRET_KEY=_secret_key(settings, database),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        # The session carries its own login time; re-signing it on every response is waste.
        SESSION_REFRESH_EACH_REQUEST=False,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.server.session_hours),
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=MAX_BODY,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # costs time on every response
    store = SqliteStore(database)
    store.migrate()
    socketio = SocketIO(app, async_mode=settings.server.async_mode)
    queue = QueueService(settings, store, realtime.SocketIONotifier(socketio), clock)
    queue.prepare()
    bookings = BookingService(
        settings, store, queue, reminders_for(settings.booking.reminder_file), clock)
    presence = realtime.Presence()
    app.extensions["talon"] = Services(
        settings=settings,
        queue=queue,
        reader=QueueReader(settings, store, clock),
        accounts=Accounts(store, clock, offload=_offload(settings.server.async_mode)),
        alerts=AlertService(queue),
        store=store,
        socketio=socketio,
        presence=presence,
        session_seconds=settings.server.session_hours * 3600.0,
        bookings=bookings,
    )
    app.session_interface = RememberingSessionInterface()
    app.register_blueprint(api)
    app.register_blueprint(pages.pages)
    app.register_blueprint(reports_api)
    app.extensions["talon.bookings"] = app.extensions["talon"].bookings
    app.extensions["talon.booking_guard"] = GuessGuard()
    app.register_blueprint(bookings_api)
    app.register_blueprint(staffing_api)
    app.extensions["talon.voice"] = VoiceLibrary()  # the hall board's spoken calls
    app.register_blueprint(voice)
    app.add_url_rule("/api/v1/openapi.json", "openapi", lambda: document())
    errors.register(app)
    realtime.register(socketio, presence)
    return app
