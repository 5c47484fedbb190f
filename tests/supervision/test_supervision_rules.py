"""Rule configuration: parsing, validation and the stored dict form."""

from __future__ import annotations

import json
from datetime import time

import pytest

from custom_components.municipal_iot.supervision.rules import (
    ALL_WEEKDAYS,
    AlertPolicy,
    ApartmentRules,
    CheckWindow,
    RulesError,
    TimeBand,
    format_hhmm,
    parse_hhmm,
    parse_minutes,
    parse_weekdays,
    span_minutes,
)

FULL = {
    "sensors": ["sensor-a", "sensor-b"],
    "bands": [
        {"start": "07:00", "end": "22:00", "minutes": 180},
        {"start": "22:00", "end": "07:00", "minutes": None, "weekdays": [4, 5]},
    ],
    "windows": [{"start": "07:00", "end": "10:00", "weekdays": [0, 1, 2, 3, 4]}],
    "continuous_minutes": 720,
    "grace_minutes": 5,
    "sensor_unavailable_minutes": 20,
    "sensor_interval_minutes": 60,
    "policy": {"escalation_minutes": 5, "reminder_minutes": 10},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:00", time(7, 0)),
        ("7:05", time(7, 5)),
        (" 23:59 ", time(23, 59)),
        ("00:00", time(0, 0)),
        ("24:00", time(0, 0)),
    ],
)
def test_parse_hhmm_valid(text, expected):
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text", ["24:01", "25:00", "07:60", "0700", "7", "", "07:00:00", 700, None]
)
def test_parse_hhmm_invalid(text):
    with pytest.raises(RulesError):
        parse_hhmm(text)


def test_format_hhmm_pads():
    assert format_hhmm(time(7, 5)) == "07:05"


@pytest.mark.parametrize(("value", "expected"), [(180, 180), (180.0, 180), (1, 1)])
def test_parse_minutes_valid(value, expected):
    assert parse_minutes(value, "x") == expected
    assert type(parse_minutes(value, "x")) is int


@pytest.mark.parametrize("value", [0, -5, 180.5, True, "180", None])
def test_parse_minutes_invalid(value):
    with pytest.raises(RulesError):
        parse_minutes(value, "x")


def test_parse_minutes_minimum_zero_allows_zero():
    assert parse_minutes(0, "grace", minimum=0) == 0


def test_parse_weekdays():
    assert parse_weekdays(None) == ALL_WEEKDAYS
    assert parse_weekdays([0, 6, 6]) == frozenset({0, 6})
    assert parse_weekdays(["1", "2"]) == frozenset({1, 2})


@pytest.mark.parametrize("value", [[], [7], [-1], ["mon"], [True], "012", 3])
def test_parse_weekdays_invalid(value):
    with pytest.raises(RulesError):
        parse_weekdays(value)


def test_span_minutes():
    assert span_minutes(time(7), time(22)) == 900
    assert span_minutes(time(22), time(7)) == 540
    assert span_minutes(time(7), time(7)) == 1440


def test_full_round_trip_through_json():
    rules = ApartmentRules.from_dict(FULL)
    assert rules.sensor_ids == ("sensor-a", "sensor-b")
    assert rules.bands[0] == TimeBand(time(7), time(22), 180)
    assert rules.bands[1] == TimeBand(time(22), time(7), None, frozenset({4, 5}))
    assert rules.windows == (CheckWindow(time(7), time(10), frozenset(range(5))),)
    assert rules.continuous_minutes == 720
    assert rules.grace_minutes == 5
    assert rules.sensor_unavailable_minutes == 20
    assert rules.sensor_interval_minutes == 60
    assert rules.policy == AlertPolicy(escalation_minutes=5, reminder_minutes=10)
    stored = json.loads(json.dumps(rules.to_dict()))
    assert stored["bands"][1] == {
        "start": "22:00",
        "end": "07:00",
        "minutes": None,
        "weekdays": [4, 5],
    }
    assert ApartmentRules.from_dict(stored) == rules


