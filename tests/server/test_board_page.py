"""The hall board and the window screen in a real headless Chromium: every call seen at once
and heard in turn, the queues, the disconnected state, both TV orientations, and nothing
loaded from outside the server.

No sleeps: Playwright's expect() and wait_for_* poll with explicit timeouts.
"""

from __future__ import annotations

import io
import json
import re
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

from server import config
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, FakeClock
from tests.server.conftest import BOARD_TOKEN, KIOSK_TOKEN, PASSWORD, settings_for

RUNNING_TEXT = "Показания счётчиков можно передать в личном кабинете, без очереди"
RUNNING_TEXT_EN = "Meter readings can be sent online, without queueing"
HIGHLIGHT_SECONDS = 3
VOICE = "/voice/call.wav"

# Every media event of the page, in order: (type, url). The board's <audio> is in the
# document, so a capturing listener on the document sees its (non-bubbling) events.
MEDIA_LOG = """
window.__media = [];
for (const type of ["loadstart", "playing", "ended", "error"]) {
  document.addEventListener(type, (event) => {
    if (event.target instanceof HTMLMediaElement) {
      window.__media.push([type, event.target.currentSrc || event.target.src]);
    }
  }, true);
}
"""

# A desktop browser's autoplay policy: play() refused until someone has clicked the page.
# Headless Chromium plays whatever --autoplay-policy says, so the policy is imitated here.
AUTOPLAY_NEEDS_A_GESTURE = """
const play = HTMLMediaElement.prototype.play;
let activated = false;
addEventListener("click", (event) => { activated = activated || event.isTrusted; }, true);
HTMLMediaElement.prototype.play = function () {
  return activated ? play.call(this)
    : Promise.reject(new DOMException("play() needs a user gesture", "NotAllowedError"));
};
"""

# Every label the window screen ever showed, to prove one it must not show never appeared.
LABELS_SHOWN = """
window.__shown = [];
document.addEventListener("DOMContentLoaded", () => {
  const label = document.getElementById("screen-label");
  new MutationObserver(() => window.__shown.push(label.textContent))
    .observe(label, { childList: true, characterData: true, subtree: true });
});
"""


@pytest.fixture
def settings(tmp_path: Path) -> config.OfficeFile:
    """The demo office with a running text and a short highlight (tests wait it out)."""
    return settings_for(
        tmp_path,
        TALON_BOARD__RUNNING_TEXT=json.dumps(RUNNING_TEXT),
        TALON_BOARD__RUNNING_TEXT_EN=json.dumps(RUNNING_TEXT_EN),
        TALON_BOARD__HIGHLIGHT_SECONDS=str(HIGHLIGHT_SECONDS),
    )


@pytest.fixture(scope="module")
def sound_browser(browser: Browser) -> Iterator[Browser]:
    """Chromium that plays audio without a user gesture, like a TV set up as a kiosk
    (``browser`` only lends its Playwright instance)."""
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
    )
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def short_wav() -> bytes:
    """A quarter second of silence: announcements that end quickly, so tests can see the
    next one wait for the previous one's end."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * 2000)
    return out.getvalue()


class Office:
    """The API as the kiosk and the consultants use it, over real HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sessions: list[requests.Session] = []
        self.kiosk = self._session()
        self.kiosk.headers["Authorization"] = f"Bearer {KIOSK_TOKEN}"

    def _session(self) -> requests.Session:
        session = requests.Session()
        self.sessions.append(session)
        return session

    def post(self, session: requests.Session, path: str, body: object = None) -> Any:
        response = session.post(f"{self.url}/api/v1{path}", json=body)
        assert response.ok, (path, response.status_code, response.text)
        return response.json()

    def issue(self, service: str = "consult") -> str:
        return self.post(self.kiosk, "/tickets", {"service": service})["ticket"]["label"]

    def call_next(self, desk: requests.Session, window: int) -> str:
        return self.post(desk, f"/windows/{window}/call-next")["ticket"]["label"]

    def consultant(self, username: str, window: int) -> requests.Session:
        """Logged in, with ``window`` open."""
        session = self._session()
        self.post(session, "/auth/login", {"username": username, "password": PASSWORD})
        self.post(session, f"/windows/{window}/open")
        return session

    def close(self) -> None:
        for session in self.sessions:
            session.close()


