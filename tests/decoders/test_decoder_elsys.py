"""Tests for the Elsys ERS-family decoder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.decoders.base import DecodeContext, DecodeError
from custom_components.municipal_iot.decoders.elsys import ElsysDecoder, lithium_battery_percent

VECTORS = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "vectors_motion.json").read_text()
)
ELSYS_VECTORS = VECTORS["lorawan"]["elsys"]
RECEIVED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
DECODER = ElsysDecoder()

# Normalised result each vector must give (written from the Elsys spec, not from the code).
_ERS = {
    "temperature": 22.6,
    "humidity": 41.0,
    "illuminance": 39.0,
    "motion": True,
    "motion_count": 6,
    "motion_at": RECEIVED,
    "occupancy": None,
    "battery": None,
    "battery_voltage": None,
}
_TEMP_HUMIDITY = {"temperature": 22.6, "humidity": 41.0, "motion": None, "occupancy": None}
NORMALISED: dict[str, dict[str, Any]] = {
    "elsys-ers-ttn": _ERS,
    "elsys-ers-eye-ttn": _ERS | {"occupancy": True},
    "elsys-ers-sound-ttn": _ERS,
    "elsys-ers-lite-ttn": _TEMP_HUMIDITY | {"illuminance": None},
    "elsys-ers-co2-ttn": _ERS,
    "elsys-ers-voc-ttn": _ERS,
    "elsys-ems-desk-ttn": _TEMP_HUMIDITY | {"occupancy": True},
    "elsys-ems-ttn": _TEMP_HUMIDITY,
    "elsys-ems-lite-ttn": _TEMP_HUMIDITY,
    "elsys-doc-combined": _ERS | {"battery_voltage": 3.426, "battery": 34.1},
    "elsys-doc-temp": {"temperature": 20.5, "humidity": None, "motion": None},
    "elsys-doc-temp-offset1": {"temperature": 20.5, "motion": None},
    # Two samples: 20.5 now and 26.8 taken 10 s ago; the newest one is normalised.
    "elsys-doc-temp-two": {"temperature": 20.5, "motion": None},
}


def ctx() -> DecodeContext:
    return DecodeContext(received_at=RECEIVED)


def decode(hex_payload: str, f_port: int | None = 1) -> Any:
    return DECODER.decode(bytes.fromhex(hex_payload), f_port, ctx())


def test_every_vector_has_a_normalised_expectation() -> None:
    assert {vector["id"] for vector in ELSYS_VECTORS} == set(NORMALISED)


@pytest.mark.parametrize("vector", ELSYS_VECTORS, ids=lambda v: v["id"])
def test_vector_raw_values(vector: dict[str, Any]) -> None:
    decoded = DECODER.decode(bytes.fromhex(vector["payload_hex"]), vector["fPort"], ctx())
    assert decoded.warnings == ()
    for key, expected in vector["expected"].items():
        if key == "_offsets_s":
            for sensor_type, offset in expected.items():
                pairs = {(s["type"], s["offset_s"]) for s in decoded.raw["samples"]}
                assert (int(sensor_type), offset) in pairs
            continue
        got = decoded.raw[key]
        if isinstance(got, list):
            # elsys.js keeps the last of repeated records; we keep all of them.
            assert got[-1] == pytest.approx(expected)
        else:
            assert got == pytest.approx(expected)


@pytest.mark.parametrize("vector", ELSYS_VECTORS, ids=lambda v: v["id"])
def test_vector_normalised_values(vector: dict[str, Any]) -> None:
    decoded = DECODER.decode(bytes.fromhex(vector["payload_hex"]), vector["fPort"], ctx())
    for field_name, expected in NORMALISED[vector["id"]].items():
        got = getattr(decoded, field_name)
        if isinstance(expected, float):
            assert got == pytest.approx(expected), field_name
        else:
            assert got == expected, field_name


def test_repeated_type_keeps_every_sample() -> None:
    decoded = decode("0100e20229030127050a110112110a2111")  # elsys-ems-ttn: pulse1 twice
    assert decoded.raw["pulse1"] == [4353, 8465]
    assert "samples" not in decoded.raw  # no queued samples


def test_two_temperature_samples_are_listed_with_offsets() -> None:
    decoded = decode("0100cd41010c0a")
    assert decoded.raw["temperature"] == [20.5, 26.8]
    assert decoded.raw["samples"] == [
        {"type": 1, "offset_s": 0, "temperature": 20.5},
        {"type": 1, "offset_s": 10, "temperature": 26.8},
    ]
    assert decoded.temperature == pytest.approx(20.5)


@pytest.mark.parametrize(
    ("hex_payload", "offset_s"),
    [
        ("45031e", 30),  # NOB 01: one offset byte
        ("85032710", 10000),  # NOB 10: two offset bytes, big-endian
        ("c50300015180", 86400),  # NOB 11: four offset bytes
        ("0503", 0),  # NOB 00: not queued
    ],
)
def test_motion_offsets(hex_payload: str, offset_s: int) -> None:
    decoded = decode(hex_payload)
    assert decoded.motion is True
    assert decoded.motion_count == 3
    assert decoded.motion_at == RECEIVED - timedelta(seconds=offset_s)
    assert decoded.warnings == ()


def test_newest_sample_wins_and_later_record_breaks_ties() -> None:
    # temperature 10.0 taken 60 s ago, 12.0 taken 5 s ago, then humidity 40 % and 45 % both 5 s ago.
    decoded = decode("4100643c" + "410078" + "05" + "42280542" + "2d05")
    assert decoded.temperature == pytest.approx(12.0)
    assert decoded.humidity == pytest.approx(45.0)
    assert decoded.raw["humidity"] == [40, 45]
    assert [s["offset_s"] for s in decoded.raw["samples"]] == [60, 5, 5, 5]


def test_motion_in_an_older_queued_sample_is_not_lost() -> None:
    # 2 PIR counts in a sample taken 60 s ago, none in the current sample.
    decoded = decode("45023c" + "0500")
    assert decoded.motion is True
    assert decoded.motion_count == 2
    assert decoded.motion_at == RECEIVED - timedelta(seconds=60)


def test_newest_motion_sample_gives_motion_at() -> None:
    decoded = decode("45013c" + "450414")  # 1 count 60 s ago, 4 counts 20 s ago
    assert decoded.motion_count == 5
    assert decoded.motion_at == RECEIVED - timedelta(seconds=20)


def test_no_motion() -> None:
    decoded = decode("0500")
    assert decoded.motion is False
    assert decoded.motion_count == 0
    assert decoded.motion_at is None


@pytest.mark.parametrize(("value", "occupied"), [("00", False), ("01", True), ("02", True)])
def test_occupancy(value: str, occupied: bool) -> None:
    decoded = decode("11" + value)
    assert decoded.occupancy is occupied
    assert decoded.raw["occupancy"] == int(value, 16)


def test_negative_temperatures() -> None:
    decoded = decode("01ff9c" + "0cff38" + "10ffecfffb" + "19fff6")
    assert decoded.temperature == pytest.approx(-10.0)
    assert decoded.raw["externalTemperature"] == pytest.approx(-20.0)
    assert decoded.raw["irInternalTemperature"] == pytest.approx(-2.0)
    assert decoded.raw["irExternalTemperature"] == pytest.approx(-0.5)
    assert decoded.raw["externalTemperature2"] == pytest.approx(-1.0)


def test_every_type_in_the_table() -> None:
    payload = (
        "03c13f02"  # acceleration -63, 63, 2
        "0800fa"  # analog1 250 mV
        "09010203040506"  # lat/long raw
        "0b00010000"  # pulseAbs 65536
        "0d01"  # digital
        "0e0bb8"  # distance 3000 mm
        "0f07"  # accMotion
        "1212"  # waterleak 18
        "13" + "14" + "00" + "05" * 62 + "ff"  # grideye: reference 20, 64 pixels
        "140017f3b8"  # pressure 1569.72 hPa
        "155a28"  # sound peak 90, average 40
        "160005"  # pulse2
        "1700000100"  # pulseAbs2 256
        "180bb8"  # analog2
        "1a00"  # digital2
        "1bfffffc18"  # analogUv -1000
        "1c0190"  # tvoc 400 ppb
        "3ddeadbeef"  # debug
        "060308"  # co2 776
    )
    decoded = decode(payload)
    assert decoded.warnings == ()
    raw = decoded.raw
    assert (raw["x"], raw["y"], raw["z"]) == (-63, 63, 2)
    assert raw["analog1"] == 250
    assert (raw["lat"], raw["long"]) == (0x010203, 0x040506)
    assert raw["pulseAbs"] == 65536
    assert raw["digital"] == 1
    assert raw["distance"] == 3000
    assert raw["accMotion"] == 7
    assert raw["waterleak"] == 18
    assert len(raw["grideye"]) == 64
    assert raw["grideye"][0] == pytest.approx(20.0)
    assert raw["grideye"][1] == pytest.approx(20.5)
    assert raw["grideye"][-1] == pytest.approx(45.5)
    assert raw["pressure"] == pytest.approx(1569.72)
    assert (raw["soundPeak"], raw["soundAvg"]) == (90, 40)
    assert raw["pulse2"] == 5
    assert raw["pulseAbs2"] == 256
    assert raw["analog2"] == 3000
    assert raw["digital2"] == 0
    assert raw["analogUv"] == -1000
    assert raw["tvoc"] == 400
    assert raw["debug"] == "deadbeef"
    assert raw["co2"] == 776
    assert decoded.motion is None
    assert decoded.temperature is None


def test_unknown_type_after_data_is_a_warning() -> None:
    decoded = decode("0100cd" + "20ff")
    assert decoded.temperature == pytest.approx(20.5)
    assert decoded.warnings == ("unknown type 0x20 at byte 3; 2 byte(s) not decoded",)


def test_type_with_offset_bits_and_unknown_sensor_type_stops() -> None:
    decoded = decode("0500" + "7f00")
    assert decoded.motion is False
    assert decoded.warnings == ("unknown type 0x7F at byte 2; 2 byte(s) not decoded",)


@pytest.mark.parametrize("hex_payload", ["20ff", "00", "ff0102"])
def test_unknown_type_first_raises(hex_payload: str) -> None:
    with pytest.raises(DecodeError, match="unknown type"):
        decode(hex_payload)


@pytest.mark.parametrize("hex_payload", ["0100", "01", "4100cd", "c100cd000001", "13" + "00" * 64])
def test_truncated_record_alone_raises(hex_payload: str) -> None:
    with pytest.raises(DecodeError, match="truncated"):
        decode(hex_payload)


def test_truncated_record_after_data_is_a_warning() -> None:
    decoded = decode("0100cd" + "070d")
    assert decoded.temperature == pytest.approx(20.5)
    assert decoded.battery_voltage is None
    assert decoded.warnings == ("truncated type 0x07 record at byte 3; 2 byte(s) not decoded",)


def test_empty_payload_raises() -> None:
    with pytest.raises(DecodeError, match="empty"):
        decode("")


def test_settings_frame_is_kept_undecoded() -> None:
    decoded = decode("3e0a0b0c", f_port=2)
    assert decoded.raw == {"settings_hex": "0a0b0c"}
    assert decoded.warnings == ("settings record (0x3E) at byte 0 not decoded",)
    assert decoded.temperature is None


def test_settings_after_samples() -> None:
    decoded = decode("0100cd3e01")
    assert decoded.temperature == pytest.approx(20.5)
    assert decoded.raw["settings_hex"] == "01"
    assert decoded.warnings == ("settings record (0x3E) at byte 3 not decoded",)


@pytest.mark.parametrize("f_port", [None, 1, 5, 223])
def test_fport_is_not_used(f_port: int | None) -> None:
    assert decode("0100e20503", f_port) == decode("0100e20503", 1)


def test_battery_from_vdd() -> None:
    decoded = decode("070e10")  # 3600 mV
    assert decoded.battery_voltage == pytest.approx(3.6)
    assert decoded.battery == pytest.approx(100.0)
    assert decoded.raw["vdd"] == 3600


@pytest.mark.parametrize(
    ("volts", "percent"),
    [
        (3.7, 100.0),
        (3.6, 100.0),
        (3.55, 80.0),
        (3.5, 60.0),
        (3.45, 42.5),
        (3.4, 25.0),
        (3.35, 17.5),
        (3.3, 10.0),
        (3.15, 5.0),
        (3.0, 0.0),
        (2.5, 0.0),
        (0.0, 0.0),
    ],
)
def test_battery_curve(volts: float, percent: float) -> None:
    assert lithium_battery_percent(volts) == pytest.approx(percent)


@given(st.lists(st.floats(min_value=2.0, max_value=4.0), min_size=2, max_size=2))
@settings(max_examples=200, deadline=None)
def test_battery_curve_is_monotonic(volts: list[float]) -> None:
    low, high = sorted(volts)
    assert 0.0 <= lithium_battery_percent(low) <= lithium_battery_percent(high) <= 100.0


# Data sizes per the Elsys payload table in device-payloads.md (independent of the decoder).
TYPE_SIZES = {
    0x01: 2, 0x02: 1, 0x03: 3, 0x04: 2, 0x05: 1, 0x06: 2, 0x07: 2, 0x08: 2, 0x09: 6, 0x0A: 2,
    0x0B: 4, 0x0C: 2, 0x0D: 1, 0x0E: 2, 0x0F: 1, 0x10: 4, 0x11: 1, 0x12: 1, 0x13: 65, 0x14: 4,
    0x15: 2, 0x16: 2, 0x17: 4, 0x18: 2, 0x19: 2, 0x1A: 1, 0x1B: 4, 0x1C: 2, 0x3D: 4,
}  # fmt: skip
NOB_BITS = {0: 0b00, 1: 0b01, 2: 0b10, 4: 0b11}


@st.composite
def elsys_record(draw: st.DrawFn) -> tuple[int, int, bytes]:
    sensor_type = draw(st.sampled_from(sorted(TYPE_SIZES)))
    offset_size = draw(st.sampled_from(sorted(NOB_BITS)))
    data = draw(st.binary(min_size=TYPE_SIZES[sensor_type], max_size=TYPE_SIZES[sensor_type]))
    offset = draw(st.integers(min_value=0, max_value=(1 << (8 * offset_size)) - 1))
    record = (
        bytes([NOB_BITS[offset_size] << 6 | sensor_type])
        + data
        + offset.to_bytes(offset_size, "big")
    )
    return sensor_type, offset, record


@given(st.lists(elsys_record(), min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_well_formed_records_all_decode(records: list[tuple[int, int, bytes]]) -> None:
    payload = b"".join(record for _, _, record in records)
    decoded = DECODER.decode(payload, 1, ctx())
    assert decoded.warnings == ()
    if any(offset for _, offset, _ in records):
        samples = decoded.raw["samples"]
        assert [(s["type"], s["offset_s"]) for s in samples] == [(t, o) for t, o, _ in records]
    motion_samples = [(offset, record[1]) for t, offset, record in records if t == 0x05]
    if motion_samples:
        assert decoded.motion_count == sum(count for _, count in motion_samples)
        active = [offset for offset, count in motion_samples if count]
        expected_at = RECEIVED - timedelta(seconds=min(active)) if active else None
        assert decoded.motion_at == expected_at
    else:
        assert decoded.motion is None
