"""``talon SUBCOMMAND``: dispatches to the process that owns the subcommand.

Imports are lazy so that a kiosk Pi, which installs only the kiosk extra, never imports the
server's dependencies.
"""

from __future__ import annotations

import sys

SERVER_COMMANDS = ("serve", "demo", "user", "token", "simulate", "check-config",
                   "seed-history")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(
            "usage: talon {serve,demo,user,token,simulate,check-config,kiosk,bridge} ...\n\n"
            "  serve         run the queue server for an office TOML file\n"
            "  demo          create a demo office under var/ and run it (what `make run` does)\n"
            "  user add      create or update a staff account\n"
            "  token add     create a device token (kiosk, board, bridge)\n"
            "  simulate      compare dispatch policies on a simulated office day\n"
            "  seed-history  fill a database with synthetic history (--days N --per-day M)\n"
            "  check-config  validate an office TOML file\n"
            "  kiosk         run the ticket kiosk agent (touch page, printer, buttons)\n"
            "  bridge        drive the LED boards, keypads, staff-call buttons and rating pads\n"
        )
        return 0 if args else 2
    if args[0] in SERVER_COMMANDS:
        from server.cli import run

        return run(args)
    if args[0] == "kiosk":
        from kiosk.cli import main as kiosk_main

        return kiosk_main(args[1:])
    if args[0] == "bridge":
        from firmware_bridge.cli import main as bridge_main

        return bridge_main(args[1:])
    sys.stderr.write(f"talon: unknown command {args[0]!r} (see talon --help)\n")
    return 2
