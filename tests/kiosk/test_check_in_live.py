"""Pre-booking check-in at the kiosk against the live server (the demo office takes
bookings; the FakeClock ``clock`` stands at Monday 10:00, check-in opens 15 min before a
slot and turns into a walk-in 10 min after it): the ticket printed with the slot as its
appointment, a repeated code, the server away, a restart, and the refusals on screen."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.errors import IssueRefused, ServerUnreachable
from kiosk.journal import EntryKind, EntryState
from kiosk.journal_store import Journal
from kiosk.screen import Link
from kiosk.server_api import ServerApi
from tests.conftest import FakeClock
from tests.kiosk.fake_printer import status_printer
from tests.kiosk.live_kiosk import (
    TIMEOUT,
    Kiosks,
    closed_port,
    cp866,
    kiosk_config,
    printed_bytes,
    staff,
    until,
    wait_idle,
    waiting,
)
from tests.server.conftest import KIOSK_TOKEN

TODAY = "2026-11-23"


def book(live_url: str, at: str, day: str = TODAY, phone: str = "+7 912 345-67-89") -> str:
    """A booking of a consultation (as the public booking page makes it); its code."""
    response = requests.post(f"{live_url}/api/v1/bookings", timeout=TIMEOUT, json={
        "service": "consult", "date": day, "time": at, "name": "Иван Петров",
        "phone": phone, "consent": True})
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


def ticket_on_server(live_url: str, ticket_id: int) -> dict[str, Any]:
    with staff(live_url, "head") as session:
        response = session.get(f"{live_url}/api/v1/tickets/{ticket_id}", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def booking_status(live_url: str, code: str) -> str:
    response = requests.get(f"{live_url}/api/v1/bookings/{code}", timeout=TIMEOUT)
    return str(response.json()["status"])


def test_check_in_prints_a_ticket_served_at_the_slot_and_a_repeat_prints_nothing_new(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    code = book(live_url, "10:15")
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    assert kiosk.agent.menu is not None and kiosk.agent.menu.check_in

    entry = kiosk.agent.check_in(code.lower().replace("-", ""))  # as typed: no dash, lower
    assert entry.kind is EntryKind.CHECK_IN and entry.code == code.replace("-", "")
    wait_idle(kiosk)
    done = kiosk.journal.get(entry.id)
    assert done.state is EntryState.PRINTED
    job = kiosk.agent.job(entry.id)
    assert (job["phase"], job["label"], job["kind"]) == ("printed", "К-001", "check_in")
    assert (job["late"], job["slot_time"], job["service_name"]) == (False, "10:15",
                                                                   "Консультация")
    assert printed_bytes(kiosk).count(cp866("К-001")) == 1
    ticket = ticket_on_server(live_url, done.answer["ticket"]["id"])
    assert ticket["appointment_at"] == done.answer["booking"]["start"]
    assert booking_status(live_url, code) == "checked_in"

    # The same code again (the visitor touched «Готово» and typed it once more).
    again = kiosk.agent.check_in(code)
    wait_idle(kiosk)
    view = kiosk.agent.job(again.id)
    assert (view["phase"], view["reason"], view["label"]) == ("refused",
                                                              "already_checked_in", "К-001")
    assert printed_bytes(kiosk).count(cp866("К-001")) == 1
    assert [t["label"] for t in waiting(live_url)] == ["К-001"]


def test_a_late_visitor_gets_a_walk_in_ticket(live_url: str, tmp_path: Path, kiosks: Kiosks,
                                              clock: FakeClock) -> None:
    code = book(live_url, "10:15")
    clock.advance(26 * 60)  # 10:26: past the 10 min late window
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    entry = kiosk.agent.check_in(code)
    wait_idle(kiosk)
    job = kiosk.agent.job(entry.id)
    assert (job["phase"], job["late"], job["label"]) == ("printed", True, "К-001")
    ticket = ticket_on_server(live_url, kiosk.journal.get(entry.id).answer["ticket"]["id"])
    assert ticket["appointment_at"] is None
    assert booking_status(live_url, code) == "late"


def test_refusals_are_final_and_say_why(live_url: str, tmp_path: Path,
                                        kiosks: Kiosks) -> None:
    early = book(live_url, "11:00")
    cancelled = book(live_url, "10:30")
    requests.post(f"{live_url}/api/v1/bookings/{cancelled}/cancel", timeout=TIMEOUT)
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    agent = kiosk.agent
    entries = {name: agent.check_in(code) for name, code in
               [("early", early), ("unknown", "AAAA-AAAA"), ("cancelled", cancelled)]}
    wait_idle(kiosk)
    views = {name: agent.job(e.id) for name, e in entries.items()}
    assert {name: (v["phase"], v["reason"]) for name, v in views.items()} == {
        "early": ("refused", "too_early"),
        "unknown": ("refused", "unknown_code"),
        "cancelled": ("refused", "cancelled"),
    }
    assert views["early"]["details"]["opens_at_local"] == "10:45"
    # Never retried: one attempt each; nothing issued, nothing printed.
    assert [kiosk.journal.get(e.id).attempts for e in entries.values()] == [1, 1, 1]
    assert waiting(live_url) == [] and printed_bytes(kiosk) == b""
    assert booking_status(live_url, early) == "booked"
    assert agent.link is Link.UP

    # Text that cannot be a code is refused at once: nothing journaled, nothing sent.
    before = len(kiosk.journal.recent())
    with pytest.raises(IssueRefused) as refused:
        agent.check_in("1234-5678")
    assert refused.value.reason == "invalid_code"
    assert len(kiosk.journal.recent()) == before
    page = kiosk.web.test_client()
    answer = page.post("/api/check-in", json={"code": "OOOO"})
    assert (answer.status_code, answer.json["error"]["code"]) == (409, "invalid_code")


def test_paper_out_refuses_a_check_in_before_anything_is_recorded(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    code = book(live_url, "10:15")
    printer, device = status_printer()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), printer=printer, realtime=False)
    device.paper_out()
    with pytest.raises(IssueRefused) as refused:
        kiosk.agent.check_in(code)
    assert refused.value.reason == "printer"
    assert kiosk.journal.recent() == []
    assert booking_status(live_url, code) == "booked"


def test_a_check_in_made_as_the_server_went_away_is_sent_again_with_the_same_key(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    code = book(live_url, "10:15")
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    agent = kiosk.agent
    wait_idle(kiosk)
    kiosk.server.base_url = closed_port()

    entry = agent.check_in(code)
    assert until(lambda: kiosk.journal.get(entry.id).attempts >= 1, kiosk)
    assert agent.job(entry.id)["phase"] == "waiting_link"
    assert kiosk.journal.get(entry.id).state is EntryState.PENDING
    assert booking_status(live_url, code) == "booked"

    kiosk.server.base_url = live_url
    agent.retry_now()
    wait_idle(kiosk)
    assert kiosk.journal.get(entry.id).state is EntryState.PRINTED
    assert kiosk.journal.get(entry.id).attempts >= 2
    assert [t["label"] for t in waiting(live_url)] == ["К-001"]
    assert printed_bytes(kiosk).count(cp866("К-001")) == 1


class LosesFirstCheckIn:
    """The server client, except that the first check-in's answer is lost on the way back
    (the server did check the visitor in)."""

    def __init__(self, api: ServerApi) -> None:
        self.api = api
        self.keys: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)

    def check_in(self, code: str, key: str) -> dict[str, Any]:
        self.keys.append(key)
        answer = self.api.check_in(code, key)
        if len(self.keys) == 1:
            raise ServerUnreachable("the answer was lost")
        return answer


def test_a_lost_check_in_answer_is_settled_by_sending_again(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    code = book(live_url, "10:15")
    api = ServerApi(live_url, KIOSK_TOKEN)
    server = LosesFirstCheckIn(api)
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    wait_idle(kiosk)
    kiosk.agent.server = server
    try:
        entry = kiosk.agent.check_in(code)
        assert until(lambda: len(server.keys) == 1 and kiosk.agent.link is Link.DOWN, kiosk)
        kiosk.agent.retry_now()
        wait_idle(kiosk)
    finally:
        api.close()
    assert server.keys == [entry.key, entry.key]
    done = kiosk.journal.get(entry.id)
    # The server's replay of this entry's own check-in is printed (once).
    assert (done.state, done.answer["replayed"]) == (EntryState.PRINTED, True)
    assert [t["label"] for t in waiting(live_url)] == ["К-001"]
    assert printed_bytes(kiosk).count(cp866("К-001")) == 1


def test_a_restarted_kiosk_sends_and_prints_a_check_in_left_pending(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    code = book(live_url, "10:15")
    config = kiosk_config(live_url, tmp_path)
    journal = Journal(config.journal.path, clock=time.time)
    try:  # the kiosk accepted the code and died before sending it
        journal.append("restart-check-in", EntryKind.CHECK_IN, "", None, "screen",
                       code=code.replace("-", ""))
    finally:
        journal.close()
    kiosk = kiosks.start(config, realtime=False)
    wait_idle(kiosk)
    entry = kiosk.journal.by_key("restart-check-in")
    assert entry.state is EntryState.PRINTED
    assert printed_bytes(kiosk).count(cp866("К-001")) == 1
    assert booking_status(live_url, code) == "checked_in"
