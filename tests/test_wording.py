"""Wording a user tripped over: each point of the review, checked in both languages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.municipal_iot.care.flow import unit_schema

PACKAGE = Path(__file__).parent.parent / "custom_components" / "municipal_iot"


def _load(language: str) -> dict[str, Any]:
    return json.loads((PACKAGE / "translations" / f"{language}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", ["en", "sv"])
def test_instructions_name_no_button_and_the_hint_follows_the_address(language: str) -> None:
    """The last step names no button (its label differs), and the URL hint sits after the URL."""
    steps = _load(language)["config"]["step"]
    for step in ("instructions_chirpstack", "instructions_tts"):
        text = steps[step]["description"]
        for button in ("Skicka", "Submit", "Bekräfta", "Confirm"):
            assert f"**{button}**" not in text
        assert text.index("{url}") < text.index("{url_note}")
    assert "Webhook ID" in steps["instructions_tts"]["description"]
    hint = _load(language)["common"]["no_external_url"]
    assert ("ovan" if language == "sv" else "above") in hint
    assert "no_external_url" not in _load(language)["config"]["error"]  # not styled as an error


def test_one_word_for_notify_actions_and_no_hub() -> None:
    """Swedish says "notifieringsåtgärder" throughout; the add button is not "Lägg till hubb"."""
    text = (PACKAGE / "translations" / "sv.json").read_text(encoding="utf-8")
    assert "notify-åtgärd" not in text.lower()
    assert "notifieringstjänst" not in text.lower()
    manifest = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["integration_type"] == "service"


def test_months_are_in_the_label_not_an_untranslated_unit(hass: Any) -> None:
    """The retention field has no "mo" unit; its label says months in both languages."""
    schema = unit_schema(hass, [])
    retention = next(key for key in schema.schema if str(key) == "retention_months")
    assert "unit_of_measurement" not in schema.schema[retention].config
    for language, word in (("en", "months"), ("sv", "månader")):
        label = _load(language)["config"]["step"]["care_unit"]["data"]["retention_months"]
        assert word in label
