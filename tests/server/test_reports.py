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


# Edge cases (docs/metrics.md): midnight, closing time, transfers, no-shows, postponements.

H = 3600.0
PETROV = Actor("petrov", "consultant")


def day_report(app: Flask, day: str = DAY) -> dict:
    return login(app, "head").get(f"/api/v1/reports?from={day}&to={day}").get_json()


def test_a_visit_across_midnight_counts_on_the_day_it_was_issued(
        app: Flask, clock: FakeClock) -> None:
    """16:30 A and B issued; 23:50 A called, 23:51 started, finished 00:10 the next day; B
    still waiting at midnight, cancelled (day_closed) by the first commit after it."""
    queue = app.extensions["talon"].queue
    store = app.extensions["talon"].store
    queue.open_window(ANNA, 2)  # 10:00
    clock.advance(6.5 * H)
    queue.issue(KIOSK, "consult")
    queue.issue(KIOSK, "consult")
    clock.advance(7 * H + 20 * 60)  # 23:50
    queue.call_next(ANNA, 2)
    clock.advance(60)
    queue.start(ANNA, 2)
    clock.advance(15 * 60)  # 00:06 of the next day, A still being served

    early = day_report(app)
    assert early["totals"] == {"issued": 2, "served": 0, "no_show": 0, "cancelled": 1,
                               "transferred": 0, "postponed": 0, "recalled": 0}
    with store.read() as tx:  # not kept while one of its visits is still going on
        assert list(tx.rollups(DAY, DAY, 1)) == []

    clock.advance(4 * 60)
    queue.finish(ANNA, 2, outcome="ok")  # 00:10; this commit cancels B (day_closed)
    clock.advance(10 * 60)
    queue.close_window(ANNA, 2)  # 00:20

    report = day_report(app)
    assert report["totals"] == {"issued": 2, "served": 1, "no_show": 0, "cancelled": 1,
                                "transferred": 0, "postponed": 0, "recalled": 0}
    assert report["wait"]["count"] == 1 and report["wait"]["mean"] == 7 * H + 20 * 60
    assert report["walk"]["mean"] == 60
    assert report["service"]["count"] == 1
    assert report["service"]["mean"] == 19 * 60  # 23:51 → 00:10, not cut at midnight
    assert report["breakdowns"]["hour"]["16"]["issued"] == 2
    assert report["heat_map"] == {"0:16": {"arrivals": 2, "mean_wait": 7 * H + 20 * 60}}
    # Hour 23: A waits 50 min, B the whole hour until midnight.
    assert report["queue_by_hour"]["23"] == {"peak": 2, "mean": pytest.approx(6600 / 3600)}
    w2 = report["windows"]["2"]
    assert w2["open"] == 14 * H  # 10:00 → midnight
    assert w2["serving"] == 9 * 60  # 23:51 → midnight
    assert w2["idle_while_waiting"] == 7 * H + 20 * 60  # 16:30 → 23:50
    assert report["consultants"]["ivanova"]["served"] == 1
    with store.read() as tx:
        assert [d for d, _ in tx.rollups(DAY, DAY, 1)] == [DAY]

    after = day_report(app, NEXT)
    assert after["totals"]["issued"] == 0 and after["totals"]["cancelled"] == 0
    assert after["service"]["count"] == 0 and after["queue_by_hour"] == {}
    nw2 = after["windows"]["2"]
    assert nw2["open"] == 20 * 60 and nw2["serving"] == 10 * 60  # 00:00 → 00:20, → 00:10
    assert after["consultants"]["ivanova"]["serving"] == 10 * 60
    assert after["consultants"]["ivanova"]["served"] == 0  # the visit counts on its day


def test_a_visit_served_past_closing_time_counts_whole(app: Flask, clock: FakeClock) -> None:
    """The office closes at 17:00; a visitor issued 16:40 is served 16:51 → 17:21."""
    queue = app.extensions["talon"].queue
    clock.advance(6 * H + 40 * 60)
    queue.open_window(ANNA, 2)
    queue.issue(KIOSK, "consult")
    clock.advance(10 * 60)
    queue.call_next(ANNA, 2)
    clock.advance(60)
    queue.start(ANNA, 2)
    clock.advance(30 * 60)
    queue.finish(ANNA, 2, outcome="ok")
    clock.advance(9 * 60)
    queue.close_window(ANNA, 2)  # 17:30
    report = day_report(app)
    assert report["totals"]["served"] == 1 and report["totals"]["cancelled"] == 0
    assert report["wait"]["mean"] == 600 and report["wait"]["within_target"] == 1
    assert report["service"]["mean"] == 1800 and report["service"]["max"] == 1800
    assert report["service"]["within_target"] == 0  # over the 10 min target
    w2 = report["windows"]["2"]
    assert w2["open"] == 50 * 60 and w2["serving"] == 1800
    assert w2["utilisation"] == pytest.approx(0.6)
    assert report["queue_by_hour"]["16"]["mean"] == pytest.approx(600 / 3600)


