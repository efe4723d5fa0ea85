"""Shared kiosk fixtures: a ticket to print, printer configurations, and kiosk agents run
against the live server of the server tests (``tests.server.conftest``: the demo office,
the device token KIOSK_TOKEN for "kiosk-1")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.printed_ticket import PrintedTicket
from kiosk.printer_config import PrinterConfig, read_printer_section
from tests.kiosk.live_kiosk import Kiosks
from tests.server.conftest import (  # noqa: F401 - fixtures for the live kiosk tests
    app,
    contexts,
    fast_password_hashing,
    live_url,
    settings,
)

MOSCOW = ZoneInfo("Europe/Moscow")


def sample_ticket(**changes: object) -> PrintedTicket:
    ticket = PrintedTicket(
        office_name="Центральный офис",
        label="А-017",
        service_name="Пенсии и пособия",
        issued_at=datetime(2026, 11, 23, 10, 5, tzinfo=MOSCOW),
        people_ahead=3,
        expected_wait=11 * 60 + 5.0,
        wait_target=20 * 60.0,
        status_url="http://192.168.1.10:5000/t/12345",
        footer="Спасибо за обращение!",
    )
    return replace(ticket, **changes)


@pytest.fixture
def ticket() -> PrintedTicket:
    return sample_ticket()


@pytest.fixture
def printer_config() -> Callable[..., PrinterConfig]:
    """``printer_config(kind="dummy", **keys)``: a validated [printer] section."""

    def build(**keys: object) -> PrinterConfig:
        return read_printer_section({"kind": "dummy", **keys})

    return build


@pytest.fixture
def kiosks() -> Iterator[Kiosks]:
    """Kiosk agents started by the test (``kiosks.start(config)``), stopped at its end."""
    started = Kiosks()
    yield started
    started.stop_all()
