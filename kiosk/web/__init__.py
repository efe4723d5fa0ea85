"""The touch page and its small local JSON API, served by the kiosk agent itself (Flask).

The page (``templates/kiosk.html``, ``static/kiosk.js``) talks only to these routes, never
to the queue server; every asset is served from ``static/`` (no CDN: the kiosk may sit on a
closed LAN). Routes:

* ``GET /``: the page. ``GET /api/status``: mode, link, printer, menu.
* ``GET /api/preview?service=&category=``: people ahead and expected wait, before printing.
* ``POST /api/tickets`` ``{service, category?}``: 202 with the job, or 409 with the reason
  nothing is issued (``offline``, ``printer``, ``closed``...). ``GET /api/jobs/<id>``.
* ``POST /api/check-in`` ``{code}``: a pre-booked visitor's code; 202 with the job (followed
  like a ticket's), or 409 (``invalid_code``, ``unavailable``, ``offline``...).
* ``POST /api/staff-call``: «Вызов персонала» from the screen.
* ``GET /printed`` (``[kiosk] preview = true`` only): every ticket printed, as text and a
  picture; with mock pins, buttons that press the configured GPIO buttons.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask import Flask, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from kiosk.errors import IssueRefused
from kiosk.journal import Entry
from kiosk.preview import RecordingPrinter

SCREEN_BUTTON = "screen"  # the staff-call button on the touch page


class WebAgent(Protocol):
    """What the page needs of ``kiosk.agent.KioskAgent``."""

    def status(self) -> dict[str, Any]: ...

    def preview(self, service: str, category: str | None = None) -> dict[str, Any]: ...

    def request_ticket(self, service: str, category: str | None = None,
                       source: str = "screen") -> Entry: ...

    def check_in(self, code: str, source: str = "screen") -> Entry: ...

    def job(self, entry_id: int) -> dict[str, Any] | None: ...

    def staff_call(self, button: str) -> dict[str, Any]: ...

    def staff_call_open(self, button: str) -> bool: ...


class MockButtons(Protocol):
    """The GPIO buttons, pressable from /printed when the pins are mocks."""

    def press(self, index: int) -> bool: ...


def _refusal(exc: IssueRefused) -> ResponseReturnValue:
    return jsonify({"error": {"code": exc.reason, "message": exc.message}}), 409


def create_web_app(agent: WebAgent, *, language: str = "ru", inactivity: float = 30.0,
                   recorder: RecordingPrinter | None = None,
                   mock_buttons: MockButtons | None = None,
                   button_names: list[str] | None = None) -> Flask:
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    @app.after_request
    def _no_cache(response: Any) -> Any:
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def page() -> ResponseReturnValue:
        return render_template("kiosk.html", language=language, inactivity=inactivity)

    @app.get("/api/status")
    def status() -> ResponseReturnValue:
        return {**agent.status(), "staff_call_open": agent.staff_call_open(SCREEN_BUTTON)}

    @app.get("/api/preview")
    def preview() -> ResponseReturnValue:
        service = request.args.get("service", "")
        if not service:
            return jsonify({"error": {"code": "bad_request", "message": "service?"}}), 400
        try:
            return agent.preview(service, request.args.get("category") or None)
        except IssueRefused as exc:
            return _refusal(exc)

    @app.post("/api/tickets")
    def issue() -> ResponseReturnValue:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("service"), str):
            return jsonify({"error": {"code": "bad_request",
                                      "message": "expected {service, category?}"}}), 400
        category = body.get("category")
        if category is not None and not isinstance(category, str):
            return jsonify({"error": {"code": "bad_request",
                                      "message": "category must be a string"}}), 400
        try:
            entry = agent.request_ticket(body["service"], category or None, "screen")
        except IssueRefused as exc:
            return _refusal(exc)
        return {"job": agent.job(entry.id)}, 202

    @app.post("/api/check-in")
    def check_in() -> ResponseReturnValue:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            return jsonify({"error": {"code": "bad_request", "message": "expected {code}"}}), 400
        try:
            entry = agent.check_in(body["code"], "screen")
        except IssueRefused as exc:
            return _refusal(exc)
        return {"job": agent.job(entry.id)}, 202

    @app.get("/api/jobs/<int:entry_id>")
    def job(entry_id: int) -> ResponseReturnValue:
        view = agent.job(entry_id)
        if view is None:
            abort(404)
        return {"job": view}

    @app.post("/api/staff-call")
    def staff_call() -> ResponseReturnValue:
        try:
            return agent.staff_call(SCREEN_BUTTON)
        except IssueRefused as exc:
            return _refusal(exc)

    if recorder is not None:
        _add_preview(app, recorder, mock_buttons, button_names or [])
    return app


def _add_preview(app: Flask, recorder: RecordingPrinter, mock_buttons: MockButtons | None,
                 button_names: list[str]) -> None:
    @app.get("/printed")
    def printed() -> ResponseReturnValue:
        copies = [(copy, recorder.text(copy)) for copy in recorder.copies()]
        return render_template("printed.html", copies=copies,
                               buttons=button_names if mock_buttons is not None else [])

    @app.get("/printed/<int:number>.png")
    def printed_png(number: int) -> ResponseReturnValue:
        copy = recorder.copy(number)
        if copy is None:
            abort(404)
        return recorder.png(copy), 200, {"Content-Type": "image/png"}

    @app.get("/printed/<int:number>.txt")
    def printed_text(number: int) -> ResponseReturnValue:
        copy = recorder.copy(number)
        if copy is None:
            abort(404)
        return recorder.text(copy), 200, {"Content-Type": "text/plain; charset=utf-8"}

    if mock_buttons is not None:
        @app.post("/printed/buttons/<int:index>")
        def press(index: int) -> ResponseReturnValue:
            if mock_buttons is None or not 0 <= index < len(button_names):
                abort(404)
            return {"accepted": mock_buttons.press(index)}
