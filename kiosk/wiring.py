"""Builds a running kiosk from kiosk.toml: the one place where the parts are connected.

Journal, server client, printer (wrapped for the /printed preview when asked), the agent,
the Socket.IO link, GPIO buttons and LEDs, and the touch page's HTTP server. Tests pass
their own printer, server client or pin factory; everything else is built from the
configuration.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from gpiozero import Factory
from gpiozero.exc import GPIOZeroError
from werkzeug.serving import BaseWSGIServer, make_server

from kiosk.agent import AgentSettings, KioskAgent, Printer, Server
from kiosk.config import ButtonSection, KioskConfig
from kiosk.errors import KioskConfigError
from kiosk.gpio import ButtonPanel, StatusLeds, make_pin_factory
from kiosk.journal_store import Journal
from kiosk.preview import RecordingPrinter
from kiosk.printer import open_printer
from kiosk.realtime import RealtimeLink
from kiosk.server_api import ServerApi
from kiosk.web import create_web_app

log = logging.getLogger(__name__)


@dataclass
class Kiosk:
    config: KioskConfig
    agent: KioskAgent
    journal: Journal
    server: Server
    printer: Printer
    web: Flask
    recorder: RecordingPrinter | None = None
    realtime: RealtimeLink | None = None
    buttons: ButtonPanel | None = None
    leds: StatusLeds | None = None
    pin_factory: Factory | None = None
    _http: BaseWSGIServer | None = None
    _http_thread: threading.Thread | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The touch page's address (the actual port when the configured one is 0)."""
        if self._http is None:
            return f"http://{self.config.kiosk.listen_host}:{self.config.kiosk.listen_port}/"
        return f"http://{self.config.kiosk.listen_host}:{self._http.server_port}/"

    def start(self) -> None:
        self._http = make_server(self.config.kiosk.listen_host, self.config.kiosk.listen_port,
                                 self.web, threaded=True)
        self._http_thread = threading.Thread(target=self._http.serve_forever,
                                             name="kiosk-web", daemon=True)
        self._http_thread.start()
        self.agent.start()
        if self.realtime is not None:
            self.realtime.start()
        log.info("kiosk %s: touch page on %s", self.config.kiosk.name, self.url)

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._http_thread is not None:
            self._http_thread.join(10)
        if self.realtime is not None:
            self.realtime.stop()
        if self.buttons is not None:
            self.buttons.close()
        self.agent.stop()
        if self.leds is not None:
            self.leds.close()
        for close in self._closers:
            close()


def build_kiosk(config: KioskConfig, *, printer: Printer | None = None,
                server: Server | None = None, pin_factory: Factory | None = None,
                realtime: bool = True, clock: Callable[[], float] = time.time,
                monotonic: Callable[[], float] = time.monotonic) -> Kiosk:
    closers: list[Callable[[], None]] = []
    journal = Journal(config.journal.path, clock)
    closers.append(journal.close)
    if server is None:
        api = ServerApi(config.server.url, config.token, config.server.timeout)
        closers.append(api.close)
        server = api
    if printer is None:
        ticket_printer = open_printer(config.printer_config)
        closers.insert(0, ticket_printer.close)
        printer = ticket_printer
    recorder = None
    if config.kiosk.preview:
        recorder = RecordingPrinter(printer, config.printer_config)
        printer = recorder
    agent = KioskAgent(AgentSettings.from_config(config), journal, server, printer,
                       clock=clock, monotonic=monotonic)
    uses_gpio = bool(config.buttons) or any(
        getattr(config.leds, name) is not None for name in ("ready", "printing", "fault"))
    if pin_factory is None and uses_gpio:
        pin_factory = make_pin_factory(config.gpio.pin_factory)
        if pin_factory is not None:
            closers.append(pin_factory.close)
    buttons = leds = None
    try:
        if config.buttons:
            buttons = ButtonPanel(agent, config.buttons, pin_factory, monotonic)
        if uses_gpio:
            leds = StatusLeds(config.leds, pin_factory)
    except GPIOZeroError as exc:
        for close in closers:
            close()
        raise KioskConfigError(f"[buttons]/[leds]: GPIO cannot be used: {exc} (set [gpio] "
                               "pin_factory = \"mock\" on a machine without GPIO)") from exc
    if leds is not None:
        status_leds = leds
        agent.add_listener(lambda: status_leds.update(agent.mode(), agent.printing))
        status_leds.update(agent.mode(), agent.printing)
    link = None
    if realtime:
        base = server if isinstance(server, ServerApi) else None
        link = RealtimeLink(lambda: base.base_url if base else config.server.url, config.token,
                            agent, retry_min=config.server.retry_min,
                            retry_max=config.server.retry_max)
    mock = config.gpio.pin_factory == "mock" and buttons is not None
    web = create_web_app(
        agent, language=config.kiosk.language, inactivity=config.kiosk.inactivity,
        recorder=recorder, mock_buttons=buttons if mock else None,
        button_names=[_button_title(b) for b in config.buttons])
    return Kiosk(config=config, agent=agent, journal=journal, server=server, printer=printer,
                 web=web, recorder=recorder, realtime=link, buttons=buttons, leds=leds,
                 pin_factory=pin_factory, _closers=closers)


def _button_title(button: ButtonSection) -> str:
    detail = button.service or ""
    if button.category:
        detail += f"/{button.category}"
    return f"GPIO {button.pin}: {button.action}{' ' + detail if detail else ''}"
