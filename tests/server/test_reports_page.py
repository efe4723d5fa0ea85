"""The office head's /reports page in a real headless Chromium against a live threaded server:
a period picked, the figures as the API gives them, the three SVG charts, the downloads
opened back, and the page refused to a consultant.

No sleeps: every wait is Playwright's auto-waiting ``expect`` or ``expect_download``.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.domain.access import Actor
from tests.conftest import FakeClock
from tests.server.conftest import PASSWORD

WAIT = 5000  # ms: generous for a loaded 2-core CI machine
DAY = "2026-11-23"  # the FakeClock's Monday
WEEK_START = "2026-11-17"
ANNA = Actor("ivanova", "consultant")
KIOSK = Actor("kiosk-1", "kiosk", is_device=True)


@pytest.fixture
def played(app: Flask, clock: FakeClock) -> Flask:
    """Three visitors today: one served (2 min wait, 5 min service), one no-show, one
    still waiting; window 2 paused for lunch."""
    queue = app.extensions["talon"].queue
    queue.open_window(ANNA, 2)
    for _ in range(3):
        queue.issue(KIOSK, "consult")
    clock.advance(120)
    queue.call_next(ANNA, 2)
    queue.start(ANNA, 2)
    clock.advance(300)
    queue.finish(ANNA, 2, outcome="ok")
    queue.call_next(ANNA, 2)
    clock.advance(60)
    queue.no_show(ANNA, 2)
    queue.pause_window(ANNA, 2, "lunch")
    clock.advance(600)
    return app


def signed_in(browser: Browser, contexts: list[BrowserContext], live_url: str,
              username: str) -> BrowserContext:
    context = browser.new_context(accept_downloads=True)
    contexts.append(context)
    response = context.request.post(f"{live_url}/api/v1/auth/login",
                                    data={"username": username, "password": PASSWORD})
    assert response.ok, response.text()
    return context


def open_reports(context: BrowserContext, live_url: str) -> Page:
    page = context.new_page()
    page.goto(f"{live_url}/reports")
    expect(page.locator("body")).to_have_attribute("data-loaded", f"{DAY}..{DAY}",
                                                   timeout=WAIT)
    return page


def pick(page: Page, first: str, last: str) -> None:
    page.fill("#period-from", first)
    page.fill("#period-to", last)
    page.click("#period-show")
    expect(page.locator("body")).to_have_attribute("data-loaded", f"{first}..{last}",
                                                   timeout=WAIT)


def test_the_head_sees_the_figures_of_the_period_picked(
        played: Flask, live_url: str, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    context = signed_in(browser, contexts, live_url, "head")
    page = open_reports(context, live_url)
    pick(page, WEEK_START, DAY)
    api = context.request.get(f"{live_url}/api/v1/reports?from={WEEK_START}&to={DAY}").json()
    assert api["totals"]["issued"] == 3 and api["totals"]["served"] == 1
    for key in ("issued", "served", "no_show", "cancelled", "transferred", "postponed"):
        expect(page.locator(f'#totals dd[data-figure="{key}"]')).to_have_text(
            str(api["totals"][key]), timeout=WAIT)
    wait_row = page.locator("#times tr").nth(1)
    expect(wait_row.locator("td").nth(1)).to_have_text(str(api["wait"]["count"]))
    expect(wait_row.locator("td").nth(2)).to_have_text(f"{api['wait']['mean'] / 60:.1f}")
    expect(wait_row.locator("td").nth(2)).to_have_class("met")  # within the 20 min target
    expect(page.locator("#consultants")).to_contain_text("ivanova")
    page.select_option("#breakdown-dimension", "window")
    expect(page.locator("#breakdown")).to_contain_text("Окно 2")

    page.click('[data-period="week"]')  # the quick buttons load too
    expect(page.locator("body")).to_have_attribute("data-loaded", f"{WEEK_START}..{DAY}",
                                                   timeout=WAIT)


def test_the_three_charts_load(played: Flask, live_url: str, browser: Browser,
                               contexts: list[BrowserContext]) -> None:
    page = open_reports(signed_in(browser, contexts, live_url, "head"), live_url)
    for name in ("hourly", "waits", "trend"):
        chart = page.locator(f"#chart-{name}")
        expect(chart).to_have_attribute("src", f"/api/v1/reports/charts/{name}.svg"
                                        f"?from={DAY}&to={DAY}&lang=ru", timeout=WAIT)
        page.wait_for_function(
            "id => { const img = document.getElementById(id);"
            " return img.complete && img.naturalWidth > 0; }", arg=f"chart-{name}",
            timeout=WAIT)
        assert chart.get_attribute("alt")


def download(page: Page, link: str) -> tuple[str, bytes]:
    with page.expect_download(timeout=WAIT) as info:
        page.click(link)
    found = info.value
    path = found.path()
    assert path is not None and found.failure() is None
    return found.suggested_filename, path.read_bytes()


def test_the_exports_download_and_open(played: Flask, live_url: str, browser: Browser,
                                       contexts: list[BrowserContext]) -> None:
    page = open_reports(signed_in(browser, contexts, live_url, "head"), live_url)

    name, data = download(page, "#export-csv")
    assert name == f"talon-report-{DAY}_{DAY}.csv"
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))

    name, data = download(page, "#visits-csv")
    assert name == f"talon-visits-{DAY}_{DAY}.csv"
    visits = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(visits) == 1 + 3  # a header and the day's three visits

    for link, expected in (("#export-xlsx", f"talon-report-{DAY}_{DAY}.xlsx"),
                           ("#visits-xlsx", f"talon-visits-{DAY}_{DAY}.xlsx"),
                           ("#monthly-xlsx", "talon-month-2026-11.xlsx")):
        name, data = download(page, link)
        assert name == expected
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        assert book.sheetnames and any(
            row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
        book.close()


def test_a_consultant_gets_403(played: Flask, live_url: str, browser: Browser,
                               contexts: list[BrowserContext]) -> None:
    context = signed_in(browser, contexts, live_url, "ivanova")
    assert context.request.get(f"{live_url}/reports").status == 403
    assert context.request.get(f"{live_url}/api/v1/reports?from={DAY}").status == 403
    page = context.new_page()
    response = page.goto(f"{live_url}/reports")
    assert response is not None and response.status == 403


def test_the_heat_map_and_the_pauses_show_the_api_figures(
        played: Flask, live_url: str, browser: Browser,
        contexts: list[BrowserContext]) -> None:
    context = signed_in(browser, contexts, live_url, "head")
    page = open_reports(context, live_url)
    heat = page.locator("#heat-map")
    expect(heat.locator("th[scope=row]")).to_have_count(1, timeout=WAIT)  # one day: Monday
    expect(heat.locator("th[scope=row]")).to_have_text("Понедельник")

    pick(page, WEEK_START, DAY)
    api = context.request.get(f"{live_url}/api/v1/reports?from={WEEK_START}&to={DAY}").json()
    assert api["heat_map"] == {"0:10": {"arrivals": 3, "mean_wait": (120 + 420) / 2}}
    expect(heat.locator("caption")).to_contain_text("среднее ожидание", timeout=WAIT)
    expect(heat.locator("th[scope=row]")).to_have_count(7)  # every weekday of the week
    expect(heat.locator("th[scope=col]").nth(1)).to_have_text("10:00")
    for key, cell in api["heat_map"].items():
        td = heat.locator(f'td[data-cell="{key}"]')
        expect(td.locator(".heat-arrivals")).to_have_text(str(cell["arrivals"]))
        expect(td.locator(".heat-wait")).to_have_text(f"{cell['mean_wait'] / 60:.1f}")
        expect(td).to_have_attribute("data-level", "4")
    expect(heat.locator('td[data-cell="1:10"]')).to_have_text("0")  # Tuesday: nobody

    consultant = api["consultants"]["ivanova"]
    assert consultant["pauses_by_reason"] == {"lunch": 1}
    assert consultant["paused_by_reason"] == {"lunch": 600}
    rows = page.locator("#pauses tr[data-consultant]")
    expect(rows).to_have_count(1)
    lunch = page.locator('#pauses tr[data-consultant="ivanova"][data-reason="lunch"] td')
    expect(lunch).to_have_text(["ivanova", "обед", str(consultant["pauses_by_reason"]["lunch"]),
                                f"{consultant['paused_by_reason']['lunch'] / 60:.1f}"])
    expect(page.locator("#pauses-empty")).to_be_hidden()

    page.click("[data-action=switch-language]")
    expect(page.locator("#heat-title")).to_have_text("Visitors by weekday and hour",
                                                     timeout=WAIT)
    expect(page.locator("#pauses-title")).to_have_text("Consultants' pauses by reason")
    expect(page.locator("#heat-map th[scope=row]")).to_have_text("Monday", timeout=WAIT)
    expect(page.locator('#pauses tr[data-reason="lunch"] td').nth(1)).to_have_text("lunch")


def test_a_period_with_nobody_says_so(app: Flask, live_url: str, browser: Browser,
                                      contexts: list[BrowserContext]) -> None:
    page = open_reports(signed_in(browser, contexts, live_url, "head"), live_url)
    expect(page.locator("#heat-empty")).to_be_visible(timeout=WAIT)
    expect(page.locator("#heat-map")).to_be_hidden()
    expect(page.locator("#pauses-empty")).to_be_visible()
