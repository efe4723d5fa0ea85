/* The office head's dashboard: today's figures, the queue per service, the longest waits,
 * the windows, and the dashboard's alerts (past target, predicted breach, long pause, many
 * waiting while windows are closed), live.
 *
 * Why re-fetch rather than apply events: the figures (means, shares) and the alerts (the
 * forecast) are computed on the server from the whole day; rebuilding them from events here
 * would duplicate those rules in JavaScript. So every event (and every (re)connect snapshot)
 * schedules one GET /api/v1/dashboard, debounced by DEBOUNCE_MS: a call brings several
 * events at once (ticket.called, window.changed, queue.changed) and costs one request.
 * Conditions that arise with time alone (a ticket passing its target, a pause growing too
 * long, a predicted breach) are caught two ways: the server's alert sweep (every 5 s) raises
 * hall alerts for overdue tickets and long pauses, whose events trigger a re-fetch; and the
 * page re-fetches every REFRESH_MS anyway, which also re-learns the server's clock. Between
 * fetches, waited times and times in state tick with Talon.now(). */
(function () {
  "use strict";

  const T = window.Talon;
  const { t, api, config } = T;

  const DEBOUNCE_MS = 250;
  const REFRESH_MS = 30000;
  const services = new Map((config.services || []).map((s) => [s.code, s]));
  let latest = null; // the last dashboard read
  let timer = null;
  let inFlight = false;
  let again = false;

  const byId = (id) => document.getElementById(id);

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }
  function serviceName(code) {
    const s = services.get(code);
    if (!s) return code;
    return `${s.prefix} — ${(T.lang === "en" && s.name_en) || s.name}`;
  }
  function share(value) {
    return value === null || value === undefined ? t("today.none")
      : t("today.share", { n: Math.round(value * 100) });
  }
  function time(value) {
    return value === null || value === undefined ? t("today.none") : T.duration(value);
  }

  // Fetching ------------------------------------------------------------------------------

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, DEBOUNCE_MS);
  }

  async function refresh() {
    if (inFlight) {
      again = true; // one more read after this one: it may have missed the latest change
      return;
    }
    inFlight = true;
    try {
      const data = await api("GET", "/dashboard");
      T.syncClock(data.at);
      latest = data;
      render(data);
      byId("dash-error").classList.add("hidden");
    } catch (err) {
      if (err.status === 401) {
        location.href = "/login?next=" + encodeURIComponent(location.pathname);
        return;
      }
      const box = byId("dash-error");
      box.textContent = err.status === 403 ? t("error.forbidden")
        : t("error.generic", { message: err.message });
      box.classList.remove("hidden");
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  }

  // Rendering -----------------------------------------------------------------------------

  function render(data) {
    document.body.dataset.seq = String(data.seq);
    renderFigures(data.today);
    renderAlerts(data.alerts);
    renderQueues(data.queues);
    renderLongest(data.longest);
    renderWindows(data.windows);
    const hall = byId("hall-alerts");
    hall.textContent = data.hall_alerts ? t("hall.alerts", { n: data.hall_alerts })
      : t("hall.alerts_none");
    hall.classList.toggle("has-alerts", data.hall_alerts > 0);
    tick();
  }

  function renderFigures(today) {
    for (const key of ["issued", "served", "no_show", "waiting"]) {
      byId("fig-" + key).textContent = String(today[key]);
    }
    byId("fig-mean_wait").textContent = time(today.mean_wait);
    byId("fig-mean_service").textContent = time(today.mean_service);
    byId("fig-within_wait_target").textContent = share(today.within_wait_target);
    byId("fig-within_service_target").textContent = share(today.within_service_target);
    byId("fig-longest_wait").textContent = time(today.longest_wait);
  }

  function alertText(alert) {
    switch (alert.kind) {
      case "overdue":
        return t("alert.overdue", { n: alert.count, labels: alert.labels.join(", ") });
      case "predicted":
        return t("alert.predicted", {
          service: serviceName(alert.service), time: T.duration(alert.breach_in),
          label: alert.label, waited: T.duration(alert.waited),
          expected: alert.expected === null ? t("alert.predicted_nobody")
            : t("alert.expected", { time: T.duration(alert.expected) }),
        });
      case "paused":
        return t("alert.paused", {
          window: alert.window, reason: t("pause." + (alert.reason || "other")),
          time: T.duration(alert.paused_for), limit: T.minutes(alert.limit),
        });
      case "unserved":
        return t("alert.unserved", { service: serviceName(alert.service), n: alert.waiting });
      case "crowded":
        return t("alert.crowded", { n: alert.waiting, windows: alert.closed.join(", ") });
      default:
        return alert.kind;
    }
  }

  function renderAlerts(alerts) {
    const list = byId("alerts");
    list.replaceChildren(...alerts.map((alert) => {
      const li = element("li", "dash-alert kind-" + alert.kind, alertText(alert));
      li.dataset.kind = alert.kind;
      if (alert.service) li.dataset.service = alert.service;
      if (alert.window) li.dataset.window = String(alert.window);
      return li;
    }));
    byId("alerts-empty").classList.toggle("hidden", alerts.length > 0);
    byId("alerts-count").textContent = alerts.length ? t("alerts.count", { n: alerts.length }) : "";
    document.querySelector(".dash-alerts").classList.toggle("alarm", alerts.length > 0);
  }

  function renderQueues(queues) {
    byId("queue-rows").replaceChildren(...queues.map((q) => {
      const tr = element("tr", q.overdue ? "overdue" : "");
      tr.dataset.service = q.service;
      const name = element("td", "service-name", serviceName(q.service));
      name.title = serviceName(q.service);
      const count = element("td", "num");
      count.append(element("span", "queue-waiting", String(q.waiting)));
      if (q.overdue) {
        const mark = element("span", "mark", t("queues.overdue", { n: q.overdue }));
        mark.title = t("queues.overdue_title", { n: q.overdue });
        mark.setAttribute("aria-label", mark.title);
        count.append(" ", mark);
      }
      tr.append(
        name,
        count,
        element("td", "num", t("queues.expected_n", { n: T.minutes(q.expected_wait) })),
        element("td", "num", q.oldest_wait === null ? t("today.none") : T.duration(q.oldest_wait)),
        element("td", "num", q.wait_target ? t("queues.target_n", { n: T.minutes(q.wait_target) })
          : t("today.none")),
      );
      if (!q.waiting) tr.classList.add("idle");
      return tr;
    }));
  }

  function renderLongest(rows) {
    byId("longest-rows").replaceChildren(...rows.map((row) => {
      const tr = element("tr");
      tr.dataset.label = row.label;
      tr.dataset.id = String(row.id);
      const service = element("td", "", serviceName(row.service));
      service.title = serviceName(row.service);
      const waited = element("td", "num");
      waited.append(element("span", "waited-time"), " ", element("span", "target-mark"));
      tr.append(element("td", "label-text", row.label), service, waited);
      return tr;
    }));
    byId("longest-empty").classList.toggle("hidden", rows.length > 0);
  }

  function renderWindows(windows) {
    byId("window-rows").replaceChildren(...windows.map((w) => {
      const tr = element("tr", "state-" + w.state);
      tr.dataset.window = String(w.number);
      tr.dataset.state = w.state;
      let state = t("state." + w.state);
      if (w.state === "paused" && w.pause_reason) state += ": " + t("pause." + w.pause_reason);
      tr.append(
        element("td", "label-text", w.name || String(w.number)),
        element("td", "window-state", state),
        element("td", "", w.user || t("today.none")),
        element("td", "label-text", w.label || t("today.none")),
        element("td", "num in-state"),
      );
      return tr;
    }));
  }

  // Ticking: between reads, waited times and times in state follow the server's clock. ----

  function tick() {
    if (!latest) return;
    const now = T.now();
    const waitedOf = (row) => (row.ticking ? now - row.issued_at : row.waited);
    const rows = byId("longest-rows").children;
    latest.longest.forEach((row, i) => {
      const tr = rows[i];
      if (!tr) return;
      const waited = waitedOf(row);
      const overdue = waited > row.wait_target;
      tr.classList.toggle("overdue", overdue);
      tr.querySelector(".waited-time").textContent = T.duration(waited);
      tr.querySelector(".target-mark").textContent = overdue
        ? t("longest.overdue", { n: T.minutes(row.wait_target) })
        : t("longest.target", { n: T.minutes(row.wait_target) });
    });
    if (latest.longest.length) byId("fig-longest_wait").textContent = T.duration(waitedOf(latest.longest[0]));
    const paused = new Set(latest.alerts.filter((a) => a.kind === "paused").map((a) => a.window));
    const windowRows = byId("window-rows").children;
    latest.windows.forEach((w, i) => {
      const tr = windowRows[i];
      if (!tr) return;
      const cell = tr.querySelector(".in-state");
      cell.textContent = w.state === "closed" ? t("today.none") : T.duration(now - w.since);
      if (paused.has(w.number)) cell.append(" ", element("span", "mark", t("windows.too_long")));
      tr.classList.toggle("overdue", paused.has(w.number));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    T.connect({ onSnapshot: schedule, onEvent: schedule });
    setInterval(tick, 1000);
    setInterval(refresh, REFRESH_MS);
  });
})();
