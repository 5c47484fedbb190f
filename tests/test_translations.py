"""Translations: English and Swedish have the same keys, and every key in use exists."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from custom_components.municipal_iot.network.binary_sensor import BINARY_SENSORS
from custom_components.municipal_iot.network.sensor import SENSORS

PACKAGE = Path(__file__).parent.parent / "custom_components" / "municipal_iot"
TRANSLATIONS = PACKAGE / "translations"


def _load(language: str) -> dict[str, Any]:
    return json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))


def _keys(tree: Any, prefix: str = "") -> set[str]:
    if isinstance(tree, dict):
        return set().union(*(_keys(value, f"{prefix}{key}.") for key, value in tree.items()))
    return {prefix.rstrip(".")}


def _placeholders(tree: Any) -> dict[str, set[str]]:
    flat: dict[str, set[str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        else:
            flat[path] = set(re.findall(r"\{(\w+)\}", node))

    walk(tree, "")
    return flat


def test_same_keys_in_english_and_swedish() -> None:
    """sv.json has exactly the keys of en.json."""
    english, swedish = _keys(_load("en")), _keys(_load("sv"))
    assert english - swedish == set(), "missing in sv.json"
    assert swedish - english == set(), "missing in en.json"


def test_same_placeholders() -> None:
    """Each string uses the same placeholders in both languages."""
    english, swedish = _placeholders(_load("en")), _placeholders(_load("sv"))
    for key, names in english.items():
        assert swedish[key] == names, key


def test_no_empty_strings() -> None:
    """No string is left empty."""
    for language in ("en", "sv"):
        for key, names in _placeholders(_load(language)).items():
            value: Any = _load(language)
            for part in key.split("."):
                value = value[part]
            assert value.strip(), f"{language}: {key} is empty ({names})"


@pytest.mark.parametrize(
    ("platform", "descriptions"), [("sensor", SENSORS), ("binary_sensor", BINARY_SENSORS)]
)
def test_every_entity_has_a_translated_name(platform: str, descriptions: Any) -> None:
    """Every entity has a translated name, or is named by HA after its device class."""
    for language in ("en", "sv"):
        entities = _load(language)["entity"][platform]
        for description in descriptions:
            if description.translation_key is None:
                assert description.device_class is not None, description.key
                assert description.key not in entities, f"{description.key} repeats HA's name"
                continue
            assert entities[description.translation_key]["name"], description.key


def test_icons_refer_to_existing_entities() -> None:
    """icons.json only names translation keys that exist."""
    icons = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
    english = _load("en")["entity"]
    for platform, entries in icons["entity"].items():
        for key in entries:
            assert key in english[platform], f"{platform}.{key}"