@pytest.fixture
def office(live_url: str) -> Iterator[Office]:
    office = Office(live_url)
    yield office
    office.close()


@pytest.fixture
def context(sound_browser: Browser) -> Iterator[BrowserContext]:
    context = sound_browser.new_context(viewport={"width": 1920, "height": 1080})
    yield context
    context.close()


def open_board(context: BrowserContext, url: str, query: str = "",
               token: str | None = BOARD_TOKEN) -> Page:
    """The hall board, once its first snapshot is on screen."""
    page = context.new_page()
    page.goto(f"{url}/board{query}" + (f"#token={token}" if token else ""))
    expect(page.locator("body")).to_have_attribute("data-connected", "yes", timeout=5000)
    expect(page.locator("#queues tr")).to_have_count(10, timeout=5000)
    return page


def voice_requests(page: Page) -> list[tuple[str, str]]:
    """(label, window) of every announcement the page asks for, in order, live."""
    heard: list[tuple[str, str]] = []

    def record(request: Request) -> None:
        if urlsplit(request.url).path == VOICE:
            heard.append(announced(request.url))

    page.on("request", record)
    return heard


def announced(url: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(url).query)  # decodes %D0%9A… back to «К»
    return query["label"][0], query["window"][0]


def serve_short_voice(context: BrowserContext, wav: bytes) -> None:
    context.route(f"**{VOICE}?*", lambda route: route.fulfill(
        status=200, body=wav, headers={"Content-Type": "audio/wav"}))


def media_log(page: Page) -> list[tuple[str, tuple[str, str]]]:
    """(event type, (label, window)) of the board's audio element, in order."""
    return [(kind, announced(src)) for kind, src in page.evaluate("window.__media")
            if kind in ("loadstart", "ended", "error") and VOICE in src]


# The hall board -------------------------------------------------------------------------


def test_board_shows_a_call_within_a_second_and_requests_its_announcement(
    live_url: str, context: BrowserContext, office: Office
) -> None:
    page = open_board(context, live_url)
    desk = office.consultant("ivanova", 2)
    office.issue("consult")
    with page.expect_request(lambda r: urlsplit(r.url).path == VOICE, timeout=5000) as voice:
        label = office.call_next(desk, 2)
        expect(page.locator("#newest .call-line")).to_have_text(f"{label} → Окно 2",
                                                                timeout=1000)
    assert announced(voice.value.url) == (label, "2")
    newest = page.locator("#newest")
    expect(newest).to_have_class(re.compile(r"\bfresh\b"))
    expect(newest.locator(".call-mark")).to_have_text("Вызов")
    # The blinking stops after the highlight; the word still says which call is the newest.
    expect(newest).not_to_have_class(re.compile(r"\bfresh\b"),
                                     timeout=(HIGHLIGHT_SECONDS + 2) * 1000)
    expect(newest.locator(".call-mark")).to_have_text("Последний вызов")


def test_calls_arriving_together_are_announced_one_after_another(
    live_url: str, context: BrowserContext, office: Office, short_wav: bytes
) -> None:
    context.add_init_script(MEDIA_LOG)
    serve_short_voice(context, short_wav)
    page = open_board(context, live_url)
    heard = voice_requests(page)
    first_desk = office.consultant("ivanova", 2)
    second_desk = office.consultant("petrov", 3)
    office.issue("consult")
    office.issue("contract")
    first = office.call_next(first_desk, 2)
    second = office.call_next(second_desk, 3)

    expect(page.locator("#newest .call-line")).to_have_text(f"{second} → Окно 3")
    expect(page.locator("#history li").first).to_have_text(f"{first} → Окно 2")
    page.wait_for_function(
        "window.__media.filter(([kind]) => kind === 'ended' || kind === 'error').length >= 2",
        timeout=10000)
    assert heard == [(first, "2"), (second, "3")]
    # The second announcement started only after the first had ended: none cut short.
    assert media_log(page) == [
        ("loadstart", (first, "2")), ("ended", (first, "2")),
        ("loadstart", (second, "3")), ("ended", (second, "3")),
    ]


