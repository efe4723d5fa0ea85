/* The booking form (public page and operators' page alike): topic, day, a free slot, name,
 * phone and consent → POST /bookings → the code. The public page also cancels by code.
 * Text from the server or the visitor is only ever set as textContent. */
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const { api, t, config } = Talon;
  const $ = (id) => document.getElementById(id);
  const form = $("book-form");
  const service = $("book-service");
  const day = $("book-date");
  const slots = $("book-slots");
  let chosen = null;

  function show(el, text) {
    el.textContent = text;
    el.classList.remove("hidden");
  }

  function addDays(iso, days) {
    const d = new Date(iso + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  for (const s of config.services) {
    const option = document.createElement("option");
    option.value = s.code;
    option.textContent = Talon.lang === "en" && s.name_en ? s.name_en : s.name;
    service.append(option);
  }
  day.min = config.today;
  day.max = addDays(config.today, config.horizon_days);
  day.value = addDays(config.today, 1);

  async function loadSlots() {
    chosen = null;
    slots.replaceChildren();
    $("book-no-slots").classList.add("hidden");
    if (!service.value || !day.value) return;
    let data;
    try {
      data = await api("GET", `/bookings/slots?service=${encodeURIComponent(service.value)}` +
        `&date=${encodeURIComponent(day.value)}`);
    } catch (err) {
      show($("book-error"), err.message);
      return;
    }
    $("book-error").classList.add("hidden");
    const free = data.slots.filter((s) => s.free > 0);
    if (!free.length) $("book-no-slots").classList.remove("hidden");
    for (const slot of data.slots) {
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "radio");
      button.setAttribute("aria-checked", "false");
      button.textContent = slot.time;
      button.disabled = slot.free <= 0;
      button.title = t("book.free", { n: slot.free });
      button.addEventListener("click", () => {
        for (const other of slots.children) other.setAttribute("aria-checked", "false");
        button.setAttribute("aria-checked", "true");
        chosen = slot.time;
      });
      slots.append(button);
    }
  }

  service.addEventListener("change", loadSlots);
  day.addEventListener("change", loadSlots);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $("book-error").classList.add("hidden");
    $("book-result").classList.add("hidden");
    if (!chosen) return show($("book-error"), t("book.choose_time"));
    if (!$("book-consent").checked) return show($("book-error"), t("book.need_consent"));
    try {
      const booking = await api("POST", "/bookings", {
        service: service.value, date: day.value, time: chosen,
        name: $("book-name").value, phone: $("book-phone").value, consent: true,
      });
      $("book-code").textContent = booking.code;
      $("book-when").textContent = t("book.when", { date: booking.date, time: booking.time });
      $("book-result").classList.remove("hidden");
      $("book-name").value = "";
      $("book-phone").value = "";
      $("book-consent").checked = false;
      document.dispatchEvent(new CustomEvent("talon:booked", { detail: booking }));
    } catch (err) {
      show($("book-error"), err.message);
    }
    loadSlots();
  });

  const cancel = $("cancel-form");
  if (cancel) {
    cancel.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = $("cancel-result");
      result.classList.remove("error", "ok");
      try {
        const code = $("cancel-code").value.trim();
        const booking = await api("POST", `/bookings/${encodeURIComponent(code)}/cancel`);
        result.classList.add("ok");
        show(result, t("book.cancelled", { code: booking.code, time: booking.time }));
        loadSlots();
      } catch (err) {
        result.classList.add("error");
        show(result, err.message);
      }
    });
  }
  loadSlots();
});
