/* The operators' day list: every booking of a day with name, phone and status, and a
 * cancel button for those still booked. Refreshed after each booking made on this page. */
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const { api, t, config } = Talon;
  const date = document.getElementById("list-date");
  const rows = document.getElementById("list-rows");
  date.value = config.today;

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text == null ? "—" : String(text);
    return td;
  }

  async function load() {
    const data = await api("GET", `/bookings?date=${encodeURIComponent(date.value)}`);
    const counts = Object.entries(data.counts).map(([k, n]) => `${t("status." + k)}: ${n}`);
    document.getElementById("list-counts").textContent = counts.join(" · ");
    rows.replaceChildren();
    for (const b of data.bookings) {
      const tr = document.createElement("tr");
      tr.append(cell(b.time), cell(Talon.lang === "en" && b.service_name_en ? b.service_name_en
        : b.service_name), cell(b.code), cell(b.name), cell(b.phone), cell(t("status." + b.status)));
      const actions = document.createElement("td");
      if (b.status === "booked") {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "btn";
        button.textContent = t("book.cancel");
        button.addEventListener("click", async () => {
          await api("POST", `/bookings/${encodeURIComponent(b.code)}/cancel`);
          load();
        });
        actions.append(button);
      }
      tr.append(actions);
      rows.append(tr);
    }
  }

  date.addEventListener("change", load);
  document.addEventListener("talon:booked", (event) => {
    date.value = event.detail.date;
    load();
  });
  load();
});
