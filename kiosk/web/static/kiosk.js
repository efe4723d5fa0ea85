/* The kiosk's touch page. Talks only to the kiosk agent's local API (/api/...), never to the
   queue server. Screens: start (topics) → group (second level) → confirm (people ahead,
   expected wait) → progress (sending, printing) → done (the label) or refused; «Вне
   очереди» puts a category choice first; «Я записан(а) заранее» takes a booking code on
   on-screen keys of the code alphabet, then follows the check-in like a ticket. When the kiosk cannot issue (no server, printer
   problem, office closed) the blocked screen says why. Any screen but the start returns to
   it after the configured inactivity, in the default language. */
"use strict";

(() => {
  const TEXTS = {
    ru: {
      "start.title": "Выберите тему обращения",
      "start.out_of_turn": "Вне очереди",
      "start.out_of_turn_hint": "для льготных категорий посетителей",
      "start.check_in": "Я записан(а) заранее",
      "start.out_of_turn_mode": "Вне очереди: {category}. Выберите тему обращения.",
      "category.title": "Обслуживание вне очереди",
      "category.hint": "Выберите, к какой категории вы относитесь. Администратор зала подойдёт помочь.",
      "confirm.title": "Проверьте и получите талон",
      "confirm.ahead": "Перед вами:",
      "confirm.wait": "Ожидание:",
      "confirm.print": "Получить талон",
      "confirm.people": "{n} чел.",
      "confirm.out_of_turn_wait": "вас пригласят вне очереди",
      "confirm.unknown": "—",
      "nav.back": "Назад",
      "nav.done": "Готово",
      "nav.home": "На главную",
      "progress.sending": "Получение талона…",
      "progress.sending_detail": "Подождите, пожалуйста.",
      "progress.waiting_link": "Нет связи с сервером",
      "progress.waiting_link_detail": "Ваш запрос сохранён. Талон будет напечатан, как только связь восстановится. Подождите, пожалуйста.",
      "progress.printing": "Печать…",
      "progress.printing_detail": "Ваш номер: {label}",
      "done.printed": "Возьмите талон",
      "done.detail": "Перед вами: {ahead} чел. · Ожидание: {wait}",
      "done.unprinted": "Талон не напечатан",
      "done.write_down": "Запишите номер: {label}. Ваше место в очереди сохранено.",
      "done.unprinted_detail": "Администратор зала уже знает о проблеме с принтером.",
      "refused.title": "Талон не выдан",
      "refused.detail": "Обратитесь, пожалуйста, к администратору зала.",
      "refused.unknown_service": "Эта тема сейчас недоступна.",
      "check_in.title": "Регистрация по предварительной записи",
      "check_in.hint": "Введите код из подтверждения записи: 8 букв и цифр.",
      "check_in.field": "Код записи",
      "check_in.submit": "Получить талон",
      "check_in.retry": "Ввести код снова",
      "check_in.delete": "⌫ Стереть",
      "check_in.clear": "Очистить",
      "check_in.late": "Вы опоздали к времени записи и обслуживаетесь в общей очереди.",
      "check_in.booked": "Вы записаны на {time}. Вас пригласят в это время.",
      "check_in.too_early": "Регистрация откроется в {time}",
      "check_in.too_early_detail": "Вы пришли раньше времени записи. Подойдите, пожалуйста, к этому времени.",
      "check_in.unknown_code": "Код не найден",
      "check_in.unknown_code_detail": "Проверьте код в подтверждении записи и введите его снова.",
      "check_in.cancelled": "Запись отменена",
      "check_in.other_day": "Ваша запись — на другой день",
      "check_in.other_day_detail": "Запись на {day}. Обратитесь, пожалуйста, к администратору зала.",
      "check_in.already_checked_in": "По этому коду талон уже выдан",
      "check_in.already_checked_in_detail": "Ваш номер: {label}.",
      "check_in.too_many_codes": "Слишком много неверных кодов",
      "blocked.offline": "Нет связи с сервером",
      "blocked.offline_detail": "Талоны временно не выдаются. Обратитесь, пожалуйста, к администратору зала.",
      "blocked.unauthorized": "Киоск не подключён к серверу",
      "blocked.unauthorized_detail": "Талоны не выдаются. Обратитесь, пожалуйста, к администратору зала.",
      "blocked.printer": "Принтер не работает: {problem}",
      "blocked.printer_detail": "Талоны временно не выдаются. Администратор зала уже знает о проблеме.",
      "blocked.starting": "Киоск запускается…",
      "blocked.starting_detail": "Подождите, пожалуйста.",
      "blocked.closed_detail": "Талоны не выдаются. Спасибо за понимание!",
      "printer.paper_out": "нет бумаги",
      "printer.cover_open": "открыта крышка",
      "printer.offline": "принтер не отвечает",
      "closed.closed": "Офис закрыт",
      "closed.not_yet_open": "Офис ещё не открыт",
      "closed.cutoff": "Выдача талонов на сегодня завершена",
      "closed.break": "Перерыв",
      "closed.holiday": "Сегодня праздничный день",
      "closed.day_off": "Сегодня выходной день",
      "call.button": "Вызов персонала",
      "call.sent": "Администратор вызван, ожидайте.",
      "call.open": "Администратор уже вызван, ожидайте.",
      "call.failed": "Не удалось вызвать: нет связи с сервером.",
      "minutes.less": "менее минуты",
      "minutes.n": "~{n} мин",
      "minutes.hm": "~{h} ч {m} мин",
      "lang.other": "English",
    },
    en: {
      "start.title": "Choose the topic of your visit",
      "start.out_of_turn": "Priority service",
      "start.out_of_turn_hint": "for entitled visitors",
      "start.check_in": "I have an appointment",
      "start.out_of_turn_mode": "Priority service: {category}. Choose the topic.",
      "category.title": "Priority service",
      "category.hint": "Choose your category. The hall consultant will come to help you.",
      "confirm.title": "Check and take your ticket",
      "confirm.ahead": "Ahead of you:",
      "confirm.wait": "Expected wait:",
      "confirm.print": "Take a ticket",
      "confirm.people": "{n}",
      "confirm.out_of_turn_wait": "you will be called with priority",
      "confirm.unknown": "—",
      "nav.back": "Back",
      "nav.done": "Done",
      "nav.home": "Start",
      "progress.sending": "Getting your ticket…",
      "progress.sending_detail": "Please wait.",
      "progress.waiting_link": "No connection to the server",
      "progress.waiting_link_detail": "Your request is saved. The ticket will be printed as soon as the connection is back. Please wait.",
      "progress.printing": "Printing…",
      "progress.printing_detail": "Your number: {label}",
      "done.printed": "Please take your ticket",
      "done.detail": "Ahead of you: {ahead} · Expected wait: {wait}",
      "done.unprinted": "The ticket was not printed",
      "done.write_down": "Please write down your number: {label}. Your place in the queue is kept.",
      "done.unprinted_detail": "The hall consultant already knows about the printer problem.",
      "refused.title": "No ticket was issued",
      "refused.detail": "Please ask the hall consultant.",
      "refused.unknown_service": "This topic is not available now.",
      "check_in.title": "Appointment check-in",
      "check_in.hint": "Enter the code from your booking confirmation: 8 letters and digits.",
      "check_in.field": "Booking code",
      "check_in.submit": "Take a ticket",
      "check_in.retry": "Enter the code again",
      "check_in.delete": "⌫ Delete",
      "check_in.clear": "Clear",
      "check_in.late": "You are late for your appointment and are served as a walk-in.",
      "check_in.booked": "Your appointment is at {time}. You will be called at that time.",
      "check_in.too_early": "Check-in opens at {time}",
      "check_in.too_early_detail": "You are early for your appointment. Please come back at that time.",
      "check_in.unknown_code": "Code not found",
      "check_in.unknown_code_detail": "Please check the code in your booking confirmation and enter it again.",
      "check_in.cancelled": "The booking was cancelled",
      "check_in.other_day": "Your booking is for another day",
      "check_in.other_day_detail": "Booked for {day}. Please ask the hall consultant.",
      "check_in.already_checked_in": "A ticket was already issued for this code",
      "check_in.already_checked_in_detail": "Your number: {label}.",
      "check_in.too_many_codes": "Too many wrong codes",
      "blocked.offline": "No connection to the server",
      "blocked.offline_detail": "Tickets are not issued for now. Please ask the hall consultant.",
      "blocked.unauthorized": "The kiosk is not connected to the server",
      "blocked.unauthorized_detail": "Tickets are not issued. Please ask the hall consultant.",
      "blocked.printer": "The printer is not working: {problem}",
      "blocked.printer_detail": "Tickets are not issued for now. The hall consultant already knows.",
      "blocked.starting": "The kiosk is starting…",
      "blocked.starting_detail": "Please wait.",
      "blocked.closed_detail": "Tickets are not issued. Thank you for your understanding!",
      "printer.paper_out": "out of paper",
      "printer.cover_open": "cover open",
      "printer.offline": "not responding",
      "closed.closed": "The office is closed",
      "closed.not_yet_open": "The office is not open yet",
      "closed.cutoff": "No more tickets today",
      "closed.break": "Break",
      "closed.holiday": "Today is a public holiday",
      "closed.day_off": "The office is closed today",
      "call.button": "Call staff",
      "call.sent": "A consultant is coming, please wait.",
      "call.open": "A consultant has been called, please wait.",
      "call.failed": "Could not call: no connection to the server.",
      "minutes.less": "under a minute",
      "minutes.n": "~{n} min",
      "minutes.hm": "~{h} h {m} min",
      "lang.other": "Русский",
    },
  };

  const body = document.body;
  const defaultLang = body.dataset.language === "en" ? "en" : "ru";
  const inactivityMs = Number(body.dataset.inactivity || 30) * 1000;
  const byId = (id) => document.getElementById(id);
  // Screens a visitor is in the middle of: the blocked screen does not interrupt these.
  const IN_PROGRESS = new Set(["progress", "done", "refused"]);
  // The booking code's alphabet (server/domain/booking.py): no look-alikes such as 0/O, 1/I.
  const CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479";
  const CODE_LENGTH = 8;
  // Cyrillic letters that look like Latin ones, as typed on a Russian keyboard layout.
  const LOOKALIKES = { "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "К": "K", "М": "M",
    "О": "O", "Р": "P", "Т": "T", "У": "Y", "Х": "X" };
  // Check-in refusals worth typing the code again for.
  const RETRY_CODE = new Set(["unknown_code", "invalid_code"]);

  let lang = defaultLang;
  let status = null;
  let renderedMenu = "";
  let screen = "start";
  let history = [];
  let flow = { group: null, category: null, topic: null };
  let jobId = null;
  let jobTimer = null;
  let lastTouch = Date.now();
  let callMessage = "";
  let code = "";

  function t(key, vars = {}) {
    const text = TEXTS[lang][key] ?? TEXTS.ru[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
  }

  function localName(item) {
    return lang === "en" && item.name_en ? item.name_en : item.name;
  }

  function minutes(seconds) {
    if (seconds === null || seconds === undefined) return t("confirm.unknown");
    if (seconds < 60) return t("minutes.less");
    const total = Math.ceil(Math.round((seconds / 60) * 1e6) / 1e6);
    const h = Math.floor(total / 60);
    const m = total % 60;
    return h ? t("minutes.hm", { h, m }) : t("minutes.n", { n: total });
  }

  async function api(method, path, data) {
    const options = { method, headers: {} };
    if (data !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    const response = await fetch(path, options);
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error((json.error && json.error.message) || response.statusText);
      error.code = (json.error && json.error.code) || "error";
      throw error;
    }
    return json;
  }

  function show(name, remember = true) {
    if (remember && name !== screen && !IN_PROGRESS.has(screen) && screen !== "blocked") {
      history.push(screen);
    }
    screen = name;
    for (const section of document.querySelectorAll(".screen")) {
      section.classList.toggle("hidden", section.dataset.screen !== name);
    }
    body.dataset.screen = name;
  }

  function back() {
    const previous = history.pop() || "start";
    if (previous === "start") {
      flow = { group: null, category: null, topic: null };
      renderOutOfTurnMode();
    }
    show(previous, false);
  }

  function home() {
    history = [];
    flow = { group: null, category: null, topic: null };
    jobId = null;
    clearTimeout(jobTimer);
    setCode("");
    if (lang !== defaultLang) {
      lang = defaultLang;
      applyTexts();
    }
    renderOutOfTurnMode();
    show("start", false);
    renderStatus();
  }

  function applyTexts() {
    document.documentElement.lang = lang;
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    for (const node of document.querySelectorAll("[data-t-label]")) {
      node.setAttribute("aria-label", t(node.dataset.tLabel));
    }
    renderCodeKeys();
    byId("lang").textContent = t("lang.other");
    byId("lang").lang = lang === "ru" ? "en" : "ru";
    renderedMenu = "";
    renderStatus();
    if (screen === "group" && flow.group) renderGroup(flow.group);
    if (screen === "confirm" && flow.topic) renderConfirmHead();
    renderOutOfTurnMode();
  }

  // Menus -----------------------------------------------------------------------------------

  function topicTile(topic) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tile topic-tile";
    button.dataset.code = topic.code;
    const prefix = document.createElement("span");
    prefix.className = "prefix";
    prefix.textContent = topic.prefix;
    prefix.setAttribute("aria-hidden", "true");
    const name = document.createElement("span");
    name.className = "tile-name";
    name.textContent = localName(topic);
    button.append(prefix, name);
    button.addEventListener("click", () => chooseTopic(topic));
    return button;
  }

  function groupTile(group) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tile group";
    const name = document.createElement("span");
    name.className = "tile-name";
    name.textContent = group.name;
    const more = document.createElement("span");
    more.className = "more";
    more.textContent = "›";
    more.setAttribute("aria-hidden", "true");
    button.append(name, more);
    button.addEventListener("click", () => {
      flow.group = group;
      renderGroup(group);
      show("group");
    });
    return button;
  }

  function renderMenu(menu) {
    const key = lang + JSON.stringify(menu);
    if (key === renderedMenu) return;
    renderedMenu = key;
    byId("office-name").textContent = lang === "en" && menu.office.name_en ? menu.office.name_en : menu.office.name;
    byId("tiles").replaceChildren(
      ...menu.items.map((item) => (item.type === "group" ? groupTile(item) : topicTile(item))));
    byId("out-of-turn").classList.toggle("hidden", menu.categories.length === 0);
    byId("check-in").classList.toggle("hidden", !menu.check_in);
    byId("category-tiles").replaceChildren(...menu.categories.map((category) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "tile category-tile";
      button.dataset.code = category.code;
      button.textContent = localName(category);
      button.addEventListener("click", () => {
        flow.category = category;
        renderOutOfTurnMode();
        show("start");
      });
      return button;
    }));
  }

  function renderGroup(group) {
    byId("group-title").textContent = group.name;
    byId("group-tiles").replaceChildren(...group.topics.map(topicTile));
  }

  function renderOutOfTurnMode() {
    for (const id of ["start-mode", "group-mode"]) {
      const node = byId(id);
      node.classList.toggle("hidden", !flow.category);
      if (flow.category) node.textContent = t("start.out_of_turn_mode", { category: localName(flow.category) });
    }
    byId("extras").classList.toggle("hidden", Boolean(flow.category));
    byId("start-nav").classList.toggle("hidden", !flow.category);
  }

  // Confirm, issue, follow the job ------------------------------------------------------------

  function renderConfirmHead() {
    byId("confirm-topic").textContent = `${flow.topic.prefix} — ${localName(flow.topic)}`;
    const mark = byId("confirm-category");
    mark.classList.toggle("hidden", !flow.category);
    if (flow.category) mark.textContent = localName(flow.category);
  }

  async function chooseTopic(topic) {
    flow.topic = topic;
    renderConfirmHead();
    byId("confirm-ahead").textContent = "…";
    byId("confirm-wait").textContent = "…";
    byId("confirm-print").disabled = false;
    show("confirm");
    const query = new URLSearchParams({ service: topic.code });
    if (flow.category) query.set("category", flow.category.code);
    try {
      const preview = await api("GET", `/api/preview?${query}`);
      if (flow.topic !== topic) return;
      byId("confirm-ahead").textContent = t("confirm.people", { n: preview.ahead });
      byId("confirm-wait").textContent = flow.category && preview.expected_wait === null
        ? t("confirm.out_of_turn_wait") : minutes(preview.expected_wait);
    } catch (error) {
      byId("confirm-ahead").textContent = t("confirm.unknown");
      byId("confirm-wait").textContent = t("confirm.unknown");
    }
  }

  async function issue() {
    const button = byId("confirm-print");
    if (button.disabled) return;
    button.disabled = true; // a second touch must not ask twice
    const data = { service: flow.topic.code };
    if (flow.category) data.category = flow.category.code;
    try {
      const answer = await api("POST", "/api/tickets", data);
      jobId = answer.job.id;
      renderJob(answer.job);
    } catch (error) {
      showRefused(error.code, {});
    }
  }

  async function followJob() {
    clearTimeout(jobTimer);
    if (jobId === null) return;
    const id = jobId;
    try {
      const answer = await api("GET", `/api/jobs/${id}`);
      if (id === jobId) renderJob(answer.job);
    } catch (error) {
      if (id === jobId) jobTimer = setTimeout(followJob, 1000);
    }
  }

  function renderJob(job) {
    lastTouch = Date.now();
    switch (job.phase) {
      case "sending":
      case "waiting_link":
      case "printing": {
        byId("progress-title").textContent = t(`progress.${job.phase}`);
        byId("progress-detail").textContent = job.phase === "printing" && job.label
          ? t("progress.printing_detail", { label: job.label }) : t(`progress.${job.phase}_detail`);
        show("progress");
        jobTimer = setTimeout(followJob, 300);
        return;
      }
      case "printed":
      case "unprinted": {
        const printed = job.phase === "printed";
        byId("done-title").textContent = t(printed ? "done.printed" : "done.unprinted");
        byId("done-label").textContent = job.label;
        byId("done-topic").textContent = job.service_name;
        const booked = job.kind === "check_in" && !job.late && job.slot_time;
        byId("done-detail").textContent = !printed ? t("done.unprinted_detail")
          : booked ? "" : t("done.detail", { ahead: job.ahead, wait: minutes(job.expected_wait) });
        const notice = byId("done-notice");
        const noticeText = job.kind !== "check_in" ? ""
          : job.late ? t("check_in.late") : booked ? t("check_in.booked", { time: job.slot_time }) : "";
        notice.textContent = noticeText;
        notice.classList.toggle("hidden", !noticeText);
        body.dataset.late = job.kind === "check_in" && job.late ? "true" : "false";
        const write = byId("done-write");
        write.classList.toggle("hidden", printed);
        write.textContent = printed ? "" : t("done.write_down", { label: job.label });
        body.dataset.result = job.phase;
        show("done");
        return;
      }
      default:
        showRefused(job.reason, job.details || {}, job.kind === "check_in");
    }
  }

  function showRefused(code, details, checkIn = false) {
    let title = t("refused.title");
    let detail = t("refused.detail");
    byId("refused-retry").classList.toggle("hidden", !(checkIn && RETRY_CODE.has(code)));
    if (checkIn && TEXTS.ru[`check_in.${code === "invalid_code" ? "unknown_code" : code}`]) {
      const key = `check_in.${code === "invalid_code" ? "unknown_code" : code}`;
      const vars = { time: details.opens_at_local || "", label: details.label || "",
        day: String(details.day || "").split("-").reverse().join(".") };
      title = t(key, vars);
      if (TEXTS.ru[`${key}_detail`]) detail = t(`${key}_detail`, vars);
    } else if (code === "office_closed" || code === "closed") {
      const reason = details.reason || (status && status.closed) || "closed";
      title = t(`closed.${reason}`);
      detail = t("blocked.closed_detail");
    } else if (code === "unknown_service") {
      detail = t("refused.unknown_service");
    } else if (code === "offline") {
      title = t("blocked.offline");
      detail = t("blocked.offline_detail");
    } else if (code === "printer") {
      title = t("blocked.printer", { problem: printerProblem() });
      detail = t("blocked.printer_detail");
    }
    byId("refused-title").textContent = title;
    byId("refused-detail").textContent = detail;
    body.dataset.refused = code || "";
    show("refused");
    refreshStatus();
  }

  function printerProblem() {
    const state = status && status.printer.state;
    return TEXTS[lang][`printer.${state}`] ? t(`printer.${state}`) : t("printer.offline");
  }

  // Pre-booking check-in -------------------------------------------------------------------------

  function setCode(value) {
    code = value;
    const field = byId("code-field");
    const typed = document.createElement("span");
    typed.className = "typed";
    const rest = document.createElement("span");
    rest.className = "rest";
    const shown = (text) => (text.length > 4 ? `${text.slice(0, 4)}-${text.slice(4)}` : text);
    const full = code + "·".repeat(CODE_LENGTH - code.length);
    const formatted = shown(full);
    const cut = code.length > 4 ? code.length + 1 : code.length;
    typed.textContent = formatted.slice(0, cut);
    rest.textContent = formatted.slice(cut);
    field.replaceChildren(typed, rest);
    field.dataset.code = code;
    byId("check-in-submit").disabled = code.length !== CODE_LENGTH;
  }

  function typeKey(key) {
    const char = LOOKALIKES[key.toUpperCase()] || key.toUpperCase();
    if (char.length === 1 && CODE_ALPHABET.includes(char) && code.length < CODE_LENGTH) {
      setCode(code + char);
    }
  }

  function renderCodeKeys() {
    const key = (text, label, action, wide = false) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = wide ? "key wide" : "key";
      button.textContent = text;
      button.setAttribute("aria-label", label);
      button.addEventListener("click", action);
      return button;
    };
    byId("code-keys").replaceChildren(
      ...Array.from(CODE_ALPHABET, (char) => key(char, char, () => typeKey(char))),
      key(t("check_in.delete"), t("check_in.delete"), () => setCode(code.slice(0, -1)), true),
      key(t("check_in.clear"), t("check_in.clear"), () => setCode(""), true),
    );
  }

  function openCheckIn() {
    setCode("");
    show("check-in");
  }

  async function submitCheckIn() {
    const button = byId("check-in-submit");
    if (button.disabled) return;
    button.disabled = true; // a second touch must not ask twice
    try {
      const answer = await api("POST", "/api/check-in", { code });
      jobId = answer.job.id;
      renderJob(answer.job);
    } catch (error) {
      showRefused(error.code, {}, true);
    }
  }

  function checkInKeys(event) {
    if (screen !== "check-in" || event.ctrlKey || event.altKey || event.metaKey) return;
    lastTouch = Date.now();
    if (event.key === "Backspace") setCode(code.slice(0, -1));
    else if (event.key === "Enter") submitCheckIn();
    else if (event.key.length === 1) typeKey(event.key);
    else return;
    event.preventDefault();
  }

  // The kiosk's state ---------------------------------------------------------------------------

  function renderStatus() {
    if (!status) return;
    if (status.menu) renderMenu(status.menu);
    const mode = status.mode;
    body.dataset.mode = mode;
    const call = byId("staff-call");
    call.disabled = mode === "offline" || mode === "unauthorized" || mode === "starting";
    byId("call-status").textContent = callMessage || (status.staff_call_open ? t("call.open") : "");
    if (mode === "ready") {
      if (screen === "blocked") home();
      return;
    }
    if (IN_PROGRESS.has(screen)) return;
    let title;
    let detail;
    if (mode === "printer") {
      title = t("blocked.printer", { problem: printerProblem() });
      detail = t("blocked.printer_detail");
    } else if (mode === "closed") {
      title = t(`closed.${status.closed}`);
      detail = t("blocked.closed_detail");
    } else {
      title = t(`blocked.${mode}`);
      detail = t(`blocked.${mode}_detail`);
    }
    byId("blocked-symbol").textContent = mode === "closed" ? "⊘" : mode === "starting" ? "…" : "⚠";
    byId("blocked-title").textContent = title;
    byId("blocked-detail").textContent = detail;
    history = [];
    flow = { group: null, category: null, topic: null };
    show("blocked", false);
  }

  async function refreshStatus() {
    try {
      status = await api("GET", "/api/status");
    } catch (error) {
      return; // the agent itself restarts; the page keeps what it showed
    }
    renderStatus();
  }

  async function staffCall() {
    const button = byId("staff-call");
    button.disabled = true;
    try {
      const answer = await api("POST", "/api/staff-call");
      callMessage = t(answer.created ? "call.sent" : "call.open");
    } catch (error) {
      callMessage = t("call.failed");
    }
    byId("call-status").textContent = callMessage;
    setTimeout(() => {
      callMessage = "";
      button.disabled = false;
      renderStatus();
    }, 10000);
  }

  // Wiring -----------------------------------------------------------------------------------

  function tick() {
    const now = new Date();
    byId("clock").textContent = now.toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit" });
    const quiet = Date.now() - lastTouch;
    const limit = screen === "done" && body.dataset.result === "unprinted" ? 2 * inactivityMs : inactivityMs;
    const following = screen === "progress";
    if (screen !== "start" && screen !== "blocked" && !following && quiet > limit) home();
  }

  for (const node of document.querySelectorAll("[data-back]")) node.addEventListener("click", back);
  for (const node of document.querySelectorAll("[data-home]")) node.addEventListener("click", home);
  byId("confirm-print").addEventListener("click", issue);
  byId("out-of-turn").addEventListener("click", () => show("category"));
  byId("check-in").addEventListener("click", openCheckIn);
  byId("check-in-submit").addEventListener("click", submitCheckIn);
  byId("refused-retry").addEventListener("click", () => {
    jobId = null;
    history = ["start"];
    openCheckIn();
  });
  document.addEventListener("keydown", checkInKeys);
  byId("staff-call").addEventListener("click", staffCall);
  byId("lang").addEventListener("click", () => {
    lang = lang === "ru" ? "en" : "ru";
    applyTexts();
  });
  document.addEventListener("pointerdown", () => { lastTouch = Date.now(); }, { capture: true });
  document.addEventListener("contextmenu", (event) => event.preventDefault());

  applyTexts();
  tick();
  refreshStatus();
  setInterval(refreshStatus, 1000);
  setInterval(tick, 1000);
})();
