"""Public pages in a real headless Chromium: the start page and a ticket's status page."""

from __future__ import annotations

import requests
from playwright.sync_api import Browser

from tests.server.conftest import KIOSK_TOKEN, PASSWORD


def test_ticket_status_page_follows_the_ticket(live_url: str, browser: Browser) -> None:
    kiosk = requests.Session()
    kiosk.headers["Authorization"] = f"Bearer {KIOSK_TOKEN}"
    kiosk.post(f"{live_url}/api/v1/tickets", json={"service": "consult"})
    mine = kiosk.post(f"{live_url}/api/v1/tickets", json={"service": "consult"}).json()
    page = browser.new_page()
    try:
        page.goto(f"{live_url}/t/{mine['ticket']['public_id']}")
        assert page.locator("#label").inner_text() == "К-002"
        assert page.locator("#ahead").inner_text() == "1"
        assert "Ожидает" in page.locator("#status").inner_text()

        staff = requests.Session()
        staff.post(f"{live_url}/api/v1/auth/login",
                   json={"username": "ivanova", "password": PASSWORD})
        staff.post(f"{live_url}/api/v1/windows/2/open")
        staff.post(f"{live_url}/api/v1/windows/2/call", json={"label": "К-002"})
        page.reload()
        assert page.locator("#status").inner_text() == "Вас вызывают: окно 2"
        # Numbers only: nothing personal, no staff names on the public page.
        assert "ivanova" not in page.content()
    finally:
        page.close()


def test_unknown_ticket_page_says_so(live_url: str, browser: Browser) -> None:
    page = browser.new_page()
    try:
        response = page.goto(f"{live_url}/t/not-a-real-ticket")
        assert response is not None and response.status == 404
        assert "Талон не найден" in page.locator("h1").inner_text()
    finally:
        page.close()


def test_start_page_lists_services_and_loads_nothing_external(
    live_url: str, browser: Browser
) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(live_url + "/")
        services = page.locator("#services li").all_inner_texts()
        assert "К — Консультация" in services
        assert len(services) == 10
        assert all(url.startswith(live_url) for url in requested), requested
    finally:
        page.close()
