"""The spoken call as audio: ``GET /voice/call.wav?label=А-017&window=3``.

Public, without credentials: a hall board's ``<audio>`` element cannot send a token, and the
audio says only a ticket label and a window number, which the board shows anyway. Any
well-formed label is accepted (the prefix need not be a configured service's: a board may
announce a ticket of a service removed since), but the window must be one of the office's.
The answer never changes for the same query, so browsers and proxies may keep it a day.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from server.domain.announcement import InvalidAnnouncement, announce_call
from server.domain.errors import UnknownWindow

voice = Blueprint("voice", __name__)

MAX_AGE = 86400


@voice.get("/voice/call.wav")
def call_wav() -> Response:
    label = request.args.get("label")
    if not label:
        raise InvalidAnnouncement("query parameter 'label' is required, e.g. label=А-017")
    window = _window_number(request.args.get("window"))
    fragments = announce_call(label, window)
    if current_app.extensions["talon"].reader.office.window(window) is None:
        raise UnknownWindow(f"no window {window}", window=window)
    audio = current_app.extensions["talon.voice"].render(fragments)
    response = Response(audio, mimetype="audio/wav")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def _window_number(text: str | None) -> int:
    """ASCII digits only: ``int()`` would also take " 3", "+3", "0_3" and Arabic-Indic digits."""
    if not text:
        raise InvalidAnnouncement("query parameter 'window' is required, e.g. window=3")
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        raise InvalidAnnouncement(
            f"window must be a number 1-999, not {text[:20]!r}", window=text[:20]
        )
    return int(text)
