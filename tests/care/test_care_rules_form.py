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


def test_planned_checks_are_stored_and_shown():
    form = {
        "planned": [
            {"at": "23:00:00", "weekdays": []},
            {"at": "02:00", "weekdays": ["0", "4"]},
        ],
        "planned_lookback_minutes": 20.0,
    }
    rules, errors = rules_from_input(BASE | form)
    assert errors == {}
    assert rules["planned"] == {
        "times": [
            {"at": "23:00", "weekdays": [0, 1, 2, 3, 4, 5, 6]},
            {"at": "02:00", "weekdays": [0, 4]},
        ],
        "lookback_minutes": 20,
    }
    parsed = ApartmentRules.from_dict(rules | {"sensors": ["m"]})
    assert parsed.planned is not None
    assert parsed.has_rules
    shown = rules_to_form(rules)
    assert shown["planned"] == [
        {"at": "23:00", "weekdays": [str(day) for day in range(7)]},
        {"at": "02:00", "weekdays": ["0", "4"]},
    ]
    assert shown["planned_lookback_minutes"] == 20
    # The look-back defaults to 30 minutes; no times: off.
    rules, _ = rules_from_input(BASE | {"planned": [{"at": "05:00"}]})
    assert rules["planned"]["lookback_minutes"] == 30
    rules, errors = rules_from_input(BASE | {"planned_lookback_minutes": 20})
    assert (rules["planned"], errors) == (None, {})
    assert "planned" not in rules_to_form(rules)


def test_invalid_planned_checks_are_refused():
    for planned in (
        [{"at": "02:00"}, {"at": "02:00"}],  # the same time twice
        [{"at": "2 o'clock"}],
        [{"weekdays": ["1"]}],  # no time
    ):
        rules, errors = rules_from_input(BASE | {"planned": planned})
        assert errors == {"planned": "invalid_planned"}, planned
        assert rules["planned"] is None
    _, errors = rules_from_input(
        BASE | {"planned": [{"at": "02:00"}], "planned_lookback_minutes": 500}
    )
    assert errors == {"planned": "invalid_planned"}
