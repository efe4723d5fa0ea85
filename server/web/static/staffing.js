/* The office head's staffing advice: for each weekday and hour of next week, the windows to
 * open so that the chosen share of visitors waits within the office's target (Erlang C,
 * checked by simulation on the server), next to the windows actually open in past weeks.
 * One GET /api/v1/staffing per choice of target or weeks; nothing live: the advice is
 * computed from history. Cells short of windows say so in words and a symbol. */
(function () {
  "use strict";

  const T = window.Talon;
  const { t, api } = T;
  const byId = (id) => document.getElementById(id);
  let asked = 0; // the latest request: an older answer arriving late is dropped

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }
  function number(value, digits) {
    return value.toLocaleString(T.lang, { maximumFractionDigits: digits });
  }
  function share(value) {
    return value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
  }

  function cell(hour) {
    const td = element("td", "staff-cell");
    td.dataset.weekday = String(hour.weekday);
    td.dataset.hour = String(hour.hour);
    if (hour.arrivals <= 0) {
      td.classList.add("idle");
      td.append(element("span", "line", t("staff.no_visitors")));
      return td;
    }
    td.append(element("span", "line arrivals", t("staff.arrivals", { n: number(hour.arrivals, 1) })));
    const advised = element("span", "line advised", t("staff.advised", {
      n: hour.recommended_windows, share: share(hour.recommended_share),
    }));
    advised.append(" ", element("span", "simulated",
      `(${t("staff.simulated", { share: share(hour.simulated_share) })})`));
    td.append(advised);
    td.append(element("span", "line actual", t("staff.actual", {
      n: number(hour.actual_windows, 1), share: share(hour.actual_share),
    })));
    const missing = hour.recommended_windows - hour.actual_windows;
    if (missing > 0.05) {
      td.classList.add("short");
      td.append(element("span", "line mark", t("staff.short", { n: number(missing, 1) })));
    } else {
      td.append(element("span", "line mark", t("staff.ok")));
    }
    return td;
  }

  function render(data) {
    const days = [...new Map(data.hours.map((h) => [h.day, h.weekday])).entries()];
    const hours = [...new Set(data.hours.map((h) => h.hour))].sort((a, b) => a - b);
    const at = new Map(data.hours.map((h) => [`${h.day}/${h.hour}`, h]));
    const head = byId("staff-head");
    while (head.children.length > 1) head.lastChild.remove();
    for (const [day, weekday] of days) {
      const th = element("th", "", `${t("day." + weekday)} ${day.slice(8)}.${day.slice(5, 7)}`);
      th.scope = "col";
      head.append(th);
    }
    const rows = [];
    for (const hour of hours) {
      const tr = element("tr");
      const th = element("th", "num", `${String(hour).padStart(2, "0")}:00`);
      th.scope = "row";
      tr.append(th);
      for (const [day] of days) {
        const h = at.get(`${day}/${hour}`);
        tr.append(h ? cell(h) : element("td", "staff-cell closed", "—"));
      }
      rows.push(tr);
    }
    byId("staff-rows").replaceChildren(...rows);
    byId("staff-empty").classList.toggle("hidden", data.hours.length > 0);
    byId("staff-summary").textContent = t("staff.summary", {
      wait: number(data.wait_target / 60, 1),
      service: number(data.service_time / 60, 1),
      source: t(data.service_time_measured ? "staff.measured" : "staff.assumed"),
      days: data.history.days, first: data.history.first_day, last: data.history.last_day,
    });
  }

  async function refresh() {
    const mine = ++asked;
    const target = byId("target").value;
    const weeks = byId("weeks").value;
    byId("staffing-page").setAttribute("aria-busy", "true");
    byId("staff-summary").textContent = t("staff.loading");
    try {
      const data = await api("GET", `/staffing?target=${encodeURIComponent(target)}`
        + `&weeks=${encodeURIComponent(weeks)}`);
      if (mine !== asked) return;
      render(data);
      byId("staff-error").classList.add("hidden");
      byId("staffing-page").dataset.target = String(data.target);
    } catch (err) {
      if (mine !== asked) return;
      if (err.status === 401) {
        location.href = "/login?next=" + encodeURIComponent(location.pathname);
        return;
      }
      const box = byId("staff-error");
      box.textContent = err.status === 403 ? t("error.forbidden")
        : t("error.generic", { message: err.message });
      box.classList.remove("hidden");
    } finally {
      if (mine === asked) byId("staffing-page").removeAttribute("aria-busy");
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    byId("target").addEventListener("change", refresh);
    byId("weeks").addEventListener("change", refresh);
    byId("staff-form").addEventListener("submit", (e) => e.preventDefault());
    refresh();
  });
})();
