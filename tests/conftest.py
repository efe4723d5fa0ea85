"""Shared fixtures: a controllable clock and the demo office model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from server import config

# Monday 2026-11-23 10:00 Moscow time (07:00 UTC): the office is open.
MONDAY_10AM = 1795417200.0


class FakeClock:
    """A clock tests move by hand: ``clock.advance(60)``."""

    def __init__(self, now: float = MONDAY_10AM) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def demo_office() -> config.OfficeFile:
    return config.load(None, {})


CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium tries to reach Google's services, which a closed office LAN (and
# the CI machine) refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
