"""The real serial port under the bus: pyserial on a device path (a USB RS-485 adapter, or a
pty for tests), read without blocking longer than asked.

A port that vanishes (unplugged adapter, closed pty) raises OSError (pyserial's
SerialException is one) from ``read`` or ``write``; the bus then reopens it.
"""

from __future__ import annotations

import logging
import select

import serial

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 1.0  # a 72-byte frame takes 19 ms at 38400 baud: a full second means trouble


class SerialPort:
    """An open serial port, 8N1, exclusive (a second bridge on the same port is refused)."""

    def __init__(self, path: str, baudrate: int) -> None:
        self.path = path
        self._serial = serial.Serial(path, baudrate, timeout=0, write_timeout=WRITE_TIMEOUT,
                                     exclusive=True)
        try:
            # FTDI adapters hold received bytes up to 16 ms by default; ask for 1 ms.
            self._serial.set_low_latency_mode(True)
        except (OSError, ValueError):
            log.debug("%s: low-latency mode not available", path)
        try:
            self._serial.reset_input_buffer()
        except OSError:
            self.close()
            raise

    def read(self, timeout: float) -> bytes:
        """What arrived, waiting up to ``timeout`` seconds for the first byte; b"" if none."""
        ready, _, _ = select.select([self._serial.fileno()], [], [], max(timeout, 0.0))
        if not ready:
            return b""
        return bytes(self._serial.read(max(1, self._serial.in_waiting)))

    def write(self, data: bytes) -> None:
        self._serial.write(data)

    def close(self) -> None:
        try:
            self._serial.close()
        except OSError:
            log.debug("%s: error while closing a vanished port", self.path)


def open_serial(path: str, baudrate: int) -> SerialPort:
    """Open ``path``; OSError (SerialException) if it is not there or cannot be opened."""
    return SerialPort(path, baudrate)
