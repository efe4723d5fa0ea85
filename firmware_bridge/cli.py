"""``talon bridge --config bridge.toml``: the bridge process, wired in one place.

``RunningBridge`` builds the parts from a ``BridgeConfig`` and runs them on threads: the bus
(serial I/O), the outbox (requests to the server) and the realtime feed (Socket.IO); ``main``
adds the command line, logging and signals. ``[serial] port = "sim://"`` wires simulated boards
instead of a serial port, with their status page if ``[simulator] status_port`` is set.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from firmware_bridge import config as cfg
from firmware_bridge.bridge import Bridge
from firmware_bridge.bus import Bus, Port
from firmware_bridge.errors import BridgeConfigError
from firmware_bridge.link import HostLink
from firmware_bridge.outbox import Outbox, Outcome
from firmware_bridge.serial_port import open_serial
from firmware_bridge.server_client import HttpServer, RealtimeFeed
from firmware_bridge.simulator import BoardSimulator, SimulatedPort
from firmware_bridge.status_page import StatusPage

log = logging.getLogger("talon.bridge")

CONFIG_ENV = "TALON_BRIDGE_CONFIG"
STOP_FLUSH = 2.0  # seconds a stopping bridge gives queued requests to reach a reachable server


class RunningBridge:
    """Every part of one bridge process. ``start`` starts the threads, ``stop`` ends them.

    ``open_port`` replaces the serial port (tests); ``on_outcome`` sees what became of every
    board request (tests, logs)."""

    def __init__(self, config: cfg.BridgeConfig, *,
                 open_port: Callable[[], Port] | None = None,
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self.config = config
        timings = config.timings
        link_config = timings.link()
        self.simulator: BoardSimulator | None = None
        self.status_page: StatusPage | None = None
        if open_port is None and config.serial.simulated:
            simulator = BoardSimulator(
                [(b.address, b.board_kind, b.name) for b in config.boards], link_config)
            self.simulator = simulator
            open_port = lambda: SimulatedPort(simulator)  # noqa: E731
            if config.simulator is not None and config.simulator.status_port:
                self.status_page = StatusPage(simulator, config.simulator.status_host,
                                              config.simulator.status_port)
        elif open_port is None:
            port, baudrate = config.serial.port, config.serial.baudrate
            open_port = lambda: open_serial(port, baudrate)  # noqa: E731
        # Two HTTP clients: requests.Session is not thread-safe, and the outbox thread and the
        # realtime feed's handlers (which reload the snapshot after a gap) both use one.
        self.http = HttpServer(config.server.url, config.token, timings.request_timeout)
        self.snapshots = HttpServer(config.server.url, config.token, timings.request_timeout)
        self.outbox = Outbox(self.http, key_ttl=timings.key_ttl, report_ttl=timings.report_ttl,
                             retry_base=timings.server_retry_base,
                             retry_max=timings.server_retry_max, on_outcome=on_outcome)
        self.bus = Bus(HostLink(config.kinds(), link_config), open_port, path=config.serial.port,
                       on_event=lambda event: self.bridge.on_bus_event(event),
                       reopen_base=timings.reopen_base,
                       reopen_max=timings.reopen_max)
        self.bridge = Bridge(config, self.bus, self.outbox, self.snapshots)
        self.feed = RealtimeFeed(config.server.url, config.token,
                                 on_snapshot=self.bridge.on_snapshot,
                                 on_event=self.bridge.on_event,
                                 on_disconnect=self.bridge.on_disconnect,
                                 retry_base=timings.server_retry_base,
                                 retry_max=timings.server_retry_max,
                                 timeout=timings.request_timeout)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=run, args=(self._stop,), name=name, daemon=True)
                         for name, run in (("bridge-bus", self.bus.run),
                                           ("bridge-outbox", self.outbox.run),
                                           ("bridge-feed", self.feed.run))]

    def start(self) -> RunningBridge:
        self.bridge.start()
        if self.status_page is not None:
            self.status_page.start()
            log.info("simulated boards: %s", self.status_page.url)
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        if self.outbox.reachable:
            self.outbox.wait_idle(STOP_FLUSH)
        self._stop.set()
        self.outbox.wake()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=10)
        self.http.close()
        self.snapshots.close()
        if self.status_page is not None:
            self.status_page.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="talon bridge",
        description="Drive the LED boards, keypads, staff-call buttons and rating pads on a "
                    "serial bus from the queue server.")
    parser.add_argument("--config", default=os.environ.get(CONFIG_ENV),
                        help=f"bridge.toml (default: ${CONFIG_ENV})")
    parser.add_argument("--server-url", help="override [server] url (the demo's host and port)")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if not args.config:
        sys.stderr.write(f"talon bridge: give --config bridge.toml (or set ${CONFIG_ENV})\n")
        return 2
    try:
        config = cfg.load(args.config)
        if args.server_url:
            server = cfg.ServerSection.model_validate(
                config.server.model_dump() | {"url": args.server_url})
            config = config.model_copy(update={"server": server})
    except BridgeConfigError as error:
        sys.stderr.write(f"talon bridge: {error.message}\n")
        return 2
    except ValueError as error:  # pydantic's ValidationError of --server-url
        sys.stderr.write(f"talon bridge: --server-url: {error}\n")
        return 2
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if cfg.unstable_port_name(config.serial.port):
        log.warning("%s may name another adapter after a replug; use its stable name under "
                    "/dev/serial/by-id/", config.serial.port)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        running = RunningBridge(config).start()
    except OSError as error:  # the status page's port is taken
        sys.stderr.write(f"talon bridge: cannot start: {error}\n")
        return 1
    sys.stdout.write(f"talon bridge: {len(config.boards)} boards on {config.serial.port}, "
                     f"server {config.server.url}\n")
    if running.status_page is not None:
        sys.stdout.write(f"  Simulated boards    {running.status_page.url}\n")
    sys.stdout.flush()
    while not stop.wait(1.0):
        pass
    running.stop()
    return 0
