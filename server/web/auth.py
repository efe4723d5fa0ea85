"""Who is asking: a staff session cookie or a device's bearer token.

Staff log in once (POST /api/v1/auth/login) and carry a signed session cookie; the account is
looked up on every request, so a deactivated account stops working at once. Devices send
``Authorization: Bearer <token>`` (HTTP) or ``auth={"token": ...}`` (Socket.IO).
"""

from __future__ import annotations

import time

from flask import Flask, Request, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from server.domain.access import Actor
from server.domain.errors import Unauthorized

VERIFIED_COOKIES = 1024


class RememberingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, remembering cookies already verified.

    A desk sends the same cookie with every request, and checking its signature each time
    was a tenth of a request's cost. Expiry does not depend on this: ``resolve_actor`` checks
    the login time stored in the session itself.
    """

    def __init__(self) -> None:
        self._verified: dict[str, dict[str, object]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if value and (data := self._verified.get(value)) is not None:
            return self.session_class(data)
        opened = super().open_session(app, request)
        if value and opened:
            if len(self._verified) >= VERIFIED_COOKIES:
                self._verified.clear()  # bounded; cookies are re-verified after this
            self._verified[value] = dict(opened)
        return opened


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def resolve_actor(token: str | None) -> Actor | None:
    """The actor behind a device token or, failing that, the current session."""
    services = current_app.extensions["talon"]
    if token:
        return services.accounts.device(token)
    username = session.get("user")
    issued = session.get("at", 0.0)
    if not username or time.time() - issued > services.session_seconds:
        return None
    return services.accounts.staff(username)


def current_actor() -> Actor:
    if "actor" not in g:
        header = request.headers.get("Authorization")
        token = bearer_token(header)
        if header and token is None:
            raise Unauthorized("malformed Authorization header: expected 'Bearer <token>'")
        g.actor = resolve_actor(token)
    if g.actor is None:
        raise Unauthorized("log in or send a device token")
    return g.actor


def login_user(actor: Actor) -> None:
    session.clear()
    session["user"] = actor.name
    session["at"] = time.time()
    session.permanent = True


def logout_user() -> None:
    session.clear()
