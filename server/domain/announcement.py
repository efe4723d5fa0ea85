"""The spoken call on the hall board: «Талон А-17, окно 3» as a list of voice fragments.

This module owns *what* is said, as an ordered list of fragment names (ASCII file stems of
pre-recorded clips), and the Russian text each fragment is recorded from. Loading and
joining the clips is the adapter's job (``server.voice``); recording them is
``scripts/build_voice.py``'s.

Grammar choices:

* A call is: chime, «талон», the prefix letters, the number, «окно», the window number.
* Prefix letters are spoken by their Russian letter names («А» «а», «К» «ка», «Л» «эль»,
  «Й» «и краткое»), never read as a syllable: «КА-5» is «ка а пять», not «ка». Latin letters
  (the office model allows them) get the names Russians use for English letters: «B» «би»,
  «W» «дабл-ю».
* Numbers are read as a number is named when counted, in the nominative: «один», «два»
  (masculine, as after «талон» and for a bare numeral), so one fragment per word serves both
  the ticket and the window. Leading zeros are not spoken: «А-007» is «а семь».
* A number is split into thousands, hundreds, then tens and units, where 11–19 are one word:
  2021 is «две тысячи» «двадцать» «один», 1011 is «тысяча» «одиннадцать». Thousands are
  recorded with their noun in the agreeing form (1000 «тысяча», 2000–4000 «… тысячи»,
  5000–9000 «… тысяч»), so no fragment ever has to be inflected at run time. 1000 is
  «тысяча», not «одна тысяча», as it is said aloud.

Ticket numbers are 1–9999 (the daily counter may pass 999), windows 1–999. A label must be
exactly what ``format_label`` writes: 1–3 letters, a hyphen, the number with at least three
digits and no extra leading zeros. Lower-case letters are accepted as their capitals.
"""

from __future__ import annotations

import re

from server.domain.errors import InvalidInput

CHIME = "chime"
WORD_TALON = "word-talon"
WORD_OKNO = "word-okno"

MAX_NUMBER = 9999
MAX_WINDOW = 999


class InvalidAnnouncement(InvalidInput):
    """A call that cannot be announced: a malformed label or an impossible number."""

    code = "invalid_announcement"


# Russian letter → (the stem's transliteration, its spoken name).
CYRILLIC: dict[str, tuple[str, str]] = {
    "А": ("a", "а"), "Б": ("b", "бэ"), "В": ("v", "вэ"), "Г": ("g", "гэ"),
    "Д": ("d", "дэ"), "Е": ("e", "е"), "Ё": ("yo", "ё"), "Ж": ("zh", "жэ"),
    "З": ("z", "зэ"), "И": ("i", "и"), "Й": ("j", "и краткое"), "К": ("k", "ка"),
    "Л": ("l", "эль"), "М": ("m", "эм"), "Н": ("n", "эн"), "О": ("o", "о"),
    "П": ("p", "пэ"), "Р": ("r", "эр"), "С": ("s", "эс"), "Т": ("t", "тэ"),
    "У": ("u", "у"), "Ф": ("f", "эф"), "Х": ("kh", "ха"), "Ц": ("ts", "цэ"),
    "Ч": ("ch", "че"), "Ш": ("sh", "ша"), "Щ": ("shch", "ща"), "Ъ": ("hard", "твёрдый знак"),
    "Ы": ("y", "ы"), "Ь": ("soft", "мягкий знак"), "Э": ("eh", "э"), "Ю": ("yu", "ю"),
    "Я": ("ya", "я"),
}

# Latin letter → its name as Russians say it (the English letter names).
LATIN: dict[str, str] = {
    "A": "эй", "B": "би", "C": "си", "D": "ди", "E": "и", "F": "эф", "G": "джи",
    "H": "эйч", "I": "ай", "J": "джей", "K": "кей", "L": "эл", "M": "эм", "N": "эн",
    "O": "оу", "P": "пи", "Q": "кью", "R": "ар", "S": "эс", "T": "ти", "U": "ю",
    "V": "ви", "W": "дабл-ю", "X": "экс", "Y": "уай", "Z": "зэд",
}

UNITS_AND_TEENS = (
    "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять", "десять",
    "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать", "шестнадцать",
    "семнадцать", "восемнадцать", "девятнадцать",
)
TENS = ("двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
        "восемьдесят", "девяносто")
