"""The server under test: a ``talon serve`` subprocess on a temporary database.

The office is the built-in demo office plus one bench window per benchmark client
(windows 101, 102, ...; each serves "consult"), so every client acts at its own window as a
consultant would. Accounts and device tokens are created beforehand with the ``talon`` CLI
(one interpreter runs all the ``user add`` / ``token add`` commands, to keep set-up short).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import requests

from server import config

HOST = "127.0.0.1"
PASSWORD = "bench-password"
FIRST_BENCH_WINDOW = 101
SERVICE = "consult"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

# Runs several CLI commands in one interpreter: argv lists as JSON in argv[1], the passwords of
# `user add --password-stdin` on stdin, one line each; every command prints one line.
_CLI_BATCH = (
    "import json, sys\n"
    "from talon.cli import main\n"
    "for argv in json.loads(sys.argv[1]):\n"
    "    code = main(argv)\n"
    "    if code:\n"
    "        sys.exit(code)\n"
)


class BenchError(Exception):
    """The benchmark could not run (the server did not start, a request failed...)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def office_text(windows: int) -> str:
    """The demo office with ``windows`` extra windows serving consultations."""
    extra = "".join(
        f'\n[[windows]]\nnumber = {FIRST_BENCH_WINDOW + i}\nname = "Bench {i + 1}"\n'
        f'services = ["{SERVICE}"]\n'
        for i in range(windows)
    )
    return config.demo_office_text() + "\n# Benchmark windows\n" + extra


def consultant(index: int) -> str:
    return f"bench{index + 1:02d}"


def window(index: int) -> int:
    return FIRST_BENCH_WINDOW + index


class Server:
    """``with Server(windows=32) as server:`` — a running server; ``server.url``, tokens."""

    def __init__(self, windows: int, *, keep: bool = False) -> None:
        self.windows = windows
        self.keep = keep
        self.dir = Path(tempfile.mkdtemp(prefix="talon-bench-"))
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.office = self.dir / "office.toml"
        self.log = self.dir / "server.log"
        self.env = {
            **os.environ,
            "TALON_SERVER__DATABASE": str(self.dir / "talon.db"),
            "TALON_SERVER__HOST": HOST,
            "TALON_SERVER__PORT": str(self.port),
        }
        self.env.pop("TALON_CONFIG", None)
        self.kiosk_token = ""
        self.board_token = ""
        self.process: subprocess.Popen[bytes] | None = None

    # Set-up --------------------------------------------------------------------------------

    def _cli(self, commands: list[list[str]], stdin: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", _CLI_BATCH, json.dumps(commands)],
            input=stdin.encode(),
            capture_output=True,
            env=self.env,
            cwd=self.dir,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"talon CLI failed: {done.stderr.decode(errors='replace')}")
        lines = done.stdout.decode().splitlines()
        if len(lines) != len(commands):
            raise BenchError(f"talon CLI printed {len(lines)} lines for {len(commands)} commands")
        return lines

    def prepare(self) -> None:
        self.office.write_text(office_text(self.windows), encoding="utf-8")
        conf = ["--config", str(self.office)]
        users = [
            ["user", "add", consultant(i), "--role", "consultant", "--password-stdin", *conf]
            for i in range(self.windows)
        ]
        tokens = [
            ["token", "add", "bench-kiosk", "--role", "kiosk", *conf],
            ["token", "add", "bench-board", "--role", "board", *conf],
        ]
        lines = self._cli(users + tokens, stdin=f"{PASSWORD}\n" * len(users))
        self.kiosk_token, self.board_token = lines[-2].strip(), lines[-1].strip()

    # Life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "talon", "serve", "--config", str(self.office)],
                env=self.env,
                cwd=self.dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"the server exited with {self.process.returncode}:\n"
                                 f"{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise BenchError(f"the server did not answer /api/v1/health in {START_TIMEOUT:.0f} s:\n"
                         f"{self.log_tail()}")

    def stop(self) -> int | None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return process.returncode if process else None
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait(STOP_TIMEOUT)

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server process has used so far (Linux only)."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def database_handles(self) -> int | None:
        """Open file descriptors of the server on its database files (Linux only)."""
        if self.process is None:
            return None
        folder = Path(f"/proc/{self.process.pid}/fd")
        try:
            names = os.listdir(folder)
        except OSError:
            return None
        count = 0
        for name in names:
            try:
                count += os.readlink(folder / name).startswith(self.env["TALON_SERVER__DATABASE"])
            except OSError:
                continue
        return count

    def threads(self) -> int | None:
        """Threads of the server process (Linux only)."""
        if self.process is None:
            return None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        return next((int(line.split()[1]) for line in status.splitlines()
                     if line.startswith("Threads:")), None)

    def keeps_alive(self) -> bool:
        """Whether the server keeps an HTTP/1.1 connection open after a response."""
        with requests.Session() as session:
            response = session.get(f"{self.url}/api/v1/health", timeout=5)
        return (response.raw.version == 11
                and response.headers.get("Connection", "").lower() != "close")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def __enter__(self) -> Server:
        try:
            self.prepare()
            self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
