"""End to end in two real browsers: a consultant logs in and calls next on the desk page; the
hall board, in a second browser, shows the call within a second and asks for its announcement."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import requests
from playwright.sync_api import Browser, Request, expect

from tests.server.conftest import BOARD_TOKEN, KIOSK_TOKEN, PASSWORD


def test_a_call_on_the_desk_is_shown_and_announced_on_the_board(
    live_url: str, browser: Browser
) -> None:
    board_browser = browser.new_context(viewport={"width": 1920, "height": 1080})
    desk_browser = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        board = board_browser.new_page()
        announcements: list[Request] = []
        board.on("request", lambda r: announcements.append(r) if "/voice/" in r.url else None)
        board.goto(f"{live_url}/board#token={BOARD_TOKEN}")
        expect(board.locator("body")).to_have_attribute("data-connected", "yes")

        desk = desk_browser.new_page()
        desk.goto(f"{live_url}/desk/2")
        expect(desk).to_have_url(f"{live_url}/login?next=/desk/2")
        desk.fill("#username", "ivanova")
        desk.fill("#password", PASSWORD)
        desk.click("#login button[type=submit]")
        expect(desk).to_have_url(f"{live_url}/desk/2")
        # Buttons stay disabled until the desk knows the window's state: no lost clicks.
        desk.click("#open")
        expect(desk.locator("#open")).to_be_disabled()
        kiosk = requests.post(f"{live_url}/api/v1/tickets", json={"service": "consult"},
                              headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}, timeout=10)
        label = kiosk.json()["ticket"]["label"]
        call_next = desk.locator("[data-move=call-next]")
        expect(call_next).to_be_enabled()

        with board.expect_request(lambda r: "/voice/" in r.url, timeout=1000):
            call_next.click()
            expect(board.locator("#newest .call-line")).to_have_text(
                f"{label} → Окно 2", timeout=1000)
        expect(desk.locator("#current-label")).to_have_text(label)
        query = parse_qs(urlparse(announcements[-1].url).query)
        assert query == {"label": [label], "window": ["2"]}
    finally:
        board_browser.close()
        desk_browser.close()
