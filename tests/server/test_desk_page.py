"""The consultant's desk in a real headless Chromium against a live threaded server.

No sleeps: every wait is Playwright's auto-waiting ``expect`` with a timeout. The server runs
on the test's FakeClock (``clock``); the page measures time against the server's clock, which
it learns from each snapshot's ``at``. A test that moves the fake clock therefore reloads the
page: the reconnect brings a snapshot with the new ``at`` (and proves that a reconnect
restores the current visitor and the queue).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import requests
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.conftest import FakeClock
from tests.server.conftest import KIOSK_TOKEN, PASSWORD

WAIT = 5000  # ms: generous for a loaded CI machine; the live-removal test asks for 1 s
FULL_HD = {"width": 1920, "height": 1080}


def kiosk(live_url: str, service: str = "consult", **extra: str) -> dict:
    """Issue a ticket the way a kiosk does; returns the staff payload of the ticket."""
    response = requests.post(f"{live_url}/api/v1/tickets", json={"service": service, **extra},
                             headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["ticket"]


def staff(live_url: str, username: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{live_url}/api/v1/auth/login",
                            json={"username": username, "password": PASSWORD}, timeout=10)
    assert response.status_code == 200, response.text
    return session


def open_desk(browser: Browser, contexts: list[BrowserContext], live_url: str, username: str,
              window: int) -> Page:
    """A new browser logs in through the /login form and lands on the desk of ``window``."""
    context = browser.new_context(viewport=FULL_HD)
    contexts.append(context)
    page = context.new_page()
    page.goto(f"{live_url}/desk/{window}")
    expect(page).to_have_url(re.compile(rf"/login\?next=/desk/{window}$"))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    expect(page).to_have_url(f"{live_url}/desk/{window}")
    expect(page.locator("body")).to_have_attribute("data-connected", "yes", timeout=WAIT)
    expect(page.locator("#window-state")).not_to_have_text("…", timeout=WAIT)
    return page


def open_window(page: Page) -> None:
    page.click("#open")
    expect(page.locator("#window-state")).to_have_text("Открыто, свободно", timeout=WAIT)


def row(page: Page, label: str) -> Locator:
    return page.locator(f"#queue-rows tr[data-label='{label}']")


def test_consultant_logs_in_calls_serves_and_finishes(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    expect(page.locator("#who")).to_have_text("ivanova")
    open_window(page)

    ticket = kiosk(live_url)
    expect(row(page, "К-001")).to_be_visible(timeout=WAIT)
    expect(row(page, "К-001")).to_contain_text("Консультация")

    page.get_by_role("button", name=re.compile("Вызвать следующего")).click()
    expect(page.locator("#current-label")).to_have_text("К-001", timeout=WAIT)
    expect(page.locator("#current-status")).to_have_text("Вызван")
    expect(row(page, "К-001")).to_have_count(0)
    # Before the start the clock counts from the call, and says so.
    expect(page.locator("#clock-title")).to_have_text("С момента вызова")

    page.click("[data-move=start]")
    expect(page.locator("#current-status")).to_have_text("Обслуживается", timeout=WAIT)
    expect(page.locator("#clock-title")).to_have_text("Время приёма")
    clock = page.locator("#service-clock")
    first = clock.inner_text()
    expect(clock).not_to_have_text(first, timeout=WAIT)  # it runs
    expect(clock).not_to_have_class(re.compile("clock-warn"))

    page.click("[data-move=finish]")
    dialog = page.locator("#finish-dialog")
    expect(dialog).to_be_visible()
    # The visit's own service is ticked already; add a second topic.
    expect(dialog.locator("input[name=topic][value=consult]")).to_be_checked()
    dialog.locator("input[name=topic][value=billing]").check()
    dialog.get_by_label("Документы приняты").check()
    dialog.get_by_role("button", name="Завершить").click()

    expect(page.locator("#current-empty")).to_be_visible(timeout=WAIT)
    expect(page.locator("#day-served")).to_have_text("1", timeout=WAIT)
    expect(page.locator("#day-within")).to_have_text("100 %")
    done = staff(live_url, "ivanova").get(f"{live_url}/api/v1/tickets/{ticket['id']}").json()
    assert done["status"] == "done"
    assert done["topics"] == ["consult", "billing"]
    assert done["outcome"] == "documents_accepted"


def test_keyboard_shortcuts_call_start_and_open_the_finish_dialog(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    open_window(page)
    kiosk(live_url)
    expect(row(page, "К-001")).to_be_visible(timeout=WAIT)

    # Headless Chromium has no browser accelerators (F5 would not reload anyway), so the
    # page's keydown handling is checked directly: did it keep each key from the browser?
    page.evaluate("""window.keys = [];
        addEventListener("keydown", (e) => keys.push([e.key, e.defaultPrevented]));""")
    page.keyboard.press("n")  # a plain letter, focus on the page body
    expect(page.locator("#current-label")).to_have_text("К-001", timeout=WAIT)
    # A key works once its button does (not while the move before is on its way).
    expect(page.locator("[data-move=start]")).to_be_enabled(timeout=WAIT)
    page.keyboard.press("F4")
    expect(page.locator("#current-status")).to_have_text("Обслуживается", timeout=WAIT)
    expect(page.locator("[data-move=finish]")).to_be_enabled(timeout=WAIT)
    # F5 finishes instead of reloading: the dialog opens and the page keeps its state.
    page.keyboard.press("F5")
    expect(page.locator("#finish-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#finish-dialog")).to_be_hidden()
    expect(page.locator("#current-label")).to_have_text("К-001")
    assert page.evaluate("keys") == [["n", True], ["F4", True], ["F5", True], ["Escape", False]]

    # A shortcut for a move the state does not allow says so.
    page.keyboard.press("n")
    expect(page.locator("#desk-info")).to_have_text("Сейчас нельзя: вызвать следующего.")
    # Letters typed into a text field are text, not shortcuts.
    page.click("#label-input")
    page.keyboard.type("n")
    expect(page.locator("#label-input")).to_have_value("n")
    expect(page.locator("#current-status")).to_have_text("Обслуживается")


def test_another_windows_call_removes_the_ticket_at_once(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    ivanova = open_desk(browser, contexts, live_url, "ivanova", 2)
    petrov = open_desk(browser, contexts, live_url, "petrov", 3)
    open_window(ivanova)
    open_window(petrov)
    kiosk(live_url)  # consult: windows 2 and 3 both serve it
    expect(row(ivanova, "К-001")).to_be_visible(timeout=WAIT)
    expect(row(petrov, "К-001")).to_be_visible(timeout=WAIT)

    row(petrov, "К-001").get_by_role("button", name="Вызвать К-001").click()
    expect(row(ivanova, "К-001")).to_have_count(0, timeout=2000)
    expect(petrov.locator("#current-label")).to_have_text("К-001", timeout=WAIT)
    expect(ivanova.locator("#current-empty")).to_be_visible()


def test_pause_with_a_reason_and_resume(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    open_window(page)
    page.click("#pause")
    page.locator("#pause-dialog").get_by_role("button", name="Обед").click()
    expect(page.locator("#window-state")).to_contain_text("Пауза — Обед", timeout=WAIT)
    expect(page.locator("[data-move=call-next]")).to_be_disabled()
    expect(page.locator("#resume")).to_be_enabled()
    windows = staff(live_url, "ivanova").get(f"{live_url}/api/v1/windows").json()["windows"]
    assert {"state": "paused", "pause_reason": "lunch"}.items() <= windows[1].items()

    page.click("#resume")
    expect(page.locator("#window-state")).to_have_text("Открыто, свободно", timeout=WAIT)
    expect(page.locator("[data-move=call-next]")).to_be_enabled()


def test_transfer_to_another_service_with_a_comment(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    open_window(page)
    ticket = kiosk(live_url)
    page.click("[data-move=call-next]")
    expect(page.locator("#current-label")).to_have_text("К-001", timeout=WAIT)
    page.click("[data-move=start]")
    expect(page.locator("[data-move=finish]")).to_be_enabled(timeout=WAIT)

    page.click("[data-move=transfer]")
    dialog = page.locator("#transfer-dialog")
    # Window 2 does not serve contracts: the visitor leaves this desk altogether.
    dialog.locator("#transfer-service").select_option("contract")
    dialog.locator("#transfer-comment").fill("Нужно переоформить договор")
    dialog.get_by_role("button", name="Перевести").click()

    expect(page.locator("#current-empty")).to_be_visible(timeout=WAIT)
    expect(page.locator("#desk-info")).to_have_text("Талон К-001 переведён.")
    expect(row(page, "К-001")).to_have_count(0)
    moved = staff(live_url, "petrov").get(f"{live_url}/api/v1/tickets/{ticket['id']}").json()
    assert (moved["status"], moved["service"]) == ("waiting", "contract")
    assert moved["note"] == "Нужно переоформить договор"
    queue = staff(live_url, "petrov").get(f"{live_url}/api/v1/windows/3/queue").json()
    assert [t["label"] for t in queue["tickets"]] == ["К-001"]


def test_recall_no_show_and_postpone_with_a_reason(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    open_window(page)
    kiosk(live_url)
    kiosk(live_url)
    page.click("[data-move=call-next]")
    expect(page.locator("#current-label")).to_have_text("К-001", timeout=WAIT)
    expect(page.locator("[data-move=recall]")).to_be_enabled(timeout=WAIT)
    expect(page.locator("[data-move=finish]")).to_be_disabled()  # not started yet
    page.keyboard.press("F3")
    expect(page.locator("#current-status")).to_have_text("Вызван повторно (1)", timeout=WAIT)
    page.click("[data-move=no-show]")
    expect(page.locator("#day-no-show")).to_have_text("1", timeout=WAIT)
    expect(page.locator("#day-served")).to_have_text("0")

    page.click("[data-move=call-next]")
    expect(page.locator("#current-label")).to_have_text("К-002", timeout=WAIT)
    page.click("[data-move=postpone]")
    dialog = page.locator("#postpone-dialog")
    dialog.get_by_label("Заполняет заявление").check()
    dialog.get_by_role("button", name="Отложить").click()
    expect(page.locator("#current-empty")).to_be_visible(timeout=WAIT)
    back = row(page, "К-002")
    expect(back).to_contain_text("вернулся", timeout=WAIT)
    expect(back).to_contain_text("«Заполняет заявление»")


def test_a_refused_move_shows_an_error_in_the_users_language(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    open_window(page)
    alert = page.get_by_role("alert")
    page.click("[data-move=call-next]")  # nobody is waiting: the server says 409 queue_empty
    expect(alert).to_have_text(re.compile("Очередь пуста"), timeout=WAIT)

    page.keyboard.press("l")  # the shortcut to the label field
    expect(page.locator("#label-input")).to_be_focused()
    page.keyboard.type("Ж-999")
    page.keyboard.press("Enter")
    expect(alert).to_have_text("Талон «Ж-999» сегодня не выдавался.", timeout=WAIT)

    page.click("[data-action=switch-language]")
    expect(page.locator("#window-state")).to_have_text("Open, free", timeout=WAIT)
    page.click("[data-move=call-next]")
    expect(alert).to_have_text(re.compile("The queue is empty"), timeout=WAIT)


def test_someone_elses_window_is_read_only(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    staff(live_url, "petrov").post(f"{live_url}/api/v1/windows/2/open")
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    expect(page.locator("#window-note")).to_have_text(
        "Окно открыто сотрудником petrov: действия недоступны.")
    for move in ("open", "close", "pause", "call-next"):
        expect(page.locator(f"[data-move={move}]")).to_be_disabled()


def test_service_clock_and_queue_warn_past_their_targets(
    live_url: str, browser: Browser, contexts: list[BrowserContext], clock: FakeClock
) -> None:
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    open_window(page)
    kiosk(live_url)
    kiosk(live_url)
    page.click("[data-move=call-next]")
    expect(page.locator("#current-label")).to_have_text("К-001", timeout=WAIT)
    page.click("[data-move=start]")
    expect(page.locator("#service-clock")).to_have_attribute("data-serving", "yes", timeout=WAIT)
    expect(page.locator("#service-clock")).not_to_have_class(re.compile("clock-warn"))
    expect(row(page, "К-002")).not_to_have_class(re.compile("overdue"))

    # 21 minutes on the server: past the 10-minute service and the 20-minute wait targets.
    clock.advance(21 * 60)
    page.reload()  # the reconnect's snapshot carries the server's new time
    expect(page.locator("#current-label")).to_have_text("К-001", timeout=WAIT)
    warn = page.locator("#service-clock")
    expect(warn).to_have_class(re.compile("clock-warn"), timeout=WAIT)
    expect(warn).to_contain_text("сверх нормы")
    expect(warn).to_contain_text("21:")
    expect(row(page, "К-002")).to_have_class(re.compile("overdue"), timeout=WAIT)
    expect(row(page, "К-002").locator(".overdue-mark")).to_have_text("сверх нормы")


def test_a_lost_connection_is_shown_and_recovers_with_the_current_state(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    open_window(page)
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_be_visible(timeout=WAIT)
    # Meanwhile a visitor arrives and the consultant's colleague calls him to window 2
    # (by the API, as the consultant's own session would).
    kiosk(live_url)
    staff(live_url, "ivanova").post(f"{live_url}/api/v1/windows/2/call-next")
    page.context.set_offline(False)
    expect(page.locator("#connection")).to_be_hidden(timeout=15000)
    expect(page.locator("#current-label")).to_have_text("К-001", timeout=WAIT)


def test_window_choice_lists_windows_with_their_state(
    live_url: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    staff(live_url, "petrov").post(f"{live_url}/api/v1/windows/3/open")
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    page.goto(f"{live_url}/desk")
    choices = page.locator("a.window-choice")
    expect(choices).to_have_count(5, timeout=WAIT)
    expect(page.locator("a.window-choice[data-window='3']")).to_contain_text(
        "Открыто, свободно — petrov")
    page.locator("a.window-choice[data-window='4']").click()
    expect(page).to_have_url(f"{live_url}/desk/4")
    expect(page.locator("#window-state")).to_have_text("Закрыто", timeout=WAIT)


def test_desk_at_full_hd_with_a_visitor_and_a_queue(
    live_url: str, browser: Browser, contexts: list[BrowserContext], clock: FakeClock,
    tmp_path: Path,
) -> None:
    """The desk fits a 1920×1080 screen; TALON_SCREENSHOTS=<dir> keeps the picture."""
    # A morning's queue: visitors arrive a few minutes apart, the first ones long ago.
    for service, extra in [("consult", {}), ("billing", {}), ("consult", {}),
                           ("metering", {}), ("consult", {"category": "veteran"}),
                           ("payment", {}), ("consult", {}), ("billing", {})]:
        kiosk(live_url, service, **extra)
        clock.advance(4 * 60)
    page = open_desk(browser, contexts, live_url, "ivanova", 2)
    open_window(page)
    page.click("[data-move=call-next]")
    # The out-of-turn visitor goes first, marked in words.
    expect(page.locator("#current-label")).to_have_text("К-003", timeout=WAIT)
    expect(page.locator("#current-marks")).to_have_text("» Вне очереди")
    page.click("[data-move=start]")
    expect(page.locator("[data-move=finish]")).to_be_enabled(timeout=WAIT)
    clock.advance(7 * 60 + 12)
    page.reload()
    expect(page.locator("#queue-rows tr")).to_have_count(7, timeout=WAIT)
    expect(page.locator("#service-clock")).to_contain_text("7:1", timeout=WAIT)
    expect(page.locator("#queue-rows tr.overdue")).not_to_have_count(0)
    # Nothing runs off the screen sideways; the moves are on the first screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= FULL_HD["width"]
    box = page.locator("[data-move=transfer]").bounding_box()
    assert box is not None and box["y"] + box["height"] <= FULL_HD["height"]
    target = Path(os.environ.get("TALON_SCREENSHOTS", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / "desk.png"))
