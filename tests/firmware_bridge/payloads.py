"""Server payloads (``server.contract`` shapes) for the bridge's unit tests."""

from __future__ import annotations

from typing import Any


def window(number: int, state: str, label: str | None = None,
           reason: str | None = None) -> dict[str, Any]:
    return {"number": number, "name": f"Окно {number}", "state": state, "user": None,
            "pause_reason": reason, "since": 0.0,
            "ticket": {"label": label, "id": 1} if label else None}


def snapshot(seq: int, *windows: dict[str, Any]) -> dict[str, Any]:
    return {"seq": seq, "at": 0.0, "office": "demo", "windows": list(windows), "waiting": [],
            "queues": [], "recent_calls": []}


def event(seq: int, kind: str, win: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"seq": seq, "kind": kind, "at": 0.0, "ticket": None, "window": win, "data": {}}
