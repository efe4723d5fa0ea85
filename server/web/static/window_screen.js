/* The small screen above one window: «Окно N» and the label called to it (blinking for a
 * few seconds on a call), «Перерыв» while paused, «Окно закрыто» while closed. It connects
 * for its own window only, so it hears nothing of the others. */
(function () {
  "use strict";

  const { config, t } = Talon;

  document.addEventListener("DOMContentLoaded", () => {
    const number = config.window;
    const screen = document.getElementById("screen");
    const main = document.getElementById("screen-main");
    const mark = document.getElementById("screen-mark");
    const label = document.getElementById("screen-label");
    const status = document.getElementById("screen-status");
    const seconds = config.board.highlight_seconds;
    let highlightTimer = 0;
    let recalled = false;

    document.getElementById("screen-window").textContent = Board.windowTitle(number);
    document.getElementById("screen-name").textContent = Board.windowName(number);
    const showTime = Board.startClock(document.getElementById("clock"), screen.dataset.timezone);
    if (!Board.requireToken(screen)) return;
    addEventListener("resize", () => Board.fitWidth([label]));

    function pauseText(reason) {
      if (reason === "lunch") return t("window.pause.lunch");
      if (reason === "technical") return t("window.pause.technical");
      return t("window.paused");
    }

    function highlight(left) {
      clearTimeout(highlightTimer);
      if (left <= 0) {
        main.classList.remove("fresh");
        return;
      }
      Board.restartHighlight(main);
      highlightTimer = setTimeout(() => main.classList.remove("fresh"), left * 1000);
    }

    // ``win`` is the window as the server sees it (a WindowPayload), or null if unknown.
    function render(win) {
      const state = win ? win.state : "closed";
      const ticket = win && win.ticket;
      screen.dataset.state = state;
      const showLabel = Boolean(ticket) && (state === "calling" || state === "serving");
      label.textContent = showLabel ? ticket.label : "";
      label.classList.toggle("hidden", !showLabel);
      Board.fitWidth([label]);
      // While the visitor is on the way, the word says so, not only the yellow and the blink.
      mark.textContent = recalled ? t("board.mark.recall") : t("board.mark.call");
      mark.classList.toggle("hidden", !(showLabel && state === "calling"));
      if (state === "closed") status.textContent = t("window.closed");
      else if (state === "paused") status.textContent = pauseText(win.pause_reason);
      else if (state === "serving") status.textContent = t("window.serving");
      else if (state === "open") status.textContent = t("window.idle");
      else status.textContent = "";
      if (state !== "calling") highlight(0);
    }

    Talon.connect({
      window: number,
      onSnapshot(snapshot) {
        showTime();
        const win = snapshot.windows.find((w) => w.number === number) || null;
        const ticket = win && win.state === "calling" ? win.ticket : null;
        recalled = Boolean(ticket && ticket.recalls);
        render(win);
        // Called moments ago: blink for the rest of the time, as if the call were live.
        const left = ticket && ticket.called_at ? ticket.called_at + seconds - Talon.now() : 0;
        highlight(Math.min(left, seconds));
      },
      onEvent(event) {
        if (!event.window || event.window.number !== number) return;
        const call = event.kind === "ticket.called" || event.kind === "ticket.recalled";
        if (call) recalled = event.kind === "ticket.recalled";
        render(event.window);
        if (call) highlight(seconds);
      },
    });
  });
})();
