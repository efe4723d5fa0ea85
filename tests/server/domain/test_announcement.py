"""The spoken call «Талон А-17, окно 3» as voice fragments: letters, number words, validation."""

from __future__ import annotations

import re

import pytest

from server.domain.announcement import (
    CHIME,
    InvalidAnnouncement,
    all_fragments,
    announce_call,
    fragment_text,
    letter_fragment,
    number_fragments,
    parse_label,
)
from server.domain.errors import InvalidInput
from server.domain.tickets import format_label

RUSSIAN_CAPITALS = [chr(c) for c in range(ord("А"), ord("Я") + 1)] + ["Ё"]
LATIN_CAPITALS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]


def words(number: int) -> list[str | None]:
    return [fragment_text(name) for name in number_fragments(number)]


def value(fragment: str) -> int:
    match = re.fullmatch(r"num-(\d+)", fragment)
    assert match is not None, fragment
    return int(match[1])


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, ["num-1"]),
        (2, ["num-2"]),
        (9, ["num-9"]),
        (10, ["num-10"]),
        (11, ["num-11"]),
        (17, ["num-17"]),
        (19, ["num-19"]),
        (20, ["num-20"]),
        (21, ["num-20", "num-1"]),
        (40, ["num-40"]),
        (99, ["num-90", "num-9"]),
        (100, ["num-100"]),
        (101, ["num-100", "num-1"]),
        (110, ["num-100", "num-10"]),
        (115, ["num-100", "num-15"]),
        (200, ["num-200"]),
        (245, ["num-200", "num-40", "num-5"]),
        (506, ["num-500", "num-6"]),
        (999, ["num-900", "num-90", "num-9"]),
        (1000, ["num-1000"]),
        (1001, ["num-1000", "num-1"]),
        (1011, ["num-1000", "num-11"]),
        (2021, ["num-2000", "num-20", "num-1"]),
        (4300, ["num-4000", "num-300"]),
        (5000, ["num-5000"]),
        (9999, ["num-9000", "num-900", "num-90", "num-9"]),
    ],
)
def test_number_fragments(number: int, expected: list[str]) -> None:
    assert number_fragments(number) == expected


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        (1, "один"),
        (2, "два"),
        (12, "двенадцать"),
        (17, "семнадцать"),
        (40, "сорок"),
        (90, "девяносто"),
        (245, "двести сорок пять"),
        (1000, "тысяча"),
        (2021, "две тысячи двадцать один"),
        (3004, "три тысячи четыре"),
        (5555, "пять тысяч пятьсот пятьдесят пять"),
    ],
)
def test_numbers_are_spoken_in_russian_words(number: int, spoken: str) -> None:
    assert " ".join(str(w) for w in words(number)) == spoken


def test_every_number_decomposes_into_known_fragments_that_sum_back() -> None:
    known = set(all_fragments())
    for number in range(1, 10000):
        fragments = number_fragments(number)
        assert fragments and set(fragments) <= known, number
        parts = [value(f) for f in fragments]
        assert 0 not in parts, number
        assert sum(parts) == number, number
        # Biggest first, one word per order of magnitude, 11-19 one word (never 10 + 7).
        assert parts == sorted(parts, reverse=True), number
        assert len({len(str(p)) for p in parts}) == len(parts), number
        if number % 100 in range(10, 20):
            assert parts[-1] == number % 100, number


def test_thousands_agree_with_their_number() -> None:
    assert [fragment_text(f"num-{n * 1000}") for n in (1, 2, 4, 5, 9)] == [
        "тысяча", "две тысячи", "четыре тысячи", "пять тысяч", "девять тысяч"]


def test_call_reads_chime_word_prefix_number_word_window() -> None:
    assert announce_call("А-017", 3) == [
        CHIME, "word-talon", "letter-cyr-a", "num-17", "word-okno", "num-3"]
    assert announce_call("КЛ-2021", 12) == [
        CHIME, "word-talon", "letter-cyr-k", "letter-cyr-l",
        "num-2000", "num-20", "num-1", "word-okno", "num-12"]
    assert announce_call("K-100", 999) == [
        CHIME, "word-talon", "letter-lat-k", "num-100", "word-okno", "num-900", "num-90", "num-9"]


@pytest.mark.parametrize(
    ("label", "number_part"),
    [
        ("А-007", ["num-7"]),
        ("А-001", ["num-1"]),
        ("А-010", ["num-10"]),
        ("А-999", ["num-900", "num-90", "num-9"]),
        ("А-1000", ["num-1000"]),
    ],
)
def test_leading_zeros_are_not_spoken(label: str, number_part: list[str]) -> None:
    fragments = announce_call(label, 1)
    assert fragments[3:-2] == number_part


