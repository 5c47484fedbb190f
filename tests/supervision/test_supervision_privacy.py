"""Free-text privacy checks: personal identity numbers (Luhn) and possible names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.municipal_iot.supervision.privacy import (
    free_text_errors,
    has_personal_number,
    may_hold_a_name,
    text_problem,
)


def luhn_digit(nine: str) -> str:
    """Return the check digit that makes ``nine`` + digit pass the Luhn test."""
    total = 0
    for index, char in enumerate(nine):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def number(date: str, serial: str = "987") -> str:
    """Return ``YYMMDDNNNC`` for a date ``YYMMDD`` (valid check digit)."""
    return date + serial + luhn_digit(date + serial)


PNR = number("811218")  # 8112189876
SAMORDNING = number("811278")  # day 18 + 60


@pytest.mark.parametrize(
    "text",
    [
        PNR,
        f"{PNR[:6]}-{PNR[6:]}",
        f"{PNR[:6]}+{PNR[6:]}",  # over a hundred years old
        f"19{PNR}",
        f"19{PNR[:6]}-{PNR[6:]}",
        SAMORDNING,
        f"{SAMORDNING[:6]}-{SAMORDNING[6:]}",
        f"Knacka två gånger. Boende {PNR[:6]}-{PNR[6:]} sover.",
        number("000229"),  # a leap day
    ],
)
def test_personal_numbers_are_found(text: str) -> None:
    """Ten and twelve digits, with or without a separator, samordningsnummer too."""
    assert has_personal_number(text)
    assert text_problem(text) == "personal_number"


@pytest.mark.parametrize(
    "text",
    [
        PNR[:-1] + str((int(PNR[-1]) + 1) % 10),  # wrong check digit
        number("811318"),  # month 13
        number("811232"),  # day 32
        number("811292"),  # day 92 (samordning ends at 91)
        f"29{PNR}",  # a twelve-digit number from the future
        f"1{PNR}",  # eleven digits: part of a longer number
        "0701234567",  # a phone number: a date, but its last digit fails the Luhn test
        "2026-01-15",
        "SN-2026-12",
        "Lägenhet 3",
    ],
)
def test_other_numbers_pass(text: str) -> None:
    """Wrong dates, wrong check digits and other numbers are not personal numbers."""
    assert not has_personal_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lägenhet 3", False),
        ("Lgh 3B", False),
        ("Knacka två gånger. Gå in försiktigt.", False),
        ("Ring larmcentralen: Sjuksköterskan kommer.", False),
        ("LSS-boende, lgh 4", False),
        ("Ring Anna om hon sover", True),
        ("lgh 3 Svensson", True),
        ("Knacka, sedan Erik", True),
    ],
)
def test_names_inside_sentences_warn(text: str, *, expected: bool) -> None:
    """A capitalised word inside a sentence may be a name; sentence starts are not."""
    assert may_hold_a_name(text) is expected


def test_a_name_warns_once_a_number_always() -> None:
    """Resubmitting the same text after a name warning accepts it; a number never."""
    values = {"label": "Lgh 3", "action_plan": "Ring Anna", "decision_reference": PNR}
    errors = free_text_errors(values)
    assert errors == {"action_plan": "possible_name", "decision_reference": "personal_number"}
    assert free_text_errors(values, values) == {"decision_reference": "personal_number"}
    changed = values | {"action_plan": "Ring Anna eller Erik"}
    assert free_text_errors(changed, values)["action_plan"] == "possible_name"


@given(st.text(max_size=300))
def test_checks_never_raise(text: str) -> None:
    """Any text gets an answer (or none), never an exception."""
    assert text_problem(text) in {None, "personal_number", "possible_name"}


def test_long_input() -> None:
    """60 KB of near-misses is answered (the pattern has no nested repetition)."""
    assert not has_personal_number("81121-" * 10_000)
    assert not may_hold_a_name("Aa. " * 15_000)
