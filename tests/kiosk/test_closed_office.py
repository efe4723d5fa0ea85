"""Outside office hours the kiosk issues nothing and says so: the live server enforces the
demo office's schedule (``TALON_SCHEDULE__ENFORCE=true``) on a Sunday, and the page in a
real headless Chromium shows the refusal, then the closed start screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from kiosk.errors import IssueRefused
from kiosk.journal import EntryState
from kiosk.screen import Mode
from server import config
from tests.conftest import MONDAY_10AM, FakeClock
from tests.kiosk.live_kiosk import Kiosks, kiosk_config, printed_bytes, until, wait_idle, waiting
from tests.kiosk.test_touch_page import WAIT, open_page, shoot
from tests.server.conftest import settings_for

SUNDAY_10AM = MONDAY_10AM - 24 * 3600


@pytest.fixture
def settings(tmp_path: Path) -> config.OfficeFile:
    return settings_for(tmp_path, TALON_SCHEDULE__ENFORCE="true")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SUNDAY_10AM)


def test_a_closed_office_issues_nothing_and_the_page_says_so(
        live_url: str, tmp_path: Path, kiosks: Kiosks, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    page = open_page(browser, contexts, kiosk.url)
    page.get_by_role("button", name="Консультация").click()
    page.get_by_role("button", name="Получить талон").click()
    expect(page.locator("#refused-title")).to_have_text("Сегодня выходной день", timeout=WAIT)
    shoot(page, "refused-closed")
    [entry] = kiosk.journal.recent()
    assert entry.state is EntryState.REFUSED
    assert (entry.error["code"], entry.error["details"]) == ("office_closed",
                                                             {"reason": "day_off"})
    assert waiting(live_url) == [] and printed_bytes(kiosk) == b""

    # From now on the start screen says it before anyone chooses a topic.
    assert kiosk.agent.mode() is Mode.CLOSED
    page.get_by_role("button", name="На главную").click()
    expect(page.locator("#blocked-title")).to_have_text("Сегодня выходной день", timeout=WAIT)
    shoot(page, "closed")
    with pytest.raises(IssueRefused) as refused:
        kiosk.agent.request_ticket("consult")
    assert refused.value.reason == "closed"
    assert len(kiosk.journal.recent()) == 1


def test_the_kiosk_offers_topics_again_after_the_recheck(
        live_url: str, tmp_path: Path, kiosks: Kiosks, clock: FakeClock) -> None:
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path, kiosk={"closed_recheck": 0.5}),
                         realtime=False)
    kiosk.agent.request_ticket("consult")
    wait_idle(kiosk)
    clock.now = MONDAY_10AM  # the office opens
    # The refusal is remembered for closed_recheck seconds, then topics are offered again.
    assert until(lambda: kiosk.agent.mode() is Mode.READY, kiosk)
    kiosk.agent.request_ticket("consult")
    wait_idle(kiosk)
    assert [t["label"] for t in waiting(live_url)] == ["К-001"]