def test_defaults():
    rules = ApartmentRules.from_dict({})
    assert rules == ApartmentRules()
    assert rules.grace_minutes == 10
    assert rules.sensor_unavailable_minutes == 15
    assert rules.sensor_interval_minutes is None
    assert rules.policy == AlertPolicy(None, None)
    assert not rules.has_rules


def test_policy_argument_overrides_stored_policy():
    unit_policy = AlertPolicy(escalation_minutes=3, reminder_minutes=None)
    rules = ApartmentRules.from_dict(FULL, policy=unit_policy)
    assert rules.policy is unit_policy


def test_end_2400_means_midnight():
    band = TimeBand.from_dict({"start": "22:00", "end": "24:00", "minutes": 60})
    assert band.end == time(0, 0)
    assert band.to_dict()["end"] == "00:00"


def test_active_bands_and_has_rules():
    rules = ApartmentRules.from_dict(
        {"bands": [{"start": "22:00", "end": "07:00", "minutes": None}]}
    )
    assert rules.active_bands == ()
    assert not rules.has_rules
    assert ApartmentRules.from_dict({"continuous_minutes": 60}).has_rules
    assert ApartmentRules.from_dict({"windows": [{"start": "07:00", "end": "08:00"}]}).has_rules


def test_labels():
    assert TimeBand(time(22), time(7), 480).label == "22:00-07:00"
    assert CheckWindow(time(7), time(9, 30)).label == "07:00-09:30"


@pytest.mark.parametrize(
    "band",
    [
        {"start": "07:00", "end": "08:00", "minutes": 61},  # longer than the band
        {"start": "07:00", "end": "08:00", "minutes": 0},
        {"start": "07:00", "end": "08:00", "minutes": 30, "weekdays": []},
        {"start": "7.00", "end": "08:00", "minutes": 30},
    ],
)
def test_invalid_band(band):
    with pytest.raises(RulesError):
        TimeBand.from_dict(band)


def test_whole_day_band_allows_a_full_day_threshold():
    band = TimeBand.from_dict({"start": "00:00", "end": "00:00", "minutes": 1440})
    assert band.minutes == 1440


def test_band_direct_construction_is_validated():
    with pytest.raises(RulesError):
        TimeBand(time(7, 0, 30), time(8), 30)
    with pytest.raises(RulesError):
        TimeBand(time(7), time(8), 30, frozenset({9}))
    with pytest.raises(RulesError):
        TimeBand(time(7), time(8), True)


def test_invalid_window():
    with pytest.raises(RulesError, match="no length"):
        CheckWindow.from_dict({"start": "07:00", "end": "07:00"})
    with pytest.raises(RulesError):
        CheckWindow(time(7), time(8, 0, 1))


@pytest.mark.parametrize(
    "data",
    [
        {"grace_minutes": -1},
        {"continuous_minutes": 0},
        {"sensor_unavailable_minutes": 0},
        {"sensor_interval_minutes": 0.5},
        {"sensors": ["a", "a"]},
        {"sensors": "a"},
        {"sensors": ["a", ""]},
        {"sensors": [1]},
        {"policy": {"escalation_minutes": 0}},
    ],
)
def test_invalid_apartment_rules(data):
    with pytest.raises(RulesError):
        ApartmentRules.from_dict(data)


def test_direct_construction_of_rules_is_validated():
    with pytest.raises(RulesError):
        ApartmentRules(grace_minutes=-1)
    with pytest.raises(RulesError):
        ApartmentRules(continuous_minutes=0)
    with pytest.raises(RulesError):
        ApartmentRules(sensor_interval_minutes=-3)
    with pytest.raises(RulesError):
        AlertPolicy(reminder_minutes=0)


def test_grace_zero_is_allowed():
    assert ApartmentRules.from_dict({"grace_minutes": 0}).grace_minutes == 0
