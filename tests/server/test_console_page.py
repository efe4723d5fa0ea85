"""The hall consultant's console in a real headless Chromium against a live threaded server.

No sleeps: every wait is Playwright's auto-waiting ``expect`` with a timeout. The server runs
on the test's FakeClock (``clock``); the page measures waited times against the server's
clock, learnt from each snapshot's ``at``, so a test that moves the fake clock reloads the
page (the reconnect brings a snapshot with the new ``at``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import requests
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

from tests.conftest import FakeClock
from tests.server.conftest import KIOSK_TOKEN, PASSWORD
from tests.server.test_realtime import Listener, connect, listeners  # noqa: F401 - fixture

WAIT = 5000  # ms: generous for a loaded CI machine; the live alert test asks for 1 s
LIVE = 3000  # ms: a new alert shows this fast, without a reload (slack for a loaded CI)
FULL_HD = {"width": 1920, "height": 1080}


def kiosk(live_url: str, path: str, body: dict) -> dict:
    """A request the way a kiosk makes it (device token)."""
    response = requests.post(f"{live_url}/api/v1{path}", json=body, timeout=10,
                             headers={"Authorization": f"Bearer {KIOSK_TOKEN}"})
    assert response.status_code == 201, response.text
    return response.json()


def staff(live_url: str, username: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{live_url}/api/v1/auth/login",
                            json={"username": username, "password": PASSWORD}, timeout=10)
    assert response.status_code == 200, response.text
    return session


def waiting_ticket(live_url: str, label: str) -> dict:
    """The ticket ``label`` as the server has it (from the snapshot's waiting list)."""
    snapshot = staff(live_url, "head").get(f"{live_url}/api/v1/snapshot", timeout=10).json()
    [ticket] = [t for t in snapshot["waiting"] if t["label"] == label]
    return ticket


def open_console(browser: Browser, contexts: list[BrowserContext], live_url: str,
                 username: str = "hall") -> Page:
    """A new browser logs in through the API (its request context shares the page's
    cookies) and opens the console, connected."""
    context = browser.new_context(viewport=FULL_HD)
    contexts.append(context)
    login = context.request.post(f"{live_url}/api/v1/auth/login",
                                 data={"username": username, "password": PASSWORD})
    assert login.ok, login.text()
    page = context.new_page()
    page.goto(f"{live_url}/console")
    expect(page.locator("body")).to_have_attribute("data-connected", "yes", timeout=WAIT)
    return page


def issue(page: Page, service: str, *, vip: bool = False, category: str = "",
          kiosk_name: str = "") -> str:
    """Fill in the form and issue; returns the label the console shows."""
    previous = page.locator("#issued").get_attribute("data-label")
    page.select_option("#issue-service", service)
    if vip:
        page.check("#issue-vip")
    page.select_option("#issue-category", category)
    page.select_option("#issue-kiosk", kiosk_name)
    page.click("#issue-submit")
    label = page.locator("#issued-label")
    expect(page.locator("#issued")).to_be_visible(timeout=WAIT)
    if previous:
        expect(page.locator("#issued")).not_to_have_attribute("data-label", previous, timeout=WAIT)
    return label.inner_text()


def test_hall_issues_vip_and_out_of_turn_tickets_without_a_kiosk(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_console(browser, contexts, live_url)
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r)
            if r.method == "POST" and r.url.endswith("/api/v1/tickets") else None)

    # A VIP visitor for a consultation; a double click issues one ticket, not two.
    page.select_option("#issue-service", "consult")
    page.check("#issue-vip")
    page.dblclick("#issue-submit")
    expect(page.locator("#issued-label")).to_have_text("К-001", timeout=WAIT)
    assert len(posts) == 1
    assert posts[0].post_data_json["segment"] == "vip"
    # Big enough to copy from across the desk, with the forecast and no printing.
    size = page.locator("#issued-label").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 60
    expect(page.locator("#issued-marks")).to_contain_text("VIP")
    expect(page.locator("#issued-ahead")).to_have_text("0 чел.")
    expect(page.locator("#issued-wait")).to_contain_text("мин")
    expect(page.locator("#issued-print")).to_contain_text("запишите номер")
    assert waiting_ticket(live_url, "К-001")["segment"] == "vip"
    # The marks are reset for the next visitor; it lands in the waiting list, marked.
    expect(page.locator("#issue-vip")).not_to_be_checked()
    expect(page.locator("#waiting-rows tr[data-label='К-001']")).to_contain_text("VIP",
                                                                               timeout=WAIT)

    # An entitled visitor out of turn, «printed» on a kiosk that is not connected.
    label = issue(page, "payment", category="disability", kiosk_name="kiosk-1")
    assert label == "О-001"
    expect(page.locator("#issued-print")).to_have_text(
        re.compile("^Киоск не подключён — запишите номер"))
    expect(page.locator("#issued-marks")).to_contain_text("Вне очереди: Инвалиды")
    ticket = waiting_ticket(live_url, "О-001")
    assert (ticket["category"], ticket["segment"]) == ("disability", "individual")
    expect(page.locator("#waiting-rows tr[data-label='О-001']")).to_contain_text(
        "Вне очереди", timeout=WAIT)
    expect(page.locator("#console-error")).to_be_hidden()


