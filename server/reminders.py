"""Reminders of booked visits: the notifier interface and the notifiers shipped with Talon.

No SMS gateway here: ``FileReminders`` appends one JSON line per reminder to a file (an outbox
a gateway may read), ``LogReminders`` writes them to the log with the phone masked.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    code: str
    name: str
    phone: str
    service: str
    service_name: str
    local_time: str  # "2026-11-24 10:15", the office's local time
    slot_at: float


class ReminderNotifier(Protocol):
    def remind(self, reminder: Reminder) -> None:
        """Deliver one reminder; raise if it could not be delivered (it is retried later)."""


def mask_phone(phone: str) -> str:
    return phone[:2] + "*" * max(0, len(phone) - 4) + phone[-2:]


class LogReminders:
    """Reminders written to the log, personal data masked."""

    def remind(self, reminder: Reminder) -> None:
        log.info("reminder %s to %s: %s at %s", reminder.code, mask_phone(reminder.phone),
                 reminder.service_name, reminder.local_time)


class FileReminders:
    """Reminders appended to a JSON-lines file, each flushed to disk before returning."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def remind(self, reminder: Reminder) -> None:
        line = json.dumps(asdict(reminder), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line)
                out.flush()
                os.fsync(out.fileno())


def reminders_for(path: str) -> ReminderNotifier:
    """The file notifier when a path is configured, else the log notifier."""
    return FileReminders(path) if path else LogReminders()
