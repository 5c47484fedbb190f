"""Tests for the fallback decoder of server-side decoded objects."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.decoders.base import DecodeError
from custom_components.municipal_iot.decoders.server_object import decode_server_object

VECTORS = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "vectors_motion.json").read_text()
)


def vector(vector_id: str) -> dict[str, Any]:
    vendors = VECTORS["lorawan"].values()
    return next(v for vendor in vendors for v in vendor if v["id"] == vector_id)


def test_elsys_object_from_tts() -> None:
    decoded = decode_server_object(vector("elsys-ers-eye-ttn")["expected"])
    assert decoded.motion is True
    assert decoded.motion_count == 6
    assert decoded.occupancy is True
    assert decoded.temperature == pytest.approx(22.6)
    assert decoded.humidity == pytest.approx(41.0)
    assert decoded.illuminance == pytest.approx(39.0)
    assert decoded.raw == vector("elsys-ers-eye-ttn")["expected"]


def test_chirpstack_doubles() -> None:
    decoded = decode_server_object({"motion": 6.0, "vdd": 3426.0, "occupancy": 0.0})
    assert decoded.motion is True
    assert decoded.motion_count == 6
    assert isinstance(decoded.motion_count, int)
    assert decoded.occupancy is False
    assert decoded.battery_voltage == pytest.approx(3.426)
    assert decoded.battery == pytest.approx(34.1)  # Elsys lithium curve


def test_elsys_no_motion() -> None:
    decoded = decode_server_object({"motion": 0.0})
    assert decoded.motion is False
    assert decoded.motion_count == 0


@pytest.mark.parametrize("vector_id", ["milesight-ws202-readme", "milesight-ws202-ttn-1"])
def test_milesight_ws202_readme_and_code_spellings(vector_id: str) -> None:
    source = vector(vector_id)
    for obj in (source["expected"], source.get("ref_expected", source["expected"])):
        decoded = decode_server_object(obj)
        assert decoded.motion is True
        assert decoded.motion_count is None
        assert decoded.daylight is (False if "daylight" in obj else None)


@pytest.mark.parametrize(
    ("label", "daylight"), [("dim", False), ("dark", False), ("bright", True), ("light", True)]
)
def test_daylight_labels(label: str, daylight: bool) -> None:
    assert decode_server_object({"daylight": label}).daylight is daylight


def test_milesight_ws203_object() -> None:
    decoded = decode_server_object(vector("milesight-ws203-ttn")["expected"])
    assert decoded.battery == pytest.approx(100.0)
    assert decoded.occupancy is False
    assert decoded.temperature == pytest.approx(30.8)
    assert decoded.humidity == pytest.approx(50.5)
    assert decoded.motion is None


def test_milesight_vs340_occupied() -> None:
    assert decode_server_object(vector("milesight-vs340-readme-2")["expected"]).occupancy is True


def test_history_only_object_is_not_decoded() -> None:
    history = [{"timestamp": 1688624220, "report_type": "pir trigger", "occupancy": "occupied"}]
    with pytest.raises(DecodeError):
        decode_server_object({"history": history})


def test_browan_object() -> None:
    data = vector("browan-tbms100-ttn-1")["expected"]["data"]
    decoded = decode_server_object(data)
    assert decoded.motion is True
    assert decoded.occupancy is True
    assert decoded.temperature == pytest.approx(20.0)
    assert decoded.battery_voltage == pytest.approx(3.6)
    assert decoded.battery is None  # Browan "battery" is in volts
    assert decoded.motion_count is None  # "count" is cumulative


def test_browan_free_without_temperature_board() -> None:
    decoded = decode_server_object({"status": 0.0, "count": 12.0, "battery": 3.3})
    assert decoded.motion is False
    assert decoded.occupancy is False
    assert decoded.battery_voltage == pytest.approx(3.3)


def test_nested_data_object() -> None:
    obj = {"data": vector("browan-tbms100-ttn-1")["expected"]["data"], "note": "x"}
    decoded = decode_server_object(obj)
    assert decoded.motion is True
    assert decoded.raw == obj


def test_nested_data_without_known_keys_raises() -> None:
    with pytest.raises(DecodeError):
        decode_server_object({"data": {"foo": 1}})


@pytest.mark.parametrize("key", ["batteryVoltage", "battery_voltage", "Battery-Voltage", "VDD"])
def test_battery_voltage_key_spellings(key: str) -> None:
    assert decode_server_object({key: 3.5}).battery_voltage == pytest.approx(3.5)


def test_millivolts_are_converted() -> None:
    decoded = decode_server_object({"batteryVoltage": 3000})
    assert decoded.battery_voltage == pytest.approx(3.0)
    assert decoded.battery is None  # no percentage curve for an unknown cell


@pytest.mark.parametrize(
    ("obj", "occupancy"),
    [
        ({"occupied": True}, True),
        ({"occupied": False}, False),
        ({"presence": "present"}, True),
        ({"presence": "absent"}, False),
        ({"occupancy": "occupied"}, True),
        ({"occupancy": 2.0}, True),
        ({"occupancy": "2"}, True),
    ],
)
def test_occupancy_spellings(obj: dict[str, Any], occupancy: bool) -> None:
    assert decode_server_object(obj).occupancy is occupancy


@pytest.mark.parametrize(
    ("obj", "motion"),
    [
        ({"pir": "normal"}, False),
        ({"pir": "Trigger"}, True),
        ({"motion_detected": True}, True),
        ({"pir_status": "idle"}, False),
        ({"motion": False}, False),
    ],
)
def test_motion_spellings(obj: dict[str, Any], motion: bool) -> None:
    decoded = decode_server_object(obj)
    assert decoded.motion is motion
    assert decoded.motion_count is None


@pytest.mark.parametrize(
    ("obj", "field_name", "value"),
    [
        ({"temp": "21.5"}, "temperature", 21.5),
        ({"lux": 120}, "illuminance", 120.0),
        ({"illuminance": 5.5}, "illuminance", 5.5),
        ({"lightIntensity": 7}, "illuminance", 7.0),
        ({"relativeHumidity": 33}, "humidity", 33.0),
        ({"rh": 20.5}, "humidity", 20.5),
        ({"batteryLevel": 88.3}, "battery", 88.3),
        ({"temperatureBoard": -5}, "temperature", -5.0),
    ],
)
def test_value_keys(obj: dict[str, Any], field_name: str, value: float) -> None:
    assert getattr(decode_server_object(obj), field_name) == pytest.approx(value)


@pytest.mark.parametrize(
    "obj",
    [
        {},
        {"foo": 1},
        {"temperature": True},
        {"temperature": math.nan},
        {"temperature": math.inf},
        {"temperature": "warm"},
        {"temperature": 10**400},
        {"temperature": None},
        {"battery": 150},
        {"battery": -1},
        {"vdd": -5},
        {"motion": "maybe"},
        {"temperature": [20.5]},
        {"humidity": {"value": 40}},
        {1: 20.0},
    ],
)
def test_nothing_usable_raises(obj: dict[Any, Any]) -> None:
    with pytest.raises(DecodeError, match="no known key"):
        decode_server_object(obj)


def test_unusable_count_keeps_the_flag() -> None:
    decoded = decode_server_object({"motion": 2.5})
    assert decoded.motion is True
    assert decoded.motion_count is None
    decoded = decode_server_object({"motion": True})
    assert decoded.motion_count is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=12,
)
KNOWN_KEYS = st.sampled_from(
    [
        "motion", "pir", "occupancy", "occupied", "presence", "temperature", "humidity", "light",
        "lux", "battery", "batteryVoltage", "vdd", "daylight", "status", "count", "data",
        "temperatureBoard",
    ]
)  # fmt: skip
NUMBER_WORDS = st.sampled_from(["trigger", "normal", "dim", "bright", "vacant", "occupied", "1e3"])


@given(
    st.dictionaries(
        KNOWN_KEYS | st.text(max_size=8),
        JSON | NUMBER_WORDS | st.floats(allow_nan=True),
        max_size=6,
    )
)
@settings(max_examples=400, deadline=None)
def test_arbitrary_objects_only_raise_decode_error(obj: dict[str, Any]) -> None:
    try:
        decoded = decode_server_object(obj)
    except DecodeError:
        return
    if decoded.battery is not None:
        assert 0.0 <= decoded.battery <= 100.0
    if decoded.motion_count is not None:
        assert decoded.motion_count >= 0
        assert decoded.motion is (decoded.motion_count > 0)
    for value in (decoded.temperature, decoded.humidity, decoded.illuminance):
        assert value is None or math.isfinite(value)


@pytest.mark.parametrize("separators", ["", "_" * 40, "-" * 60])
def test_long_key_names_are_matched_like_short_ones(separators: str) -> None:
    """Key normalisation caches only short names; a long one is matched all the same."""
    decoded = decode_server_object({f"battery{separators}Voltage": 3.6, "temp": "21.5"})
    assert decoded.battery_voltage == 3.6
    assert decoded.temperature == 21.5