def test_a_ticket_is_printed_on_the_chosen_connected_kiosk(
    live_url: str, browser: Browser, contexts: list[BrowserContext],
    listeners: list[Listener],  # noqa: F811 - fixture
) -> None:
    printer = connect(live_url, listeners, token=KIOSK_TOKEN)
    page = open_console(browser, contexts, live_url)
    expect(page.locator("#issue-kiosk option[value='kiosk-1']")).to_have_text(
        re.compile("подключён$"), timeout=WAIT)
    expect(page.locator("#issue-kiosk option[value='kiosk-1']")).not_to_contain_text("не ")
    label = issue(page, "contract", vip=True, kiosk_name="kiosk-1")
    assert label == "Д-001"
    expect(page.locator("#issued-print")).to_have_text("Отправлено на печать: kiosk-1")
    request = printer.next("print.requested")
    assert request["ticket"]["label"] == "Д-001"
    assert request["requested_by"] == "hall"


def test_waiting_tickets_longest_first_and_overdue_ones_stand_out(
    live_url: str, browser: Browser, contexts: list[BrowserContext], clock: FakeClock
) -> None:
    hall = staff(live_url, "hall")
    kiosk(live_url, "/tickets", {"service": "consult"})  # К-001, target 20 min
    clock.advance(60)
    kiosk(live_url, "/tickets", {"service": "payment"})  # О-001, target 20 min
    clock.advance(60)
    vip = hall.post(f"{live_url}/api/v1/tickets", json={"service": "consult", "segment": "vip"},
                    timeout=10).json()["ticket"]  # К-002, VIP: target 10 min
    assert vip["wait_target"] == 600
    page = open_console(browser, contexts, live_url)
    rows = page.locator("#waiting-rows tr")
    expect(rows).to_have_count(3, timeout=WAIT)
    assert [r.get_attribute("data-label") for r in rows.all()] == ["К-001", "О-001", "К-002"]
    expect(page.locator("#waiting-rows tr.overdue")).to_have_count(0)
    expect(page.locator("#waiting-count")).to_have_text("(3)")

    # Ten minutes on, only the VIP ticket is past its own (shorter) target.
    clock.advance(10 * 60 + 5)
    page.reload()
    overdue = page.locator("#waiting-rows tr.overdue")
    expect(overdue).to_have_count(1, timeout=WAIT)
    expect(overdue).to_have_attribute("data-label", "К-002")
    expect(overdue.locator(".overdue-mark")).to_have_text("сверх нормы 10 мин")
    expect(overdue.locator(".waited-time")).to_have_text(re.compile(r"^10:0\d$"))
    expect(page.locator("#waiting-rows tr[data-label='К-001'] .waited-time")).to_have_text(
        re.compile(r"^12:0\d$"))
    expect(page.locator("#waiting-overdue")).to_have_text("⚠ Сверх нормы ожидания: 1")
    assert [r.get_attribute("data-label") for r in rows.all()] == ["К-001", "О-001", "К-002"]

    # Calling a ticket takes it off the list at once.
    petrov = staff(live_url, "petrov")
    petrov.post(f"{live_url}/api/v1/windows/2/open", timeout=10)
    called = petrov.post(f"{live_url}/api/v1/windows/2/call", json={"label": "О-001"},
                         timeout=10)
    assert called.status_code == 200, called.text
    expect(rows).to_have_count(2, timeout=WAIT)
    expect(page.locator("#window-rows tr[data-window='2']")).to_contain_text("О-001")
    expect(page.locator("#window-rows tr[data-window='2']")).to_contain_text("petrov")


