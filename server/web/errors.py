"""Core errors to JSON responses: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from server.domain import errors

log = logging.getLogger(__name__)

STATUS: dict[type[errors.QueueError], int] = {
    errors.InvalidInput: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.InvalidTransition: 409,
    errors.QueueEmpty: 409,
    errors.Conflict: 409,
    errors.OfficeClosed: 409,
}


def status_of(exc: errors.QueueError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def error_body(code: str, message: str, details: dict[str, object] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def register(app: Flask) -> None:
    @app.errorhandler(errors.QueueError)
    def on_queue_error(exc: errors.QueueError) -> ResponseReturnValue:
        return jsonify(error_body(exc.code, exc.message, exc.details)), status_of(exc)

    @app.errorhandler(HTTPException)
    def on_http_error(exc: HTTPException) -> ResponseReturnValue:
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify(error_body(code, exc.description or exc.name)), exc.code or 500

    @app.errorhandler(Exception)
    def on_unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("unhandled error")
        return jsonify(error_body("internal_error", "internal server error")), 500