def test_labels_written_by_format_label_are_understood() -> None:
    for number in (1, 7, 42, 999, 1000, 9999):
        assert parse_label(format_label("ЖКХ", number)) == ("ЖКХ", number)


def test_every_russian_letter_has_its_own_fragment() -> None:
    known = set(all_fragments())
    fragments = [letter_fragment(letter) for letter in RUSSIAN_CAPITALS]
    assert len(RUSSIAN_CAPITALS) == 33
    assert len(set(fragments)) == 33
    assert all(f.startswith("letter-cyr-") and f in known for f in fragments)


def test_every_latin_letter_has_its_own_fragment() -> None:
    known = set(all_fragments())
    fragments = [letter_fragment(letter) for letter in LATIN_CAPITALS]
    assert fragments == [f"letter-lat-{c.lower()}" for c in LATIN_CAPITALS]
    assert set(fragments) <= known


@pytest.mark.parametrize(
    ("letter", "name"),
    [("А", "а"), ("Б", "бэ"), ("В", "вэ"), ("Г", "гэ"), ("К", "ка"), ("Л", "эль"),
     ("М", "эм"), ("Й", "и краткое"), ("Ы", "ы"), ("Ъ", "твёрдый знак"), ("Ь", "мягкий знак"),
     ("A", "эй"), ("B", "би"), ("W", "дабл-ю"), ("Z", "зэд")],
)
def test_letters_are_spoken_by_their_names(letter: str, name: str) -> None:
    assert fragment_text(letter_fragment(letter)) == name


def test_lookalike_latin_and_russian_letters_are_told_apart() -> None:
    assert letter_fragment("К") == "letter-cyr-k"
    assert letter_fragment("K") == "letter-lat-k"
    assert letter_fragment("Е") != letter_fragment("Э")


def test_lower_case_prefix_reads_as_its_capitals() -> None:
    assert announce_call("жк-005", 2) == announce_call("ЖК-005", 2)


def test_every_spoken_fragment_has_russian_text_and_an_ascii_name() -> None:
    names = all_fragments()
    assert names[0] == CHIME and len(names) == len(set(names))
    assert fragment_text(CHIME) is None
    for name in names:
        assert re.fullmatch(r"[a-z0-9-]+", name), name
        if name != CHIME:
            text = fragment_text(name)
            assert text and re.fullmatch(r"[а-яё -]+", text), (name, text)
    # 1 chime, 2 words, 33 + 26 letters, 19 + 8 + 9 + 9 number words
    assert len(names) == 1 + 2 + 33 + 26 + 19 + 8 + 9 + 9


def test_unknown_fragment_has_no_text() -> None:
    with pytest.raises(InvalidAnnouncement, match="unknown voice fragment"):
        fragment_text("num-0")


@pytest.mark.parametrize(
    "label",
    ["", "А017", "А-17", "А-0017", "А-000", "А-10000", "АБВГ-017", "-017", "А-", "А-01a",
     "1-017", "А_-017", " А-017", "А-017 ", "А-١٢٣", "ß-017", "Ω-017", "А–017", "А-017\n"],
)
def test_malformed_labels_are_refused(label: str) -> None:
    with pytest.raises(InvalidAnnouncement) as raised:
        announce_call(label, 1)
    assert isinstance(raised.value, InvalidInput)
    assert raised.value.code == "invalid_announcement"
    assert raised.value.message


def test_a_label_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidAnnouncement, match="malformed ticket label"):
        announce_call(None, 1)  # type: ignore[arg-type]


def test_zero_is_not_a_ticket_number() -> None:
    with pytest.raises(InvalidAnnouncement, match="ticket number 0"):
        announce_call("А-000", 1)
    with pytest.raises(InvalidAnnouncement):
        number_fragments(0)


@pytest.mark.parametrize("window", [0, -1, 1000, True, 3.0, "3"])
def test_impossible_windows_are_refused(window: object) -> None:
    with pytest.raises(InvalidAnnouncement, match="window"):
        announce_call("А-017", window)  # type: ignore[arg-type]


def test_window_bounds_are_accepted() -> None:
    assert announce_call("А-017", 1)[-1] == "num-1"
    assert announce_call("А-017", 999)[-3:] == ["num-900", "num-90", "num-9"]
