/* The hall consultant's console: issue a ticket on a visitor's behalf (printed on a chosen
 * kiosk or shown large to write down), every waiting ticket longest first with live waited
 * times, the windows, and the hall's alerts with an «Принято» button.
 *
 * State comes from the snapshot (on every (re)connect) and the events after it. The waiting
 * list is kept from the events themselves rather than re-fetched: every ticket event carries
 * the ticket's new payload, so "status is waiting → in the list, else out" is exact and costs
 * no request; a gap or a reconnect brings a fresh snapshot anyway (talon.js). Alerts are not
 * in the snapshot: they are fetched on every snapshot and then follow the alert events. */
(function () {
  "use strict";

  const T = window.Talon;
  const { t, api, config } = T;

  const KINDS = ["staff_call", "ticket_overdue", "window_paused", "out_of_turn", "device_fault"];
  const FRESH_MS = 20000; // a new alert stays highlighted this long (real time, not server time)
  const RECENT_MAX = 6;
  const KIOSK_REFRESH_MS = 30000; // kiosk presence has no event: look again now and then
  const SOUND_KEY = "talon.console.sound";

  const office = {
    name: "", services: new Map(), categories: new Map(), segments: new Map(),
    defaultSegment: null, pauseMax: null, timezone: null, loaded: false,
  };
  const waiting = new Map(); // ticket id → { ticket, ticking }
  const windows = new Map(); // window number → window payload
  const queues = new Map(); // service code → { waiting, expected_wait }
  const openAlerts = new Map(); // alert id → alert payload
  const freshUntil = new Map(); // alert id → performance.now() deadline of its highlight
  let recent = []; // closed alerts, newest first
  let kiosks = [];
  let issueKey = null; // idempotency key of the form being filled in (see issue())
  let issuing = false;

  const byId = (id) => document.getElementById(id);

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }
  function localName(item) {
    return (T.lang === "en" && item.name_en) || item.name;
  }
  function serviceName(code) {
    const service = office.services.get(code);
    return service ? localName(service) : code;
  }
  function categoryName(code) {
    const category = office.categories.get(code);
    return category ? localName(category) : code;
  }

  // Messages ------------------------------------------------------------------------------

  function errorText(err) {
    const d = err.details || {};
    switch (err.code) {
      case "network":
        return err.message; // talon.js translated it already
      case "office_closed":
        return t("error.office_closed");
      case "forbidden":
        return t("error.forbidden");
      case "unknown_service":
        return t("error.unknown_service", { service: d.service || "" });
      case "unknown_alert":
        return t("error.alert_closed");
      case "invalid_transition":
        return d.alert !== undefined ? t("error.alert_closed") : t("error.generic", { message: err.message });
      default:
        return t("error.generic", { message: err.message });
    }
  }

  function showError(err) {
    if (err && err.status === 401) {
      // The login ended (expired, or logged out in another tab): log in and come back.
      location.href = "/login?next=" + encodeURIComponent(location.pathname);
      return;
    }
    const box = byId("console-error");
    box.textContent = typeof err === "string" ? err : errorText(err);
    box.classList.remove("hidden");
  }

  function clearError() {
    byId("console-error").classList.add("hidden");
  }

  // Time ------------------------------------------------------------------------------------

  /** Seconds ``ticket`` has waited by now. The server counts a wait up to the first call
   * only, so a postponed ticket back in the queue keeps the wait it had: a payload whose
   * ``waited`` is less than ``at - issued_at`` was called before and must not tick. */
  function track(ticket, at) {
    const ticking = Math.abs(ticket.waited - (at - ticket.issued_at)) < 1;
    waiting.set(ticket.id, { ticket, ticking });
  }
  function waitedNow(entry) {
    return entry.ticking ? Math.max(0, T.now() - entry.ticket.issued_at) : entry.ticket.waited;
  }
  function isOverdue(entry) {
    return waitedNow(entry) > entry.ticket.wait_target; // the server's own test (sweep)
  }
  /** "14:05" in the office's time zone: the screen's own zone may be set wrong. */
  function clockTime(epoch) {
    const options = { hour: "2-digit", minute: "2-digit" };
    if (office.timezone) options.timeZone = office.timezone;
    return new Date(epoch * 1000).toLocaleTimeString(T.lang, options);
  }

  // Office ----------------------------------------------------------------------------------

  async function loadOffice() {
    try {
      const model = await api("GET", "/office");
      office.name = model.name_en && T.lang === "en" ? model.name_en : model.name;
      for (const s of model.services) office.services.set(s.code, s);
      for (const c of model.out_of_turn) office.categories.set(c.code, c);
      for (const s of model.segments) office.segments.set(s.code, s);
      office.defaultSegment = model.default_segment;
      office.timezone = model.timezone || null;
      office.pauseMax = model.alerts ? 60 * model.alerts.pause_max_min : null;
      office.loaded = true;
      fillForm();
      renderAll();
    } catch (err) {
      showError(err);
    }
  }

  // Issuing ---------------------------------------------------------------------------------

  function fillForm() {
    const form = byId("issue-form");
    if (!form) return;
    const select = byId("issue-service");
    const chosen = select.value;
    select.replaceChildren();
    for (const service of office.services.values()) {
      const option = element("option", "", "");
      option.value = service.code;
      select.append(option);
    }
    if (chosen) select.value = chosen;
    renderServiceOptions();
    const categories = byId("issue-category");
    for (const category of office.categories.values()) {
      const option = element("option", "", localName(category));
      option.value = category.code;
      categories.append(option);
    }
    // VIP is a segment of the office file: an office without it has no VIP mark.
    byId("issue-vip").closest("label").classList.toggle("hidden", !office.segments.has("vip"));
  }

  /** Each service with its prefix and how many wait for it now: the hall consultant can
   * tell the visitor before issuing. */
  function renderServiceOptions() {
    const select = byId("issue-service");
    if (!select) return;
    for (const option of select.options) {
      const service = office.services.get(option.value);
      const queue = queues.get(option.value);
      option.textContent = t("issue.service_option", {
        prefix: service.prefix, name: localName(service), n: queue ? queue.waiting : 0,
      });
    }
  }

  async function loadKiosks() {
    if (!config.may_issue) return;
    try {
      kiosks = (await api("GET", "/kiosks")).kiosks;
    } catch (err) {
      showError(err);
      return;
    }
    // Options are updated in place, not rebuilt: the list may be open in front of the
    // consultant (it is refreshed on focus) and the choice must survive.
    const select = byId("issue-kiosk");
    const names = new Set(kiosks.map((k) => k.name));
    for (const option of [...select.options]) {
      if (option.value && !names.has(option.value)) option.remove();
    }
    for (const kiosk of kiosks) {
      let option = [...select.options].find((o) => o.value === kiosk.name);
      if (!option) {
        option = element("option");
        option.value = kiosk.name;
        select.append(option);
      }
      option.textContent = t(kiosk.connected ? "issue.kiosk_on" : "issue.kiosk_off", { name: kiosk.name });
    }
  }

  /** A fresh key per visitor: a resent request (the answer got lost, a second click) gives
   * back the same ticket instead of a second one. crypto.randomUUID needs https, which an
   * office LAN page rarely has; getRandomValues works on plain http too. */
  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function issue(event) {
    event.preventDefault();
    if (issuing) return; // the button is disabled too; this also stops Enter pressed twice
    const service = byId("issue-service").value;
    if (!service) {
      showError(t("error.choose_service"));
      return;
    }
    if (!issueKey) issueKey = newKey();
    const body = { service, idempotency_key: issueKey };
    if (byId("issue-vip").checked) body.segment = "vip";
    const category = byId("issue-category").value;
    if (category) body.category = category;
    const kiosk = byId("issue-kiosk").value;
    if (kiosk) body.print_on = kiosk;
    issuing = true;
    byId("issue-submit").disabled = true;
    try {
      const issued = await api("POST", "/tickets", body);
      issueKey = null; // the next submission is the next visitor
      clearError();
      showIssued(issued);
      // The next visitor is most likely an ordinary one: marks are not carried over.
      byId("issue-vip").checked = false;
      byId("issue-category").value = "";
    } catch (err) {
      showError(err);
    } finally {
      issuing = false;
      byId("issue-submit").disabled = false;
    }
  }

  function showIssued(issued) {
    const ticket = issued.ticket;
    byId("issued-label").textContent = ticket.label;
    byId("issued-service").textContent = serviceName(ticket.service);
    byId("issued-marks").replaceChildren(...marks(ticket));
    byId("issued-ahead").textContent = t("issued.ahead_n", { n: issued.ahead });
    byId("issued-wait").textContent = t("issued.wait_n", { n: T.minutes(issued.expected_wait) });
    const print = byId("issued-print");
    let text = t("issued.write_down");
    let ok = false;
    if (issued.print) {
      ok = issued.print.sent;
      text = t(ok ? "issued.sent" : "issued.not_sent", { kiosk: issued.print.kiosk });
    }
    print.textContent = text;
    print.className = "message " + (ok ? "info printed" : "write-down");
    const panel = byId("issued");
    panel.classList.remove("hidden");
    panel.dataset.label = ticket.label;
    // Restart the highlight: two tickets in a row must not look like one.
    panel.classList.remove("just-issued");
    void panel.offsetWidth;
    panel.classList.add("just-issued");
  }

  // Marks: words, never colour alone ---------------------------------------------------------

  function marks(ticket) {
    const found = [];
    if (ticket.segment === "vip") found.push(element("span", "priority-mark mark vip", t("mark.vip")));
    else if (ticket.segment && office.defaultSegment && ticket.segment !== office.defaultSegment) {
      const segment = office.segments.get(ticket.segment);
      found.push(element("span", "priority-mark mark", segment ? localName(segment) : ticket.segment));
    }
    if (ticket.category) {
      found.push(element("span", "priority-mark mark out-of-turn",
        t("mark.out_of_turn", { name: categoryName(ticket.category) })));
    }
    if (ticket.priority) found.push(element("span", "priority-mark mark", t("mark.priority")));
    return found;
  }

  // Waiting list ------------------------------------------------------------------------------

  let waitingShape = "";

  function sortedWaiting() {
    return [...waiting.values()].sort((a, b) =>
      waitedNow(b) - waitedNow(a) || a.ticket.issued_at - b.ticket.issued_at || a.ticket.id - b.ticket.id);
  }

  /** Rows are rebuilt only when the order or an overdue mark changes; otherwise only the
   * clocks move (so the list does not flicker every second). */
  function renderWaiting() {
    const list = sortedWaiting();
    const shape = list.map((e) => `${e.ticket.id}:${e.ticket.label}:${e.ticket.service}:${isOverdue(e)}`).join(",");
    const body = byId("waiting-rows");
    if (shape !== waitingShape) {
      waitingShape = shape;
      body.replaceChildren(...list.map(waitingRow));
    }
    const rows = body.children;
    list.forEach((entry, i) => {
      rows[i].querySelector(".waited-time").textContent = T.duration(waitedNow(entry));
    });
    const overdue = list.filter(isOverdue).length;
    byId("waiting-count").textContent = t("waiting.count", { n: list.length });
    const summary = byId("waiting-overdue");
    summary.textContent = t("waiting.overdue_count", { n: overdue });
    summary.classList.toggle("hidden", overdue === 0);
    byId("waiting-empty").classList.toggle("hidden", list.length > 0);
  }

  function waitingRow(entry) {
    const ticket = entry.ticket;
    const overdue = isOverdue(entry);
    const row = element("tr", overdue ? "overdue" : "");
    row.dataset.label = ticket.label;
    row.dataset.id = ticket.id;
    row.append(element("td", "label-text", ticket.label));
    const what = element("td", "what");
    what.append(element("div", "service", serviceName(ticket.service)));
    const found = marks(ticket);
    if (found.length) {
      const box = element("div", "marks");
      box.append(...found);
      what.append(box);
    }
    row.append(what);
    const waited = element("td", "waited");
    waited.append(element("span", "waited-time", ""));
    const target = T.minutes(ticket.wait_target);
    waited.append(overdue
      ? element("span", "overdue-mark", t("waiting.overdue", { n: target }))
      : element("span", "target", t("waiting.target", { n: target })));
    row.append(waited);
    return row;
  }

  // Windows -----------------------------------------------------------------------------------

  function renderWindows() {
    const body = byId("window-rows");
    const rows = [];
    for (const win of [...windows.values()].sort((a, b) => a.number - b.number)) {
      const row = element("tr", "state-" + win.state);
      row.dataset.window = win.number;
      const title = win.name && win.name !== `Окно ${win.number}`
        ? `${win.number} «${win.name}»` : String(win.number);
      row.append(element("td", "window-number", title));
      const state = element("td", "window-state");
      state.append(element("span", "state-word", t("state." + win.state)));
      if (win.state === "paused") {
        const pausedFor = Math.max(0, T.now() - win.since);
        const reason = win.pause_reason ? t("pause." + win.pause_reason) : "";
        const long = office.pauseMax !== null && pausedFor > office.pauseMax;
        state.append(element("span", long ? "pause overdue-mark" : "pause",
          t(long ? "windows.paused_long" : "windows.paused_for",
            { reason, time: T.duration(pausedFor) })));
        if (long) row.classList.add("overdue");
      }
      row.append(state);
      row.append(element("td", "user", win.user || "—"));
      row.append(element("td", "label-text", win.ticket ? win.ticket.label : "—"));
      rows.push(row);
    }
    body.replaceChildren(...rows);
  }

  // Alerts ------------------------------------------------------------------------------------

  let alertsLoading = false;
  let alertsAgain = false;
  let alertsHeld = [];

  /** Open alerts and the recent closed ones, on every snapshot: a reconnect may have missed
   * events. Alert events arriving meanwhile are applied at once and again after the answer,
   * so whichever came first, the last word is the newest. */
  async function loadAlerts() {
    if (alertsLoading) {
      alertsAgain = true;
      return;
    }
    alertsLoading = true;
    do {
      alertsAgain = false;
      alertsHeld = [];
      try {
        const [open, all] = await Promise.all([api("GET", "/alerts"), api("GET", "/alerts?all=1")]);
        openAlerts.clear();
        for (const alert of open.alerts) openAlerts.set(alert.id, alert);
        recent = all.alerts.filter((a) => a.acked_at !== null || a.resolved_at !== null);
      } catch (err) {
        showError(err);
      }
      for (const [kind, alert] of alertsHeld) applyAlert(kind, alert, false);
    } while (alertsAgain);
    alertsHeld = [];
    alertsLoading = false;
    renderAlerts();
  }

  function applyAlert(kind, alert, live) {
    if (kind === "alert.raised") {
      if (alert.acked_at === null && alert.resolved_at === null) {
        openAlerts.set(alert.id, alert);
        if (live && !freshUntil.has(alert.id)) {
          freshUntil.set(alert.id, performance.now() + FRESH_MS);
          beep();
        }
      }
    } else {
      closeAlert(alert);
    }
  }

  function closeAlert(alert) {
    openAlerts.delete(alert.id);
    freshUntil.delete(alert.id);
    recent = [alert, ...recent.filter((a) => a.id !== alert.id)];
  }

  function onAlertEvent(kind, alert) {
    if (alertsLoading) alertsHeld.push([kind, alert]);
    applyAlert(kind, alert, true);
  }

  async function acknowledge(id, button) {
    button.disabled = true;
    try {
      const answer = await api("POST", `/alerts/${id}/ack`);
      closeAlert(answer.alert);
      clearError();
    } catch (err) {
      if (err.status === 409 || err.status === 404) {
        // Someone else acknowledged it, or its cause went away: it is no longer open.
        openAlerts.delete(id);
        freshUntil.delete(id);
      } else {
        button.disabled = false;
      }
      showError(err);
    }
    renderAlerts();
  }

  function alertDetails(alert) {
    const d = alert.data || {};
    const parts = [];
    if (alert.label) parts.push(t("alerts.ticket", { label: alert.label }));
    if (alert.window !== null && alert.window !== undefined) parts.push(t("alerts.window", { n: alert.window }));
    switch (alert.kind) {
      case "ticket_overdue":
        if (typeof d.wait_target === "number") parts.push(t("alerts.target", { n: T.minutes(d.wait_target) }));
        break;
      case "window_paused":
        if (d.reason) parts.push(t("pause." + d.reason));
        break;
      case "out_of_turn":
        if (d.category) parts.push(categoryName(d.category));
        break;
      case "staff_call":
        if (d.button) parts.push(t("alerts.button", { name: d.button }));
        break;
      case "device_fault":
        if (d.code && !alert.message) parts.push(String(d.code));
        break;
      default:
        break;
    }
    if (alert.source && alert.source !== "system") parts.push(t("alerts.source", { name: alert.source }));
    if (alert.message) parts.push(alert.message);
    return parts.join(" · ");
  }

  function kindText(kind) {
    return KINDS.includes(kind) ? t("kind." + kind) : kind;
  }

  const alertItems = new Map(); // alert id → its <li>, kept so a click is never lost to a redraw

  function alertItem(alert) {
    const item = element("li", "alert-item");
    item.dataset.alertId = alert.id;
    item.dataset.kind = alert.kind;
    const main = element("div", "alert-main");
    const head = element("div", "alert-head");
    head.append(element("span", "alert-new", t("alerts.new")));
    head.append(element("b", "alert-kind", kindText(alert.kind)));
    main.append(head);
    const details = alertDetails(alert);
    if (details) main.append(element("div", "alert-detail", details));
    main.append(element("div", "alert-ago", ""));
    const button = element("button", "btn primary ack", t("alerts.ack"));
    button.type = "button";
    button.addEventListener("click", () => acknowledge(alert.id, button));
    item.append(main, button);
    return item;
  }

  function renderAlerts() {
    const list = byId("alerts");
    const sorted = [...openAlerts.values()].sort((a, b) => a.raised_at - b.raised_at || a.id - b.id);
    for (const [id, item] of alertItems) {
      if (!openAlerts.has(id)) {
        item.remove();
        alertItems.delete(id);
      }
    }
    sorted.forEach((alert, i) => {
      let item = alertItems.get(alert.id);
      const added = !item;
      if (added) {
        item = alertItem(alert);
        alertItems.set(alert.id, item);
      }
      if (list.children[i] !== item) list.insertBefore(item, list.children[i] || null);
      if (added && freshUntil.has(alert.id)) item.scrollIntoView({ block: "nearest" });
    });
    byId("alerts-empty").classList.toggle("hidden", sorted.length > 0);
    byId("alerts-count").textContent = sorted.length ? t("alerts.count", { n: sorted.length }) : "";
    document.body.classList.toggle("has-alerts", sorted.length > 0);
    updateAlertClocks();
    renderRecent();
    renderTitle();
  }

  function updateAlertClocks() {
    const now = performance.now();
    for (const [id, item] of alertItems) {
      const alert = openAlerts.get(id);
      const until = freshUntil.get(id);
      item.classList.toggle("fresh", until !== undefined && until > now);
      item.querySelector(".alert-ago").textContent = t("alerts.ago", {
        time: T.duration(T.now() - alert.raised_at), at: clockTime(alert.raised_at),
      });
    }
  }

  function renderRecent() {
    recent.sort((a, b) => (b.acked_at || b.resolved_at) - (a.acked_at || a.resolved_at));
    recent = recent.slice(0, RECENT_MAX);
    const items = recent.map((alert) => {
      const item = element("li", "recent-item");
      item.dataset.alertId = alert.id;
      const head = element("div", "recent-head");
      head.append(element("b", "", kindText(alert.kind)));
      const details = alertDetails(alert);
      if (details) head.append(document.createTextNode(" — " + details));
      item.append(head);
      const outcome = alert.acked_at !== null
        ? t("alerts.acked_by", { user: alert.acked_by, time: T.duration(alert.response_time || 0),
          at: clockTime(alert.acked_at) })
        : t("alerts.resolved", { at: clockTime(alert.resolved_at) });
      item.append(element("div", alert.acked_at !== null ? "outcome acked" : "outcome resolved", outcome));
      return item;
    });
    byId("alerts-recent").replaceChildren(...items);
    byId("recent-empty").classList.toggle("hidden", items.length > 0);
  }

  function renderTitle() {
    const n = openAlerts.size;
    const base = t("console.title") + (office.name ? " — " + office.name : "");
    document.title = n ? `(${n}) ${base}` : base;
  }

  // A short beep for a new alert -----------------------------------------------------------
  // Browsers start audio only after the user has touched the page, so the AudioContext is
  // made on the first click or key press; until then a new alert is only seen.

  let audio = null;
  let soundOn = localStorage.getItem(SOUND_KEY) !== "off";

  function unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    if (audio && audio.state === "suspended") audio.resume();
  }

  function beep() {
    if (!soundOn || !audio || audio.state !== "running") return;
    const start = audio.currentTime;
    for (const [offset, pitch] of [[0, 880], [0.22, 660]]) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = pitch;
      // Ramps in and out: a hard start or stop clicks in the speaker.
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 0.2);
    }
  }

  function renderSoundToggle() {
    const button = byId("sound-toggle");
    button.textContent = t(soundOn ? "alerts.sound_on" : "alerts.sound_off");
    button.setAttribute("aria-pressed", soundOn ? "true" : "false");
  }

  // Live state --------------------------------------------------------------------------------

  function onSnapshot(snapshot) {
    office.name = office.name || snapshot.office;
    windows.clear();
    for (const win of snapshot.windows) windows.set(win.number, win);
    waiting.clear();
    for (const ticket of snapshot.waiting) track(ticket, snapshot.at);
    setQueues(snapshot.queues);
    renderAll();
    loadAlerts();
    loadKiosks();
  }

  function setQueues(list) {
    queues.clear();
    for (const q of list || []) queues.set(q.service, q);
    renderServiceOptions();
  }

  function onEvent(event) {
    // Durations are measured on the server's clock, learnt from each snapshot; an event far
    // off from it means that clock moved (or this screen's did): learn it again.
    if (typeof event.at === "number" && Math.abs(event.at - T.now()) > 2) T.syncClock(event.at);
    if (event.window) windows.set(event.window.number, event.window);
    if (event.ticket) {
      if (event.ticket.status === "waiting") track(event.ticket, event.at);
      else waiting.delete(event.ticket.id);
    }
    if (event.kind === "queue.changed") setQueues(event.data.queues);
    if (event.kind.startsWith("alert.")) {
      onAlertEvent(event.kind, event.data);
      renderAlerts();
    }
    renderWaiting();
    renderWindows();
  }

  function renderAll() {
    renderWaiting();
    renderWindows();
    renderAlerts();
  }

  function tick() {
    renderWaiting();
    renderWindows();
    updateAlertClocks();
  }

  async function start() {
    renderSoundToggle();
    renderTitle();
    byId("sound-toggle").addEventListener("click", () => {
      soundOn = !soundOn;
      localStorage.setItem(SOUND_KEY, soundOn ? "on" : "off");
      renderSoundToggle();
      unlockAudio();
      beep(); // lets the consultant hear what a new alert sounds like
    });
    document.addEventListener("pointerdown", unlockAudio);
    document.addEventListener("keydown", unlockAudio);
    const form = byId("issue-form");
    if (form) {
      form.addEventListener("submit", issue);
      // A changed request is a different request: it gets a key of its own.
      form.addEventListener("change", () => { issueKey = null; });
      byId("issue-kiosk").addEventListener("focus", loadKiosks);
      setInterval(loadKiosks, KIOSK_REFRESH_MS);
    }
    await loadOffice();
    T.connect({ onSnapshot, onEvent });
    setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
