"""The touch page in a real headless Chromium, served by a kiosk agent against the live
server: a topic through its group, people ahead, print, the label; the out-of-turn path;
the printer and server problems on screen. Screenshots of each screen go to
``$KIOSK_SCREENSHOTS`` when it is set (portrait 1080×1920 and landscape 1920×1080).

No sleeps: every wait is Playwright's auto-waiting ``expect``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.kiosk.fake_printer import status_printer
from tests.kiosk.live_kiosk import (
    TIMEOUT,
    Kiosks,
    cp866,
    kiosk_config,
    printed_bytes,
    until,
    wait_idle,
    waiting,
)
from tests.server.conftest import KIOSK_TOKEN

WAIT = 5000  # ms
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("KIOSK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        size = page.viewport_size or PORTRAIT
        page.screenshot(path=str(Path(folder) / f"kiosk-{name}-{size['width']}x"
                                                 f"{size['height']}.png"))


def open_page(browser: Browser, contexts: list[BrowserContext], url: str,
              viewport: dict[str, int] = PORTRAIT) -> Page:
    context = browser.new_context(viewport=viewport, locale="ru-RU")
    contexts.append(context)
    page = context.new_page()
    page.goto(url)
    expect(page.locator("#screen-start")).to_be_visible(timeout=WAIT)
    return page


def issue_on_server(live_url: str, service: str, count: int) -> None:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {KIOSK_TOKEN}"
        for _ in range(count):
            response = session.post(f"{live_url}/api/v1/tickets", json={"service": service},
                                    timeout=TIMEOUT)
            assert response.status_code == 201


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_choose_a_topic_see_people_ahead_and_print(
        live_url: str, tmp_path: Path, kiosks: Kiosks, browser: Browser,
        contexts: list[BrowserContext], viewport: dict[str, int]) -> None:
    issue_on_server(live_url, "metering", 2)
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path, kiosk={"preview": True}),
                         realtime=False)
    page = open_page(browser, contexts, kiosk.url, viewport)
    expect(page.locator("#office-name")).to_have_text("ЦОК «Центральный»")
    expect(page.locator("#tiles .tile")).to_have_count(7)  # 5 topics and 2 groups
    shoot(page, "start")

    page.get_by_role("button", name="Договор и учёт").click()
    expect(page.locator("#group-title")).to_have_text("Договор и учёт")
    shoot(page, "group")
    page.get_by_role("button", name="Приборы учёта и показания").click()
    expect(page.locator("#confirm-topic")).to_have_text("С — Приборы учёта и показания")
    expect(page.locator("#confirm-ahead")).to_have_text("2 чел.", timeout=WAIT)
    expect(page.locator("#confirm-wait")).to_have_text(re.compile(r"^~\d+ мин$"))
    shoot(page, "confirm")

    page.get_by_role("button", name="Получить талон").click()
    expect(page.locator("#done-title")).to_have_text("Возьмите талон", timeout=WAIT)
    expect(page.locator("#done-label")).to_have_text("С-003")
    expect(page.locator("#done-detail")).to_contain_text("Перед вами: 2 чел.")
    shoot(page, "printed")
    wait_idle(kiosk)
    assert cp866("С-003") in printed_bytes(kiosk)
    assert [t["label"] for t in waiting(live_url)] == ["С-001", "С-002", "С-003"]

    page.get_by_role("button", name="Готово").click()
    expect(page.locator("#screen-start")).to_be_visible()

    # The demo's window on the paper.
    printed = page.context.new_page()
    printed.goto(kiosk.url + "printed")
    expect(printed.locator("figcaption")).to_contain_text("С-003")
    image = printed.context.request.get(kiosk.url + "printed/1.png")
    assert image.headers["content-type"] == "image/png" and image.body()[:4] == b"\x89PNG"


def test_out_of_turn_with_a_category(live_url: str, tmp_path: Path, kiosks: Kiosks,
                                     browser: Browser, contexts: list[BrowserContext]) -> None:
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    page = open_page(browser, contexts, kiosk.url)
    page.get_by_role("button", name=re.compile("Вне очереди")).click()
    expect(page.locator("#category-tiles .tile")).to_have_count(2)
    shoot(page, "category")
    page.get_by_role("button", name="Инвалиды и лица с ОВЗ").click()
    expect(page.locator("#start-mode")).to_have_text(
        "Вне очереди: Инвалиды и лица с ОВЗ. Выберите тему обращения.")
    expect(page.locator("#out-of-turn")).to_be_hidden()
    page.get_by_role("button", name="Консультация").click()
    expect(page.locator("#confirm-category")).to_have_text("Инвалиды и лица с ОВЗ")
    expect(page.locator("#confirm-wait")).to_have_text("вас пригласят вне очереди",
                                                       timeout=WAIT)
    page.get_by_role("button", name="Получить талон").click()
    expect(page.locator("#done-label")).to_have_text("К-001", timeout=WAIT)
    [ticket] = waiting(live_url)
    assert (ticket["label"], ticket["category"]) == ("К-001", "disability")


def test_back_returns_and_inactivity_goes_home_in_russian(
        live_url: str, tmp_path: Path, kiosks: Kiosks, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path, kiosk={"inactivity": 5.0}),
                         realtime=False)
    page = open_page(browser, contexts, kiosk.url)
    page.get_by_role("button", name="English").click()
    expect(page.locator("#start-title")).to_have_text("Choose the topic of your visit")
    page.get_by_role("button", name="Documents").or_(
        page.get_by_role("button", name="Документы")).click()
    page.get_by_role("button", name="Back").click()
    expect(page.locator("#screen-start")).to_be_visible()
    page.get_by_role("button", name="Consultation").click()
    expect(page.locator("#screen-confirm")).to_be_visible()
    # Nobody touches the screen: back to the start, in Russian, with nothing issued.
    expect(page.locator("#start-title")).to_have_text("Выберите тему обращения", timeout=9000)
    expect(page.locator("#screen-start")).to_be_visible()
    assert waiting(live_url) == []


def test_the_screen_says_when_the_printer_or_the_server_fails(
        live_url: str, tmp_path: Path, kiosks: Kiosks, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    printer, device = status_printer()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), printer=printer, realtime=False)
    page = open_page(browser, contexts, kiosk.url)
    device.paper_out()
    kiosk.agent.refresh_printer()
    expect(page.locator("#blocked-title")).to_have_text("Принтер не работает: нет бумаги",
                                                        timeout=WAIT)
    shoot(page, "paper-out")
    device.paper_back()
    kiosk.agent.refresh_printer()
    expect(page.locator("#screen-start")).to_be_visible(timeout=WAIT)

    live = kiosk.server.base_url
    kiosk.server.base_url = "http://127.0.0.1:9"
    kiosk.agent.retry_now()
    expect(page.locator("#blocked-title")).to_have_text("Нет связи с сервером", timeout=WAIT)
    expect(page.get_by_role("button", name="Вызов персонала")).to_be_disabled()
    shoot(page, "offline")
    kiosk.server.base_url = live
    kiosk.agent.retry_now()
    expect(page.locator("#screen-start")).to_be_visible(timeout=WAIT)


def test_a_ticket_that_could_not_be_printed_is_shown_to_write_down(
        live_url: str, tmp_path: Path, kiosks: Kiosks, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    printer, device = status_printer()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), printer=printer, realtime=False)

    def jam(msg: bytes) -> None:
        raise OSError(5, "Input/output error")

    device._raw = jam
    page = open_page(browser, contexts, kiosk.url)
    page.get_by_role("button", name="Оплата (касса)").click()
    page.get_by_role("button", name="Получить талон").click()
    expect(page.locator("#done-title")).to_have_text("Талон не напечатан", timeout=WAIT)
    expect(page.locator("#done-write")).to_have_text(
        "Запишите номер: О-001. Ваше место в очереди сохранено.")
    shoot(page, "unprinted")
    assert until(lambda: kiosk.agent.idle(), kiosk)


def test_staff_call_from_the_screen(live_url: str, tmp_path: Path, kiosks: Kiosks,
                                    browser: Browser, contexts: list[BrowserContext]) -> None:
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    page = open_page(browser, contexts, kiosk.url)
    page.get_by_role("button", name="Вызов персонала").click()
    expect(page.locator("#call-status")).to_have_text("Администратор вызван, ожидайте.",
                                                      timeout=WAIT)
    assert kiosk.agent.staff_call_open("screen")
