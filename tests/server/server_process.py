"""Run ``talon serve`` as a real child process, for tests that kill it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from server.accounts import Accounts
from server.store.sqlite import SqliteStore

STARTUP_TIMEOUT = 30.0


def prepare_database(database: Path, tokens: dict[str, tuple[str, str]]) -> None:
    """Create the database with device tokens ``{name: (role, token)}`` before a start."""
    store = SqliteStore(database)
    store.migrate()
    accounts = Accounts(store, time.time)
    for name, (role, token) in tokens.items():
        accounts.add_token(name, role, token=token)
    store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``talon serve`` on a free loopback port; ``url`` is valid once ``start`` returns."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    def start(self) -> None:
        env = {
            **os.environ,
            "TALON_SERVER__DATABASE": str(self.database),
            "TALON_SERVER__PORT": str(self.port),
            "TALON_SERVER__HOST": "127.0.0.1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "talon", "serve"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()

        def drain() -> None:
            # Keep reading so the child never blocks on a full pipe; note when it listens.
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                if "Running on" in line:
                    ready.set()
            ready.set()

        self._drain = threading.Thread(target=drain, daemon=True)
        self._drain.start()
        if not ready.wait(STARTUP_TIMEOUT) or self.process.poll() is not None:
            raise RuntimeError("server did not start:\n" + "".join(self.output))

    def kill(self) -> None:
        """``kill -9``: no chance to flush or clean up."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self._reap()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
        self._reap()

    def _reap(self) -> None:
        if self.process is None:
            return
        self.process.wait(timeout=30)
        self._drain.join(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()
