"""The agent against a scripted server: what it does with refusals, a token the server does
not accept, an office document that says it is closed, and an answer that came too late."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.agent import AgentSettings, KioskAgent
from kiosk.errors import IssueRefused, ServerRefused, ServerUnreachable
from kiosk.journal import EntryState
from kiosk.journal_store import Journal
from kiosk.printer import open_printer
from kiosk.printer_config import read_printer_section
from kiosk.screen import Link, Mode
from tests.kiosk.test_kiosk_rules import ANSWER, demo_office_document

TIMEOUT = 10.0


class ScriptedServer:
    """Answers as told; every call is recorded."""

    def __init__(self) -> None:
        self.office_document: dict[str, Any] = demo_office_document()
        self.issue_error: Exception | None = None
        self.office_error: Exception | None = None
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.release = threading.Event()
        self.release.set()
        self.asked = threading.Event()

    def office(self) -> dict[str, Any]:
        self.calls.append(("office", ()))
        if self.office_error is not None:
            raise self.office_error
        return self.office_document

    def snapshot(self) -> dict[str, Any]:
        return {"queues": [{"service": "consult", "waiting": 4, "expected_wait": 900.0}],
                "waiting": [{"service": "consult", "category": "disability"},
                            {"service": "consult", "category": None}]}

    def issue(self, service: str, category: str | None, key: str) -> dict[str, Any]:
        self.calls.append(("issue", (service, category, key)))
        self.asked.set()
        assert self.release.wait(TIMEOUT)
        if self.issue_error is not None:
            raise self.issue_error
        return ANSWER

    def staff_call(self, button: str) -> dict[str, Any]:
        return {"alert": {"id": 1, "acked_at": None, "resolved_at": None}, "created": True}

    def report_fault(self, code: str, message: str) -> dict[str, Any]:
        self.calls.append(("report_fault", (code, message)))
        return {}

    def clear_fault(self, code: str) -> dict[str, Any]:
        self.calls.append(("clear_fault", (code,)))
        return {}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> ScriptedServer:
    return ScriptedServer()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def agent(tmp_path: Path, server: ScriptedServer, clock: Clock) -> Iterator[KioskAgent]:
    journal = Journal(tmp_path / "journal.db", clock)
    printer = open_printer(read_printer_section({"kind": "dummy"}))
    agent = KioskAgent(AgentSettings(name="kiosk-1", public_url="http://s", retry_min=0.05,
                                     retry_max=0.1), journal, server, printer, clock=clock)
    agent.start()
    yield agent
    server.release.set()
    agent.stop()
    journal.close()


def ready(agent: KioskAgent) -> None:
    assert agent.wait_until(lambda: agent.mode() is Mode.READY, TIMEOUT)


def test_unknown_topics_are_refused_before_anything_is_journaled(agent: KioskAgent) -> None:
    ready(agent)
    with pytest.raises(IssueRefused) as caught:
        agent.request_ticket("astrology")
    assert caught.value.reason == "unknown_service"
    with pytest.raises(IssueRefused) as caught:
        agent.request_ticket("consult", "martian")
    assert caught.value.reason == "unknown_category"
    assert agent.journal.recent() == []


def test_the_preview_reads_the_snapshot(agent: KioskAgent) -> None:
    ready(agent)
    assert agent.preview("consult") == {
        "service": "consult", "service_name": "Консультация", "category": None, "ahead": 4,
        "expected_wait": 900.0, "source": "snapshot"}
    out_of_turn = agent.preview("consult", "disability")
    assert (out_of_turn["ahead"], out_of_turn["expected_wait"]) == (1, None)


def test_a_token_the_server_refuses_stops_issuing(agent: KioskAgent,
                                                  server: ScriptedServer) -> None:
    ready(agent)
    server.office_error = ServerRefused(401, "unauthorized", "unknown token")
    agent.retry_now()
    assert agent.wait_until(lambda: agent.mode() is Mode.UNAUTHORIZED, TIMEOUT)
    with pytest.raises(IssueRefused) as caught:
        agent.request_ticket("consult")
    assert caught.value.reason == "unauthorized"


def test_an_office_document_that_says_closed_closes_the_kiosk_before_anyone_asks(
        agent: KioskAgent, server: ScriptedServer) -> None:
    ready(agent)
    server.office_document = {**server.office_document,
                              "issuing": {"open": False, "reason": "cutoff"}}
    agent.retry_now()
    assert agent.wait_until(lambda: agent.mode() is Mode.CLOSED, TIMEOUT)
    assert agent.status()["closed"] == "cutoff"
    server.office_document = {**server.office_document, "issuing": {"open": True}}
    agent.retry_now()
    ready(agent)


def test_a_server_error_is_retried_with_the_same_key(agent: KioskAgent,
                                                     server: ScriptedServer) -> None:
    ready(agent)
    server.issue_error = ServerUnreachable("HTTP 502")
    entry = agent.request_ticket("consult")
    assert agent.wait_until(lambda: len([c for c in server.calls if c[0] == "issue"]) >= 2,
                            TIMEOUT)
    server.issue_error = None
    assert agent.wait_until(agent.idle, TIMEOUT)
    keys = {args[2] for name, args in server.calls if name == "issue"}
    assert keys == {entry.key}
    assert agent.journal.get(entry.id).state is EntryState.PRINTED


def test_an_answer_that_comes_too_late_is_not_printed_and_the_hall_is_told(
        agent: KioskAgent, server: ScriptedServer, clock: Clock) -> None:
    ready(agent)
    server.release.clear()  # the server is slow to answer...
    entry = agent.request_ticket("consult")
    assert server.asked.wait(TIMEOUT)
    clock.now += 601  # ...longer than print_within
    server.release.set()
    assert agent.wait_until(agent.idle, TIMEOUT)
    done = agent.journal.get(entry.id)
    assert (done.state, done.error["code"]) == (EntryState.UNPRINTED, "too_late")
    assert agent.printer.device.output == b""
    [(code, message)] = [args for name, args in server.calls
                         if name == "report_fault" and args[0].startswith("unprinted")]
    assert "К-017" in message
    assert agent.link is Link.UP
