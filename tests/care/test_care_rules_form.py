"""The rules form's door rules: flat fields in, nested stored rules out, and back."""

from __future__ import annotations

from custom_components.municipal_iot.care.rules_form import (
    DEFAULT_RULES,
    rules_from_input,
    rules_to_form,
)
from custom_components.municipal_iot.supervision.rules import ApartmentRules

BASE = {"grace_minutes": 10, "sensor_unavailable_minutes": 15}
DOOR_FORM = {
    "outing_minutes": 10.0,
    "not_back_start": "22:00",
    "not_back_end": "07:00",
    "not_back_minutes": 30.0,
    "night_exit_start": "23:00",
    "night_exit_end": "05:30",
    "return_minutes": 3.0,
}


def test_door_rules_are_stored_nested_and_shown_flat():
    rules, errors = rules_from_input(BASE | DOOR_FORM)
    assert errors == {}
    assert rules["outing"] == {
        "minutes": 10,
        "not_back": {
            "start": "22:00",
            "end": "07:00",
            "minutes": 30,
            "weekdays": [0, 1, 2, 3, 4, 5, 6],
        },
    }
    assert rules["night_exit"] == {
        "start": "23:00",
        "end": "05:30",
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "return_minutes": 3,
    }
    parsed = ApartmentRules.from_dict(rules | {"sensors": ["d"], "doors": ["d"]})
    assert parsed.outing is not None
    assert parsed.night_exit is not None
    form = rules_to_form(rules)
    assert {key: form[key] for key in DOOR_FORM} == {
        key: int(value) if isinstance(value, float) else value for key, value in DOOR_FORM.items()
    }


def test_door_rules_are_off_when_empty():
    rules, errors = rules_from_input(BASE)
    assert errors == {}
    assert rules["outing"] is None
    assert rules["night_exit"] is None
    assert not set(rules_to_form(DEFAULT_RULES)) & set(DOOR_FORM)
    rules, errors = rules_from_input(BASE | {"outing_minutes": 15})
    assert rules["outing"] == {"minutes": 15, "not_back": None}
    assert "not_back_start" not in rules_to_form(rules)
    # The night exit's return minutes default to 2.
    rules, _ = rules_from_input(BASE | {"night_exit_start": "22:00", "night_exit_end": "06:00"})
    assert rules["night_exit"]["return_minutes"] == 2


def test_incomplete_or_invalid_door_rules_are_refused():
    cases = [
        ({"not_back_start": "22:00", "not_back_end": "07:00", "not_back_minutes": 30}, "not_back"),
        ({"outing_minutes": 10, "not_back_start": "22:00"}, "not_back"),
        (
            {
                "outing_minutes": 10,
                "not_back_start": "22:00",
                "not_back_end": "23:00",
                "not_back_minutes": 90,  # longer than the band
            },
            "not_back",
        ),
        (
            {
                "outing_minutes": 10,
                "not_back_start": "22:00:30",
                "not_back_end": "23:00",
                "not_back_minutes": 10,
            },
            "not_back",
        ),
        ({"night_exit_start": "22:00"}, "night_exit"),
        ({"night_exit_start": "22:00", "night_exit_end": "22:00"}, "night_exit"),
        ({"night_exit_start": "25:00", "night_exit_end": "06:00"}, "night_exit"),
    ]
    for fields, rule in cases:
        _, errors = rules_from_input(BASE | fields)
        key = "not_back_start" if rule == "not_back" else "night_exit_start"
        assert errors == {key: f"invalid_{rule}"}, fields
