"""Tests for the Sensus iPERL decoder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from custom_components.municipal_iot.decoders.base import (
    Alarm,
    DecodeContext,
    DecodeError,
    DeviceKind,
)
from custom_components.municipal_iot.decoders.kamstrup import KamstrupFlowIQDecoder
from custom_components.municipal_iot.decoders.registry import DECODERS, detect_model
from custom_components.municipal_iot.decoders.sensus import SensusIperlDecoder

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "vectors_water.json").read_text())
VECTOR = VECTORS["lorawan"]["sensus"][0]
EXPECTED = VECTOR["expected"]
DECODER = SensusIperlDecoder()


def ctx() -> DecodeContext:
    return DecodeContext(received_at=datetime(2024, 6, 19, 12, 0, tzinfo=UTC))


def test_vector_header_and_alarms() -> None:
    decoded = DECODER.decode(bytes.fromhex(VECTOR["payload_hex"]), VECTOR["fPort"], ctx())
    assert decoded.raw["access_number"] == EXPECTED["accessNo"]
    assert decoded.raw["status"] == EXPECTED["status"]
    assert EXPECTED["alarms"] == ["LOW_BATTERY"]
    assert decoded.alarms == frozenset({Alarm.LOW_BATTERY})
    assert decoded.warnings == ()


def test_vector_volume_time_and_profile() -> None:
    decoded = DECODER.decode(bytes.fromhex(VECTOR["payload_hex"]), VECTOR["fPort"], ctx())
    volume, time_point, profile = EXPECTED["records(summary)"]
    assert decoded.volume_m3 == pytest.approx(volume["scaledValue"])
    assert decoded.meter_time == datetime.fromtimestamp(time_point["value"], UTC)
    assert {r["storage"] for r in decoded.raw["records"]} == {volume["storage"]}
    first, last = profile["values(first,last)"]
    # history holds the profile values except the latest one, which is volume_m3.
    assert len(decoded.history) + 1 == profile["n_values"]
    assert decoded.history[0].at == datetime.fromtimestamp(first["timestamp"], UTC)
    assert decoded.history[0].volume_m3 == pytest.approx(first["scaledValue"])
    assert decoded.meter_time == datetime.fromtimestamp(last["timestamp"], UTC)
    assert decoded.volume_m3 == pytest.approx(last["scaledValue"])
    steps = {b.at - a.at for a, b in zip(decoded.history, decoded.history[1:], strict=False)}
    assert steps == {timedelta(hours=1)}
    assert decoded.raw["records"][2]["profile"]["mode"] == "signed_differences"


def test_kamstrup_decoder_reads_the_same_frame() -> None:
    payload = bytes.fromhex(VECTOR["payload_hex"])
    ours = DECODER.decode(payload, 20, ctx())
    kamstrup = KamstrupFlowIQDecoder().decode(payload, 20, ctx())
    assert (kamstrup.volume_m3, kamstrup.history) == (ours.volume_m3, ours.history)


def test_unknown_manufacturer_record_is_kept_not_fatal() -> None:
    # 78 | 04 13 <1000 L> | 01 FF 01 <byte>: a Sensus manufacturer-specific record.
    payload = bytes.fromhex("780413e803000001ff0107")
    decoded = DECODER.decode(payload, 20, ctx())
    assert decoded.volume_m3 == pytest.approx(1.0)
    assert decoded.raw["records"][1]["quantity"] == "unknown"
    assert decoded.raw["records"][1]["value"] == 7
    with pytest.raises(DecodeError, match="unsupported VIB"):
        KamstrupFlowIQDecoder().decode(payload, 1, ctx())


def test_model_metadata() -> None:
    assert DECODER.model_id == "sensus_iperl"
    assert DECODER.manufacturer == "Sensus"
    assert DECODER.kind is DeviceKind.WATER_METER


def test_registry_detects_iperl() -> None:
    assert (
        detect_model(brand_id="sensus", model_id="iperl", profile_name=None, tags={})
        == "sensus_iperl"
    )
    assert (
        detect_model(brand_id=None, model_id=None, profile_name="Sensus iPERL", tags={})
        == "sensus_iperl"
    )
    assert isinstance(DECODERS["sensus_iperl"], SensusIperlDecoder)
