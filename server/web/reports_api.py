"""Reports over HTTP under /api/v1/reports: figures as JSON, CSV/XLSX exports, the visit log,
the monthly management workbook and SVG charts. Office heads and admins (EVENTS_READ) only.

Every query parameter is checked before anything is read: a bad date, ``from`` after ``to``
or a period over ``server.reports.MAX_DAYS`` days is a 400 with the usual JSON error body.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from server import charts, exports
from server.contract import API_PREFIX
from server.domain.access import EVENTS_READ
from server.domain.errors import InvalidInput, NotFound
from server.reports import Period, Reports, parse_month, parse_period
from server.web.auth import current_actor
from server.web.i18n import LANGUAGES, load_catalog

reports_api = Blueprint("reports_api", __name__, url_prefix=f"{API_PREFIX}/reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KNOWN = frozenset({"from", "to", "month", "lang"})


def _reports() -> Reports:
    found = current_app.extensions.get("talon.reports")
    if found is None:
        services = current_app.extensions["talon"]
        found = Reports(services.settings, services.store, services.queue.clock)
        current_app.extensions["talon.reports"] = found
    return found


@reports_api.before_request
def require_head() -> None:
    current_actor().require(EVENTS_READ)
    unknown = sorted(set(request.args) - KNOWN)
    if unknown:
        raise InvalidInput(f"unknown parameter {unknown[0]!r}", allowed=sorted(KNOWN))


def _period() -> Period:
    return parse_period(request.args.get("from"), request.args.get("to"))


def _name(period: Period, what: str, ext: str) -> str:
    return f"talon-{what}-{period.first.isoformat()}_{period.last.isoformat()}.{ext}"


def _download(body: Any, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@reports_api.get("")
def report() -> ResponseReturnValue:
    return _reports().report(_period())


@reports_api.get("/export.csv")
def export_csv() -> ResponseReturnValue:
    period = _period()
    text = exports.report_csv(_reports().report(period))
    return _download(text, "text/csv; charset=utf-8", _name(period, "report", "csv"))


@reports_api.get("/export.xlsx")
def export_xlsx() -> ResponseReturnValue:
    period = _period()
    data = exports.report_xlsx(_reports().report(period))
    return _download(data, XLSX, _name(period, "report", "xlsx"))


@reports_api.get("/visits.csv")
def visits_csv() -> ResponseReturnValue:
    period, reports = _period(), _reports()
    chunks = exports.visits_csv(reports.visits(period), reports.office.zone)
    return _download(chunks, "text/csv; charset=utf-8", _name(period, "visits", "csv"))


@reports_api.get("/visits.xlsx")
def visits_xlsx() -> ResponseReturnValue:
    period, reports = _period(), _reports()
    data = exports.visits_xlsx(reports.visits(period), reports.office.zone)
    return _download(data, XLSX, _name(period, "visits", "xlsx"))


@reports_api.get("/monthly.xlsx")
def monthly() -> ResponseReturnValue:
    period = parse_month(request.args.get("month"))
    data = exports.monthly_xlsx(_reports().report(period))
    return _download(data, XLSX, f"talon-month-{period.first.isoformat()[:7]}.xlsx")


@reports_api.get("/charts/<name>.svg")
def chart(name: str) -> ResponseReturnValue:
    if name not in charts.CHARTS:
        raise NotFound(f"no chart {name!r}", allowed=list(charts.CHARTS))
    lang = request.args.get("lang", "ru")
    if lang not in LANGUAGES:
        raise InvalidInput(f"unknown language {lang!r}", allowed=list(LANGUAGES))
    catalog = load_catalog("reports")[lang]
    prefix = f"chart.{name}."
    labels = {k[len(prefix):]: v for k, v in catalog.items() if k.startswith(prefix)}
    svg = charts.draw(name, _reports().report(_period()), labels)
    return Response(svg, mimetype="image/svg+xml")