def test_alerts_arrive_live_and_are_acknowledged(
    app: Flask, live_url: str, browser: Browser, contexts: list[BrowserContext],
    clock: FakeClock,
) -> None:
    ticket = kiosk(live_url, "/tickets", {"service": "consult"})["ticket"]
    page = open_console(browser, contexts, live_url)
    expect(page.locator("#alerts-empty")).to_be_visible(timeout=WAIT)

    kiosk(live_url, "/alerts/staff-call", {})
    call = page.locator("#alerts li[data-kind='staff_call']")
    expect(call).to_be_visible(timeout=LIVE)
    expect(call).to_contain_text("Вызов персонала")
    expect(call).to_contain_text("kiosk-1")
    expect(call).to_have_class(re.compile(r"\bfresh\b"))  # a new alert is highlighted
    expect(page.locator("#alerts-count")).to_have_text("(1)")

    clock.advance(42)
    call.get_by_role("button", name="Принято").click()
    expect(page.locator("#alerts li")).to_have_count(0, timeout=WAIT)
    expect(page.locator("#alerts-recent li").first).to_contain_text("Принял hall через 0:42")
    [alert] = staff(live_url, "hall").get(f"{live_url}/api/v1/alerts?all=1",
                                          timeout=10).json()["alerts"]
    assert (alert["kind"], alert["acked_by"], alert["response_time"]) == (
        "staff_call", "hall", 42.0)

    # The sweep finds the ticket past its target: that alert shows live too.
    clock.advance(ticket["wait_target"])
    assert app.extensions["talon"].alerts.sweep() == 1
    overdue = page.locator("#alerts li[data-kind='ticket_overdue']")
    expect(overdue).to_be_visible(timeout=LIVE)
    expect(overdue).to_contain_text("Превышено время ожидания")
    expect(overdue).to_contain_text("талон К-001")
    expect(page.locator("#console-error")).to_be_hidden()


def test_the_head_sees_alerts_but_cannot_issue(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    kiosk(live_url, "/alerts/staff-call", {"button": "hall"})
    page = open_console(browser, contexts, live_url, "head")
    call = page.locator("#alerts li[data-kind='staff_call']")
    expect(call).to_contain_text("кнопка «hall»", timeout=WAIT)
    expect(call.get_by_role("button", name="Принято")).to_be_enabled()
    expect(page.locator("#issue-form")).to_have_count(0)
    expect(page.locator("#issue-submit")).to_have_count(0)
    expect(page.locator("#console-error")).to_be_hidden()  # nothing it may not ask for
    # English on request, the same alert in English words.
    page.click("[data-action=switch-language]")
    expect(page.locator("#alerts-title")).to_contain_text("Alerts", timeout=WAIT)
    expect(page.locator("#alerts li[data-kind='staff_call']")).to_contain_text(
        "Staff call", timeout=WAIT)


def test_api_errors_are_shown_not_swallowed(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_console(browser, contexts, live_url)
    # The office stops issuing between loading the page and pressing the button.
    page.route("**/api/v1/tickets", lambda route: route.fulfill(
        status=409, content_type="application/json",
        body='{"error": {"code": "office_closed", "message": "closed", "details": {}}}'))
    page.select_option("#issue-service", "consult")
    page.click("#issue-submit")
    error = page.get_by_role("alert").filter(has_text="Талоны сейчас не выдаются")
    expect(error).to_be_visible(timeout=WAIT)
    expect(page.locator("#issued")).to_be_hidden()
    expect(page.locator("#issue-submit")).to_be_enabled()


def test_console_fits_full_hd_screenshot(
    app: Flask, live_url: str, browser: Browser, contexts: list[BrowserContext],
    clock: FakeClock, tmp_path: Path,
) -> None:
    """The console fits a 1920×1080 screen; TALON_SCREENSHOTS=<dir> keeps the picture."""
    hall = staff(live_url, "hall")
    for service, extra in [("consult", {}), ("billing", {}), ("payment", {}),
                           ("consult", {"category": "veteran"}), ("metering", {}),
                           ("docs_in", {})]:
        kiosk(live_url, "/tickets", {"service": service, **extra})
        clock.advance(3 * 60)
    hall.post(f"{live_url}/api/v1/tickets", json={"service": "consult", "segment": "vip"},
              timeout=10)
    ivanova = staff(live_url, "ivanova")
    ivanova.post(f"{live_url}/api/v1/windows/1/open", timeout=10)
    ivanova.post(f"{live_url}/api/v1/windows/1/call-next", timeout=10)  # О-001 at the cash desk
    clock.advance(60)
    assert app.extensions["talon"].alerts.sweep() == 1  # the veteran's kiosk ticket needs help
    kiosk(live_url, "/alerts/staff-call", {"window": 3})
    clock.advance(3 * 60)  # К-001 has now waited 22 minutes: past its 20
    page = open_console(browser, contexts, live_url)
    expect(page.locator("#alerts li")).to_have_count(2, timeout=WAIT)
    issue(page, "complaint", vip=True)
    expect(page.locator("#waiting-rows tr")).to_have_count(7, timeout=WAIT)
    expect(page.locator("#waiting-rows tr.overdue")).to_have_count(1)
    expect(page.locator("#waiting-rows tr.overdue")).to_have_attribute("data-label", "К-001")
    assert page.evaluate("document.documentElement.scrollWidth") <= FULL_HD["width"]
    box = page.locator("#issue-submit").bounding_box()
    assert box is not None and box["y"] + box["height"] <= FULL_HD["height"]
    target = Path(os.environ.get("TALON_SCREENSHOTS", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    page.mouse.move(960, 1070)  # no hover effect in the picture
    page.screenshot(path=str(target / "console.png"), animations="disabled")
