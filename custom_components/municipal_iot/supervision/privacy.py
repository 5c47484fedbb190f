"""Free-text checks: no personal identity numbers, and a warning for what looks like a name.

Labels, action plans, decision references and notes are stored in clear (in the
config entries and the journal) and shown in pushes. A Swedish personnummer
(``YYMMDD-NNNC``, ``YYYYMMDDNNNC``, with ``-``, ``+``, a space or nothing
between) or samordningsnummer (day + 60) is refused when its check digit passes
the Luhn test. A capitalised word inside a sentence may be a resident's name:
that only warns (labels like "Lgh 3" and plans like "Knacka två gånger." pass).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

# Digits bounded by non-digits; no nested quantifiers, so matching stays linear.
_NUMBER = re.compile(r"(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})[-+ ]?(\d{3})(\d)(?!\d)")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SENTENCE_END = ".!?:\n"
COORDINATION_DAY_OFFSET = 60
# Capitalised words that are not names (what apartments and rooms are called).
NOT_NAMES = frozenset({"lgh", "lägenhet", "apartment", "apt", "rum", "room", "hus", "house"})
FIRST_YEAR, LAST_YEAR = 1850, 2100  # plausible birth years of a twelve-digit number


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_date(century: str | None, year: str, month: str, day: str) -> bool:
    """Return True for a birth date (a samordningsnummer adds 60 to the day)."""
    day_number = int(day)
    if day_number > COORDINATION_DAY_OFFSET:
        day_number -= COORDINATION_DAY_OFFSET
    years = [int(century + year)] if century else [1900 + int(year), 2000 + int(year)]
    return any(
        FIRST_YEAR <= full <= LAST_YEAR and _valid_day(full, int(month), day_number)
        for full in years
    )


def has_personal_number(text: str) -> bool:
    """Return True when ``text`` holds a personnummer or samordningsnummer (Luhn checked)."""
    for match in _NUMBER.finditer(text):
        century, year, month, day, serial, check = match.groups()
        if _is_date(century, year, month, day) and _luhn_ok(year + month + day + serial + check):
            return True
    return False


def may_hold_a_name(text: str) -> bool:
    """Return True when a capitalised word stands inside a sentence (it may be a name).

    Words at the start of the text or of a sentence, one-letter words and
    abbreviations in capitals (LSS) pass.
    """
    for match in _WORD.finditer(text):
        word = match.group()
        if len(word) < 2 or not word[0].isupper() or word.isupper():
            continue
        if word.casefold() in NOT_NAMES:
            continue
        before = text[: match.start()].rstrip()
        if before and before[-1] not in _SENTENCE_END:
            return True
    return False


def text_problem(text: str) -> str | None:
    """Return ``"personal_number"``, ``"possible_name"`` or None for a free-text value."""
    if has_personal_number(text):
        return "personal_number"
    if may_hold_a_name(text):
        return "possible_name"
    return None


def free_text_errors(
    values: Mapping[str, str], warned: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return ``{field: problem}`` for a form's free-text values.

    A personal number is always refused. A possible name warns once: submitting
    the same text again (it is in ``warned``, the values last warned about)
    accepts it.
    """
    warned = warned or {}
    errors: dict[str, str] = {}
    for key, value in values.items():
        problem = text_problem(value)
        if problem == "possible_name" and warned.get(key) == value:
            continue
        if problem is not None:
            errors[key] = problem
    return errors
