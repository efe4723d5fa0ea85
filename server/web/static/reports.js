/* The office head's reports: pick a day or a period, read the figures, look at the charts
 * (SVG drawn by the server), download the exports. Everything comes from /api/v1/reports. */
(function () {
  "use strict";

  const T = window.Talon;
  const { t, api, config } = T;
  let last = null;

  const $ = (id) => document.getElementById(id);
  const num = (v) => (v === null || v === undefined ? "—" : String(v));
  const mins = (s) => (s === null || s === undefined ? "—" : (s / 60).toFixed(1));
  const pct = (v) => (v === null || v === undefined ? "—" : (v * 100).toFixed(1) + " %");

  function query() {
    return `from=${encodeURIComponent($("period-from").value)}&to=${encodeURIComponent($("period-to").value)}`;
  }

  function setPeriod(kind) {
    const today = new Date(config.today + "T12:00:00");
    const iso = (d) => d.toISOString().slice(0, 10);
    let from = new Date(today);
    if (kind === "week") from.setDate(today.getDate() - 6);
    if (kind === "month") from = new Date(today.getFullYear(), today.getMonth(), 1, 12);
    $("period-from").value = iso(from);
    $("period-to").value = iso(today);
  }

  function row(cells, head) {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement(head ? "th" : "td");
      if (cell && typeof cell === "object") {
        td.textContent = cell.text;
        if (cell.cls) td.className = cell.cls;
      } else {
        td.textContent = cell;
      }
      tr.appendChild(td);
    }
    return tr;
  }

  function fill(table, header, rows) {
    table.replaceChildren(row(header, true), ...rows.map((r) => row(r)));
  }

  function within(share, cls) {
    return { text: pct(share), cls };
  }

  function renderTotals(report) {
    const dl = $("totals");
    dl.replaceChildren();
    for (const key of ["issued", "served", "no_show", "cancelled", "transferred", "postponed"]) {
      const div = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = t("totals." + key);
      const dd = document.createElement("dd");
      dd.textContent = num(report.totals[key]);
      dd.dataset.figure = key;
      div.append(dt, dd);
      dl.appendChild(div);
    }
  }

  function renderTimes(report) {
    const header = ["", t("col.count"), t("col.mean"), t("col.median"), t("col.p90"),
      t("col.max"), t("col.within")];
    const rows = [];
    for (const [key, target] of [["wait", report.targets.wait], ["walk", null],
      ["service", report.targets.service]]) {
      const d = report[key];
      const cls = target === null || d.mean === null ? "" : (d.mean <= target ? "met" : "missed");
      rows.push([t("times." + key), num(d.count), { text: mins(d.mean), cls },
        mins(d.median), mins(d.p90), mins(d.max), target === null ? "—" : pct(d.within_share)]);
    }
    rows.push([t("times.staff_call"), num(report.staff_calls.response.count),
      mins(report.staff_calls.response.mean), mins(report.staff_calls.response.median),
      mins(report.staff_calls.response.p90), mins(report.staff_calls.response.max), "—"]);
    fill($("times"), header, rows);
  }

  function renderBreakdown(report) {
    const dimension = $("breakdown-dimension").value;
    const names = (report.names && report.names[dimension]) || {};
    const groups = report.breakdowns[dimension] || {};
    const header = [t("dimension." + dimension), t("totals.issued"), t("totals.served"),
      t("totals.no_show"), t("col.mean_wait"), t("col.p90_wait"), t("col.wait_within"),
      t("col.mean_service"), t("col.service_within")];
    fill($("breakdown"), header, Object.entries(groups).map(([key, g]) => [
      names[key] || key, num(g.issued), num(g.served), num(g.no_show), mins(g.wait.mean),
      mins(g.wait.p90), within(g.wait.within_share), mins(g.service.mean),
      within(g.service.within_share)]));
  }

  function renderConsultants(report) {
    const header = [t("dimension.consultant"), t("totals.served"), t("col.mean_service"),
      t("col.utilisation"), t("col.paused"), t("col.idle_waiting")];
    fill($("consultants"), header, Object.entries(report.consultants).map(([name, c]) => [
      name, num(c.served), mins(c.mean_service), pct(c.utilisation), mins(c.paused),
      mins(c.idle_while_waiting)]));
  }

  function renderLinks() {
    const base = config.api + "/reports";
    const q = query();
    $("export-csv").href = `${base}/export.csv?${q}`;
    $("export-xlsx").href = `${base}/export.xlsx?${q}`;
    $("visits-csv").href = `${base}/visits.csv?${q}`;
    $("visits-xlsx").href = `${base}/visits.xlsx?${q}`;
    $("monthly-xlsx").href = `${base}/monthly.xlsx?month=${$("period-from").value.slice(0, 7)}`;
    for (const name of ["hourly", "waits", "trend"]) {
      $("chart-" + name).src = `${base}/charts/${name}.svg?${q}&lang=${T.lang}`;
      $("chart-" + name).alt = t(`chart.${name}.title`);
    }
  }

  async function load() {
    const error = $("report-error");
    error.classList.add("hidden");
    try {
      last = await api("GET", "/reports?" + query());
    } catch (err) {
      error.textContent = t("error.report", { message: err.message });
      error.classList.remove("hidden");
      return;
    }
    renderTotals(last);
    renderTimes(last);
    renderBreakdown(last);
    renderConsultants(last);
    renderLinks();
    document.body.dataset.loaded = `${last.from}..${last.to}`;
  }

  document.addEventListener("DOMContentLoaded", () => {
    setPeriod("day");
    for (const button of document.querySelectorAll("[data-period]")) {
      button.addEventListener("click", () => { setPeriod(button.dataset.period); load(); });
    }
    $("period-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
    $("breakdown-dimension").addEventListener("change", () => last && renderBreakdown(last));
    load();
  });
})();
