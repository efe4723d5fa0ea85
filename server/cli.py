"""Server subcommands: serve, demo, user add, token add, simulate, check-config."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from server import config
from server.domain.errors import QueueError

log = logging.getLogger("talon.serve")

DEMO_USERS = (
    ("admin", "admin", "Администратор"),
    ("head", "head", "Руководитель ЦОК"),
    ("hall", "hall", "Администратор зала"),
    ("ivanova", "consultant", "Иванова А. П."),
    ("petrov", "consultant", "Петров С. В."),
    ("sidorova", "consultant", "Сидорова Е. Н."),
)
DEMO_PASSWORD = "talon-demo"
DEMO_DEVICES = (("kiosk-1", "kiosk"), ("board-hall", "board"), ("bridge-1", "bridge"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talon")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the queue server")
    serve.add_argument("--config", help="office TOML file (default: $TALON_CONFIG)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)

    demo = sub.add_parser("demo", help="run a demo office under --var")
    demo.add_argument("--var", default="var", help="folder for the database and demo config")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=5000)
    demo.add_argument("--kiosk", metavar="KIOSK_TOML",
                      help="also run a kiosk agent with this config (make run: a simulated one)")
    demo.add_argument("--kiosk-url", default="http://127.0.0.1:8080",
                      help="where that kiosk's touch page listens (for the printed URLs)")
    demo.add_argument("--bridge", metavar="BRIDGE_TOML",
                      help="also run a bridge with this config (make run: simulated boards)")
    demo.add_argument("--boards-url", default="http://127.0.0.1:5081",
                      help="where that bridge shows its simulated boards (for the printed URLs)")

    user = sub.add_parser("user", help="staff accounts").add_subparsers(dest="action",
                                                                         required=True)
    add_user = user.add_parser("add", help="create or update a staff account")
    add_user.add_argument("username")
    add_user.add_argument("--role", required=True,
                          choices=["consultant", "hall", "head", "admin"])
    add_user.add_argument("--name", default="")
    add_user.add_argument("--password-stdin", action="store_true",
                          help="read the password from standard input instead of prompting")
    add_user.add_argument("--config")

    token = sub.add_parser("token", help="device tokens").add_subparsers(dest="action",
                                                                          required=True)
    add_token = token.add_parser("add", help="create a device token; printed once")
    add_token.add_argument("name")
    add_token.add_argument("--role", required=True, choices=["kiosk", "board", "bridge"])
    add_token.add_argument("--windows", default="",
                           help="comma-separated windows a bridge may act for (default: all)")
    add_token.add_argument("--config")

    simulate = sub.add_parser("simulate", help="compare dispatch policies on simulated days")
    simulate.add_argument("scenario", help="scenario TOML file")
    simulate.add_argument("--days", type=int, help="override the number of simulated days")
    simulate.add_argument("--seed", type=int, help="override the random seed")
    simulate.add_argument("--bound", type=int, metavar="K",
                          help="also report the clairvoyant bound of the expected wait: the "
                               "median of K replays knowing every arrival to come (slow)")

    check = sub.add_parser("check-config", help="validate an office TOML file")
    check.add_argument("config")
    seed = sub.add_parser("seed-history",
                          help="fill a new database with synthetic office history")
    seed.add_argument("--days", type=int, required=True, help="office days, ending yesterday")
    seed.add_argument("--per-day", type=int, required=True, help="visitors per working day")
    seed.add_argument("--config", help="office TOML file (default: the demo office)")
    seed.add_argument("--seed", type=int, default=1, help="random seed")
    return parser


def _settings(path: str | None) -> config.OfficeFile:
    settings = config.load(path, os.environ)
    logging.getLogger().setLevel(settings.server.log_level)  # [server] log_level
    return settings


def _create_app(settings: config.OfficeFile):  # type: ignore[no-untyped-def]
    from server.app import create_app

    return create_app(settings)


class _WebSocketCloseNoise(logging.Filter):
    """Drop one harmless message: after a WebSocket ends, frames the client still sends (its
    close frame, 0x88; a last ping, 0x81) are read as if they began a new HTTP request, and
    pywsgi logs them as errors. Frame headers start with a byte 0x80-0x8f."""

    NOISE = ("Invalid HTTP method: '\\x8", "Got command='\\x8")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(noise in message for noise in self.NOISE)


def _sweep_alerts(services) -> None:  # type: ignore[no-untyped-def]
    """Every few seconds, raise and resolve the hall alerts the queue's state calls for."""
    from server.alerts import SWEEP_INTERVAL

    while True:
        services.socketio.sleep(SWEEP_INTERVAL)
        try:
            services.alerts.sweep()
        except Exception:
            # Whatever failed (a locked disk, a bug), sweeping goes on: the next one retries.
            log.exception("alert sweep failed")
        try:
            services.bookings.sweep()  # no-shows, reminders, purge of personal data
        except Exception:
            log.exception("booking sweep failed")