def test_a_recall_is_announced_again_and_shown_as_one(
    live_url: str, context: BrowserContext, office: Office, short_wav: bytes
) -> None:
    context.add_init_script(MEDIA_LOG)
    serve_short_voice(context, short_wav)
    page = open_board(context, live_url)
    heard = voice_requests(page)
    desk = office.consultant("ivanova", 2)
    office.issue()
    label = office.call_next(desk, 2)
    expect(page.locator("#newest .call-mark")).to_have_text("Вызов")
    page.wait_for_function("window.__media.some(([kind]) => kind === 'ended')", timeout=5000)

    office.post(desk, "/windows/2/recall")
    page.wait_for_function(
        "window.__media.filter(([kind]) => kind === 'ended').length >= 2", timeout=5000)
    assert heard == [(label, "2"), (label, "2")]
    expect(page.locator("#newest")).to_have_class(re.compile(r"\bfresh\b"))
    expect(page.locator("#newest .call-mark")).to_have_text("Повторный вызов")
    # The same visitor once on the board, not twice.
    expect(page.locator("#history li")).to_have_count(0)


def test_sound_off_shows_the_call_but_requests_no_audio(
    live_url: str, context: BrowserContext, office: Office
) -> None:
    page = open_board(context, live_url, "?sound=off")
    heard = voice_requests(page)
    expect(page.locator("#sound-off")).to_be_visible()
    desk = office.consultant("ivanova", 2)
    office.issue()
    label = office.call_next(desk, 2)
    expect(page.locator("#newest .call-line")).to_have_text(f"{label} → Окно 2", timeout=5000)
    expect(page.locator("#newest")).to_have_class(re.compile(r"\bfresh\b"))
    # The audio element never got a source, so nothing can be on its way.
    assert page.eval_on_selector("#voice", "audio => audio.getAttribute('src')") is None
    assert heard == []

    # Remembered by this board's browser; ?sound=on turns it back on.
    page.goto(f"{live_url}/board")
    expect(page.locator("#sound-off")).to_be_visible()
    page.goto(f"{live_url}/board?sound=on")
    expect(page.locator("body")).to_have_attribute("data-connected", "yes", timeout=5000)
    expect(page.locator("#sound-off")).to_be_hidden()


def test_calls_found_in_a_snapshot_are_shown_but_not_announced(
    live_url: str, context: BrowserContext, office: Office
) -> None:
    desk = office.consultant("ivanova", 2)
    office.issue()
    office.issue()
    earlier = office.call_next(desk, 2)
    office.post(desk, "/windows/2/no-show")
    latest = office.call_next(desk, 2)

    page = context.new_page()
    heard = voice_requests(page)
    page.goto(f"{live_url}/board#token={BOARD_TOKEN}")
    expect(page.locator("#newest .call-line")).to_have_text(f"{latest} → Окно 2")
    expect(page.locator("#history li")).to_have_text([f"{earlier} → Окно 2"])
    assert page.eval_on_selector("#voice", "audio => audio.getAttribute('src')") is None
    assert heard == []


def test_a_board_left_on_overnight_starts_the_day_without_yesterdays_calls(
    live_url: str, context: BrowserContext, office: Office, clock: FakeClock
) -> None:
    page = open_board(context, live_url, "?sound=off")
    desk = office.consultant("ivanova", 2)
    office.issue()
    yesterday = office.call_next(desk, 2)
    expect(page.locator("#newest .call-line")).to_have_text(f"{yesterday} → Окно 2")
    office.post(desk, "/windows/2/no-show")
    clock.advance(24 * 3600)
    office.issue()
    today = office.call_next(desk, 2)
    assert today == yesterday  # numbering starts again each day: same label, new ticket
    expect(page.locator("#newest .call-line")).to_have_text(f"{today} → Окно 2")
    expect(page.locator("#history li")).to_have_count(0)