HUNDREDS = ("сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
            "восемьсот", "девятьсот")
THOUSANDS = ("тысяча", "две тысячи", "три тысячи", "четыре тысячи", "пять тысяч",
             "шесть тысяч", "семь тысяч", "восемь тысяч", "девять тысяч")

# Every spoken fragment: stem → the Russian text it is recorded from. The chime is not speech.
TEXTS: dict[str, str] = {
    WORD_TALON: "талон",
    WORD_OKNO: "окно",
    **{f"letter-cyr-{stem}": name for stem, name in CYRILLIC.values()},
    **{f"letter-lat-{letter.lower()}": name for letter, name in LATIN.items()},
    **{f"num-{n}": word for n, word in enumerate(UNITS_AND_TEENS, start=1)},
    **{f"num-{n * 10}": word for n, word in enumerate(TENS, start=2)},
    **{f"num-{n * 100}": word for n, word in enumerate(HUNDREDS, start=1)},
    **{f"num-{n * 1000}": word for n, word in enumerate(THOUSANDS, start=1)},
}

_LABEL = re.compile(r"(?P<prefix>[^\W\d_]{1,3})-(?P<digits>[0-9]{3,})")


def all_fragments() -> list[str]:
    """Every fragment name ``announce_call`` can produce: the chime first, then the speech."""
    return [CHIME, *TEXTS]


def fragment_text(name: str) -> str | None:
    """The Russian text fragment ``name`` is recorded from; None for the (synthesised) chime."""
    if name == CHIME:
        return None
    try:
        return TEXTS[name]
    except KeyError:
        raise InvalidAnnouncement(f"unknown voice fragment {name!r}", fragment=name) from None


def announce_call(label: str, window: int) -> list[str]:
    """The fragments that announce ``label`` called to ``window``, in the order they play."""
    prefix, number = parse_label(label)
    return [
        CHIME,
        WORD_TALON,
        *(letter_fragment(letter) for letter in prefix),
        *number_fragments(number),
        WORD_OKNO,
        *number_fragments(_checked_window(window)),
    ]


def parse_label(label: str) -> tuple[str, int]:
    """«А-017» → ("А", 17). Raises InvalidAnnouncement for anything ``format_label`` would not
    write or the voice cannot say."""
    match = _LABEL.fullmatch(label) if isinstance(label, str) else None
    if match is None:
        raise InvalidAnnouncement(
            f"malformed ticket label {label!r}: expected 1-3 letters, a hyphen and at least "
            "three digits, e.g. 'А-017'",
            label=label,
        )
    digits = match["digits"]
    number = int(digits)
    if digits != f"{number:03d}":
        raise InvalidAnnouncement(
            f"malformed ticket label {label!r}: extra leading zeros", label=label
        )
    if not 1 <= number <= MAX_NUMBER:
        raise InvalidAnnouncement(
            f"ticket number {number} cannot be announced: must be 1-{MAX_NUMBER}", label=label
        )
    for letter in match["prefix"]:
        letter_fragment(letter)  # «ß».upper() is "SS": check the letters before casing them
    return match["prefix"].upper(), number


def letter_fragment(letter: str) -> str:
    """The fragment naming one prefix letter (Russian or Latin, either case)."""
    upper = letter.upper()
    if upper in CYRILLIC:
        return f"letter-cyr-{CYRILLIC[upper][0]}"
    if upper in LATIN:
        return f"letter-lat-{upper.lower()}"
    raise InvalidAnnouncement(
        f"letter {letter!r} cannot be announced: only Russian and Latin letters", letter=letter
    )


def number_fragments(number: int) -> list[str]:
    """1–9999 in words, without leading zeros: 245 → num-200, num-40, num-5."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_NUMBER:
        raise InvalidAnnouncement(
            f"number {number!r} cannot be announced: must be 1-{MAX_NUMBER}", number=number
        )
    thousands, rest = divmod(number, 1000)
    hundreds, rest = divmod(rest, 100)
    parts = [thousands * 1000, hundreds * 100]
    parts += [rest] if rest < 20 else [rest - rest % 10, rest % 10]
    return [f"num-{part}" for part in parts if part]


def _checked_window(window: int) -> int:
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
        raise InvalidAnnouncement(
            f"window {window!r} cannot be announced: must be 1-{MAX_WINDOW}", window=window
        )
    return window
