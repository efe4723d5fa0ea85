"""Pre-booking check-in on the touch page in a real headless Chromium, against the live
server (the FakeClock ``clock`` stands at Monday 10:00): the code typed on the on-screen keys,
the printed screen; a late visitor, a visitor too early, and an unknown code.

No sleeps: every wait is Playwright's auto-waiting ``expect``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import FakeClock
from tests.kiosk.live_kiosk import Kiosks, cp866, kiosk_config, printed_bytes, until, waiting
from tests.kiosk.test_check_in_live import book, booking_status
from tests.kiosk.test_touch_page import LANDSCAPE, WAIT, open_page, shoot


def type_on_keys(page: Page, code: str) -> None:
    for char in code.replace("-", ""):
        page.get_by_role("button", name=char, exact=True).click()


def test_type_the_code_on_the_screen_keys_and_take_the_ticket(
        live_url: str, tmp_path: Path, kiosks: Kiosks, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    code = book(live_url, "10:15")
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    page = open_page(browser, contexts, kiosk.url)
    page.get_by_role("button", name="Я записан(а) заранее").click()
    expect(page.locator("#screen-check-in")).to_be_visible()
    submit = page.locator("#check-in-submit")
    expect(submit).to_be_disabled()

    type_on_keys(page, code[:3])
    page.get_by_role("button", name="A", exact=True).click()  # a slip of the finger
    page.get_by_role("button", name="⌫ Стереть").click()
    type_on_keys(page, code[3:])
    expect(page.locator("#code-field")).to_have_text(code)
    shoot(page, "check-in")
    expect(submit).to_be_enabled()
    submit.click()

    expect(page.locator("#done-title")).to_have_text("Возьмите талон", timeout=WAIT)
    expect(page.locator("#done-label")).to_have_text("К-001")
    expect(page.locator("#done-notice")).to_have_text(
        "Вы записаны на 10:15. Вас пригласят в это время.")
    shoot(page, "checked-in")
    assert until(lambda: printed_bytes(kiosk).count(cp866("К-001")) == 1, kiosk)
    assert booking_status(live_url, code) == "checked_in"


def test_unknown_too_early_and_late_codes_say_so(
        live_url: str, tmp_path: Path, kiosks: Kiosks, browser: Browser,
        contexts: list[BrowserContext], clock: FakeClock) -> None:
    late = book(live_url, "10:15")
    early = book(live_url, "11:00", phone="+7 912 000-00-01")
    clock.advance(26 * 60)  # 10:26: the 10:15 visitor is late, the 11:00 one too early
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    page = open_page(browser, contexts, kiosk.url, LANDSCAPE)

    page.get_by_role("button", name="Я записан(а) заранее").click()
    page.keyboard.type("aaaa-aaaa")  # a physical keyboard works too; lower case is fine
    expect(page.locator("#code-field")).to_have_text("AAAA-AAAA")
    page.keyboard.press("Enter")
    expect(page.locator("#refused-title")).to_have_text("Код не найден", timeout=WAIT)
    shoot(page, "check-in-unknown")

    page.get_by_role("button", name="Ввести код снова").click()
    expect(page.locator("#code-field")).to_have_text("····-····")
    type_on_keys(page, early)
    page.locator("#check-in-submit").click()
    expect(page.locator("#refused-title")).to_have_text("Регистрация откроется в 10:45",
                                                        timeout=WAIT)
    expect(page.locator("#refused-retry")).to_be_hidden()
    shoot(page, "check-in-too-early")
    page.get_by_role("button", name="На главную").click()

    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="I have an appointment").click()
    type_on_keys(page, late)
    page.get_by_role("button", name="Take a ticket").click()
    expect(page.locator("#done-label")).to_have_text("К-001", timeout=WAIT)
    expect(page.locator("#done-notice")).to_have_text(
        "You are late for your appointment and are served as a walk-in.")
    shoot(page, "check-in-late")
    assert [t["label"] for t in waiting(live_url)] == ["К-001"]
    assert booking_status(live_url, early) == "booked"
