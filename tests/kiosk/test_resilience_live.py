"""The kiosk agent against the live server when things go wrong: paper out, the server
unreachable, an answer lost, a restart after ``kill -9``, and the console's print requests."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.errors import IssueRefused, ServerUnreachable
from kiosk.journal import EntryKind, EntryState
from kiosk.journal_store import Journal
from kiosk.screen import Link, Mode
from kiosk.server_api import ServerApi
from tests.kiosk.fake_printer import status_printer
from tests.kiosk.live_kiosk import (
    TIMEOUT,
    Kiosks,
    closed_port,
    cp866,
    kiosk_config,
    open_alerts,
    printed_bytes,
    staff,
    until,
    wait_idle,
    waiting,
)
from tests.server.conftest import KIOSK_TOKEN


def faults(live_url: str) -> dict[str, dict[str, Any]]:
    return {a["data"]["code"]: a for a in open_alerts(live_url, "device_fault")}


def test_paper_out_refuses_before_issuing_and_raises_a_fault_until_paper_is_back(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    printer, device = status_printer()
    device.paper_out()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), printer=printer, realtime=False)
    agent = kiosk.agent
    assert until(lambda: agent.mode() is Mode.PRINTER, kiosk)
    with pytest.raises(IssueRefused) as refused:
        agent.request_ticket("consult")
    assert refused.value.reason == "printer"

    # Nothing was issued, nothing journaled, and the screen says why.
    assert waiting(live_url) == []
    assert kiosk.journal.recent() == []
    page = kiosk.web.test_client()
    status = page.get("/api/status").json
    assert (status["mode"], status["printer"]["state"]) == ("printer", "paper_out")
    answer = page.post("/api/tickets", json={"service": "consult"})
    assert (answer.status_code, answer.json["error"]["code"]) == (409, "printer")
    assert until(lambda: "printer_paper_out" in faults(live_url), kiosk)
    alert = faults(live_url)["printer_paper_out"]
    assert alert["source"] == "kiosk-1" and "нет бумаги" in alert["message"]

    device.paper_back()
    agent.refresh_printer()
    assert until(lambda: agent.mode() is Mode.READY, kiosk)
    assert until(lambda: "printer_paper_out" not in faults(live_url), kiosk)
    agent.request_ticket("consult")
    wait_idle(kiosk)
    assert cp866("К-001") in bytes(device.output)


def test_a_printer_failing_after_issue_shows_the_label_and_alerts_the_hall(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    printer, device = status_printer()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), printer=printer, realtime=False)

    def jam(msg: bytes) -> None:
        raise OSError(5, "Input/output error")

    device._raw = jam  # the paper jams while the ticket is being sent
    entry = kiosk.agent.request_ticket("consult")
    wait_idle(kiosk)
    job = kiosk.agent.job(entry.id)
    assert (job["phase"], job["label"]) == ("unprinted", "К-001")
    [ticket] = waiting(live_url)  # the visitor keeps their place
    assert ticket["label"] == "К-001"
    [alert] = [a for code, a in faults(live_url).items() if code.startswith("unprinted_")]
    assert "К-001" in alert["message"]


def test_a_request_made_as_the_server_went_away_is_issued_once_when_it_returns(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    agent = kiosk.agent
    wait_idle(kiosk)
    kiosk.server.base_url = closed_port()  # the server went away; the kiosk does not know yet

    entry = agent.request_ticket("consult")
    assert until(lambda: kiosk.journal.get(entry.id).attempts >= 1, kiosk)
    assert agent.link is Link.DOWN
    assert agent.job(entry.id)["phase"] == "waiting_link"
    assert agent.mode() is Mode.OFFLINE
    with pytest.raises(IssueRefused):  # nobody new gets a number meanwhile
        agent.request_ticket("payment")
    assert waiting(live_url) == []

    kiosk.server.base_url = live_url  # it is back
    agent.retry_now()
    wait_idle(kiosk)
    assert [t["label"] for t in waiting(live_url)] == ["К-001"]
    done = kiosk.journal.get(entry.id)
    assert done.state is EntryState.PRINTED
    assert done.attempts >= 2
    assert printed_bytes(kiosk).count(cp866("К-001")) == 1


class LosesFirstAnswer:
    """The server client, except that the first issue's answer is lost on the way back
    (the server did issue)."""

    def __init__(self, api: ServerApi) -> None:
        self.api = api
        self.keys: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)

    def issue(self, service: str, category: str | None, key: str) -> dict[str, Any]:
        self.keys.append(key)
        answer = self.api.issue(service, category, key)
        if len(self.keys) == 1:
            raise ServerUnreachable("the answer was lost")
        return answer


def test_a_lost_answer_is_settled_by_the_same_key(live_url: str, tmp_path: Path,
                                                  kiosks: Kiosks) -> None:
    api = ServerApi(live_url, KIOSK_TOKEN)
    server = LosesFirstAnswer(api)
    config = kiosk_config(live_url, tmp_path)
    kiosk = kiosks.start(config, realtime=False)
    wait_idle(kiosk)
    kiosk.agent.server = server
    try:
        entry = kiosk.agent.request_ticket("consult")
        assert until(lambda: len(server.keys) == 1 and kiosk.agent.link is Link.DOWN, kiosk)
        kiosk.agent.retry_now()
        wait_idle(kiosk)
    finally:
        api.close()
    assert server.keys == [entry.key, entry.key]
    assert [t["label"] for t in waiting(live_url)] == ["К-001"]
    assert kiosk.journal.get(entry.id).answer["replayed"] is True
    assert printed_bytes(kiosk).count(cp866("К-001")) == 1


def test_a_restarted_kiosk_finishes_what_the_killed_one_left(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    """The journal as ``kill -9`` can leave it: a ticket printed, a request the server
    issued but whose answer never came back, a ticket issued and half-printed, and an
    issued ticket whose visitor is long gone. A fresh agent on the same journal prints
    each outstanding ticket once and asks the server for nothing new."""
    config = kiosk_config(live_url, tmp_path)
    first = kiosks.start(config, realtime=False)
    done = first.agent.request_ticket("consult")
    wait_idle(first)
    first.stop()
    kiosks.started.remove(first)

    journal = Journal(config.journal.path, clock=time.time)
    # An hour ago, longer than print_within (10 min) before the restart.
    old_journal = Journal(config.journal.path, clock=lambda: time.time() - 3600)
    api = ServerApi(live_url, KIOSK_TOKEN)
    try:
        journal.append("restart-lost", EntryKind.VISITOR, "payment", None, "screen")
        api.issue("payment", None, "restart-lost")  # issued; the kiosk died before the answer
        half = api.issue("billing", None, "restart-half")
        journal.append("restart-half", EntryKind.VISITOR, "billing", None, "screen",
                       state=EntryState.ISSUED, answer=half)
        journal.move(journal.by_key("restart-half").id, EntryState.PRINTING)
        stale = api.issue("docs_in", None, "restart-stale")
        old_journal.append("restart-stale", EntryKind.VISITOR, "docs_in", None, "screen",
                           state=EntryState.ISSUED, answer=stale)
    finally:
        api.close()
        journal.close()
        old_journal.close()

    second = kiosks.start(config, realtime=False)
    wait_idle(second)
    output = printed_bytes(second)
    assert cp866("К-001") not in output  # printed before the kill: not again
    assert output.count(cp866("О-001")) == 1  # the lost answer, replayed and printed
    assert output.count(cp866("Р-001")) == 1  # half-printed: printed again, once
    assert cp866("З-001") not in output  # too late: the visitor has gone
    states = {e.key: e.state for e in second.journal.recent()}
    assert states["restart-lost"] is EntryState.PRINTED
    assert states["restart-half"] is EntryState.PRINTED
    assert states["restart-stale"] is EntryState.UNPRINTED
    assert second.journal.by_key("restart-lost").answer["replayed"] is True
    labels = sorted(t["label"] for t in waiting(live_url))
    assert labels == ["З-001", "К-001", "О-001", "Р-001"]  # nothing issued twice
    assert second.journal.get(done.id).state is EntryState.PRINTED
    # The hall learns about the ticket nobody took.
    assert until(lambda: any("З-001" in a["message"] for a in faults(live_url).values()),
                 second)


def test_the_console_prints_on_this_kiosk(live_url: str, tmp_path: Path,
                                          kiosks: Kiosks) -> None:
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path))
    assert kiosk.realtime.connected.wait(TIMEOUT)
    with staff(live_url) as hall:
        response = hall.post(f"{live_url}/api/v1/tickets", timeout=TIMEOUT, json={
            "service": "legal", "segment": "vip", "print_on": "kiosk-1"})
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["print"] == {"kiosk": "kiosk-1", "sent": True}
    assert until(lambda: any(e.kind is EntryKind.CONSOLE and e.final
                             for e in kiosk.journal.recent()), kiosk)
    [entry] = kiosk.journal.recent()
    assert entry.state is EntryState.PRINTED
    assert entry.source == "console:hall"
    output = printed_bytes(kiosk)
    assert cp866(issued["ticket"]["label"]) in output
    assert cp866("Юридические лица и ИП") in output
    assert issued["ticket"]["public_id"].encode() in output  # in the QR code's data

    # The same request delivered again prints nothing more.
    request = {"ticket": issued["ticket"], "public_id": issued["ticket"]["public_id"],
               "service_name": "Юридические лица и ИП", "ahead": 0, "expected_wait": 0.0,
               "requested_by": "hall"}
    assert kiosk.agent.on_print_request(request) is None
    assert output.count(cp866(issued["ticket"]["label"])) == 1
    assert requests.get(f"{live_url}/api/v1/health", timeout=TIMEOUT).ok
