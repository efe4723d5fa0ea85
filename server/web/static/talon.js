/* Talon: what every page shares. Translations, the JSON API, the live connection (snapshot
 * plus events over Socket.IO, with gap detection and a visible "disconnected" state), the
 * server's clock and duration formatting. Pages read their configuration from the
 * <script id="talon-config" type="application/json"> block the server renders. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("talon-config").textContent);
  const LANG_KEY = "talon.lang";

  // Language: ?lang= (remembered), then the remembered choice, then Russian.
  function chooseLanguage() {
    const asked = new URLSearchParams(location.search).get("lang");
    if (asked && config.catalog[asked]) {
      localStorage.setItem(LANG_KEY, asked);
      return asked;
    }
    const kept = localStorage.getItem(LANG_KEY);
    return kept && config.catalog[kept] ? kept : "ru";
  }
  const lang = chooseLanguage();

  // Device pages (boards) carry a device token, never a login that expires: given once as
  // #token=... (a fragment never reaches server logs), then remembered by this browser.
  if (config.device) {
    const fromUrl = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fromUrl) {
      localStorage.setItem("talon.token", fromUrl);
      history.replaceState(null, "", location.pathname + location.search);
    }
    config.token = localStorage.getItem("talon.token");
  }
  const strings = config.catalog[lang];
  document.documentElement.lang = lang;

  /** The text for ``key`` in the page's language, with {name} placeholders filled. */
  function t(key, params) {
    const text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      params && params[name] !== undefined ? String(params[name]) : whole);
  }

  /** Fills every [data-i18n] element's text and [data-i18n-*] attributes below ``root``. */
  function translate(root) {
    for (const el of (root || document).querySelectorAll("[data-i18n]")) {
      el.textContent = t(el.dataset.i18n);
    }
    for (const attr of ["title", "placeholder", "aria-label"]) {
      const data = "i18n" + attr.replace(/(^|-)(\w)/g, (m, d, c) => c.toUpperCase());
      for (const el of (root || document).querySelectorAll(`[data-i18n-${attr}]`)) {
        el.setAttribute(attr, t(el.dataset[data]));
      }
    }
  }

  function switchLanguage() {
    const next = lang === "ru" ? "en" : "ru";
    localStorage.setItem(LANG_KEY, next);
    const url = new URL(location.href);
    url.searchParams.delete("lang");
    location.replace(url.toString());
  }

  // Server clock: durations are measured against the server's time, not the screen's.
  let clockOffset = 0;
  function syncClock(serverTime) {
    if (typeof serverTime === "number") clockOffset = serverTime - Date.now() / 1000;
  }
  function now() {
    return Date.now() / 1000 + clockOffset;
  }

  /** 75 → "1:15", 3700 → "1:01:40". */
  function duration(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  /** Whole minutes, rounded up: a visitor would rather wait less than was promised. */
  function minutes(seconds) {
    return Math.max(0, Math.ceil(seconds / 60));
  }

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details || {};
    }
  }

  /** A JSON API call; throws ApiError with the server's message on any error status. */
  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (config.token) headers.Authorization = "Bearer " + config.token;
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(config.api + path, init);
    } catch (err) {
      throw new ApiError(0, "network", t("error.network"));
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || "http_" + response.status,
        error.message || response.statusText, error.details);
    }
    return data;
  }

  /**
   * The live connection. ``onSnapshot(snapshot)`` runs on every (re)connect and after a gap
   * in event numbers; ``onEvent(event)`` for every event in order, each once. A window screen
   * passes ``window`` and only hears that window's events, so it cannot check for gaps.
   */
  function connect(options) {
    const banner = document.getElementById("connection");
    const auth = {};
    if (config.token) auth.token = config.token;
    if (options.window !== undefined) auth.window = options.window;
    const checkGaps = options.window === undefined;
    const socket = io({ auth, reconnectionDelayMax: 5000 });
    let seq = -1;
    let resyncing = null;
    let ready = false;
    let held = [];

    function showState(connected, reason) {
      if (banner) {
        banner.textContent = reason || t("connection.lost");
        banner.classList.toggle("hidden", connected);
      }
      document.body.dataset.connected = connected ? "yes" : "no";
      if (options.onStatus) options.onStatus(connected);
    }

    function apply(snapshot) {
      // The server joins the room before reading the snapshot, so an event may overtake
      // it: a snapshot older than what is already shown is replaced by a fresh one.
      if (seq >= 0 && snapshot.seq < seq) {
        resync();
        return;
      }
      syncClock(snapshot.at);
      seq = snapshot.seq;
      options.onSnapshot(snapshot);
    }

    function applyPushed(snapshot) {
      const early = held;
      held = [];
      seq = -1; // a (re)connect: the snapshot is the truth, whatever was shown before
      apply(snapshot);
      for (const event of early) deliver(event);
    }

    async function resync() {
      if (resyncing) return;
      resyncing = api("GET", "/snapshot");
      let snapshot;
      try {
        snapshot = await resyncing;
      } catch (err) {
        resyncing = null;
        socket.disconnect().connect(); // the reconnect brings a fresh snapshot
        return;
      }
      resyncing = null; // before replaying: deliver() holds events while this is set
      const pending = held;
      held = [];
      seq = Math.min(seq, snapshot.seq); // fetched on purpose: newer than what is shown
      apply(snapshot);
      for (const event of pending) deliver(event);
    }

    function deliver(event) {
      // Until the first snapshot there is nothing to apply an event to: keep it for later.
      if (resyncing || !ready) {
        held.push(event);
        return;
      }
      // queue.changed is a summary carrying the seq of the last change it reflects.
      const summary = event.kind === "queue.changed";
      if (summary ? event.seq < seq : event.seq <= seq) return;
      if (checkGaps && !summary && seq >= 0 && event.seq > seq + 1) {
        held.push(event);
        resync();
        return;
      }
      if (!summary) seq = event.seq;
      options.onEvent(event);
    }

    socket.on("connect", () => showState(true));
    socket.on("disconnect", () => {
      ready = false; // events until the next snapshot wait for it
      showState(false);
    });
    socket.on("connect_error", (err) => {
      // Refused by the server (bad token, expired login): socket.io will not retry by itself.
      if (!socket.active) {
        showState(false, t("connection.refused"));
        setTimeout(() => socket.connect(), 10000);
      } else {
        showState(false);
      }
    });
    socket.on("snapshot", (snapshot) => {
      ready = true;
      applyPushed(snapshot);
    });
    for (const name of config.events) socket.on(name, deliver);
    showState(false, t("connection.connecting"));
    return socket;
  }

  function wireChrome() {
    translate(document);
    for (const el of document.querySelectorAll("[data-action=switch-language]")) {
      el.textContent = lang === "ru" ? "EN" : "RU";
      el.setAttribute("aria-label", t("language.switch"));
      el.addEventListener("click", switchLanguage);
    }
    for (const el of document.querySelectorAll("[data-action=logout]")) {
      el.addEventListener("click", async () => {
        await api("POST", "/auth/logout").catch(() => null);
        location.href = "/login";
      });
    }
  }

  window.Talon = {
    config, lang, t, translate, api, ApiError, connect, now, syncClock, duration, minutes,
  };
  document.addEventListener("DOMContentLoaded", wireChrome);
})();