def _serve(app, host: str, port: int,  # type: ignore[no-untyped-def]
           before_stop: Callable[[], None] | None = None) -> None:
    """Serve until interrupted, on the server the app's Socket.IO mode asks for.
    ``before_stop`` runs first on SIGINT/SIGTERM (the demo ends its kiosk and bridge there,
    so their long-polling requests do not hold the server's stop for half a minute)."""
    socketio = app.extensions["talon"].socketio
    socketio.start_background_task(_sweep_alerts, app.extensions["talon"])
    if socketio.async_mode == "gevent":
        from gevent.pywsgi import WSGIServer

        http_log = logging.getLogger("talon.http")
        http_log.addFilter(_WebSocketCloseNoise())
        server = WSGIServer((host, port), app, log=None, error_log=http_log)
        server.init_socket()
        # Responses go out as several writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every keep-alive request. Accepted sockets
        # inherit the option from the listening one.
        server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server.start()  # bound and listening from here on
        import gevent

        for signum in (signal.SIGINT, signal.SIGTERM):  # stop cleanly, exit 0 (systemd)
            gevent.signal_handler(signum, _stopper(server.stop, before_stop))
        log.info("Running on http://%s:%d", host, server.server_port)
        server.serve_forever()
        log.info("stopped")
    else:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False)


def _demo(args: argparse.Namespace) -> None:
    var = Path(args.var)
    var.mkdir(parents=True, exist_ok=True)
    office_file = var / "office.toml"
    if not office_file.exists():
        office_file.write_text(config.demo_office_text(), encoding="utf-8")
    env = {**os.environ, "TALON_SERVER__DATABASE": str(var / "talon.db")}
    settings = config.load(office_file, env)
    logging.getLogger().setLevel(settings.server.log_level)
    app = _create_app(settings)
    accounts = app.extensions["talon"].accounts
    for username, role, name in DEMO_USERS:
        if accounts.staff(username) is None:
            accounts.add_user(username, DEMO_PASSWORD, role, name)
    tokens = {name: accounts.add_token(name, role, token=f"demo-{name}")
              for name, role in DEMO_DEVICES}
    base = f"http://{args.host}:{args.port}"
    out = sys.stdout
    out.write(f"\nTalon demo office «{settings.name}» (database {var / 'talon.db'})\n\n")
    board = tokens["board-hall"]
    first_window = settings.windows[0].number
    out.write(f"  Start page          {base}/\n")
    out.write(f"  Consultant desk     {base}/desk  (log in as ivanova, petrov or sidorova)\n")
    out.write(f"  Hall console        {base}/console  (log in as hall)\n")
    out.write(f"  Head's dashboard    {base}/dashboard  (log in as head; also /reports, "
              "/staffing)\n")
    out.write(f"  Pre-booking         {base}/book  (operators: {base}/bookings as hall)\n")
    out.write(f"  Hall board (TV)     {base}/board#token={board}\n")
    out.write(f"  Window screen       {base}/board/window/{first_window}#token={board}\n")
    if args.kiosk:
        out.write(f"  Kiosk touch page    {args.kiosk_url}/  (dummy printer, mock buttons)\n")
        out.write(f"  Printed tickets     {args.kiosk_url}/printed\n")
    if args.bridge:
        out.write(f"  Simulated boards    {args.boards_url}/  (LED boards, keypads, buttons)\n")
    out.write(f"  API document        {base}/api/v1/openapi.json\n")
    out.write(f"  Health              {base}/api/v1/health\n")
    out.write(f"  Ticket status page  {base}/t/<public_id>  (what a ticket's QR code opens)\n\n")
    out.write(f"  Staff accounts (password «{DEMO_PASSWORD}»): "
              + ", ".join(f"{u} ({r})" for u, r, _ in DEMO_USERS) + "\n")
    out.write("  Device tokens: " + ", ".join(f"{n}={t}" for n, t in tokens.items()) + "\n\n")
    out.write("  Try it:\n")
    out.write(f"    curl -H 'Authorization: Bearer {tokens['kiosk-1']}' -H 'Content-Type: "
              f"application/json' -d '{{\"service\": \"consult\"}}' {base}/api/v1/tickets\n\n")
    out.flush()
    # The kiosk agent and the bridge run as processes of their own, as on real hardware;
    # they talk to this server over the wire and retry until it is listening.
    helpers = []
    if args.kiosk:
        helpers.append(subprocess.Popen([sys.executable, "-m", "kiosk", "--config", args.kiosk]))
    if args.bridge:
        helpers.append(subprocess.Popen([
            sys.executable, "-m", "firmware_bridge", "--config", args.bridge,
            "--server-url", base, "--log-level", "WARNING",
        ]))

    def end_helpers() -> None:
        for helper in helpers:
            if helper.poll() is None:
                helper.terminate()
        for helper in helpers:
            helper.wait(timeout=30)

    try:
        _serve(app, args.host, args.port, before_stop=end_helpers)
    finally:
        end_helpers()


