"""The ticket's layout: wording, rounding, date format, and line widths."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import InvalidTicket
from kiosk.printed_ticket import (
    Cut,
    Logo,
    Qr,
    Text,
    columns,
    lay_out_ticket,
    render_ticket_text,
)
from tests.kiosk.conftest import sample_ticket


def texts(blocks: list) -> list[str]:
    return [b.text for b in blocks if isinstance(b, Text)]


def test_the_ticket_reads_top_to_bottom() -> None:
    blocks = lay_out_ticket(sample_ticket(), 42)
    lines = texts(blocks)
    assert lines[:4] == ["Центральный офис", "Ваш талон", "А-017", "Пенсии и пособия"]
    assert "Выдан: 23.11.2026 10:05" in lines
    assert "Перед вами: 3 чел." in lines
    assert "Ожидаемое время ожидания: ~12 мин" in lines
    assert "Норматив ожидания: 20 мин" in lines
    assert blocks[-1] == Cut()
    assert Qr("http://192.168.1.10:5000/t/12345") in blocks
    assert lines.index("Норматив ожидания: 20 мин") < lines.index("Спасибо за обращение!")


def test_the_label_is_large_and_the_service_bold() -> None:
    blocks = lay_out_ticket(sample_ticket(), 42)
    assert Text("А-017", "large", "center") in blocks
    assert Text("Пенсии и пособия", "bold", "center") in blocks


def test_a_label_too_wide_for_double_size_is_printed_bold() -> None:
    blocks = lay_out_ticket(sample_ticket(label="ОЧЕНЬ-ДЛИННЫЙ-017"), 32)
    assert Text("ОЧЕНЬ-ДЛИННЫЙ-017", "bold", "center") in blocks
    assert not any(isinstance(b, Text) and b.style == "large" for b in blocks)


@pytest.mark.parametrize(("seconds", "shown"), [
    (0.0, "менее минуты"),
    (59.9, "менее минуты"),
    (60.0, "~1 мин"),
    (60.5, "~2 мин"),
    (11 * 60 + 5.0, "~12 мин"),
    (20 * 60.0, "~20 мин"),
    (3600.0, "~1 ч"),
    (3600.0 + 4 * 60 + 1, "~1 ч 5 мин"),
])
def test_expected_wait_is_rounded_up_to_whole_minutes(seconds: float, shown: str) -> None:
    lines = texts(lay_out_ticket(sample_ticket(expected_wait=seconds), 42))
    assert f"Ожидаемое время ожидания: {shown}" in lines


@pytest.mark.parametrize(("seconds", "shown"), [
    (20 * 60.0, "20 мин"),
    (20 * 60.0 + 1e-7, "20 мин"),  # float noise does not add a minute
    (10 * 60.0, "10 мин"),
    (90 * 60.0, "1 ч 30 мин"),
])
def test_the_wait_target_is_shown_in_minutes(seconds: float, shown: str) -> None:
    lines = texts(lay_out_ticket(sample_ticket(wait_target=seconds), 42))
    assert f"Норматив ожидания: {shown}" in lines


def test_nobody_ahead() -> None:
    assert "Перед вами: 0 чел." in texts(lay_out_ticket(sample_ticket(people_ahead=0), 42))


def test_the_time_is_printed_as_given_in_its_own_zone() -> None:
    ticket = sample_ticket(issued_at=datetime(2026, 1, 5, 7, 9, tzinfo=UTC))
    assert "Выдан: 05.01.2026 07:09" in texts(lay_out_ticket(ticket, 42))


def test_on_58_mm_paper_a_long_pair_is_split_without_separating_number_and_unit() -> None:
    lines = texts(lay_out_ticket(sample_ticket(), 32))
    at = lines.index("Ожидаемое время ожидания:")
    assert lines[at + 1] == "~12 мин"


def test_a_logo_comes_first_and_the_footer_keeps_its_paragraphs() -> None:
    blocks = lay_out_ticket(sample_ticket(logo_path="/srv/logo.png",
                                          footer="Первая строка\nВторая строка"), 42)
    assert blocks[0] == Logo("/srv/logo.png")
    lines = texts(blocks)
    assert lines.index("Первая строка") + 1 == lines.index("Вторая строка")


@pytest.mark.parametrize("changes", [
    {"issued_at": datetime(2026, 11, 23, 10, 5)},
    {"people_ahead": -1},
    {"expected_wait": float("nan")},
    {"wait_target": -1.0},
    {"label": "  "},
    {"status_url": ""},
])
def test_impossible_tickets_are_refused(changes: dict) -> None:
    with pytest.raises(InvalidTicket):
        sample_ticket(**changes)


def test_too_narrow_paper_is_refused() -> None:
    with pytest.raises(InvalidTicket, match="at least 16 columns"):
        lay_out_ticket(sample_ticket(), 10)


@given(
    width=st.integers(min_value=16, max_value=64),
    office=st.text(min_size=1, max_size=120),
    label=st.text(alphabet="АБВЖК-0123456789", min_size=1, max_size=30),
    service=st.text(max_size=120),
    footer=st.text(max_size=200),
    ahead=st.integers(min_value=0, max_value=100_000),
    wait=st.floats(min_value=0, max_value=1e7),
)
def test_no_line_is_wider_than_the_paper(width: int, office: str, label: str, service: str,
                                         footer: str, ahead: int, wait: float) -> None:
    ticket = sample_ticket(office_name=office, label=label, service_name=service,
                           footer=footer, people_ahead=ahead, expected_wait=wait,
                           wait_target=wait)
    blocks = lay_out_ticket(ticket, width)
    assert all(columns(b) <= width for b in blocks if isinstance(b, Text))
    assert all("\n" not in b.text for b in blocks if isinstance(b, Text))


def test_the_text_preview_shows_every_line() -> None:
    preview = render_ticket_text(lay_out_ticket(sample_ticket(), 42), 42)
    assert "Перед вами: 3 чел." in preview
    assert "[QR http://192.168.1.10:5000/t/12345]" in preview
