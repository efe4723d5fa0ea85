"""A network printer (a local TCP listener): the ticket arrives, status replies decide."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from kiosk.errors import PrinterFault
from kiosk.printed_ticket import PrintedTicket, lay_out_ticket
from kiosk.printer import TicketPrinter, open_printer, render_job
from kiosk.printer_config import PrinterConfig
from kiosk.printer_status import PrinterState
from tests.kiosk.fake_network_printer import FakeNetworkPrinter

STATUS_REQUESTS = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"


@pytest.fixture
def fake_printer() -> Iterator[Callable[..., FakeNetworkPrinter]]:
    started: list[FakeNetworkPrinter] = []

    def start(replies: dict[int, int] | None = None) -> FakeNetworkPrinter:
        started.append(FakeNetworkPrinter(replies))
        return started[-1]

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def connect(printer_config: Callable[..., PrinterConfig]) -> Iterator[Callable[..., TicketPrinter]]:
    opened: list[TicketPrinter] = []

    def build(port: int, **keys: object) -> TicketPrinter:
        opened.append(open_printer(printer_config(kind="network", host="127.0.0.1", port=port,
                                                  timeout=10, **keys)))
        return opened[-1]

    yield build
    for printer in opened:
        printer.close()


def test_with_paper_the_ticket_arrives_between_two_status_reads(
        fake_printer, connect, ticket: PrintedTicket) -> None:
    fake = fake_printer()
    printer = connect(fake.port)
    report = printer.print_ticket(ticket)
    printer.close()
    job = render_job(lay_out_ticket(ticket, 42), printer.config)
    assert fake.received() == STATUS_REQUESTS + job + STATUS_REQUESTS
    assert "Пенсии и пособия".encode("cp866") in job
    assert (report.before.state, report.after.state) == (PrinterState.OK, PrinterState.OK)


def test_paper_near_end_still_prints_and_says_so(fake_printer, connect,
                                                 ticket: PrintedTicket) -> None:
    fake = fake_printer({4: 0x1E})
    printer = connect(fake.port)
    report = printer.print_ticket(ticket)
    printer.close()
    assert report.before.state is PrinterState.PAPER_NEAR_END
    assert "А-017".encode("cp866") in fake.received()


@pytest.mark.parametrize(("replies", "state"), [
    ({1: 0x1A, 2: 0x32, 4: 0x72}, PrinterState.PAPER_OUT),
    ({1: 0x1A, 2: 0x16}, PrinterState.COVER_OPEN),
    ({1: 0x1A}, PrinterState.OFFLINE),
])
def test_a_blocking_state_raises_before_any_ticket_byte_is_sent(
        fake_printer, connect, ticket: PrintedTicket, replies: dict, state) -> None:
    fake = fake_printer(replies)
    printer = connect(fake.port)
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    printer.close()
    assert caught.value.status.state is state
    assert caught.value.code == "printer_fault"
    assert fake.received() == STATUS_REQUESTS  # the status queries and nothing after them


def test_printing_resumes_once_the_paper_is_replaced(fake_printer, connect,
                                                     ticket: PrintedTicket) -> None:
    fake = fake_printer({4: 0x72})
    printer = connect(fake.port)
    with pytest.raises(PrinterFault):
        printer.print_ticket(ticket)
    fake.replies[4] = 0x12
    assert printer.print_ticket(ticket).before.state is PrinterState.OK
    printer.close()
    assert "А-017".encode("cp866") in fake.received()


def test_the_status_alone_can_be_read(fake_printer, connect) -> None:
    fake = fake_printer({2: 0x16})
    printer = connect(fake.port)
    assert printer.read_status().state is PrinterState.COVER_OPEN
    printer.close()
    assert fake.received() == STATUS_REQUESTS


def refused_port() -> tuple[socket.socket, int]:
    """A port bound on 127.0.0.1 but not listening: connecting to it is refused."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    return holder, holder.getsockname()[1]


def test_a_refused_connection_is_an_offline_printer(connect, ticket: PrintedTicket) -> None:
    holder, port = refused_port()
    with holder:
        printer = connect(port)
        assert printer.read_status().state is PrinterState.OFFLINE
        with pytest.raises(PrinterFault) as caught:
            printer.print_ticket(ticket)
    assert caught.value.status.state is PrinterState.OFFLINE
    assert "refused" in caught.value.status.detail.lower()
    assert caught.value.__cause__ is not None


def test_without_status_checks_a_refused_connection_fails_the_send(
        connect, ticket: PrintedTicket) -> None:
    holder, port = refused_port()
    with holder:
        printer = connect(port, status_checks=False)
        with pytest.raises(PrinterFault) as caught:
            printer.print_ticket(ticket)
    assert caught.value.status.state is PrinterState.OFFLINE
    assert isinstance(caught.value.__cause__, Exception)
    assert "refused" in str(caught.value).lower()


def test_without_status_checks_nothing_but_the_ticket_is_sent(
        fake_printer, connect, ticket: PrintedTicket) -> None:
    fake = fake_printer()
    printer = connect(fake.port, status_checks=False)
    report = printer.print_ticket(ticket)
    printer.close()
    assert fake.received() == render_job(lay_out_ticket(ticket, 42), printer.config)
    assert report.after.state is PrinterState.UNKNOWN
