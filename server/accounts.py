"""Staff accounts and device tokens.

Passwords are stored as werkzeug's salted scrypt hashes. Device tokens are 32 random bytes
shown once at creation; only their SHA-256 is stored (a high-entropy secret needs no slow
hash), so a stolen database does not reveal working tokens.

Every request names its account or token, so lookups are remembered for a few seconds
(``LOOKUP_TTL``): a change made here takes effect at once, one made by the CLI in another
process within that time.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from werkzeug.security import check_password_hash, generate_password_hash

from server.contract import DEVICE_ROLES, STAFF_ROLES
from server.domain.access import Actor
from server.domain.errors import InvalidInput

MIN_PASSWORD = 8
LOOKUP_TTL = 5.0
LOOKUP_CACHE_SIZE = 1024


class AccountsUnit(Protocol):
    def user(self, username: str) -> dict[str, object] | None: ...
    def upsert_user(self, record: dict[str, object]) -> None: ...
    def token(self, token_hash: str) -> dict[str, object] | None: ...
    def upsert_token(self, record: dict[str, object]) -> None: ...


class AccountsStore(Protocol):
    def write(self) -> AbstractContextManager[AccountsUnit]: ...
    def read(self) -> AbstractContextManager[AccountsUnit]: ...


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(
        self,
        store: AccountsStore,
        clock: Callable[[], float],
        offload: Callable[..., Any] | None = None,
    ) -> None:
        """``offload(fn, args)`` runs a password check (scrypt: tens of milliseconds of CPU)
        and returns its result; under gevent it moves the check off the event loop, so a
        login does not stall every other request."""
        self.store = store
        self.clock = clock
        self._offload = offload
        self._lookups: dict[tuple[str, str], tuple[float, Actor | None]] = {}
        self._lookups_lock = threading.Lock()
        self._decoy: str | None = None

    def _remembered(self, key: tuple[str, str], find: Callable[[], Actor | None]) -> Actor | None:
        now = time.monotonic()
        with self._lookups_lock:
            hit = self._lookups.get(key)
        if hit is not None and now - hit[0] < LOOKUP_TTL:
            return hit[1]
        actor = find()
        with self._lookups_lock:
            if len(self._lookups) >= LOOKUP_CACHE_SIZE:
                self._lookups.clear()  # bounded: unknown tokens must not grow it for ever
            self._lookups[key] = (now, actor)
        return actor

    def _forget(self) -> None:
        with self._lookups_lock:
            self._lookups.clear()

    def add_user(self, username: str, password: str, role: str, name: str = "") -> None:
        """Create or update a staff account."""
        if role not in STAFF_ROLES:
            raise InvalidInput(f"role must be one of {', '.join(STAFF_ROLES)}", role=role)
        if not username or not username.replace("_", "").replace(".", "").isalnum():
            raise InvalidInput("username must be letters, digits, '.' or '_'")
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"password must have at least {MIN_PASSWORD} characters")
        with self.store.write() as tx:
            tx.upsert_user(
                {
                    "username": username,
                    "name": name or username,
                    "role": role,
                    "password_hash": generate_password_hash(password),
                    "active": 1,
                    "created_at": self.clock(),
                }
            )
        self._forget()

    def authenticate(self, username: str, password: str) -> Actor | None:
        with self.store.read() as tx:
            user = tx.user(username)
        if user is None or not user["active"]:
            # Check against a real hash anyway, so that timing does not tell which usernames
            # exist (one hash computation either way).
            self._check(self._decoy_hash(), password)
            return None
        if not self._check(str(user["password_hash"]), password):
            return None
        return Actor(name=username, role=str(user["role"]))

    def _check(self, password_hash: str, password: str) -> bool:
        if self._offload is None:
            return check_password_hash(password_hash, password)
        return bool(self._offload(check_password_hash, (password_hash, password)))

    def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = generate_password_hash(secrets.token_hex(16))
        return self._decoy

    def staff(self, username: str) -> Actor | None:
        """The actor behind a session, if the account still exists and is active."""
        return self._remembered(("user", username), lambda: self._find_staff(username))

    def _find_staff(self, username: str) -> Actor | None:
        with self.store.read() as tx:
            user = tx.user(username)
        if user is None or not user["active"]:
            return None
        return Actor(name=username, role=str(user["role"]))

    def add_token(
        self, name: str, role: str, windows: list[int] | None = None, token: str | None = None
    ) -> str:
        """Create (or replace) the token of device ``name``; return the secret, shown once."""
        if role not in DEVICE_ROLES:
            raise InvalidInput(f"device role must be one of {', '.join(DEVICE_ROLES)}")
        if not name:
            raise InvalidInput("a device needs a name")
        secret = token or secrets.token_urlsafe(32)
        with self.store.write() as tx:
            tx.upsert_token(
                {
                    "name": name,
                    "role": role,
                    "token_hash": hash_token(secret),
                    "windows": sorted(windows) if windows else None,
                    "created_at": self.clock(),
                }
            )
        self._forget()
        return secret

    def device_names(self, role: str) -> list[str]:
        """Names of the devices of ``role`` that hold a valid token."""
        with self.store.read() as tx:
            return tx.device_names(role)

    def device(self, token: str) -> Actor | None:
        digest = hash_token(token)
        return self._remembered(("token", digest), lambda: self._find_device(digest))

    def _find_device(self, digest: str) -> Actor | None:
        with self.store.read() as tx:
            record = tx.token(digest)
        if record is None:
            return None
        windows = record["windows"]
        return Actor(
            name=str(record["name"]),
            role=str(record["role"]),
            is_device=True,
            windows=frozenset(windows) if isinstance(windows, list) else None,
        )
