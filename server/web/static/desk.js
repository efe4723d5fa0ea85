/* The consultant's desk. Without a window number (/desk) it lists the office's windows to
 * choose from; at /desk/<n> it runs window n: open, pause, close; call, start, finish and the
 * other moves of a visit; the current visitor with live clocks; the waiting queue; the
 * consultant's own day.
 *
 * The server decides what is legal; the page only mirrors it (buttons are enabled for the
 * moves the window's state allows) and shows every refusal in the #desk-error alert. State
 * comes from the snapshot (on every (re)connect) and the events after it, so a reconnect
 * restores everything without special cases. */
(function () {
  "use strict";

  const { t, api, config } = window.Talon;
  const me = config.user;
  const anyWindow = config.role === "admin"; // admins may act at any window
  const number = config.window;

  // Letters work when the focus is not in a text field; F-keys work everywhere (they type
  // nothing) and are kept from the browser (F3 find, F5 reload…) while the desk has focus.
  const SHORTCUTS = [
    { move: "call-next", code: "KeyN", key: "F2" },
    { move: "recall", code: "KeyR", key: "F3" },
    { move: "start", code: "KeyS", key: "F4" },
    { move: "finish", code: "KeyF", key: "F5" },
    { move: "no-show", code: "KeyX", key: "F6" },
    { move: "postpone", code: "KeyP", key: "F7" },
    { move: "transfer", code: "KeyT", key: "F8" },
    { move: "call-label", code: "KeyL" },
  ];
  // Standard outcomes are stored as codes (reports count them); "other" stores the text.
  const OUTCOMES = ["resolved", "consulted", "documents_accepted", "documents_needed", "referred"];
  // A postponement reason is a note the next consultant reads: stored as words, not a code.
  const POSTPONE_REASONS = ["documents", "form", "payment"];
  // Events after which the waiting list may differ: refetch it (ranked by the server).
  const QUEUE_EVENTS = new Set([
    "ticket.issued", "ticket.called", "ticket.recalled", "ticket.postponed",
    "ticket.transferred", "ticket.cancelled", "ticket.no_show", "window.changed",
  ]);
  // Dispatch ranks by how long people waited, so the order drifts with time alone.
  const QUEUE_REFRESH_MS = 30000;

  const office = { model: null, services: new Map(), categories: new Map(), segments: new Map() };
  const windows = new Map(); // number → window payload: snapshot, then events
  const desk = {
    win: null, // this window's payload
    detail: null, // staff view of the current ticket (note, topics), fetched per ticket
    queue: [], // staff ticket payloads in call order, each with a local receipt time
    day: null,
    busy: false, // a move is in flight: no second click may race it
  };

  const byId = (id) => document.getElementById(id);
  const seconds = () => performance.now() / 1000; // monotonic: immune to clock changes

  function localName(item) {
    return (window.Talon.lang === "en" && item.name_en) || item.name;
  }
  function serviceName(code) {
    const service = office.services.get(code);
    return service ? localName(service) : code;
  }
  function windowTitle(n) {
    const conf = office.model && office.model.windows.find((w) => w.number === n);
    const plain = t("desk.window_n", { n });
    return conf && conf.name && conf.name !== `Окно ${n}` ? `${plain} «${conf.name}»` : plain;
  }
  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  // Messages ------------------------------------------------------------------------------

  function errorText(err) {
    const d = err.details || {};
    switch (err.code) {
      case "queue_empty":
        return t("error.queue_empty");
      case "unknown_ticket":
        return d.label ? t("error.unknown_label", { label: d.label }) : t("error.unknown_ticket");
      case "invalid_transition":
        if (d.ticket) {
          return t("error.ticket_state", { label: d.ticket, status: t("status." + d.status) });
        }
        if (d.window) return t("error.window_state", { n: d.window, state: t("state." + d.state) });
        return t("error.generic", { message: err.message });
      case "conflict":
        return d.window
          ? t("error.other_window", { n: d.window })
          : t("error.generic", { message: err.message });
      case "forbidden":
        return d.window ? t("error.window_taken", { n: d.window }) : t("error.forbidden");
      case "network":
        return err.message; // talon.js translated it already
      default:
        return t("error.generic", { message: err.message });
    }
  }

  let lastError = null; // the code of the error on show

  function showError(err) {
    if (err && err.status === 401) {
      // The login ended (expired, or logged out in another tab): log in and come back here.
      location.href = "/login?next=" + encodeURIComponent(location.pathname);
      return;
    }
    const box = byId("desk-error");
    lastError = typeof err === "string" ? null : err.code;
    box.textContent = typeof err === "string" ? err : errorText(err);
    box.classList.remove("hidden");
    showInfo("");
  }

  function showInfo(text) {
    const box = byId("desk-info");
    if (!box) return; // the choice of window has no info line
    box.textContent = text;
    box.classList.toggle("hidden", !text);
  }

  function clearMessages() {
    byId("desk-error").classList.add("hidden");
    showInfo("");
  }

  // What the window's state allows ------------------------------------------------------------

  /** Another consultant's open window: we may look, not act. */
  function takenByOther(win) {
    return win.state !== "closed" && win.user !== me && !anyWindow;
  }

  /** My open window other than this one (a consultant works at one window at a time). */
  function myOtherWindow() {
    for (const w of windows.values()) {
      if (w.number !== number && w.state !== "closed" && w.user === me) return w.number;
    }
    return null;
  }

  function legal(move) {
    const win = desk.win;
    if (!win || desk.busy || takenByOther(win)) return false;
    const s = win.state;
    switch (move) {
      case "open": return s === "closed" && (anyWindow || myOtherWindow() === null);
      case "close": return s === "open" || s === "paused";
      case "pause": return s === "open";
      case "resume": return s === "paused";
      case "call-next": case "call": case "call-label": return s === "open";
      case "recall": case "no-show": case "start": return s === "calling";
      case "finish": return s === "serving";
      case "postpone": case "transfer": return s === "calling" || s === "serving";
      default: return false;
    }
  }

  // Moves -----------------------------------------------------------------------------------

  async function move(name, body) {
    if (desk.busy) return null;
    desk.busy = true;
    render();
    try {
      const result = await api("POST", `/windows/${number}/${name}`, body);
      clearMessages();
      applyResult(result);
      return result;
    } catch (err) {
      showError(err);
      return null;
    } finally {
      desk.busy = false;
      render();
    }
  }

  /** Show a move's outcome at once; the event that follows says the same, and a snapshot
   * after a lost connection corrects anything missed. */
  function applyResult(result) {
    if (result.window) {
      setWindow(result.window);
      return;
    }
    const ticket = result.ticket;
    if (!ticket || !desk.win) return;
    const here = ticket.window === number;
    if (here && ticket.status === "called") {
      setWindow({ ...desk.win, state: "calling", ticket });
      dropFromQueue(ticket.id);
    } else if (here && ticket.status === "serving") {
      setWindow({ ...desk.win, state: "serving", ticket });
    } else {
      setWindow({ ...desk.win, state: "open", ticket: null });
    }
    if (ticket.status === "done" || ticket.status === "no_show") loadDay();
  }

  function run(name) {
    if (desk.busy) return; // the move before is still on its way
    if (!legal(name)) {
      // A shortcut for a move the state does not allow: say so rather than do nothing.
      showInfo(t("desk.not_now", { action: t("move." + name) }));
      return;
    }
    switch (name) {
      case "pause": openDialog("pause-dialog"); break;
      case "finish": openFinish(); break;
      case "postpone": openPostpone(); break;
      case "transfer": openTransfer(); break;
      case "call-label": byId("label-input").focus(); break;
      default: move(name);
    }
  }

  function callLabel(label) {
    const typed = label.trim();
    if (typed.length < 3) {
      showError(t("error.label_short"));
      return;
    }
    move("call", { label: typed }).then((result) => {
      if (result) byId("label-input").value = "";
    });
  }

  // Dialogs -----------------------------------------------------------------------------------

  function openDialog(id) {
    const dialog = byId(id);
    const ticket = desk.win && desk.win.ticket;
    for (const el of dialog.querySelectorAll("[data-fill=label]")) {
      el.textContent = ticket ? ticket.label : "";
    }
    dialog.showModal();
  }

  function choice(type, name, value, text, checked) {
    const label = element("label", "choice");
    const input = element("input");
    input.type = type;
    input.name = name;
    input.value = value;
    input.checked = checked;
    label.append(input, element("span", "", text));
    return label;
  }

  function openFinish() {
    const ticket = desk.win.ticket;
    const outcomes = byId("outcomes");
    outcomes.replaceChildren(
      ...OUTCOMES.map((code, i) => choice("radio", "outcome", code, t("outcome." + code), i === 0)),
      choice("radio", "outcome", "other", t("outcome.other"), false),
    );
    byId("outcome-other").value = "";
    // The visit's service and any topics recorded so far are ticked; add the others discussed.
    const chosen = new Set([ticket.service, ...((desk.detail && desk.detail.topics) || [])]);
    byId("topics").replaceChildren(...office.model.services.map((s) =>
      choice("checkbox", "topic", s.code, `${s.prefix} — ${localName(s)}`, chosen.has(s.code))));
    openDialog("finish-dialog");
  }

  function submitFinish() {
    const form = byId("finish-form");
    const picked = form.querySelector("input[name=outcome]:checked");
    const other = byId("outcome-other").value.trim();
    let outcome = picked ? picked.value : undefined;
    if (outcome === "other") outcome = other || undefined;
    const topics = [...form.querySelectorAll("input[name=topic]:checked")].map((i) => i.value);
    const body = { topics };
    if (outcome) body.outcome = outcome;
    move("finish", body);
  }

  function openPostpone() {
    byId("postpone-reasons").replaceChildren(
      ...POSTPONE_REASONS.map((code, i) =>
        choice("radio", "reason", code, t("postpone." + code), i === 0)),
      choice("radio", "reason", "other", t("postpone.other"), false),
    );
    byId("postpone-other").value = "";
    openDialog("postpone-dialog");
  }

  function submitPostpone() {
    const picked = byId("postpone-form").querySelector("input[name=reason]:checked");
    const other = byId("postpone-other").value.trim();
    const reason = picked && picked.value !== "other" ? t("postpone." + picked.value) : other;
    move("postpone", { reason: reason || t("postpone.unspecified") });
  }

  function option(value, text, disabled) {
    const el = element("option", "", text);
    el.value = value;
    el.disabled = Boolean(disabled);
    return el;
  }

  async function openTransfer() {
    const ticket = desk.win.ticket;
    const form = byId("transfer-form");
    form.querySelector("input[name=target][value=service]").checked = true;
    byId("transfer-comment").value = "";
    byId("transfer-service").replaceChildren(...office.model.services
      .filter((s) => s.code !== ticket.service)
      .map((s) => option(s.code, `${s.prefix} — ${localName(s)}`)));
    byId("transfer-window").replaceChildren(...office.model.windows
      .filter((w) => w.number !== number)
      .map((w) => {
        const live = windows.get(w.number);
        const closed = !live || live.state === "closed";
        const who = live && live.user ? ` (${live.user})` : "";
        const state = t("state." + (live ? live.state : "closed"));
        return option(w.number, `${windowTitle(w.number)} — ${state}${who}`, closed);
      }));
    const users = byId("transfer-user");
    users.replaceChildren(option("", t("desk.loading"), true));
    openDialog("transfer-dialog");
    try {
      const { staff } = await api("GET", "/staff");
      const others = staff.filter((s) => s.username !== me);
      users.replaceChildren(...others.map((s) => {
        const where = s.window ? windowTitle(s.window) : t("desk.not_at_window");
        const name = s.name && s.name !== s.username ? `${s.name} (${s.username})` : s.username;
        return option(s.username, `${name} — ${where}`, !s.window);
      }));
      if (!others.length) users.replaceChildren(option("", t("desk.nobody"), true));
    } catch (err) {
      users.replaceChildren(option("", t("desk.nobody"), true));
    }
  }

  function submitTransfer() {
    const form = byId("transfer-form");
    const target = form.querySelector("input[name=target]:checked").value;
    const body = {};
    if (target === "service") body.service = byId("transfer-service").value;
    if (target === "window") body.window = Number(byId("transfer-window").value);
    if (target === "user") body.user = byId("transfer-user").value;
    if (!body[target]) {
      showError(t("error.transfer_target"));
      return;
    }
    const comment = byId("transfer-comment").value.trim();
    if (comment) body.comment = comment;
    move("transfer", body).then((result) => {
      if (result) showInfo(t("desk.transferred", { label: result.ticket.label }));
    });
  }

  function wireDialogs() {
    for (const dialog of document.querySelectorAll("dialog")) {
      for (const button of dialog.querySelectorAll("[data-close]")) {
        button.addEventListener("click", () => dialog.close());
      }
    }
    // Choosing from a transfer list also chooses that kind of destination.
    for (const kind of ["service", "window", "user"]) {
      byId("transfer-" + kind).addEventListener("change", () => {
        byId("transfer-form").querySelector(`input[name=target][value=${kind}]`).checked = true;
      });
    }
    // The "other" text fields pick their radio button when typed into.
    byId("outcome-other").addEventListener("input", () => {
      byId("outcomes").querySelector("input[value=other]").checked = true;
    });
    byId("postpone-other").addEventListener("input", () => {
      byId("postpone-reasons").querySelector("input[value=other]").checked = true;
    });
    // <form method=dialog> closes the dialog on submit; the move then runs behind it, and a
    // refusal shows in the page's alert (a modal dialog would hide it).
    const submits = {
      "finish-form": submitFinish,
      "postpone-form": submitPostpone,
      "transfer-form": submitTransfer,
      "pause-form": (event) => {
        const reason = event.submitter && event.submitter.value;
        if (reason) move("pause", { reason });
      },
    };
    for (const [id, submit] of Object.entries(submits)) {
      byId(id).addEventListener("submit", (event) => submit(event));
    }
  }

  // The waiting queue -------------------------------------------------------------------------

  let queueLoading = null;
  let queueAgain = false;
  let removals = 0; // counts local removals, so an answer older than one cannot undo it
  const removed = new Map(); // ticket id → removal count when removed

  function scheduleQueue() {
    if (queueLoading) {
      queueAgain = true;
      return;
    }
    queueLoading = loadQueue().finally(() => {
      queueLoading = null;
      if (queueAgain) {
        queueAgain = false;
        scheduleQueue();
      }
    });
  }

  async function loadQueue() {
    const asked = removals;
    try {
      const data = await api("GET", `/windows/${number}/queue`);
      const received = seconds();
      desk.queue = data.tickets
        .filter((ticket) => !(removed.get(ticket.id) > asked))
        .map((ticket) => ({ ...ticket, received }));
      for (const [id, when] of removed) if (when <= asked) removed.delete(id);
      // "Nobody is waiting" is stale once somebody is.
      if (desk.queue.length && lastError === "queue_empty") {
        byId("desk-error").classList.add("hidden");
      }
      renderQueue();
    } catch (err) {
      if (err.status !== 0) showError(err); // a lost connection has its own banner
    }
  }

  /** Another window called (or the hall cancelled) a ticket: gone from our list at once,
   * without waiting for the refetch. */
  function dropFromQueue(id) {
    removals += 1;
    removed.set(id, removals);
    const before = desk.queue.length;
    desk.queue = desk.queue.filter((ticket) => ticket.id !== id);
    if (desk.queue.length !== before) renderQueue();
  }

  /** Seconds waited, live: the server's figure plus the time since we got it. A visitor who
   * was called before (postponed, transferred) keeps the wait up to the first call. */
  function waitedNow(ticket) {
    const ticking = !ticket.postponements && !ticket.transfers;
    return ticket.waited + (ticking ? seconds() - ticket.received : 0);
  }

  function marks(ticket) {
    const list = [];
    if (ticket.category) {
      const category = office.categories.get(ticket.category);
      const mark = element("span", "priority-mark", "» " + t("mark.out_of_turn"));
      if (category) mark.title = localName(category);
      list.push(mark);
    }
    if (ticket.priority) list.push(element("span", "priority-mark", "★ " + t("mark.priority")));
    if (office.model && ticket.segment && ticket.segment !== office.model.default_segment) {
      const segment = office.segments.get(ticket.segment);
      list.push(element("span", "priority-mark", segment ? localName(segment) : ticket.segment));
    }
    if (ticket.routed_window === number || (ticket.routed_user && ticket.routed_user === me)) {
      list.push(element("span", "priority-mark", "→ " + t("mark.for_you")));
    }
    if (ticket.postponements) list.push(element("span", "mark", "↩ " + t("mark.returned")));
    if (ticket.transfers) list.push(element("span", "mark", "↪ " + t("mark.transferred")));
    return list;
  }

  function renderQueue() {
    const rows = desk.queue.map((ticket) => {
      const row = element("tr");
      row.dataset.label = ticket.label;
      row.dataset.id = ticket.id;
      const label = element("td", "label-text", ticket.label);
      const service = element("td", "", serviceName(ticket.service));
      if (ticket.note) service.append(element("div", "note", `«${ticket.note}»`));
      const waited = element("td", "waited");
      waited.append(element("span", "time"),
        element("span", "overdue-mark hidden", t("mark.overdue")));
      const tags = element("td", "tags");
      tags.append(...marks(ticket));
      const action = element("td", "row-action");
      const call = element("button", "btn call", t("desk.call"));
      call.type = "button";
      call.dataset.label = ticket.label;
      call.setAttribute("aria-label", t("desk.call_ticket", { label: ticket.label }));
      action.append(call);
      row.append(label, service, waited, tags, action);
      return row;
    });
    byId("queue-rows").replaceChildren(...rows);
    byId("queue-empty").classList.toggle("hidden", desk.queue.length > 0);
    byId("queue-count").textContent = t("desk.queue_count", { n: desk.queue.length });
    renderCallButtons();
    tickQueue();
  }

  function renderCallButtons() {
    const allowed = legal("call");
    for (const button of byId("queue-rows").querySelectorAll("button.call")) {
      button.disabled = !allowed;
    }
  }

  function tickQueue() {
    const byIdMap = new Map(desk.queue.map((ticket) => [String(ticket.id), ticket]));
    for (const row of byId("queue-rows").children) {
      const ticket = byIdMap.get(row.dataset.id);
      if (!ticket) continue;
      const waited = waitedNow(ticket);
      const late = waited > ticket.wait_target;
      setText(row.querySelector(".time"), window.Talon.duration(waited));
      row.classList.toggle("overdue", late);
      row.querySelector(".overdue-mark").classList.toggle("hidden", !late);
    }
  }

  function setText(el, text) {
    if (el.textContent !== text) el.textContent = text;
  }

  // The consultant's day ------------------------------------------------------------------------

  async function loadDay() {
    try {
      desk.day = await api("GET", "/me/day");
    } catch (err) {
      if (err.status !== 0) showError(err);
      return;
    }
    const day = desk.day;
    byId("day-served").textContent = String(day.served);
    byId("day-no-show").textContent = String(day.no_show);
    byId("day-mean").textContent =
      day.mean_service === null ? "—" : window.Talon.duration(day.mean_service);
    byId("day-within").textContent =
      day.within_target === null ? "—" : `${Math.round(day.within_target * 100)} %`;
  }

  // This window and its visitor -----------------------------------------------------------------

  function setWindow(win) {
    const before = desk.win && desk.win.ticket ? desk.win.ticket.id : null;
    desk.win = win;
    windows.set(win.number, win);
    const now = win.ticket ? win.ticket.id : null;
    if (now !== before) {
      desk.detail = null;
      if (now !== null) loadDetail(now);
    }
  }

  async function loadDetail(id) {
    try {
      const detail = await api("GET", `/tickets/${id}`);
      if (desk.win && desk.win.ticket && desk.win.ticket.id === id) {
        desk.detail = detail;
        render();
      }
    } catch (err) {
      // The note and topics are extras: the desk works without them.
    }
  }

  function stateText(win) {
    if (win.state === "paused") {
      return t("state.paused_for", { reason: t("pause." + (win.pause_reason || "other")) });
    }
    return t("state." + win.state);
  }

  function render() {
    const win = desk.win;
    if (!win) return;
    document.body.dataset.windowState = win.state;
    setText(byId("window-state"), stateText(win));

    const note = byId("window-note");
    const other = myOtherWindow();
    if (takenByOther(win)) {
      note.textContent = t("desk.taken", { user: win.user || "—" });
    } else if (win.state === "closed" && other !== null && !anyWindow) {
      note.replaceChildren(t("desk.working_elsewhere", { n: other }) + " ");
      const link = element("a", "", t("desk.go_there"));
      link.href = `/desk/${other}`;
      note.append(link);
    } else {
      note.textContent = "";
    }
    note.classList.toggle("hidden", !note.textContent);

    for (const button of document.querySelectorAll("button[data-move]")) {
      button.disabled = !legal(button.dataset.move);
    }
    byId("call-label-submit").disabled = !legal("call");
    renderCallButtons();
    renderCurrent();
  }

  function renderCurrent() {
    const ticket = desk.win.ticket;
    byId("current").classList.toggle("hidden", !ticket);
    byId("current-empty").classList.toggle("hidden", Boolean(ticket));
    byId("current-empty").textContent =
      t(desk.win.state === "open" ? "desk.no_current" : "desk.no_current_closed");
    if (!ticket) return;
    setText(byId("current-label"), ticket.label);
    setText(byId("current-service"), serviceName(ticket.service));
    const status = ticket.status === "called" && ticket.recalls
      ? t("desk.called_again", { n: ticket.recalls })
      : t("status." + ticket.status);
    setText(byId("current-status"), status);
    byId("current-marks").replaceChildren(...marks(ticket));
    const waitedLate = ticket.waited > ticket.wait_target;
    const waited = byId("current-waited");
    const late = waitedLate ? " — " + t("mark.overdue") : "";
    setText(waited, window.Talon.duration(ticket.waited) + late);
    waited.classList.toggle("overdue-text", waitedLate);
    const target = window.Talon.minutes(ticket.service_target);
    setText(byId("current-target"), `${target} ${t("unit.min")}`);
    const noteText = desk.detail && desk.detail.note;
    const noteBox = byId("current-note");
    noteBox.textContent = noteText ? t("desk.note", { note: noteText }) : "";
    noteBox.classList.toggle("hidden", !noteText);
    tickCurrent();
  }

  /** The service clock: since the start of service, or since the call before it. Past the
   * ticket's service target it warns with a colour, a symbol and a word. */
  function tickCurrent() {
    const ticket = desk.win && desk.win.ticket;
    if (!ticket) return;
    const serving = ticket.started_at !== null && ticket.started_at !== undefined;
    const from = serving ? ticket.started_at : ticket.called_at;
    const elapsed = from ? window.Talon.now() - from : 0;
    const late = elapsed > ticket.service_target;
    setText(byId("clock-title"), t(serving ? "desk.clock_serving" : "desk.clock_called"));
    const clock = byId("service-clock");
    setText(clock, window.Talon.duration(elapsed) + (late ? " — " + t("mark.over_target") : ""));
    clock.classList.toggle("clock-warn", late);
    clock.dataset.serving = serving ? "yes" : "no";
  }

  function tickWindow() {
    const win = desk.win;
    if (!win || win.state !== "paused") return;
    const paused = window.Talon.duration(window.Talon.now() - win.since);
    setText(byId("window-state"), `${stateText(win)} (${paused})`);
  }

  // Keyboard ----------------------------------------------------------------------------------

  function typing(target) {
    if (!(target instanceof HTMLElement)) return false;
    if (target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName)) return true;
    const clickable = ["button", "submit", "reset", "checkbox", "radio"];
    return target.tagName === "INPUT" && !clickable.includes(target.type);
  }

  function onKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return; // the browser's own shortcuts
    const byFKey = SHORTCUTS.find((s) => s.key && s.key === event.key);
    // Our F-keys never reach the browser, even under a dialog: F5 must not reload the desk.
    if (byFKey) event.preventDefault();
    if (document.querySelector("dialog[open]")) return; // a dialog has its own keys (Esc)
    const byLetter = !byFKey && !event.shiftKey && !typing(event.target)
      ? SHORTCUTS.find((s) => s.code === event.code) : null;
    const shortcut = byFKey || byLetter;
    if (!shortcut) return;
    event.preventDefault();
    if (event.repeat) return; // a held key must not call visitor after visitor
    run(shortcut.move);
  }

  // Wiring ------------------------------------------------------------------------------------

  function onSnapshot(snapshot) {
    windows.clear();
    for (const win of snapshot.windows) windows.set(win.number, win);
    if (number === null) {
      renderChoice();
      return;
    }
    const mine = windows.get(number);
    if (mine) setWindow(mine);
    removed.clear();
    scheduleQueue();
    loadDay();
    render();
  }

  function onEvent(event) {
    if (event.window) windows.set(event.window.number, event.window);
    if (number === null) {
      renderChoice();
      return;
    }
    const ticket = event.ticket;
    if (ticket && (event.kind === "ticket.called" || event.kind === "ticket.cancelled")) {
      dropFromQueue(ticket.id);
    }
    if (event.window && event.window.number === number) {
      setWindow(event.window);
      if (event.kind === "ticket.finished" || event.kind === "ticket.no_show") loadDay();
    }
    if (QUEUE_EVENTS.has(event.kind)) scheduleQueue();
    render();
  }

  function startDesk() {
    document.title = `${windowTitle(number)} — ${t("app.name")}`;
    for (const button of document.querySelectorAll("button[data-move]")) {
      button.addEventListener("click", () => run(button.dataset.move));
    }
    byId("queue-rows").addEventListener("click", (event) => {
      const button = event.target.closest("button.call");
      if (button && !button.disabled) move("call", { label: button.dataset.label });
    });
    byId("call-label").addEventListener("submit", (event) => {
      event.preventDefault();
      callLabel(byId("label-input").value);
    });
    wireDialogs();
    document.addEventListener("keydown", onKey);
    setInterval(() => {
      tickCurrent();
      tickQueue();
      tickWindow();
    }, 250);
    setInterval(scheduleQueue, QUEUE_REFRESH_MS);
  }

  // The choice of window (/desk) ------------------------------------------------------------

  function renderChoice() {
    const list = byId("windows");
    let mine = null;
    list.replaceChildren(...office.model.windows.map((conf) => {
      const live = windows.get(conf.number);
      const state = live ? live.state : "closed";
      const item = element("li");
      const link = element("a", "btn window-choice");
      link.href = `/desk/${conf.number}`;
      link.dataset.window = conf.number;
      link.append(element("span", "choice-title", windowTitle(conf.number)));
      let status = t("state." + state);
      if (live && live.state !== "closed" && live.user) status += ` — ${live.user}`;
      if (live && live.user === me && state !== "closed") {
        mine = conf.number;
        status += ` (${t("desk.yours")})`;
        link.classList.add("primary");
      }
      link.append(element("span", "choice-state", status));
      link.append(element("span", "choice-services",
        conf.services.map((s) => serviceName(s.code)).join(", ")));
      item.append(link);
      return item;
    }));
    const note = byId("choice-mine");
    note.textContent = mine === null ? "" : t("desk.working_elsewhere", { n: mine });
    note.classList.toggle("hidden", mine === null);
  }

  // Start -----------------------------------------------------------------------------------

  async function loadOffice() {
    // Retried until it works: without the office model there are no names to show.
    for (;;) {
      try {
        return await api("GET", "/office");
      } catch (err) {
        showError(err);
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
    }
  }

  async function start() {
    const model = await loadOffice();
    byId("desk-error").classList.add("hidden");
    office.model = model;
    for (const s of model.services) office.services.set(s.code, s);
    for (const c of model.out_of_turn || []) office.categories.set(c.code, c);
    for (const s of model.segments || []) office.segments.set(s.code, s);
    if (number !== null) startDesk();
    window.Talon.connect({ onSnapshot, onEvent });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
