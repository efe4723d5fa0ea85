"""Server fixtures: an app on a temporary database, HTTP clients per role, a queue service."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

import server.accounts as accounts_module
from server import config
from server.app import create_app
from server.domain.access import Actor
from server.queue import QueueService
from server.store.sqlite import SqliteStore
from tests.conftest import FakeClock

PASSWORD = "correct-horse"
KIOSK_TOKEN = "kiosk-token-for-tests"
BOARD_TOKEN = "board-token-for-tests"
BRIDGE_TOKEN = "bridge-token-for-tests"

KIOSK = Actor("kiosk-1", "kiosk", is_device=True)
HALL = Actor("hall", "hall")
ADMIN = Actor("admin", "admin")


def consultant(name: str = "ivanova") -> Actor:
    return Actor(name, "consultant")


class RecordingNotifier:
    def __init__(self) -> None:
        self.events: list[dict[str, object]] = []

    def publish(self, events: list[dict[str, object]]) -> None:
        self.events.extend(events)

    def kinds(self) -> list[str]:
        return [str(e["kind"]) for e in self.events]


def settings_for(tmp_path: Path, **env: str) -> config.OfficeFile:
    """The demo office on a temporary database, served in threads (see ``live_url``)."""
    return config.load(
        None,
        {
            "TALON_SERVER__DATABASE": str(tmp_path / "talon.db"),
            "TALON_SERVER__ASYNC_MODE": '"threading"',
            **env,
        },
    )


@pytest.fixture
def settings(tmp_path: Path) -> config.OfficeFile:
    return settings_for(tmp_path)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "queue.db")
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def queue(
    demo_office: config.OfficeFile,
    store: SqliteStore,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> QueueService:
    service = QueueService(demo_office, store, notifier, clock)
    service.prepare()
    return service


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt is slow by design; tests hash with cheap PBKDF2 to stay fast."""
    monkeypatch.setattr(
        accounts_module,
        "generate_password_hash",
        functools.partial(generate_password_hash, method="pbkdf2:sha256:1000"),
    )


@pytest.fixture
def app(settings: config.OfficeFile, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock)
    app.config["TESTING"] = True
    accounts = app.extensions["talon"].accounts
    for username, role in [
        ("ivanova", "consultant"),
        ("petrov", "consultant"),
        ("hall", "hall"),
        ("head", "head"),
        ("admin", "admin"),
    ]:
        accounts.add_user(username, PASSWORD, role)
    accounts.add_token("kiosk-1", "kiosk", token=KIOSK_TOKEN)
    accounts.add_token("board-1", "board", token=BOARD_TOKEN)
    accounts.add_token("bridge-1", "bridge", windows=[2, 3], token=BRIDGE_TOKEN)
    yield app
    app.extensions["talon"].store.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"username": username,
                                                        "password": PASSWORD})
    assert response.status_code == 200, response.json
    return client


def device(app: Flask, token: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The app served by a real threaded Werkzeug server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts (separate cookie jars, so separate logins), closed after the test."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()
