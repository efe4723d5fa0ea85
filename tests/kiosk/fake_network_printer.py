"""A network printer on 127.0.0.1 for tests: records every byte it receives and answers
the real-time status requests DLE EOT n with the reply byte it was given for n."""

from __future__ import annotations

import queue
import socket
import threading

DLE_EOT = b"\x10\x04"
IDLE = 0x12  # a status reply with nothing to report


class FakeNetworkPrinter:
    def __init__(self, replies: dict[int, int] | None = None) -> None:
        self.replies = {1: IDLE, 2: IDLE, 4: IDLE, **(replies or {})}
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        # What each connection received, put when the client has closed it.
        self.connections: queue.Queue[bytes] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="fake-printer", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:  # the test is over: the listening socket was shut down
                return
            with conn:
                self.connections.put(self._talk(conn))

    def _talk(self, conn: socket.socket) -> bytes:
        received = bytearray()
        answered = 0  # requests before this offset have been answered
        while chunk := conn.recv(65536):
            received += chunk
            while (at := received.find(DLE_EOT, answered)) != -1 and at + 2 < len(received):
                conn.sendall(bytes((self.replies[received[at + 2]],)))
                answered = at + 3
        return bytes(received)

    def received(self) -> bytes:
        """The bytes of the next finished connection (waits for the client to close it)."""
        return self.connections.get(timeout=10)

    def stop(self) -> None:
        self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self._thread.join(timeout=10)
