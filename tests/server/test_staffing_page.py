"""The head's /staffing page: who gets it, and in a real headless Chromium against a live
threaded server, the advice grid with short cells marked in words, the target selector and the
English switch. No sleeps: Playwright's auto-waiting ``expect``."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, expect

from tests.conftest import FakeClock
from tests.server.conftest import KIOSK_TOKEN, PASSWORD, device, login

WAIT = 5000  # ms
WEEK = 7 * 24 * 3600.0


def test_strangers_are_sent_to_the_login(app: Flask) -> None:
    response = app.test_client().get("/staffing")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/staffing")


def test_only_head_and_admin_get_the_page(app: Flask) -> None:
    assert login(app, "hall").get("/staffing").status_code == 403
    assert login(app, "ivanova").get("/staffing").status_code == 403
    for user in ("head", "admin"):
        html = login(app, user).get("/staffing").get_data(as_text=True)
        assert 'id="staff-grid"' in html and "staffing.js" in html


def busy_monday(app: Flask, clock: FakeClock) -> None:
    kiosk, staff = device(app, KIOSK_TOKEN), login(app, "petrov")
    assert staff.post("/api/v1/windows/2/open").status_code == 200
    for _ in range(20):
        assert kiosk.post("/api/v1/tickets", json={"service": "consult"}).status_code == 201
        clock.advance(180)
    assert staff.post("/api/v1/windows/2/call-next").status_code == 200
    assert staff.post("/api/v1/windows/2/start").status_code == 200
    clock.advance(15 * 60)
    assert staff.post("/api/v1/windows/2/finish", json={}).status_code == 200
    clock.advance(WEEK)


def test_the_grid_marks_hours_short_of_windows(
    app: Flask, clock: FakeClock, live_url: str, browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    busy_monday(app, clock)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    contexts.append(context)
    response = context.request.post(f"{live_url}/api/v1/auth/login",
                                    data={"username": "head", "password": PASSWORD})
    assert response.ok, response.text()
    page = context.new_page()
    page.goto(f"{live_url}/staffing")
    ten = page.locator('td[data-weekday="0"][data-hour="10"]')
    expect(ten).to_contain_text("▲ не хватает", timeout=WAIT)
    expect(ten).to_contain_text("Совет: 6 ок.", timeout=WAIT)  # 5 erlangs, 80%
    expect(ten).to_contain_text("Было: 1 ок. · 0%", timeout=WAIT)
    expect(page.locator('td[data-weekday="0"][data-hour="9"]')).to_contain_text(
        "посетителей нет", timeout=WAIT)
    expect(page.locator("#staff-summary")).to_contain_text("15 мин", timeout=WAIT)

    page.select_option("#target", "0.95")
    expect(page.locator("#staffing-page")).to_have_attribute("data-target", "0.95",
                                                              timeout=WAIT)
    expect(ten).to_contain_text("Совет: 7 ок.", timeout=WAIT)

    page.click("[data-action=switch-language]")
    expect(page.locator("h1")).to_contain_text("Window planning", timeout=WAIT)
    expect(page.locator('td[data-weekday="0"][data-hour="10"]')).to_contain_text(
        "▲ short by", timeout=WAIT)
