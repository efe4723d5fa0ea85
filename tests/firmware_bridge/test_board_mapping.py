"""The pure mapping: window views to what a window board shows, board presses to requests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_bridge import board_actions as actions
from firmware_bridge import protocol as p
from firmware_bridge.board_display import board_label, board_state, display_message
from firmware_bridge.config import Keypad, RatingPad, StaffCallButton
from firmware_bridge.office_mirror import WindowView


@pytest.mark.parametrize(("view", "shown"), [
    (WindowView(3, "closed"), p.ShowClosed(p.ClosedReason.CLOSED)),
    (WindowView(3, "open"), p.Clear()),
    (WindowView(3, "calling", "К-017"), p.ShowLabel(3, "К-017")),
    (WindowView(3, "serving", "К-017"), p.ShowLabel(3, "К-017")),
    (WindowView(3, "calling", None), p.Clear()),
    (WindowView(3, "paused", None, "break"), p.ShowClosed(p.ClosedReason.BREAK)),
    (WindowView(3, "paused", None, "lunch"), p.ShowClosed(p.ClosedReason.LUNCH)),
    (WindowView(3, "paused", None, "technical"), p.ShowClosed(p.ClosedReason.TECHNICAL)),
    (WindowView(3, "paused", None, "other"), p.ShowClosed(p.ClosedReason.OTHER)),
    (WindowView(3, "paused", None, None), p.ShowClosed(p.ClosedReason.OTHER)),
    (None, None),
])
def test_window_states_become_display_commands(view: WindowView | None,
                                               shown: p.Message | None) -> None:
    assert display_message(3, view) == shown


def test_after_a_restart_a_board_gets_its_brightness_then_its_display() -> None:
    assert board_state(2, WindowView(2, "calling", "А-001"), 7) == [
        p.Brightness(7), p.ShowLabel(2, "А-001")]
    assert board_state(2, None, 7) == [p.Brightness(7)]


@given(st.text(max_size=40))
def test_any_label_becomes_one_a_board_accepts(label: str) -> None:
    shown = p.ShowLabel(255, board_label(label))  # raises if the board would refuse it
    assert 1 <= len(shown.label) <= 16


def test_labels_keep_what_cp866_has_and_mark_the_rest() -> None:
    assert board_label("А-017") == "А-017"
    assert board_label("№ 5") == "№ 5"
    assert board_label("«VIP»-1") == "?VIP?-1"
    assert board_label("Ж" * 20) == "Ж" * 16


KEYPAD = Keypad(kind="keypad", address=0x13, window=3, pause_reason="lunch")


@pytest.mark.parametrize(("key", "path"), [
    (p.Key.CALL_NEXT, "/api/v1/windows/3/call-next"),
    (p.Key.RECALL, "/api/v1/windows/3/recall"),
    (p.Key.START, "/api/v1/windows/3/start"),
    (p.Key.FINISH, "/api/v1/windows/3/finish"),
    (p.Key.NO_SHOW, "/api/v1/windows/3/no-show"),
])
def test_keys_are_moves_of_the_keypads_window(key: p.Key, path: str) -> None:
    request = actions.key_request(KEYPAD, key, WindowView(3, "calling", "А-1"))
    assert (request.path, request.body, request.urgency) == (path, {}, actions.Urgency.KEY)
    assert request.what.startswith("board 0x13: ") and request.what.endswith(" at window 3")


def test_pause_pauses_an_open_window_and_resumes_a_paused_one() -> None:
    pause = actions.key_request(KEYPAD, p.Key.PAUSE, WindowView(3, "open"))
    assert (pause.path, pause.body) == ("/api/v1/windows/3/pause", {"reason": "lunch"})
    unknown = actions.key_request(KEYPAD, p.Key.PAUSE, None)
    assert unknown.path == "/api/v1/windows/3/pause"
    resume = actions.key_request(KEYPAD, p.Key.PAUSE, WindowView(3, "paused", None, "lunch"))
    assert (resume.path, resume.body) == ("/api/v1/windows/3/resume", {})


def test_staff_calls_and_ratings_are_reports() -> None:
    button = StaffCallButton(kind="staff_call", address=0x30, window=3, button="desk_3")
    call = actions.staff_call_request(button)
    assert (call.path, call.body, call.urgency) == (
        "/api/v1/alerts/staff-call", {"button": "desk_3", "window": 3}, actions.Urgency.REPORT)
    hall = actions.staff_call_request(StaffCallButton(kind="staff_call", address=0x31))
    assert hall.body == {"button": "board_49"}
    pad = RatingPad(kind="rating_pad", address=0x21, window=2, name="у окна 2")
    rating = actions.rating_request(pad, 5)
    assert (rating.path, rating.body) == ("/api/v1/windows/2/rating", {"rating": 5})
    assert rating.what == "у окна 2: rating 5 at window 2"


def test_fault_codes_fit_the_servers_pattern_and_texts_name_the_fault() -> None:
    codes = [actions.silent_code(247), actions.refused_code(1),
             actions.board_fault_code(247, 255), actions.PORT_LOST]
    assert codes == ["board_247_silent", "board_1_refused", "board_247_fault_255",
                     "serial_port_lost"]
    assert all(len(code) <= 32 for code in codes)
    assert actions.fault_text("board 0x03", p.Fault(2, "")) == "board 0x03: stuck key"
    assert actions.fault_text("board 0x03", p.Fault(77, "fan")) == "board 0x03: code 77: fan"
