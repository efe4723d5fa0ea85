"""``talon kiosk --config kiosk.toml`` (also ``python -m kiosk``): run the kiosk agent.

``--check`` only validates the configuration. The agent runs until SIGTERM (systemd) or
Ctrl-C, then stops cleanly; a ``kill -9`` or a power cut loses nothing acknowledged either
(see kiosk.journal).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from kiosk.config import load_config
from kiosk.errors import KioskError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talon kiosk",
                                     description="Run the ticket kiosk agent.")
    parser.add_argument("--config", required=True, help="the kiosk.toml file")
    parser.add_argument("--check", action="store_true",
                        help="validate the configuration and exit")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = load_config(args.config)
    except KioskError as exc:
        sys.stderr.write(f"talon kiosk: {exc.message}\n")
        return 2
    if args.check:
        sys.stdout.write(f"{args.config}: OK (kiosk {config.kiosk.name}, printer "
                         f"{config.printer_config.kind}, {len(config.buttons)} buttons)\n")
        return 0
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The touch page asks for the status every second: not one log line each.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from kiosk.wiring import build_kiosk  # hardware and web libraries only when running

    try:
        kiosk = build_kiosk(config)
    except KioskError as exc:
        sys.stderr.write(f"talon kiosk: {exc.message}\n")
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        kiosk.start()
        sys.stdout.write(f"kiosk {config.kiosk.name}: touch page {kiosk.url}\n")
        sys.stdout.flush()
        stop.wait()
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the touch page's port is taken, for instance
        sys.stderr.write(f"talon kiosk: {exc}\n")
        kiosk.stop()
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    kiosk.stop()
    return 0