def test_blocked_sound_asks_for_a_tap_and_keeps_every_announcement(
    live_url: str, context: BrowserContext, office: Office, short_wav: bytes
) -> None:
    context.add_init_script(AUTOPLAY_NEEDS_A_GESTURE)
    context.add_init_script(MEDIA_LOG)
    serve_short_voice(context, short_wav)
    page = open_board(context, live_url)
    first_desk = office.consultant("ivanova", 2)
    second_desk = office.consultant("petrov", 3)
    office.issue("consult")
    office.issue("contract")
    first = office.call_next(first_desk, 2)
    unmute = page.locator("#unmute")
    expect(unmute).to_be_visible()
    expect(unmute).to_have_text("Нажмите, чтобы включить звук")
    second = office.call_next(second_desk, 3)
    # Seen even while not heard.
    expect(page.locator("#newest .call-line")).to_have_text(f"{second} → Окно 3")

    unmute.click()
    expect(unmute).to_be_hidden()
    page.wait_for_function(
        "window.__media.filter(([kind]) => kind === 'ended').length >= 2", timeout=5000)
    played = [entry for entry in media_log(page) if entry[0] == "ended"]
    assert played == [("ended", (first, "2")), ("ended", (second, "3"))]


def test_queue_counts_follow_issued_tickets(
    live_url: str, context: BrowserContext, office: Office
) -> None:
    office.issue("payment")
    page = open_board(context, live_url)
    waiting = page.locator("td.waiting[data-service=payment]")
    expect(waiting).to_have_text("1")
    row = page.locator("#queues tr", has=waiting)
    expect(row.locator("th")).to_have_text("О Оплата (касса)")
    expect(row.locator("td.wait")).to_have_text(re.compile(r"^≈ \d+ мин$"))

    office.issue("payment")
    expect(waiting).to_have_text("2", timeout=5000)
    expect(page.locator("td.waiting[data-service=consult]")).to_have_text("0")


def test_running_text_and_english(
    live_url: str, context: BrowserContext, office: Office
) -> None:
    page = open_board(context, live_url)
    expect(page.locator("#ticker")).to_be_visible()
    expect(page.locator("#ticker-text")).to_have_text(RUNNING_TEXT)
    assert page.eval_on_selector("#ticker-text",
                                 "el => getComputedStyle(el).animationName") == "ticker"

    page = open_board(context, live_url, "?lang=en")
    desk = office.consultant("ivanova", 2)
    office.issue()
    label = office.call_next(desk, 2)
    expect(page.locator("#newest .call-line")).to_have_text(f"{label} → Window 2")
    expect(page.locator("#newest .call-mark")).to_have_text("Now calling")
    expect(page.locator("#queues-title")).to_have_text("Queue")
    expect(page.locator("#ticker-text")).to_have_text(RUNNING_TEXT_EN)


def test_a_board_without_a_token_says_how_to_pass_one(
    live_url: str, context: BrowserContext
) -> None:
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_url}/board")
    message = page.locator("#no-token")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Откройте страницу с #token=")
    expect(message.locator("code")).to_have_text(f"{live_url}/board#token=…")
    expect(page.locator("#hall")).to_be_hidden()
    assert not any("/socket.io/" in url for url in requested)


def test_a_board_that_loses_its_server_says_so_and_recovers(
    live_url: str, context: BrowserContext, office: Office, clock: FakeClock
) -> None:
    page = open_board(context, live_url)
    banner = page.locator("#connection")
    expect(banner).to_be_hidden()

    context.set_offline(True)
    expect(banner).to_be_visible(timeout=5000)
    expect(banner).to_have_text("Нет связи с сервером. Переподключаемся…")
    expect(page.locator("body")).to_have_attribute("data-connected", "no")
    assert float(page.eval_on_selector("#hall", "el => getComputedStyle(el).opacity")) < 0.5
    # A call made meanwhile reaches the board with the snapshot of the reconnect, and is
    # still spoken: it is fresh, and the board never announced it.
    clock.advance(2)
    desk = office.consultant("ivanova", 2)
    office.issue()
    label = office.call_next(desk, 2)

    with page.expect_request(lambda r: urlsplit(r.url).path == VOICE, timeout=15000) as heard:
        context.set_offline(False)
    assert announced(heard.value.url) == (label, "2")
    expect(banner).to_be_hidden(timeout=15000)
    expect(page.locator("#newest .call-line")).to_have_text(f"{label} → Окно 2")


