"""Tests for the Kamstrup flowIQ 2200 decoder against the Kamstrup driver's examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from custom_components.municipal_iot.decoders.base import (
    Alarm,
    DecodeContext,
    Decoded,
    DecodeError,
    DeviceKind,
)
from custom_components.municipal_iot.decoders.kamstrup import INFOCODE_ALARMS, KamstrupFlowIQDecoder
from custom_components.municipal_iot.decoders.oms_crypto import STATE_ADDRESS, KeyRequiredError
from custom_components.municipal_iot.decoders.registry import DECODERS, detect_model

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "vectors_water.json").read_text())
KAMSTRUP = VECTORS["lorawan"]["kamstrup"]
BY_ID = {vector["id"]: vector for vector in KAMSTRUP}
DECODER = KamstrupFlowIQDecoder()

# The driver's labels for the infocode bits, in bit order.
INFOCODE_LABELS = (
    "Dry",
    "Reverse",
    "Leak",
    "Burst",
    "Tamper",
    "Low Battery",
    "Low Ambient Temperature",
    "High Ambient Temperature",
)
QUANTITY_LABELS = {
    "volume": "Volume",
    "volume_flow": "Volume flow",
    "flow_temperature": "Flow temperature",
    "ald_last_day": "ALD last day",
    "config_number": "Module type/config number",
}
FUNCTION_PREFIX = {
    "instantaneous": "",
    "maximum": "Max ",
    "minimum": "Min ",
    "error_state": "Error state ",
}


def context(vector: dict[str, Any], *, with_key: bool = True) -> DecodeContext:
    """Build the decode context from the vector's driver input (receive time, DEK, context)."""
    extra = vector.get("decoder_input_extra", {})
    received = datetime.fromisoformat(extra.get("time", "2024-01-01T00:00:00+00:00"))
    dek = extra.get("thing", {}).get("setup", {}).get("DEK")
    ctx = DecodeContext(received_at=received, key=bytes.fromhex(dek) if dek and with_key else None)
    for remembered in extra.get("context", []):
        ctx.state[STATE_ADDRESS] = {
            "meter_id": bytes(remembered["serialNumber"])[::-1].hex().upper(),
            "manufacturer_code": int.from_bytes(bytes(remembered["manufacturerId"]), "little"),
            "version": remembered["version"][0],
            "device_type": remembered["deviceType"][0],
        }
    return ctx


def decode(vector: dict[str, Any], *, with_key: bool = True) -> Decoded:
    ctx = context(vector, with_key=with_key)
    return DECODER.decode(bytes.fromhex(vector["payload_hex"]), vector["fPort"], ctx)


def iso(moment: str | None) -> str | None:
    """Normalise the driver's timestamps ("...T19:00:00.000Z" or without Z) to ISO UTC."""
    if moment is None:
        return None
    return datetime.fromisoformat(moment.removesuffix("Z")).replace(tzinfo=UTC).isoformat()


def driver_view(decoded: Decoded) -> list[tuple[str, Any, str | None]]:
    """Rebuild the driver's value list (type, value, timestamp) from our decoded output."""
    view: list[tuple[str, Any, str | None]] = []
    for record in decoded.raw["records"]:
        at = record["at"]
        if record["quantity"] in {"date_time", "date"}:
            continue
        if "profile" in record:
            # The base value is the volume record; the profile adds the older values.
            newest_first = [r for r in reversed(decoded.history) if r.at.isoformat() != at]
            view.extend(
                ("Volume", reading.volume_m3, reading.at.isoformat()) for reading in newest_first
            )
            continue
        if record["quantity"] == "infocode":
            bits = record["value"]
            view.extend(
                (label, bool(bits >> bit & 1), at) for bit, label in enumerate(INFOCODE_LABELS)
            )
            continue
        label = QUANTITY_LABELS[record["quantity"]]
        if "backward" in record["modifiers"]:
            label = "Reverse " + label
        view.append((FUNCTION_PREFIX[record["function"]] + label, record["value"], at))
    return view


PLAIN_VECTORS = [v for v in KAMSTRUP if not v["expected"]["errors"]]
ERROR_VECTORS = [v for v in KAMSTRUP if v["expected"]["errors"]]


def test_fixture_holds_every_kamstrup_vector() -> None:
    assert len(KAMSTRUP) == 18
    assert len(ERROR_VECTORS) == 6


@pytest.mark.parametrize("vector", PLAIN_VECTORS, ids=lambda v: v["id"])
def test_vector_values(vector: dict[str, Any]) -> None:
    decoded = decode(vector)
    expected = [
        (value["Type"], value["Value"], iso(value["Timestamp"]))
        for value in vector["expected"]["data"]["values"]
    ]
    view = driver_view(decoded)
    assert [(kind, at) for kind, _, at in view] == [(kind, at) for kind, _, at in expected]
    for (_, ours, _), (_, theirs, _) in zip(view, expected, strict=True):
        if isinstance(theirs, bool) or theirs is None:
            assert ours is theirs
        else:
            assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)
    assert len(decoded.warnings) == len(vector["expected"]["warnings"])


