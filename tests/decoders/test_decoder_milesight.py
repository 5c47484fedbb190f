"""Tests for the Milesight WS202, WS203, VS340 and VS341 decoders."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from custom_components.municipal_iot.decoders.base import DecodeContext, Decoded, DecodeError
from custom_components.municipal_iot.decoders.milesight import (
    VS340,
    VS341,
    WS202,
    WS203,
    MilesightDecoder,
)

VECTORS = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "vectors_motion.json").read_text()
)
MILESIGHT_VECTORS = VECTORS["lorawan"]["milesight"]
RECEIVED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
BY_MODEL = {"ws202": WS202, "ws203": WS203, "vs340": VS340, "vs341": VS341}

# Normalised result per vector, from the README/codec tables in device-payloads.md.
NORMALISED: dict[str, dict[str, Any]] = {
    "milesight-ws202-ttn-1": {"motion": True, "daylight": None, "battery": None},
    "milesight-ws202-readme": {"motion": True, "daylight": False, "battery": 16.0},
    "milesight-ws203-ttn": {
        "battery": 100.0,
        "temperature": 30.8,
        "humidity": 50.5,
        "occupancy": False,
        "motion": False,
    },
    "milesight-ws203-readme-1": {
        "battery": 100.0,
        "temperature": 30.8,
        "humidity": 50.5,
        "occupancy": False,
        "motion": False,
    },
    "milesight-ws203-readme-2": {
        "temperature": 29.0,
        "occupancy": None,
        "motion": None,
        "battery": None,
    },
    # The occupancy state of these PIR sensors also gives `motion`.
    "milesight-vs340-readme-1": {"battery": 100.0, "occupancy": False, "motion": False},
    "milesight-vs340-readme-2": {"battery": 100.0, "occupancy": True, "motion": True},
    "milesight-vs341-readme-1": {"battery": 100.0, "occupancy": False, "motion": False},
}


def decoder_for(vector_id: str) -> MilesightDecoder:
    return BY_MODEL[vector_id.split("-")[1]]


def decode(decoder: MilesightDecoder, hex_payload: str) -> Decoded:
    return decoder.decode(bytes.fromhex(hex_payload), 85, DecodeContext(received_at=RECEIVED))


def readme_view(raw: Any) -> dict[str, Any]:
    """Raw output with the README spellings laid over the code spellings."""
    return {**raw, **raw.get("readme", {})}


def assert_contains(got: Any, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value), key
        else:
            assert got[key] == value, key


def test_every_vector_has_a_normalised_expectation() -> None:
    assert {vector["id"] for vector in MILESIGHT_VECTORS} == set(NORMALISED)


@pytest.mark.parametrize("vector", MILESIGHT_VECTORS, ids=lambda v: v["id"])
def test_vector_raw_values(vector: dict[str, Any]) -> None:
    decoded = decoder_for(vector["id"]).decode(
        bytes.fromhex(vector["payload_hex"]), vector["fPort"], DecodeContext(received_at=RECEIVED)
    )
    assert decoded.warnings == ()
    # `expected` is the source's output (README spelling for README examples) ...
    assert_contains(readme_view(decoded.raw), vector["expected"])
    # ... and `ref_expected`, where present, the vendor decoder code's spelling.
    assert_contains(decoded.raw, vector.get("ref_expected", vector["expected"]))


@pytest.mark.parametrize("vector", MILESIGHT_VECTORS, ids=lambda v: v["id"])
def test_vector_normalised_values(vector: dict[str, Any]) -> None:
    decoded = decode(decoder_for(vector["id"]), vector["payload_hex"])
    for field_name, expected in NORMALISED[vector["id"]].items():
        got = getattr(decoded, field_name)
        if isinstance(expected, float):
            assert got == pytest.approx(expected), field_name
        else:
            assert got == expected, field_name
    assert decoded.motion_at is None


def test_both_label_spellings() -> None:
    decoded = decode(WS202, "030000040001")
    assert decoded.raw["pir"] == "normal"
    assert decoded.motion is False
    assert decoded.raw["daylight"] == "bright"
    assert decoded.raw["readme"] == {"daylight": "light"}
    assert decoded.daylight is True


def test_unknown_state_values_are_not_normalised() -> None:
    decoded = decode(WS202, "030002040007")
    assert decoded.raw["pir"] == "unknown"
    assert decoded.raw["daylight"] == "unknown"
    assert decoded.motion is None
    assert decoded.daylight is None
    decoded = decode(VS340, "030005")
    assert decoded.raw["occupancy"] == "unknown"
    assert decoded.occupancy is None
    assert decoded.motion is None


def test_battery_above_100_percent_is_not_normalised() -> None:
    decoded = decode(VS341, "017565" + "030001")
    assert decoded.battery is None
    assert decoded.raw["battery"] == 101
    assert decoded.occupancy is True
    assert decoded.warnings == ("battery level 101 % out of range",)


def test_ws203_occupied_and_negative_temperature() -> None:
    decoded = decode(WS203, "03679cff" + "046850" + "050001")
    assert decoded.temperature == pytest.approx(-10.0)
    assert decoded.humidity == pytest.approx(40.0)
    assert decoded.occupancy is True
    assert decoded.motion is True
    assert decoded.raw["occupancy"] == "occupied"


def test_ws203_temperature_alarm_release() -> None:
    decoded = decode(WS203, "836738ff00")
    assert decoded.temperature == pytest.approx(-20.0)
    assert decoded.raw["temperature_alarm"] == "threshold alarm release"
    assert decoded.raw["readme"] == {"temperature_abnormal": "normal"}
    assert decoded.alarms is None


# WS203 README example (Milesight-IoT/SensorDecoders ws-series/ws203/README.md): 2 history records.
README_HISTORY = "20ceae5ba6640400240165" + "20ce5c5ca6640301340165"


def test_ws203_history_readme_example() -> None:
    decoded = decode(WS203, README_HISTORY)
    assert decoded.warnings == ()
    readme = [
        {
            "humidity": 50.5,
            "occupancy": "vacant",
            "report_type": "period",
            "temperature": 29.2,
            "timestamp": 1688624046,
        },
        {
            "humidity": 50.5,
            "occupancy": "occupied",
            "report_type": "pir occupancy",
            "temperature": 30.8,
            "timestamp": 1688624220,
        },
    ]
    assert decoded.raw["readme"]["history"] == readme
    assert [entry["report_type"] for entry in decoded.raw["history"]] == ["period", "pir trigger"]


def test_history_only_uplink_is_not_motion_now() -> None:
    decoded = decode(WS203, README_HISTORY)
    assert decoded.motion is None
    assert decoded.occupancy is None
    assert decoded.temperature is None
    assert decoded.humidity is None
    # The PIR-trigger record's own timestamp is the motion time.
    assert decoded.motion_at == datetime(2023, 7, 6, 6, 17, tzinfo=UTC)


def test_newest_pir_trigger_record_gives_motion_at() -> None:
    older = "20ce" + (1_700_000_000).to_bytes(4, "little").hex() + "0301e60064"
    newer = "20ce" + (1_700_000_600).to_bytes(4, "little").hex() + "0b01e60064"  # type 3, bit 3 set
    idle = "20ce" + (1_700_000_900).to_bytes(4, "little").hex() + "0200e60064"
    decoded = decode(WS203, newer + older + idle)
    assert decoded.motion_at == datetime.fromtimestamp(1_700_000_600, UTC)
    assert [entry["report_type"] for entry in decoded.raw["history"]] == [
        "pir trigger",
        "pir trigger",
        "pir idle",
    ]
    assert decoded.raw["history"][0]["temperature"] == pytest.approx(23.0)
    assert decoded.raw["history"][0]["humidity"] == pytest.approx(50.0)


def test_history_without_pir_trigger_gives_no_motion_time() -> None:
    record = "20ce" + (1_700_000_000).to_bytes(4, "little").hex() + "0400f6ff64"
    decoded = decode(WS203, record)
    assert decoded.motion_at is None
    assert decoded.raw["history"][0]["temperature"] == pytest.approx(-1.0)


def test_history_from_the_future_is_ignored_with_a_warning() -> None:
    future = int(RECEIVED.timestamp()) + 3600
    record = "20ce" + future.to_bytes(4, "little").hex() + "0301e60064"
    decoded = decode(WS203, record)
    assert decoded.motion_at is None
    assert decoded.warnings == (
        "history timestamp 2024-03-01T09:00:00+00:00 is after the receive time",
    )


def test_history_with_live_readings() -> None:
    decoded = decode(WS203, "050000" + README_HISTORY)
    assert decoded.occupancy is False  # live record
    assert decoded.motion is False  # the history's PIR trigger is not motion now
    assert decoded.motion_at == datetime(2023, 7, 6, 6, 17, tzinfo=UTC)


def test_unknown_history_report_type() -> None:
    record = "20ce" + (1_700_000_000).to_bytes(4, "little").hex() + "0702e60064"
    decoded = decode(WS203, record)
    assert decoded.raw["history"][0]["report_type"] == "unknown"
    assert decoded.raw["history"][0]["occupancy"] == "unknown"
    assert decoded.motion_at is None


def test_device_information_frame() -> None:
    payload = "ff0bff" + "ff0101" + "ff166136d19236440000" + "ff090140" + "ff0a0114" + "ff0f00"
    payload += "fffe01" + "ffff0100"
    decoded = decode(WS203, payload)
    assert decoded.warnings == ()
    assert decoded.raw == {
        "device_status": "on",
        "ipso_version": "v0.1",
        "sn": "6136d19236440000",
        "hardware_version": "v1.4",
        "firmware_version": "v1.14",
        "lorawan_class": "Class A",
        "reset_event": "reset",
        "tsl_version": "v1.0",
    }
    assert decoded.motion is None
    assert decoded.occupancy is None
    assert decoded.battery is None


def test_ws202_serial_number_is_six_bytes() -> None:
    decoded = decode(WS202, "ff08616263646566" + "030001")
    assert decoded.raw["sn"] == "616263646566"
    assert decoded.motion is True


def test_lorawan_class_labels() -> None:
    assert decode(VS341, "ff0f02").raw["lorawan_class"] == "Class C"
    assert decode(VS341, "ff0f09").raw["lorawan_class"] == "unknown"


def test_downlink_responses() -> None:
    assert decode(WS202, "ff032c01").raw == {"report_interval": 300}
    assert decode(WS203, "fe8e002c01").raw == {"report_interval": 300}
    decoded = decode(VS340, "ff8e005802" + "ff2801" + "feb2ff")
    assert decoded.raw == {
        "report_interval": 600,
        "query_device_status": 1,
        "thermopile_negative_threshold": -1,
    }
    decoded = decode(WS203, "ff1714ff" + "ff35" + "00112233445566ff")
    assert decoded.raw == {"time_zone": -236, "d2d_key": "00112233445566ff"}


def test_unknown_channel_after_data_is_a_warning() -> None:
    decoded = decode(VS340, "017564" + "0367ffff")
    assert decoded.battery == pytest.approx(100.0)
    assert decoded.warnings == ("unknown channel 03 67 at byte 3; 4 byte(s) not decoded",)


@pytest.mark.parametrize(
    ("decoder", "hex_payload"),
    [
        (WS202, "03679cff"),  # WS203 temperature channel is not a WS202 channel
        (WS203, "030001"),  # WS202 PIR channel is not a WS203 channel
        (VS340, "ff5501"),  # unknown device-information type
        (VS341, "0000"),
    ],
)
def test_unknown_channel_first_raises(decoder: MilesightDecoder, hex_payload: str) -> None:
    with pytest.raises(DecodeError, match="unknown channel"):
        decode(decoder, hex_payload)


@pytest.mark.parametrize("hex_payload", ["0175", "01", "20ce0102030405", "8367aa01"])
def test_truncated_record_alone_raises(hex_payload: str) -> None:
    with pytest.raises(DecodeError, match="truncated record"):
        decode(WS203, hex_payload)


def test_truncated_record_after_data_is_a_warning() -> None:
    decoded = decode(WS203, "017564" + "05")
    assert decoded.battery == pytest.approx(100.0)
    assert decoded.warnings == ("truncated record 05 at byte 3; 1 byte(s) not decoded",)


def test_empty_payload_raises() -> None:
    with pytest.raises(DecodeError, match="empty"):
        decode(WS202, "")


def test_model_metadata() -> None:
    assert [(d.model_id, d.manufacturer, d.model) for d in (WS202, WS203, VS340, VS341)] == [
        ("milesight_ws202", "Milesight", "WS202"),
        ("milesight_ws203", "Milesight", "WS203"),
        ("milesight_vs340", "Milesight", "VS340"),
        ("milesight_vs341", "Milesight", "VS341"),
    ]
