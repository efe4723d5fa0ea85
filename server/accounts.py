"""Staff accounts and device tokens.

Passwords are stored as werkzeug's salted scrypt hashes. Device tokens are 32 random bytes
shown once at creation; only their SHA-256 is stored (a high-entropy secret needs no slow
hash), so a stolen database does not reveal working tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from werkzeug.security import check_password_hash, generate_password_hash

from server.contract import DEVICE_ROLES, STAFF_ROLES
from server.domain.access import Actor
from server.domain.errors import InvalidInput

MIN_PASSWORD = 8


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
    def __init__(self, store: AccountsStore, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock

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

    def authenticate(self, username: str, password: str) -> Actor | None:
        with self.store.read() as tx:
            user = tx.user(username)
        if user is None or not user["active"]:
            # Hash anyway so that timing does not tell which usernames exist.
            check_password_hash(generate_password_hash("x"), password)
            return None
        if not check_password_hash(str(user["password_hash"]), password):
            return None
        return Actor(name=username, role=str(user["role"]))

    def staff(self, username: str) -> Actor | None:
        """The actor behind a session, if the account still exists and is active."""
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
        return secret

    def device(self, token: str) -> Actor | None:
        with self.store.read() as tx:
            record = tx.token(hash_token(token))
        if record is None:
            return None
        windows = record["windows"]
        return Actor(
            name=str(record["name"]),
            role=str(record["role"]),
            is_device=True,
            windows=frozenset(windows) if isinstance(windows, list) else None,
        )
