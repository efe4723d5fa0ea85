"""Reports over HTTP on a day played through the real queue: figures, rollups kept for closed
days, exports opened back, bad parameters, permissions."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from flask import Flask

from server.domain.access import Actor
from tests.conftest import FakeClock
from tests.server.conftest import KIOSK_TOKEN, device, login

DAY = "2026-11-23"  # the FakeClock's Monday
NEXT = "2026-11-24"
ANNA = Actor("ivanova", "consultant")
KIOSK = Actor("kiosk-1", "kiosk", is_device=True)


@pytest.fixture
def played(app: Flask, clock: FakeClock) -> Flask:
    """10:00 two visitors for «consult»; window 2 (ivanova) serves the first 5 min after a
    2 min wait, the second does not come; a third is transferred; then the day ends."""
    queue = app.extensions["talon"].queue
    queue.open_window(ANNA, 2)
    queue.issue(KIOSK, "consult")
    queue.issue(KIOSK, "consult")
    clock.advance(120)
    queue.call_next(ANNA, 2)
    clock.advance(30)
    queue.start(ANNA, 2)
    clock.advance(300)
    queue.finish(ANNA, 2, outcome="ok")
    queue.call_next(ANNA, 2)  # waited 450 s
    clock.advance(60)
    queue.no_show(ANNA, 2)
    queue.issue(KIOSK, "consult")
    clock.advance(10)
    queue.call_next(ANNA, 2)
    queue.start(ANNA, 2)
    queue.transfer(ANNA, 2, service="payment")
    queue.pause_window(ANNA, 2, "lunch")
    clock.advance(600)
    queue.resume_window(ANNA, 2)
    queue.close_window(ANNA, 2)
    return app


def test_a_day_report_counts_the_day(played: Flask) -> None:
    head = login(played, "head")
    report = head.get(f"/api/v1/reports?from={DAY}&to={DAY}").get_json()
    assert report["totals"] == {"issued": 3, "served": 1, "no_show": 1, "cancelled": 0,
                                "transferred": 1, "postponed": 0, "recalled": 0}
    assert report["wait"]["count"] == 3
    assert report["wait"]["mean"] == pytest.approx((120 + 450 + 10) / 3)
    assert report["wait"]["max"] == 450
    assert report["service"]["mean"] == 300 and report["walk"]["mean"] == 30
    assert report["breakdowns"]["consultant"]["ivanova"]["served"] == 1
    assert report["windows"]["2"]["paused_by_reason"] == {"lunch": 600}
    assert report["consultants"]["ivanova"]["pauses_by_reason"] == {"lunch": 1}


def test_a_closed_day_is_rolled_up_once_and_the_leftover_ticket_counts_as_cancelled(
        played: Flask, clock: FakeClock) -> None:
    clock.advance(86400)
    head = login(played, "head")
    first = head.get(f"/api/v1/reports?from={DAY}&to={NEXT}").get_json()
    assert first["totals"]["cancelled"] == 1  # the transferred visitor never came back
    store = played.extensions["talon"].store
    with store.read() as tx:
        assert [d for d, _ in tx.rollups(DAY, NEXT, 1)] == [DAY]
    again = head.get(f"/api/v1/reports?from={DAY}&to={DAY}").get_json()
    assert again["totals"] == first["totals"] and again["days"] == 1


def test_a_period_with_nobody_is_empty(app: Flask) -> None:
    head = login(app, "head")
    report = head.get("/api/v1/reports?from=2026-01-01&to=2026-01-31").get_json()
    assert report["totals"]["issued"] == 0 and report["wait"]["mean"] is None
    assert report["days"] == 31


def test_exports_open_back(played: Flask) -> None:
    head = login(played, "head")
    q = f"from={DAY}&to={DAY}"
    text = head.get(f"/api/v1/reports/export.csv?{q}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert ["issued", "3"] in rows and ["# by_service"] in rows
    book = openpyxl.load_workbook(io.BytesIO(head.get(f"/api/v1/reports/export.xlsx?{q}").data))
    assert "summary" in book.sheetnames and "consultants" in book.sheetnames
    summary = {r[0]: r[1] for r in book["summary"].iter_rows(values_only=True)}
    assert summary["served"] == 1 and summary["no_show"] == 1
    visits = head.get(f"/api/v1/reports/visits.csv?{q}")
    assert visits.headers["Content-Disposition"].startswith("attachment")
    log = list(csv.DictReader(io.StringIO(visits.get_data(as_text=True))))
    assert [v["status"] for v in log] == ["done", "no_show", "waiting"]
    assert float(log[0]["wait"]) == 120 and float(log[0]["service_time"]) == 300
    book = openpyxl.load_workbook(io.BytesIO(head.get(f"/api/v1/reports/visits.xlsx?{q}").data))
    assert book["visits"].max_row == 4
    book = openpyxl.load_workbook(
        io.BytesIO(head.get("/api/v1/reports/monthly.xlsx?month=2026-11").data))
    assert book.sheetnames == ["Summary", "Services", "Windows", "Consultants", "Days"]
    days = list(book["Days"].iter_rows(values_only=True))
    assert len(days) == 1 + 23 and days[23][0] == DAY and days[23][2] == 1  # no future days


@pytest.mark.parametrize("name", ["hourly", "waits", "trend"])
def test_charts_are_svg(played: Flask, name: str) -> None:
    head = login(played, "head")
    response = head.get(f"/api/v1/reports/charts/{name}.svg?from={DAY}&lang=en")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).startswith("<svg")


@pytest.mark.parametrize("query", [
    "", "from=2026-13-01", "from=yesterday", "from=2026-11-23&to=2026-11-01",
    "from=2025-01-01&to=2026-11-23", "from=2026-11-23&bogus=1", "from=2026-11-23T00:00",
])
def test_bad_parameters_are_refused(app: Flask, query: str) -> None:
    response = login(app, "head").get(f"/api/v1/reports?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_bad_month_chart_and_language(app: Flask) -> None:
    head = login(app, "head")
    assert head.get("/api/v1/reports/monthly.xlsx?month=2026-13").status_code == 400
    assert head.get("/api/v1/reports/charts/pie.svg?from=2026-11-23").status_code == 404
    assert head.get("/api/v1/reports/charts/trend.svg?from=2026-11-23&lang=de").status_code \
        == 400


def test_only_heads_and_admins_read_reports(app: Flask) -> None:
    q = "/api/v1/reports?from=2026-11-23"
    assert app.test_client().get(q).status_code == 401
    assert device(app, KIOSK_TOKEN).get(q).status_code == 403
    assert login(app, "ivanova").get(q).status_code == 403
    assert login(app, "hall").get(q + "&bogus=1").status_code == 403
    assert login(app, "admin").get(q).status_code == 200


def test_the_reports_page_is_for_heads(app: Flask) -> None:
    assert app.test_client().get("/reports").status_code == 302
    assert login(app, "ivanova").get("/reports").status_code == 403
    page = login(app, "head").get("/reports")
    assert page.status_code == 200 and "reports.js" in page.get_data(as_text=True)
