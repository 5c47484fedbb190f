"""Every care unit text the code uses exists in English and Swedish."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from custom_components.municipal_iot.care.const import PAUSE_REASONS
from custom_components.municipal_iot.care.entities import ANY_ALARM, BUTTONS, SENSORS, SWITCH
from custom_components.municipal_iot.care.export import ENTRY_KINDS, csv_labels
from custom_components.municipal_iot.care.services import (
    SERVICE_ACKNOWLEDGE,
    SERVICE_EXPORT,
    SERVICE_PAUSE,
    SERVICE_RESOLVE,
    SERVICE_RESUME,
)
from custom_components.municipal_iot.device_trigger import TRIGGERS
from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.journal import OUTCOMES
from custom_components.municipal_iot.supervision.state import Status
from custom_components.municipal_iot.texts import Texts

ROOT = Path(__file__).parent.parent.parent
PACKAGE = ROOT / "custom_components" / "municipal_iot"
LANGUAGES = ("en", "sv")
NOTIFY_TEXTS = (
    "alarm_title",
    "escalation_title",
    "reminder_title",
    "still_message",
    "window_message",
    "action_plan",
    "acknowledged_title",
    "acknowledged_message",
    "sensor_title",
    "sensor_message",
    "battery_title",
    "battery_message",
    "action_acknowledge",
    "action_resolve",
    "duration_hours",
    "duration_minutes",
    "acknowledged_by",
    "open_panel",
    "paused_title",
    "paused_message",
)


def _load(language: str) -> dict[str, Any]:
    return json.loads((PACKAGE / "translations" / f"{language}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_entity_names(language: str) -> None:
    """Every care entity has a translated name; every status has a text and an icon."""
    entity = _load(language)["entity"]
    platforms = {
        "sensor": [item.translation_key for item in SENSORS] + ["apartments_in_alarm"],
        "binary_sensor": [ANY_ALARM.translation_key],
        "switch": [SWITCH.translation_key],
        "button": [item.translation_key for item in BUTTONS],
    }
    for platform, keys in platforms.items():
        for key in keys:
            assert entity[platform][key]["name"], f"{platform}.{key}"
    states = entity["sensor"]["supervision_status"]["state"]
    icons = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
    status_icons = icons["entity"]["sensor"]["supervision_status"]["state"]
    assert set(states) == set(status_icons) == {status.value for status in Status}


@pytest.mark.parametrize("language", LANGUAGES)
def test_notification_logbook_and_trigger_texts(language: str) -> None:
    """Notification texts, a logbook text per event kind and trigger names exist."""
    strings = _load(language)
    common = strings["common"]
    for key in NOTIFY_TEXTS:
        assert common[key], key
    for kind in EventKind:
        assert common[f"logbook_{kind.value}"], kind
    assert set(strings["device_automation"]["trigger_type"]) >= set(TRIGGERS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_actions_are_described(language: str) -> None:
    """Each care action has a name, and each of its fields in services.yaml is translated."""
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    translated = _load(language)["services"]
    for name in (
        SERVICE_PAUSE,
        SERVICE_RESUME,
        SERVICE_ACKNOWLEDGE,
        SERVICE_RESOLVE,
        SERVICE_EXPORT,
    ):
        assert translated[name]["name"]
        assert set(translated[name]["fields"]) == set(services[name]["fields"]), name


@pytest.mark.parametrize("language", LANGUAGES)
def test_panel_and_export_texts(language: str) -> None:
    """Every text the panel, the card and the CSV export use exists (fixed and composed keys)."""
    common = _load(language)["common"]
    sources = "".join(path.read_text() for path in (ROOT / "frontend" / "src").glob("*.ts"))
    used = set(re.findall(r't\(hass, "([a-z0-9_]+)"', sources))
    used |= set(re.findall(r'"(panel_[a-z0-9_]+)"\]', sources))  # chip labels in arrays
    composed = {
        "panel_status_": [status.value for status in Status],
        "outcome_": OUTCOMES,
        "pause_reason_": PAUSE_REASONS,
        "csv_event_": ENTRY_KINDS,
    }
    for prefix, values in composed.items():
        assert f"`{prefix}${{" in sources or (
            prefix == "panel_status_" and "panel_status_" in sources
        )
        used |= {f"{prefix}{value}" for value in values}
    assert len(used) > 60
    missing = sorted(key for key in used if not common.get(key))
    assert not missing
    labels = csv_labels(Texts(_flat(common)), {})
    assert all(labels.columns.values())
    assert all(labels.values.values())
    assert not [key for key, text in labels.values.items() if text.startswith("csv_")]


def _flat(common: dict[str, str]) -> dict[str, str]:
    return {f"component.municipal_iot.common.{key}": text for key, text in common.items()}
