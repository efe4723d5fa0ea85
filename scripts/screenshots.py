"""Screenshots of the staff screens and boards at 1920×1080 (`make screenshots`).

Starts a demo office in this process on a temporary database, plays a short morning (tickets
issued, windows open, a visitor being served, a staff-call alert), then photographs each page
in Debian's headless Chromium driven by Playwright. Output: PNG files in ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from werkzeug.serving import make_server

from server import config
from server.app import create_app

CHROMIUM = "/usr/bin/chromium"
# A closed office LAN (and CI) refuses Chromium's calls home; these keep it from trying.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--mute-audio"]
PASSWORD = "screenshots"
BOARD_TOKEN = "screenshots-board"
KIOSK_TOKEN = "screenshots-kiosk"
LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}


class Clock:
    """The office's clock, moved by hand so the pictures show waits of several minutes."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def play_morning(base: str, clock: Clock) -> None:
    """Some activity worth photographing, through the same API the pages use."""
    import requests

    kiosk = requests.Session()
    kiosk.headers["Authorization"] = f"Bearer {KIOSK_TOKEN}"

    def staff(name: str) -> requests.Session:
        session = requests.Session()
        session.post(f"{base}/api/v1/auth/login", json={"username": name, "password": PASSWORD},
                     timeout=10).raise_for_status()
        return session

    services = ["consult", "payment", "consult", "billing", "consult", "payment", "metering"]
    for service in services:
        kiosk.post(f"{base}/api/v1/tickets", json={"service": service}, timeout=10)
        clock.now += 95.0
    kiosk.post(f"{base}/api/v1/tickets", json={"service": "consult", "category": "disability"},
               timeout=10)
    hall = staff("hall")
    hall.post(f"{base}/api/v1/tickets", json={"service": "consult", "segment": "vip"},
              timeout=10)
    clock.now += 600.0
    for name, window in (("ivanova", 2), ("petrov", 3), ("sidorova", 4)):
        desk = staff(name)
        desk.post(f"{base}/api/v1/windows/{window}/open", timeout=10)
        desk.post(f"{base}/api/v1/windows/{window}/call-next", timeout=10)
        clock.now += 20.0
    staff("ivanova").post(f"{base}/api/v1/windows/2/start", timeout=10)
    clock.now += 240.0
    kiosk.post(f"{base}/api/v1/alerts/staff-call", json={}, timeout=10)
    clock.now += 30.0


def settle(page: Page, live: bool = True) -> None:
    """Connected (for live pages), fonts loaded, nothing pending."""
    try:
        if live:
            page.wait_for_function("document.body.dataset.connected === 'yes'", timeout=15000)
    except PlaywrightTimeout as exc:
        raise RuntimeError(f"{page.url} did not connect to the server") from exc
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")


def photograph(base: str, out: Path) -> list[Path]:
    shots: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            def staff_page(user: str, path: str, name: str, live: bool = True) -> None:
                context = browser.new_context(viewport=LANDSCAPE)
                context.request.post(f"{base}/api/v1/auth/login",
                                     data={"username": user, "password": PASSWORD})
                page = context.new_page()
                page.goto(base + path)
                settle(page, live)
                shots.append(out / name)
                page.screenshot(path=str(shots[-1]))
                context.close()

            staff_page("ivanova", "/desk/2", "desk.png")
            staff_page("hall", "/console", "console.png")
            staff_page("head", "/dashboard", "dashboard.png")
            staff_page("hall", "/bookings", "bookings.png", live=False)
            for viewport, name, path in (
                (LANDSCAPE, "board.png", "/board"),
                (PORTRAIT, "board-portrait.png", "/board"),
                ({"width": 1280, "height": 720}, "window-screen.png", "/board/window/2"),
            ):
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                page.goto(f"{base}{path}?sound=off#token={BOARD_TOKEN}")
                settle(page)
                shots.append(out / name)
                page.screenshot(path=str(shots[-1]))
                context.close()
        finally:
            browser.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", help="folder for the PNG files")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = config.load(None, {
            "TALON_SERVER__DATABASE": str(Path(tmp) / "talon.db"),
            "TALON_SERVER__ASYNC_MODE": '"threading"',
        })
        # Monday 10:00 in Moscow: the office is open.
        clock = Clock(1795417200.0)
        app = create_app(settings, clock=clock)
        accounts = app.extensions["talon"].accounts
        for username, role in (("ivanova", "consultant"), ("petrov", "consultant"),
                               ("sidorova", "consultant"), ("hall", "hall"),
                               ("head", "head")):
            accounts.add_user(username, PASSWORD, role)
        accounts.add_token("kiosk-1", "kiosk", token=KIOSK_TOKEN)
        accounts.add_token("board-hall", "board", token=BOARD_TOKEN)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            play_morning(base, clock)
            shots = photograph(base, out)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            app.extensions["talon"].store.close()
    sys.stdout.write("".join(f"{path}\n" for path in shots))
    return 0


if __name__ == "__main__":
    sys.exit(main())
