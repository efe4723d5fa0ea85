"""The office head's dashboard in a real headless Chromium against a live threaded server.

No sleeps: every wait is Playwright's auto-waiting ``expect`` with a timeout. The page
re-fetches GET /api/v1/dashboard on every event (debounced); conditions that arise with time
alone are brought in here the way ``talon serve`` brings them: the hall alert sweep, run by
hand after ``clock.advance``, raises an alert whose event makes the page re-read the
dashboard (computed on the server's fake clock).
"""

from __future__ import annotations

import os
from pathlib import Path

import requests
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import FakeClock
from tests.server.conftest import KIOSK_TOKEN, PASSWORD, login

WAIT = 5000  # ms: generous for a loaded 2-core CI machine
FULL_HD = {"width": 1920, "height": 1080}


def kiosk(live_url: str, service: str = "consult") -> str:
    response = requests.post(f"{live_url}/api/v1/tickets", json={"service": service},
                             headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["ticket"]["label"]


def staff(live_url: str, username: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{live_url}/api/v1/auth/login",
                            json={"username": username, "password": PASSWORD}, timeout=10)
    assert response.status_code == 200, response.text
    return session


def move(session: requests.Session, live_url: str, window: int, action: str,
         body: dict | None = None) -> None:
    response = session.post(f"{live_url}/api/v1/windows/{window}/{action}", json=body or {},
                            timeout=10)
    assert response.status_code == 200, response.text


def open_dashboard(browser: Browser, contexts: list[BrowserContext], live_url: str,
                   username: str = "head") -> Page:
    context = browser.new_context(viewport=FULL_HD)
    contexts.append(context)
    response = context.request.post(f"{live_url}/api/v1/auth/login",
                                    data={"username": username, "password": PASSWORD})
    assert response.ok, response.text()
    page = context.new_page()
    page.goto(f"{live_url}/dashboard")
    expect(page.locator("body")).to_have_attribute("data-connected", "yes", timeout=WAIT)
    expect(page.locator("#fig-issued")).not_to_have_text("—", timeout=WAIT)
    return page


def test_the_page_is_for_head_and_admin(app: Flask) -> None:
    assert app.test_client().get("/dashboard").headers["Location"].startswith(
        "/login?next=/dashboard")
    assert login(app, "hall").get("/dashboard").status_code == 403
    assert login(app, "ivanova").get("/dashboard").status_code == 403
    assert login(app, "admin").get("/dashboard").status_code == 200
    html = login(app, "head").get("/dashboard").get_data(as_text=True)
    assert "dashboard.js" in html and "Панель руководителя" in html


def test_issues_and_calls_show_live(
    live_url: str, browser: Browser, contexts: list[BrowserContext], clock: FakeClock
) -> None:
    page = open_dashboard(browser, contexts, live_url)
    expect(page.locator("#fig-issued")).to_have_text("0")
    expect(page.locator("#alerts-empty")).to_be_visible()
    expect(page.locator("#longest-empty")).to_be_visible()

    label = kiosk(live_url)  # a kiosk issues: no reload
    row = page.locator(f"#longest-rows tr[data-label='{label}']")
    expect(row).to_be_visible(timeout=WAIT)
    expect(page.locator("#fig-issued")).to_have_text("1")
    expect(page.locator("#fig-waiting")).to_have_text("1")
    expect(page.locator("#queue-rows tr[data-service='consult'] .queue-waiting")).to_have_text("1")

    ivanova = staff(live_url, "ivanova")
    move(ivanova, live_url, 2, "open")
    clock.advance(5 * 60)
    move(ivanova, live_url, 2, "call-next")  # waited 5:00
    window = page.locator("#window-rows tr[data-window='2']")
    expect(window).to_contain_text(label, timeout=WAIT)
    expect(window).to_contain_text("ivanova")
    expect(window.locator(".window-state")).to_have_text("◆ Вызов")
    expect(page.locator("#fig-waiting")).to_have_text("0")
    expect(page.locator("#fig-mean_wait")).to_have_text("5:00")
    expect(page.locator("#fig-within_wait_target")).to_have_text("100 %")
    move(ivanova, live_url, 2, "start")
    clock.advance(12 * 60)
    move(ivanova, live_url, 2, "finish")  # 12 min: past the 10 min service target
    expect(page.locator("#fig-served")).to_have_text("1", timeout=WAIT)
    expect(page.locator("#fig-mean_service")).to_have_text("12:00")
    expect(page.locator("#fig-within_service_target")).to_have_text("0 %")
    expect(page.locator("#longest-rows tr")).to_have_count(0)
    expect(page.locator("#dash-error")).to_be_hidden()


def test_a_ticket_past_its_target_and_a_long_pause_are_alerted(
    app: Flask, live_url: str, browser: Browser, contexts: list[BrowserContext],
    clock: FakeClock,
) -> None:
    label = kiosk(live_url)
    petrov = staff(live_url, "petrov")
    move(petrov, live_url, 4, "open")
    move(petrov, live_url, 4, "pause", {"reason": "break"})
    page = open_dashboard(browser, contexts, live_url)
    expect(page.locator("#alerts-empty")).to_be_visible()

    clock.advance(20 * 60 + 5)  # the ticket passes its 20 min, the break its 15 min
    assert app.extensions["talon"].alerts.sweep() == 2  # as talon serve does every 5 s
    overdue = page.locator("#alerts li[data-kind='overdue']")
    expect(overdue).to_be_visible(timeout=WAIT)
    expect(overdue).to_have_text(f"⚠ Сверх нормы ожидания: 1 — {label}")
    paused = page.locator("#alerts li[data-kind='paused']")
    expect(paused).to_contain_text("‖ Окно 4: перерыв уже 20:05 (допустимо 15 мин)")
    expect(page.locator("#alerts-count")).to_have_text("(2)")
    row = page.locator(f"#longest-rows tr[data-label='{label}']")
    expect(row).to_have_class("overdue")
    expect(row).to_contain_text("⚠ сверх нормы 20 мин")
    expect(page.locator("#window-rows tr[data-window='4']")).to_contain_text("слишком долго")
    expect(page.locator("#hall-alerts")).to_have_text("Тревоги зала: 2")

    # The window resumes and calls the ticket: both alerts go, live.
    move(petrov, live_url, 4, "resume")
    move(petrov, live_url, 4, "call-next")
    expect(page.locator("#alerts li")).to_have_count(0, timeout=WAIT)
    expect(page.locator("#alerts-empty")).to_be_visible()

    # English on request.
    page.click("[data-action=switch-language]")
    expect(page.locator("#alerts-title")).to_contain_text("Breaches and risks", timeout=WAIT)


def test_the_dashboard_recovers_after_a_lost_connection(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_dashboard(browser, contexts, live_url)
    page.context.set_offline(True)
    page.evaluate("() => { for (const s of Object.values(io.managers || {})) s.engine.close(); }")
    expect(page.locator("#connection")).to_be_visible(timeout=WAIT)
    kiosk(live_url)  # issued while the page is away
    page.context.set_offline(False)
    expect(page.locator("body")).to_have_attribute("data-connected", "yes", timeout=15000)
    expect(page.locator("#fig-issued")).to_have_text("1", timeout=WAIT)


def test_dashboard_fits_full_hd_screenshot(
    app: Flask, live_url: str, browser: Browser, contexts: list[BrowserContext],
    clock: FakeClock, tmp_path: Path,
) -> None:
    """The dashboard fits 1920×1080; TALON_SCREENSHOTS=<dir> keeps the picture."""
    for service in ["consult", "payment", "consult", "contract", "metering", "consult",
                    "billing", "docs_in", "consult", "payment", "contract"]:
        kiosk(live_url, service)
        clock.advance(90)
    ivanova, petrov = staff(live_url, "ivanova"), staff(live_url, "petrov")
    move(ivanova, live_url, 2, "open")
    move(ivanova, live_url, 2, "call-next")
    move(ivanova, live_url, 2, "start")
    clock.advance(4 * 60)
    move(ivanova, live_url, 2, "finish")
    move(ivanova, live_url, 2, "call-next")
    move(petrov, live_url, 3, "open")
    move(petrov, live_url, 3, "pause", {"reason": "lunch"})
    clock.advance(6 * 60)
    page = open_dashboard(browser, contexts, live_url)
    expect(page.locator("#alerts li").first).to_be_visible(timeout=WAIT)
    target = Path(os.environ.get("TALON_SCREENSHOTS", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / "dashboard.png"), animations="disabled")
    assert page.evaluate("document.documentElement.scrollWidth") <= FULL_HD["width"]
    assert page.evaluate("document.documentElement.scrollHeight") <= FULL_HD["height"]
