"""The booking pages in the real headless Chromium: book with consent, get a code, cancel."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, expect

from tests.server.conftest import PASSWORD, login

TIMEOUT = 5000


def test_pages_are_served_and_the_staff_page_needs_a_login(app: Flask) -> None:
    assert app.test_client().get("/book").status_code == 200
    assert app.test_client().get("/bookings").status_code == 302
    assert login(app, "ivanova").get("/bookings").status_code == 403
    assert login(app, "hall").get("/bookings").status_code == 200


def test_a_visitor_books_with_consent_and_cancels_with_the_code(
    app: Flask, live_url: str, browser: Browser, contexts: list[BrowserContext],
) -> None:
    context = browser.new_context()
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{live_url}/book?lang=ru")
    page.locator("#book-slots button", has_text="10:15").click()
    page.fill("#book-name", "Иван Петров")
    page.fill("#book-phone", "+7 912 345-67-89")
    page.click("#book-submit")
    expect(page.locator("#book-error")).to_be_visible()  # no consent: refused
    expect(page.locator("#book-result")).to_be_hidden()
    page.check("#book-consent")
    page.click("#book-submit")
    code = page.locator("#book-code")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    value = code.text_content() or ""
    expect(page.locator("#book-slots button", has_text="10:15")).to_be_disabled()
    page.fill("#cancel-code", value.lower())
    page.click("#cancel-submit")
    expect(page.locator("#cancel-result")).to_contain_text(value)
    status = app.test_client().get(f"/api/v1/bookings/{value}").json["status"]
    assert status == "cancelled"


def test_an_operator_books_for_a_caller_and_sees_the_day(
    app: Flask, live_url: str, browser: Browser, contexts: list[BrowserContext],
) -> None:
    context = browser.new_context()
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{live_url}/login?next=/bookings&lang=ru")
    page.fill("#username", "hall")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/bookings$"))
    page.locator("#book-slots button", has_text="11:00").click()
    page.fill("#book-name", "Мария Сидорова")
    page.fill("#book-phone", "89123456780")
    page.check("#book-consent")
    page.click("#book-submit")
    expect(page.locator("#book-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    row = page.locator("#list-rows tr", has_text="Мария Сидорова")
    expect(row).to_contain_text("+79123456780")
    row.locator("button").click()
    expect(page.locator("#list-rows tr", has_text="Мария Сидорова")).to_contain_text("отменена")
