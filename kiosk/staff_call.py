"""Whether a «Вызов персонала» press is sent to the server.

Pure. The server keeps one open staff-call alert per kiosk and button and answers a repeat
with the open alert (``created: false``), so a repeat is harmless; the kiosk still does not
send one while it knows the alert is open: until it hears over Socket.IO that an alert was
acknowledged or resolved, or ``recheck`` seconds have passed (an event may have been missed
while disconnected), whichever comes first. A device hears alert events without their data
(the server keeps who called for staff to the staff), so any acknowledgement it hears may
be its own: it forgets every open alert, and the next press asks the server, which answers
with the alert still open (``created: false``) if it was someone else's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class StaffCallGuard:
    def __init__(self, recheck: float) -> None:
        self.recheck = recheck
        self._open: dict[str, tuple[int, float]] = {}  # button -> (alert id, since)

    def should_send(self, button: str, now: float) -> bool:
        known = self._open.get(button)
        return known is None or now - known[1] >= self.recheck

    def is_open(self, button: str, now: float) -> bool:
        return not self.should_send(button, now)

    def sent(self, button: str, alert: Mapping[str, Any], now: float) -> None:
        """The server's alert for this press (new or the one already open)."""
        if alert.get("acked_at") is None and alert.get("resolved_at") is None:
            self._open[button] = (int(alert["id"]), now)
        else:
            self._open.pop(button, None)

    def closed(self, alert_id: int | None) -> None:
        """Alert ``alert_id`` was acknowledged or resolved (None: some alert, unknown which)."""
        for button, (known, _) in list(self._open.items()):
            if alert_id is None or known == alert_id:
                del self._open[button]