def test_a_board_with_a_wrong_token_says_it_was_refused(
    live_url: str, context: BrowserContext
) -> None:
    page = context.new_page()
    page.goto(f"{live_url}/board#token=not-a-token")
    banner = page.locator("#connection")
    expect(banner).to_have_text("Сервер отказал в подключении. Повторим через 10 секунд…",
                                timeout=5000)
    expect(banner).to_be_visible()
    # Large enough to read across the hall.
    size = page.eval_on_selector("#connection", "el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 50


@pytest.mark.parametrize("lang,window", [("ru", "Окно"), ("en", "Window")], ids=["ru", "en"])
@pytest.mark.parametrize("width,height", [(1920, 1080), (1080, 1920)],
                         ids=["landscape", "portrait"])
def test_board_fits_the_tv_with_huge_type_and_loads_nothing_from_outside(
    live_url: str, sound_browser: Browser, office: Office, width: int, height: int,
    lang: str, window: str,
) -> None:
    context = sound_browser.new_context(viewport={"width": width, "height": height})
    try:
        desks = {2: office.consultant("ivanova", 2), 3: office.consultant("petrov", 3)}
        for service in ("consult", "contract", "payment", "legal", "consult", "billing"):
            office.issue(service)
        for number in (2, 3, 2):
            office.call_next(desks[number], number)
            office.post(desks[number], f"/windows/{number}/start")
            office.post(desks[number], f"/windows/{number}/finish", {})
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_url}/board?lang={lang}#token={BOARD_TOKEN}")
        expect(page.locator("#history li")).to_have_count(2)
        label = office.call_next(desks[3], 3)
        expect(page.locator("#newest .call-line")).to_have_text(f"{label} → {window} 3")
        page.evaluate("document.fonts.ready")

        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        font = page.eval_on_selector("#newest .call-line",
                                     "el => parseFloat(getComputedStyle(el).fontSize)")
        assert font >= 100
        # No call cut off or wrapped (English is longer), and every service's row on screen.
        assert page.evaluate("""() => [...document.querySelectorAll('.call-line')]
            .every(el => el.scrollWidth <= el.clientWidth)""")
        assert page.evaluate("""() => [...document.querySelectorAll('.history .call-line')]
            .every(el => el.clientHeight < 1.6 * parseFloat(getComputedStyle(el).fontSize))""")
        last_row = page.locator("#queues tr").last.bounding_box()
        ticker = page.locator("#ticker").bounding_box()
        assert last_row is not None and ticker is not None
        assert last_row["y"] + last_row["height"] <= ticker["y"] + 1
        assert all(url.startswith(live_url) for url in requested), requested
    finally:
        context.close()


# The window screen ----------------------------------------------------------------------


def test_window_screen_follows_its_own_window_only(
    live_url: str, sound_browser: Browser, office: Office
) -> None:
    context = sound_browser.new_context(viewport={"width": 800, "height": 480})
    try:
        context.add_init_script(LABELS_SHOWN)
        page = context.new_page()
        page.goto(f"{live_url}/board/window/3#token={BOARD_TOKEN}")
        expect(page.locator("#screen-window")).to_have_text("Окно 3")
        status = page.locator("#screen-status")
        expect(status).to_have_text("Окно закрыто", timeout=5000)

        elsewhere = office.consultant("ivanova", 2)
        here = office.consultant("petrov", 3)
        expect(status).to_have_text("Ожидайте вызова на табло", timeout=5000)
        office.issue("consult")
        office.issue("contract")
        other = office.call_next(elsewhere, 2)
        mine = office.call_next(here, 3)
        label = page.locator("#screen-label")
        expect(label).to_have_text(mine, timeout=5000)
        expect(page.locator("#screen-main")).to_have_class(re.compile(r"\bfresh\b"))
        expect(page.locator("#screen-mark")).to_have_text("Вызов")
        # Window 2's call came first; the screen of window 3 never showed it.
        assert other not in page.evaluate("window.__shown")

        office.post(here, "/windows/3/start")
        office.post(here, "/windows/3/finish", {})
        office.post(here, "/windows/3/pause", {"reason": "break"})
        expect(status).to_have_text("Перерыв", timeout=5000)
        expect(label).to_be_hidden()
    finally:
        context.close()
