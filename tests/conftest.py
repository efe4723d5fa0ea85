"""Shared fixtures: a controllable clock and the demo office model."""

from __future__ import annotations

import pytest

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