def test_a_transferred_visit_waits_once_and_counts_as_transferred(
        app: Flask, clock: FakeClock) -> None:
    """10:00 issued for «consult»; window 2 calls it 10:02, serves 10:02:30 → 10:05:30 and
    transfers it to «payment»; window 1 (petrov) calls it 10:15:30, serves 10:16 → 10:21."""
    queue = app.extensions["talon"].queue
    queue.open_window(ANNA, 2)
    queue.open_window(PETROV, 1)
    queue.issue(KIOSK, "consult")
    clock.advance(120)
    queue.call_next(ANNA, 2)
    clock.advance(30)
    queue.start(ANNA, 2)
    clock.advance(180)
    queue.transfer(ANNA, 2, service="payment")
    clock.advance(600)
    queue.call_next(PETROV, 1)
    clock.advance(30)
    queue.start(PETROV, 1)
    clock.advance(300)
    queue.finish(PETROV, 1, outcome="ok")
    report = day_report(app)
    assert report["totals"] == {"issued": 1, "served": 1, "no_show": 0, "cancelled": 0,
                                "transferred": 1, "postponed": 0, "recalled": 0}
    assert report["wait"]["count"] == 1 and report["wait"]["mean"] == 120  # not + 600
    assert report["walk"]["mean"] == 30 and report["service"]["mean"] == 300
    b = report["breakdowns"]
    assert list(b["service"]) == ["payment"] and b["service"]["payment"]["transferred"] == 1
    assert list(b["window"]) == ["1"] and list(b["consultant"]) == ["petrov"]
    assert report["windows"]["2"]["serving"] == 180 and report["windows"]["1"]["serving"] == 300
    assert report["consultants"]["ivanova"]["served"] == 0
    assert report["consultants"]["petrov"]["served"] == 1
    # Waiting 10:00 → 10:02 and again 10:05:30 → 10:15:30: in the queue length, not the wait.
    assert report["queue_by_hour"]["10"]["mean"] == pytest.approx(720 / 3600)


def test_a_no_show_counts_in_wait_but_not_in_service(app: Flask, clock: FakeClock) -> None:
    """Two visitors at 10:00; Y called 10:04, no-show 10:07; Z called 10:07, served
    10:08 → 10:12."""
    queue = app.extensions["talon"].queue
    queue.open_window(ANNA, 2)
    queue.issue(KIOSK, "consult")
    queue.issue(KIOSK, "consult")
    clock.advance(240)
    queue.call_next(ANNA, 2)
    clock.advance(180)
    queue.no_show(ANNA, 2)
    queue.call_next(ANNA, 2)
    clock.advance(60)
    queue.start(ANNA, 2)
    clock.advance(240)
    queue.finish(ANNA, 2, outcome="ok")
    report = day_report(app)
    assert report["totals"]["no_show"] == 1 and report["totals"]["served"] == 1
    assert report["wait"]["count"] == 2 and report["wait"]["mean"] == (240 + 420) / 2
    assert report["walk"]["count"] == 1 and report["walk"]["mean"] == 60
    assert report["service"]["count"] == 1 and report["service"]["mean"] == 240
    assert report["breakdowns"]["window"]["2"]["no_show"] == 1
    assert report["breakdowns"]["window"]["2"]["wait"]["count"] == 2
    assert report["windows"]["2"]["serving"] == 240  # calling Y is not serving
    assert report["consultants"]["ivanova"]["served"] == 1


def test_a_postponed_visit_waits_once_and_is_served_in_its_last_session(
        app: Flask, clock: FakeClock) -> None:
    """Issued 10:00, called 10:03, started 10:04, postponed 10:06; called again 10:20,
    started 10:21, finished 10:26."""
    queue = app.extensions["talon"].queue
    queue.open_window(ANNA, 2)
    queue.issue(KIOSK, "consult")
    clock.advance(180)
    queue.call_next(ANNA, 2)
    clock.advance(60)
    queue.start(ANNA, 2)
    clock.advance(120)
    queue.postpone(ANNA, 2, "fetching a document")
    clock.advance(14 * 60)
    queue.call_next(ANNA, 2)
    clock.advance(60)
    queue.start(ANNA, 2)
    clock.advance(300)
    queue.finish(ANNA, 2, outcome="ok")
    report = day_report(app)
    assert report["totals"] == {"issued": 1, "served": 1, "no_show": 0, "cancelled": 0,
                                "transferred": 0, "postponed": 1, "recalled": 0}
    assert report["wait"]["count"] == 1 and report["wait"]["mean"] == 180
    assert report["walk"]["mean"] == 60 and report["service"]["mean"] == 300
    assert report["windows"]["2"]["serving"] == 120 + 300
    assert report["queue_by_hour"]["10"]["mean"] == pytest.approx((180 + 840) / 3600)
