"""Push buttons and status LEDs on the Raspberry Pi's GPIO header (gpiozero).

``[[buttons]]`` in kiosk.toml maps pins to actions: issue a ticket for a service, an
out-of-turn ticket for a service and category, or a staff call. Each press that counts
(``kiosk.cooldown.ButtonGate``: one job at a time per button, and a cool-down) is carried
out on a thread of the panel's own, so gpiozero's callback thread never waits for the
printer or the network. ``[leds]`` shows ready, printing and fault
(``kiosk.screen.led_states``).

The pin factory is gpiozero's own choice unless kiosk.toml names one; the mock factory
(no hardware: demos and tests) is used only when asked for.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from gpiozero import LED, Button, Factory

from kiosk.config import ButtonSection, LedSection, PinFactoryName
from kiosk.cooldown import ButtonGate
from kiosk.errors import KioskConfigError, KioskError
from kiosk.journal import Entry
from kiosk.screen import Mode, led_states

log = logging.getLogger(__name__)


def make_pin_factory(name: PinFactoryName) -> Factory | None:
    """The configured pin factory; None means gpiozero's default choice."""
    try:
        if name == "default":
            return None
        if name == "mock":
            from gpiozero.pins.mock import MockFactory

            return MockFactory()
        if name == "lgpio":
            from gpiozero.pins.lgpio import LGPIOFactory

            return LGPIOFactory()
        if name == "rpigpio":
            from gpiozero.pins.rpigpio import RPiGPIOFactory

            return RPiGPIOFactory()
        if name == "pigpio":
            from gpiozero.pins.pigpio import PiGPIOFactory

            return PiGPIOFactory()
        from gpiozero.pins.native import NativeFactory

        return NativeFactory()
    except (ImportError, OSError, RuntimeError) as exc:
        raise KioskConfigError(f"[gpio] pin_factory {name!r} cannot be used here: {exc}") \
            from exc


class ButtonAgent(Protocol):
    """What the buttons ask of ``kiosk.agent.KioskAgent``."""

    def request_ticket(self, service: str, category: str | None = None,
                       source: str = "screen") -> Entry: ...

    def staff_call(self, button: str) -> dict[str, Any]: ...

    def entry(self, entry_id: int) -> Entry | None: ...

    def add_listener(self, listener: Callable[[], None]) -> None: ...


class ButtonPanel:
    def __init__(self, agent: ButtonAgent, buttons: list[ButtonSection],
                 pin_factory: Factory | None, monotonic: Callable[[], float]) -> None:
        self.agent = agent
        self.config = list(buttons)
        self.monotonic = monotonic
        self.gates = [ButtonGate(b.cooldown) for b in self.config]
        self._jobs: dict[int, int] = {}  # button index -> journal entry in flight
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-button")
        self.last: Future[object] | None = None  # the latest accepted press (tests wait on it)
        self.devices: list[Button] = []
        for index, button in enumerate(self.config):
            device = Button(button.pin, pull_up=button.pull_up, pin_factory=pin_factory)
            device.when_pressed = self._handler(index)
            self.devices.append(device)
        agent.add_listener(self._check_jobs)

    def _handler(self, index: int) -> Callable[[], None]:
        return lambda: self.press(index)

    def press(self, index: int) -> bool:
        """A press of button ``index``; True when it starts a job."""
        with self._lock:
            accepted = self.gates[index].press(self.monotonic())
            if accepted:
                self.last = self._executor.submit(self._act, index)
        if not accepted:
            log.debug("button %s: press ignored (busy or cooling down)", self.config[index].pin)
        return accepted

    def _act(self, index: int) -> object:
        """Carry out an accepted press; returns what the agent answered (or refused)."""
        button = self.config[index]
        source = f"button:{button.pin}"
        if button.action == "staff_call":
            try:
                return self.agent.staff_call(button.staff_call_name)
            except KioskError as exc:
                log.warning("%s: %s", source, exc.message)
                return exc
            finally:
                self._release(index)
        if button.service is None:  # the config refuses issuing buttons without a service
            self._release(index)
            return KioskConfigError(f"button on pin {button.pin} names no service")
        try:
            entry = self.agent.request_ticket(button.service, button.category, source)
        except KioskError as exc:  # refused (offline, printer...), or the journal failed
            log.warning("%s: %s", source, exc.message)
            self._release(index)
            return exc
        with self._lock:
            self._jobs[index] = entry.id
        self._check_jobs()  # it may have been printed already
        return entry

    def _release(self, index: int) -> None:
        with self._lock:
            self._jobs.pop(index, None)
            self.gates[index].done()

    def _check_jobs(self) -> None:
        with self._lock:
            jobs = list(self._jobs.items())
        for index, entry_id in jobs:
            entry = self.agent.entry(entry_id)
            if entry is None or entry.final:
                self._release(index)

    def busy(self) -> bool:
        with self._lock:
            return any(gate.in_flight for gate in self.gates)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        for device in self.devices:
            device.close()


class StatusLeds:
    """The three status LEDs; ``update`` sets them from the agent's mode."""

    def __init__(self, config: LedSection, pin_factory: Factory | None) -> None:
        self.leds: dict[str, LED] = {}
        for name in ("ready", "printing", "fault"):
            pin = getattr(config, name)
            if pin is not None:
                self.leds[name] = LED(pin, active_high=config.active_high,
                                      pin_factory=pin_factory)
        self._lock = threading.Lock()

    def update(self, mode: Mode, printing: bool) -> None:
        states = led_states(mode, printing)
        with self._lock:
            for name, led in self.leds.items():
                wanted = getattr(states, name)
                if led.is_lit != wanted:
                    led.value = wanted

    def close(self) -> None:
        for led in self.leds.values():
            led.close()