@pytest.mark.parametrize("vector", PLAIN_VECTORS, ids=lambda v: v["id"])
def test_vector_latest_volume_and_history(vector: dict[str, Any]) -> None:
    decoded = decode(vector)
    data = vector["expected"]["data"]
    assert decoded.volume_m3 == data.get("latestVolume")
    volumes = [v for v in data["values"] if v["Type"] == "Volume"]
    if decoded.volume_m3 is not None:
        # The driver lists the latest reading first; its timestamp is our meter time.
        latest = volumes[0]
        assert decoded.meter_time == (
            None
            if latest["Timestamp"] is None
            else datetime.fromisoformat(iso(latest["Timestamp"]) or "")
        )
        older = sorted((iso(v["Timestamp"]), v["Value"]) for v in volumes[1:])
        assert [(r.at.isoformat(), r.volume_m3) for r in decoded.history] == [
            (at, pytest.approx(value, abs=1e-9)) for at, value in older
        ]
    else:
        assert decoded.history == ()


@pytest.mark.parametrize("vector", ERROR_VECTORS, ids=lambda v: v["id"])
def test_error_vectors_raise(vector: dict[str, Any]) -> None:
    with pytest.raises(DecodeError):
        decode(vector)


@pytest.mark.parametrize(
    ("vector_id", "message"),
    [
        ("kamstrup-oms-10", "not enough bytes"),
        ("kamstrup-oms-12", "LVAR that is not an inverse compact profile"),
        ("kamstrup-oms-14", "base time"),
        ("kamstrup-oms-16", "invalid CI"),
        ("kamstrup-oms-18", "long transport header is truncated"),
        ("kamstrup-oms-22", "unsupported VIB"),
    ],
)
def test_error_messages(vector_id: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode(BY_ID[vector_id])


def test_flow_is_first_instantaneous_flow() -> None:
    decoded = decode(BY_ID["kamstrup-oms-28"])
    assert decoded.flow_m3h == pytest.approx(3997856.3412)
    assert decoded.volume_m3 is None
    assert decoded.alarms is None  # CI 0x78: no STS byte, no infocode


def test_zero_length_data_reads_as_zero_flow() -> None:
    assert decode(BY_ID["kamstrup-oms-26"]).flow_m3h == 0.0


def test_infocode_maps_to_alarms() -> None:
    decoded = decode(BY_ID["kamstrup-oms-02"])
    expected_true = {
        INFOCODE_ALARMS[INFOCODE_LABELS.index(value["Type"])]
        for value in BY_ID["kamstrup-oms-02"]["expected"]["data"]["values"]
        if value["Type"] in INFOCODE_LABELS and value["Value"] is True
    }
    assert expected_true == {Alarm.TAMPER}
    assert decoded.alarms == frozenset(expected_true)
    assert decoded.flow_m3h is None  # only min/max flows in this frame


def test_every_infocode_bit() -> None:
    # 78 | 42 FF 25 <16-bit infocode>: one record per bit.
    for bit, alarm in INFOCODE_ALARMS.items():
        payload = bytes.fromhex("7842ff25") + (1 << bit).to_bytes(2, "little")
        decoded = DECODER.decode(payload, 1, DecodeContext(received_at=datetime.now(UTC)))
        assert decoded.alarms == frozenset({alarm})


def test_short_header_status_gives_empty_alarm_set() -> None:
    decoded = decode(BY_ID["kamstrup-oms-04"])
    assert decoded.alarms == frozenset()
    assert decoded.raw["access_number"] == 8
    assert decoded.raw["status"] == 0
    assert decoded.meter_id is None  # no long-header frame seen


def test_reverse_and_error_state_volumes_are_not_the_register() -> None:
    decoded = decode(BY_ID["kamstrup-oms-20"])
    assert decoded.volume_m3 is None
    assert decoded.meter_time == datetime(2023, 10, 19, tzinfo=UTC)  # the frame's date-time
    modifiers = [record["modifiers"] for record in decoded.raw["records"]]
    assert ["backward"] in modifiers


def test_invalid_type_i_time_leaves_meter_time_empty() -> None:
    decoded = decode(BY_ID["kamstrup-oms-24"])
    assert decoded.volume_m3 == pytest.approx(0.236)
    assert decoded.meter_time is None
    assert decoded.warnings == ("invalid date_time value (storage 1)",)


def test_encrypted_long_header_with_dek() -> None:
    vector = BY_ID["kamstrup-oms-29"]
    ctx = context(vector)
    decoded = DECODER.decode(bytes.fromhex(vector["payload_hex"]), 6, ctx)
    assert decoded.raw["encrypted"] is True
    assert decoded.raw["security_mode"] == 10
    assert decoded.raw["records"][0]["quantity"] == "config_number"
    assert decoded.raw["records"][0]["value"] == vector["expected"]["data"]["values"][0]["Value"]
    assert decoded.meter_id == "53784349"
    assert decoded.raw["manufacturer"] == "KAW"
    assert decoded.alarms == frozenset({Alarm.TEMPORARY_ERROR})  # STS 0x10
    assert ctx.state[STATE_ADDRESS] == {
        "meter_id": "53784349",
        "manufacturer_code": 0x2C37,
        "version": 0x3C,
        "device_type": 0x16,
    }


def test_encrypted_short_header_uses_remembered_address() -> None:
    decoded = decode(BY_ID["kamstrup-oms-31"])
    assert decoded.meter_id == "80296137"
    assert decoded.raw["manufacturer"] == "KAM"
    assert decoded.volume_m3 == pytest.approx(7847.826)
    assert decoded.meter_time == datetime(2023, 8, 30, 10, tzinfo=UTC)
    assert len(decoded.history) == 21
    assert decoded.history[0].at == datetime(2023, 8, 29, 13, tzinfo=UTC)


@pytest.mark.parametrize("vector_id", ["kamstrup-oms-29", "kamstrup-oms-31"])
def test_encrypted_without_key_requires_key(vector_id: str) -> None:
    with pytest.raises(KeyRequiredError):
        decode(BY_ID[vector_id], with_key=False)


def test_model_metadata() -> None:
    assert DECODER.model_id == "kamstrup_flowiq2200"
    assert DECODER.manufacturer == "Kamstrup"
    assert DECODER.kind is DeviceKind.WATER_METER


def test_installation_frame_from_the_reference() -> None:
    # Worked example in device-payloads.md: long header, not encrypted, config number.
    payload = bytes.fromhex("7258578853372c3c16d6100800" + "04ff16bf587000")
    ctx = DecodeContext(received_at=datetime.now(UTC))
    decoded = DECODER.decode(payload, 1, ctx)
    assert decoded.meter_id == "53885758"
    assert decoded.raw["manufacturer"] == "KAW"
    assert decoded.raw["device_type"] == 0x16
    assert decoded.raw["version"] == 0x3C
    assert decoded.raw["encrypted"] is False
    assert decoded.raw["records"][0]["value"] == 7362751
    assert ctx.state[STATE_ADDRESS]["meter_id"] == "53885758"


def test_dated_volume_outside_a_profile_goes_to_history() -> None:
    # storage 0 volume now (no time); storage 1 volume 500 L at 2023-08-29 12:00.
    payload = bytes.fromhex("78" + "0413e8030000" + "446d002cfd28" + "4413f4010000")
    decoded = DECODER.decode(payload, 1, DecodeContext(received_at=datetime.now(UTC)))
    assert decoded.volume_m3 == pytest.approx(1.0)
    assert decoded.meter_time is None
    assert [(r.at, r.volume_m3) for r in decoded.history] == [
        (datetime(2023, 8, 29, 12, tzinfo=UTC), 0.5)
    ]


def test_manufacturer_data_kept_in_raw() -> None:
    payload = bytes.fromhex("780413e80300000f0102")
    decoded = DECODER.decode(payload, 1, DecodeContext(received_at=datetime.now(UTC)))
    assert decoded.volume_m3 == pytest.approx(1.0)
    assert decoded.raw["manufacturer_data"] == "0102"


def test_profile_of_another_register_is_not_volume_history() -> None:
    # Storage-1 date-time, volume 1000 L, flow 100 L/h and an hourly flow profile.
    payload = bytes.fromhex(
        "78" + "446d002cfd28" + "4413e8030000" + "423b6400" + "4dbb1304610105ff"
    )
    decoded = DECODER.decode(payload, 1, DecodeContext(received_at=datetime.now(UTC)))
    assert decoded.volume_m3 == pytest.approx(1.0)
    assert decoded.flow_m3h == pytest.approx(0.1)
    assert decoded.history == ()
    assert decoded.raw["records"][3]["profile"]["elements"] == [5, None]
    assert decoded.warnings == ("invalid value among compact profile values or their times",)


@pytest.mark.parametrize(
    ("brand_id", "model_id", "profile_name"),
    [
        ("kamstrup", "flowiq2200-02k73a", None),
        (None, None, "Kamstrup flowIQ 2200 OMS"),
        (None, None, "flowIQ2200"),
    ],
)
def test_registry_detects_flowiq(
    brand_id: str | None, model_id: str | None, profile_name: str | None
) -> None:
    found = detect_model(brand_id=brand_id, model_id=model_id, profile_name=profile_name, tags={})
    assert found == "kamstrup_flowiq2200"
    assert isinstance(DECODERS[found], KamstrupFlowIQDecoder)
    # The MULTICAL heat meter of the same brand is not a flowIQ.
    assert (
        detect_model(brand_id="kamstrup", model_id="hc-003-55-multical", profile_name=None, tags={})
        is None
    )