def _stopper(stop: Callable[[], None], before: Callable[[], None] | None) -> Callable[[], None]:
    def run() -> None:
        if before is not None:
            before()
        stop()

    return run


def _add_user(args: argparse.Namespace) -> None:
    from server.accounts import Accounts
    from server.store.sqlite import SqliteStore

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("again: ") != password:
            raise QueueError("passwords differ")
    store = SqliteStore(_settings(args.config).server.database)
    store.migrate()
    Accounts(store, time.time).add_user(args.username, password, args.role, args.name)
    sys.stdout.write(f"user {args.username} ({args.role}) saved\n")


def _add_token(args: argparse.Namespace) -> None:
    from server.accounts import Accounts
    from server.store.sqlite import SqliteStore

    try:
        windows = [int(w) for w in args.windows.split(",") if w.strip()] or None
    except ValueError:
        raise QueueError("--windows takes comma-separated window numbers") from None
    store = SqliteStore(_settings(args.config).server.database)
    store.migrate()
    secret = Accounts(store, time.time).add_token(args.name, args.role, windows)
    sys.stdout.write(f"{secret}\n")


def _seed_history(args: argparse.Namespace) -> None:
    """Days of synthetic visits through the queue's own use cases, ending yesterday."""
    import datetime as dt
    import time

    from server.history import seed_history
    from server.store.sqlite import SqliteStore

    if args.days < 1 or args.per_day < 0:
        raise config.ConfigError("--days must be at least 1 and --per-day at least 0")
    settings = _settings(args.config)
    store = SqliteStore(settings.server.database)
    store.migrate()
    yesterday = dt.date.fromisoformat(settings.day_of(time.time())) - dt.timedelta(days=1)

    def progress(day: dt.date, done: object) -> None:
        sys.stdout.write(f"{day.isoformat()}: {done}\n")

    result = seed_history(settings, store, days=args.days, per_day=args.per_day,
                          last_day=yesterday, seed=args.seed, progress=progress)
    store.close()
    sys.stdout.write(f"seeded {result.tickets} tickets over {result.days} office days into "
                     f"{settings.server.database}\n")


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "serve":
            settings = _settings(args.config)
            _serve(_create_app(settings), args.host or settings.server.host,
                   args.port or settings.server.port)
        elif args.command == "demo":
            _demo(args)
        elif args.command == "user":
            _add_user(args)
        elif args.command == "token":
            _add_token(args)
        elif args.command == "simulate":
            from server.simulation import run_scenario_file

            sys.stdout.write(run_scenario_file(args.scenario, days=args.days, seed=args.seed,
                                               bound=args.bound))
        elif args.command == "seed-history":
            _seed_history(args)
        elif args.command == "check-config":
            settings = _settings(args.config)
            sys.stdout.write(f"{args.config}: ok ({len(settings.services)} services, "
                             f"{len(settings.windows)} windows)\n")
    except (config.ConfigError, QueueError) as exc:
        sys.stderr.write(f"talon: {exc}\n")
        return 1
    return 0
