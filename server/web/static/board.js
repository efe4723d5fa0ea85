/* The hall board: the latest calls as «label → window» (the newest highlighted and blinking
 * for a few seconds, then steady), the calls before it, each service's queue, the clock and
 * the office's running text. Every live call is also announced by voice, one announcement
 * after another. What the window screen (window_screen.js) shares is exported as
 * window.Board; the hall board itself starts only on a page that has #hall. */
(function () {
  "use strict";

  const { config, t } = Talon;
  const SOUND_KEY = "talon.board.sound";
  // A stuck <audio> (a request that never answers, a decoder that never ends) must not
  // silence every later call: give up on an announcement after this long...
  const ANNOUNCEMENT_MAX_MS = 20000;
  // ...or, once its length is known, this long after it should have ended.
  const ANNOUNCEMENT_SLACK_MS = 3000;
  // Announcements held while the browser blocked sound and older than this are skipped when
  // sound comes back: by then they would send people to windows that have moved on (the
  // calls themselves were shown on screen all along).
  const STALE_ANNOUNCEMENT_MS = 120000;

  // Shared with the window screen -------------------------------------------------------

  /** «Окно 3» / "Window 3". */
  function windowTitle(number) {
    return t("board.window", { number });
  }

  /** The window's own name when it says more than its number (e.g. «Касса»), else "". */
  function windowName(number) {
    const found = (config.windows || []).find((w) => w.number === number);
    const plain = new RegExp(`^\\s*(окно|window)\\s*№?\\s*${number}\\s*$`, "i");
    return found && found.name && !plain.test(found.name) ? found.name : "";
  }

  function formatters(timeZone) {
    const zone = { timeZone: timeZone || undefined };
    try {
      new Intl.DateTimeFormat("en", zone); // throws on a zone this browser does not know
    } catch (err) {
      zone.timeZone = undefined;
    }
    return {
      time: new Intl.DateTimeFormat(Talon.lang === "en" ? "en-GB" : "ru-RU",
        { hour: "2-digit", minute: "2-digit", hourCycle: "h23", ...zone }),
      // en-CA formats a date as YYYY-MM-DD: a cheap key for "the same office day".
      day: new Intl.DateTimeFormat("en-CA",
        { year: "numeric", month: "2-digit", day: "2-digit", ...zone }),
    };
  }

  /** HH:MM of the server's clock in the office's time zone, refreshed every second; the
   * returned function refreshes it at once (after a snapshot has set the server's time). */
  function startClock(el, timeZone) {
    const format = formatters(timeZone).time;
    const tick = () => {
      el.textContent = format.format(new Date(Talon.now() * 1000));
    };
    tick();
    setInterval(tick, 1000);
    return tick;
  }

  /** False, with a message saying how to pass one, when this browser has no device token:
   * a board must never be a blank screen nobody can explain. */
  function requireToken(hide) {
    if (config.token) return true;
    if (hide) hide.classList.add("hidden");
    const box = document.createElement("section");
    box.id = "no-token";
    box.className = "no-token";
    box.setAttribute("role", "alert");
    const title = document.createElement("h1");
    title.textContent = t("board.no_token.title");
    const text = document.createElement("p");
    text.textContent = t("board.no_token.text");
    const example = document.createElement("p");
    example.textContent = t("board.no_token.example") + " ";
    const code = document.createElement("code");
    code.textContent = `${location.origin}${location.pathname}${location.search}#token=…`;
    example.append(code);
    box.append(title, text, example);
    document.body.append(box);
    return false;
  }

  /**
   * Shrinks ``elements``, all by the same factor so that a list stays even, until none is
   * wider than its box: labels and window names vary in length (and English is longer), and
   * a call cut off or wrapped mid-way is worse than a slightly smaller one. Each time starts
   * from the stylesheet's size, so a shorter text gets its full size back.
   */
  function fitWidth(elements) {
    const list = [...elements];
    for (const el of list) el.style.fontSize = "";
    let scale = 1;
    for (const el of list) {
      if (el.scrollWidth > el.clientWidth) {
        scale = Math.min(scale, el.clientWidth / el.scrollWidth);
      }
    }
    if (scale >= 1) return;
    const sizes = list.map((el) => parseFloat(getComputedStyle(el).fontSize));
    // A little under the exact ratio: glyph widths do not scale quite linearly.
    list.forEach((el, i) => { el.style.fontSize = `${Math.floor(sizes[i] * scale * 0.97)}px`; });
  }

  /** Restarts a CSS animation on ``el``: a second call within the highlight blinks anew. */
  function restartHighlight(el) {
    el.classList.remove("fresh");
    void el.offsetWidth; // forces a style flush, so re-adding the class restarts the animation
    el.classList.add("fresh");
  }

  /** «К-017 → Окно 3» as three spans, so each part can be sized; plain text when read. */
  function callLine(label, number) {
    const line = document.createElement("div");
    line.className = "call-line";
    const labelEl = document.createElement("span");
    labelEl.className = "call-label";
    labelEl.textContent = label;
    const arrow = document.createElement("span");
    arrow.className = "call-arrow";
    arrow.textContent = "→";
    const win = document.createElement("span");
    win.className = "call-window";
    win.textContent = windowTitle(number);
    line.append(labelEl, " ", arrow, " ", win);
    return line;
  }

  // Voice -------------------------------------------------------------------------------

  /** Sound for this board: ?sound=off / ?sound=on, remembered by this browser. */
  function soundWanted() {
    const asked = new URLSearchParams(location.search).get("sound");
    if (asked === "off" || asked === "on") localStorage.setItem(SOUND_KEY, asked);
    return localStorage.getItem(SOUND_KEY) !== "off";
  }

  /**
   * A FIFO of announcements played through one <audio> element. The next one starts only
   * when the current one has ended, failed, or overrun its time, so calls that arrive
   * together are all heard, in order. A browser that refuses to play without a user gesture
   * keeps the queue and shows ``unmute``; a tap on it plays on from where it stopped.
   */
  function createAnnouncer(audio, unmute) {
    const queue = []; // {url, at}; queue[0] is playing (or waiting for the tap)
    let current = null;
    let blocked = false;
    let guard = 0;

    function arm(item, ms) {
      clearTimeout(guard);
      guard = setTimeout(() => {
        audio.pause();
        finish(item);
      }, ms);
    }

    // Every path out of an announcement comes here; ``item`` guards against a late event
    // (an error after a timeout, a rejected play() after an error) skipping the next one.
    function finish(item) {
      if (!item || item !== current) return;
      clearTimeout(guard);
      current = null;
      queue.shift();
      next();
    }

    function next() {
      if (current || blocked || !queue.length) return;
      const item = queue[0];
      current = item;
      audio.src = item.url;
      arm(item, ANNOUNCEMENT_MAX_MS);
      audio.play().catch((err) => {
        if (item !== current) return;
        if (err && err.name === "NotAllowedError") {
          clearTimeout(guard);
          current = null;
          blocked = true;
          unmute.classList.remove("hidden");
          return;
        }
        finish(item); // not playable: the call is on screen anyway, go on with the next
      });
    }

    audio.addEventListener("ended", () => finish(current));
    audio.addEventListener("error", () => finish(current));
    audio.addEventListener("loadedmetadata", () => {
      if (current && Number.isFinite(audio.duration)) {
        arm(current, audio.duration * 1000 + ANNOUNCEMENT_SLACK_MS);
      }
    });
    unmute.addEventListener("click", () => {
      blocked = false;
      unmute.classList.add("hidden");
      const oldest = Date.now() - STALE_ANNOUNCEMENT_MS;
      while (queue.length && queue[0].at < oldest) queue.shift();
      next(); // inside the click: the gesture the browser asked for
    });

    return {
      announce(label, number) {
        const query = new URLSearchParams({ label, window: String(number) });
        queue.push({ url: `${config.voice}?${query}`, at: Date.now() });
        next();
      },
    };
  }

  // The hall board ----------------------------------------------------------------------

  function startHall(hall) {
    const board = config.board;
    const byCode = new Map(config.services.map((s) => [s.code, s]));
    const newestEl = document.getElementById("newest");
    const historyEl = document.getElementById("history");
    const historyTitle = document.getElementById("history-title");
    const queuesEl = document.getElementById("queues");
    const queuesBox = queuesEl.closest(".queues");
    const days = formatters(hall.dataset.timezone).day;
    let calls = []; // newest first: {id, label, window, at, recall}
    let highlightTimer = 0;

    if (Talon.lang === "en") {
      document.getElementById("office-name").textContent = hall.dataset.nameEn;
    }
    const showTime = startClock(document.getElementById("clock"), hall.dataset.timezone);
    startTicker();
    if (!requireToken(hall)) return;

    const sound = soundWanted();
    document.getElementById("sound-off").classList.toggle("hidden", sound);
    const announcer = sound ? createAnnouncer(document.getElementById("voice"),
      document.getElementById("unmute")) : null;
    addEventListener("resize", fitAll);
    document.fonts.ready.then(fitAll);

    function fitAll() {
      fitWidth(newestEl.querySelectorAll(".call-line"));
      fitWidth(historyEl.querySelectorAll(".call-line"));
      fitQueues();
    }

    // Every service's row must be on screen, however many services the office has and however
    // long their names: the rows' type shrinks (--fit, used by board.css) until they fit.
    function fitQueues() {
      queuesBox.style.setProperty("--fit", "1");
      for (let i = 0; i < 4 && queuesBox.scrollHeight > queuesBox.clientHeight + 1; i++) {
        const fit = parseFloat(queuesBox.style.getPropertyValue("--fit")) *
          queuesBox.clientHeight / queuesBox.scrollHeight;
        queuesBox.style.setProperty("--fit", fit.toFixed(3));
      }
    }

    function startTicker() {
      const ticker = document.getElementById("ticker");
      const textEl = document.getElementById("ticker-text");
      const text = ((Talon.lang === "en" && board.running_text_en) || board.running_text || "")
        .trim();
      if (!text) return;
      textEl.textContent = text;
      ticker.classList.remove("hidden");
      // The same speed whatever the text's length: one screen width every 12 seconds.
      const pace = () => {
        const distance = ticker.clientWidth + textEl.scrollWidth;
        const speed = Math.max(1, ticker.clientWidth / 12);
        textEl.style.animationDuration = `${(distance / speed).toFixed(1)}s`;
      };
      pace();
      addEventListener("resize", pace);
    }

    function renderNewest() {
      const newest = calls[0];
      if (!newest) {
        const none = document.createElement("p");
        none.className = "no-calls";
        none.textContent = t("board.no_calls");
        newestEl.replaceChildren(none);
        return;
      }
      const mark = document.createElement("p");
      mark.className = "call-mark";
      newestEl.replaceChildren(mark, callLine(newest.label, newest.window));
      const name = windowName(newest.window);
      if (name) {
        const sub = document.createElement("p");
        sub.className = "call-window-name";
        sub.textContent = name;
        newestEl.append(sub);
      }
      markNewest();
      fitWidth(newestEl.querySelectorAll(".call-line"));
    }

    // The word beside the newest call: never only the colour and the blinking.
    function markNewest() {
      const mark = newestEl.querySelector(".call-mark");
      if (!mark || !calls[0]) return;
      const fresh = newestEl.classList.contains("fresh");
      mark.textContent = !fresh ? t("board.mark.last")
        : calls[0].recall ? t("board.mark.recall") : t("board.mark.call");
    }

    function renderHistory() {
      const earlier = calls.slice(1, board.history + 1);
      historyEl.replaceChildren(...earlier.map((call) => {
        const item = document.createElement("li");
        item.append(callLine(call.label, call.window));
        return item;
      }));
      historyTitle.classList.toggle("hidden", earlier.length === 0);
      fitWidth(historyEl.querySelectorAll(".call-line"));
    }

    function highlight(seconds) {
      clearTimeout(highlightTimer);
      if (seconds <= 0) {
        newestEl.classList.remove("fresh");
        markNewest();
        return;
      }
      restartHighlight(newestEl);
      markNewest();
      highlightTimer = setTimeout(() => {
        newestEl.classList.remove("fresh");
        markNewest();
      }, seconds * 1000);
    }

    function toCall(ticket, number, recall) {
      return { id: ticket.id, label: ticket.label, window: number, at: ticket.called_at,
        recall };
    }

    function renderQueues(queues) {
      const rows = [];
      for (const q of queues) {
        const service = byCode.get(q.service);
        if (!service) continue; // a service removed since: nothing to tell visitors
        const row = document.createElement("tr");
        if (!q.waiting) row.className = "empty";
        const head = document.createElement("th");
        head.scope = "row";
        const prefix = document.createElement("span");
        prefix.className = "prefix";
        prefix.textContent = service.prefix;
        const name = document.createElement("span");
        name.className = "service-name";
        name.textContent = Talon.lang === "en" && service.name_en ? service.name_en
          : service.name;
        const cell = document.createElement("div"); // a flex box inside: a cell stays a cell
        cell.className = "service";
        cell.append(prefix, " ", name);
        head.append(cell);
        const waiting = document.createElement("td");
        waiting.className = "num waiting";
        waiting.dataset.service = q.service;
        waiting.textContent = String(q.waiting);
        const wait = document.createElement("td");
        wait.className = "num wait";
        wait.textContent = t("board.wait_min", { n: Talon.minutes(q.expected_wait) });
        row.append(head, waiting, wait);
        rows.push(row);
      }
      queuesEl.replaceChildren(...rows);
      fitQueues();
    }

    // Server time of the newest call this board has shown (null before the first snapshot).
    let lastHeard = null;
    const MISSED_MAX = 60; // s: older missed calls are shown, not spoken

    function onSnapshot(snapshot) {
      showTime();
      // Only today's calls: the first snapshot of a morning must not show last evening's.
      const today = days.format(new Date(snapshot.at * 1000));
      calls = snapshot.recent_calls
        .filter((tk) => tk.window !== null && tk.called_at !== null &&
          days.format(new Date(tk.called_at * 1000)) === today)
        .slice(0, board.history + 1)
        .map((tk) => toCall(tk, tk.window, tk.recalls > 0));
      renderNewest();
      renderHistory();
      renderQueues(snapshot.queues);
      // A call made moments ago stays highlighted for the rest of its time. The first
      // snapshot announces nothing (a board switched on must not replay the morning); after a
      // short network drop, calls made while the board was away and still fresh are spoken,
      // oldest first, so every call is heard as well as seen.
      const newest = calls[0];
      const left = newest ? newest.at + board.highlight_seconds - Talon.now() : 0;
      highlight(Math.min(left, board.highlight_seconds));
      if (announcer && lastHeard !== null) {
        const missed = calls.filter((c) => c.at > lastHeard && Talon.now() - c.at < MISSED_MAX);
        for (const c of missed.reverse()) announcer.announce(c.label, c.window);
      }
      lastHeard = Math.max(lastHeard || 0, snapshot.at);
    }

    function onCall(event, recall) {
      const ticket = event.ticket;
      const number = event.window ? event.window.number : ticket && ticket.window;
      if (!ticket || !number) return;
      // A board left on overnight: yesterday's calls leave with the first call of the day.
      const today = days.format(new Date((ticket.called_at || event.at) * 1000));
      calls = [toCall(ticket, number, recall), ...calls.filter((c) => c.id !== ticket.id &&
        c.at !== null && days.format(new Date(c.at * 1000)) === today)]
        .slice(0, board.history + 1);
      renderNewest();
      renderHistory();
      highlight(board.highlight_seconds);
      if (announcer) announcer.announce(ticket.label, number);
      lastHeard = Math.max(lastHeard || 0, ticket.called_at || event.at);
    }

    function onEvent(event) {
      if (event.kind === "ticket.called") onCall(event, false);
      else if (event.kind === "ticket.recalled") onCall(event, true);
      else if (event.kind === "queue.changed") renderQueues(event.data.queues || []);
      // Started, finished, no-show...: the call stays in the history as it was made.
    }

    Talon.connect({ onSnapshot, onEvent });
  }

  window.Board = { windowTitle, windowName, startClock, requireToken, restartHighlight, fitWidth };

  document.addEventListener("DOMContentLoaded", () => {
    const hall = document.getElementById("hall");
    if (hall) startHall(hall);
  });
})();
