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

  const PAUSE_ORDER = ["break", "lunch", "technical", "other"];

  // The weekdays (0 = Monday) the period covers, in order.
  function weekdaysOf(report) {
    const days = new Set();
    const day = new Date(report.from + "T12:00:00Z");
    const end = new Date(report.to + "T12:00:00Z");
    while (day <= end && days.size < 7) {
      days.add((day.getUTCDay() + 6) % 7);
      day.setUTCDate(day.getUTCDate() + 1);
    }
    return [...days].sort((a, b) => a - b);
  }

  // Hour × weekday: arrivals and mean wait in every cell as text; the shading (data-level)
  // only repeats the arrivals.
  function renderHeatMap(report) {
    const cells = report.heat_map || {};
    const keys = Object.keys(cells);
    const table = $("heat-map");
    $("heat-empty").classList.toggle("hidden", keys.length > 0);
    table.classList.toggle("hidden", keys.length === 0);
    table.replaceChildren();
    if (!keys.length) return;
    const hours = keys.map((k) => Number(k.split(":")[1]));
    const first = Math.min(...hours);
    const lastHour = Math.max(...hours);
    const top = Math.max(1, ...Object.values(cells).map((c) => c.arrivals));
    const caption = document.createElement("caption");
    caption.textContent = t("heat.caption");
    const head = document.createElement("tr");
    const corner = document.createElement("th");
    corner.scope = "col";
    corner.textContent = t("heat.weekday");
    head.appendChild(corner);
    for (let h = first; h <= lastHour; h++) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = `${String(h).padStart(2, "0")}:00`;
      head.appendChild(th);
    }
    const rows = [];
    for (const wd of weekdaysOf(report)) {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = t("weekday." + wd);
      tr.appendChild(th);
      for (let h = first; h <= lastHour; h++) {
        const key = `${wd}:${String(h).padStart(2, "0")}`;
        const cell = cells[key];
        const td = document.createElement("td");
        td.dataset.cell = key;
        if (cell) {
          td.dataset.level = String(Math.ceil((4 * cell.arrivals) / top));
          const arrivals = document.createElement("span");
          arrivals.className = "heat-arrivals";
          arrivals.textContent = num(cell.arrivals);
          const wait = document.createElement("span");
          wait.className = "heat-wait";
          wait.textContent = mins(cell.mean_wait);
          td.append(arrivals, " ", wait);
        } else {
          td.dataset.level = "0";
          td.textContent = "0";
        }
        tr.appendChild(td);
      }
      rows.push(tr);
    }
    table.append(caption, head, ...rows);
  }

  function renderPauses(report) {
    const header = [t("dimension.consultant"), t("col.pause_reason"), t("col.pause_count"),
      t("col.pause_minutes")];
    const rows = [];
    for (const [name, c] of Object.entries(report.consultants)) {
      const counts = c.pauses_by_reason || {};
      const seconds = c.paused_by_reason || {};
      const reasons = [...new Set([...Object.keys(counts), ...Object.keys(seconds)])].sort(
        (a, b) => (PAUSE_ORDER.indexOf(a) + 5) % 5 - (PAUSE_ORDER.indexOf(b) + 5) % 5
          || a.localeCompare(b));
      for (const reason of reasons) {
        const tr = row([name, t("pause." + reason), num(counts[reason] || 0),
          mins(seconds[reason] || 0)]);
        tr.dataset.consultant = name;
        tr.dataset.reason = reason;
        rows.push(tr);
      }
    }
    $("pauses").replaceChildren(row(header, true), ...rows);
    $("pauses-empty").classList.toggle("hidden", rows.length > 0);
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
    renderPauses(last);
    renderHeatMap(last);
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
