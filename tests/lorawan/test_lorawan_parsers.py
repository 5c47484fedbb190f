"""Network-server parsing and ingest guards (pure Python)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.municipal_iot.lorawan import chirpstack, fields, tts
from custom_components.municipal_iot.lorawan.guards import Deduplicator, RejectionLog, TokenBucket
from custom_components.municipal_iot.lorawan.messages import (
    DeviceStatus,
    Ignored,
    Join,
    SchemaError,
    Uplink,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DEVICE = {"devEui": "0101010101010101", "deviceName": "d"}


def test_chirpstack_uplink_quirks() -> None:
    """Doubles as integers, missing rxInfo, strongest gateway, nanosecond times."""
    body = {
        "deviceInfo": {**DEVICE, "tags": {"model": "ers", "floor": 2}},
        "time": "2022-07-18T09:34:15.775023242+00:00",
        "fCnt": 7.0,
        "fPort": 5,
        "data": "AQDi",
        "object": {"motion": 6.0},
        "rxInfo": [
            {"rssi": -100, "snr": 1},
            {"rssi": -60, "snr": 9.5, "location": {"latitude": 1}},
        ],
    }
    message = chirpstack.parse("up", body, NOW)
    assert isinstance(message, Uplink)
    assert message.f_cnt == 7
    assert message.payload == bytes.fromhex("0100e2")
    assert message.received_at == datetime(2022, 7, 18, 9, 34, 15, 775023, tzinfo=UTC)
    assert (message.rssi, message.snr, message.gateway_count) == (-60.0, 9.5, 2)
    assert message.location == {"latitude": 1}
    assert message.device.tags == {"model": "ers", "floor": "2"}
    bare = chirpstack.parse("up", {"deviceInfo": DEVICE}, NOW)
    assert isinstance(bare, Uplink)
    assert (bare.rssi, bare.f_cnt, bare.payload, bare.received_at) == (None, 0, b"", NOW)


def test_chirpstack_status_join_ignored() -> None:
    """Status, join and uninteresting events."""
    status = chirpstack.parse(
        "status", {"deviceInfo": DEVICE, "batteryLevel": 88.3, "margin": 10}, NOW
    )
    assert isinstance(status, DeviceStatus)
    assert (status.battery, status.margin, status.external_power) == (88.3, 10, False)
    assert isinstance(chirpstack.parse("join", {"deviceInfo": DEVICE}, NOW), Join)
    assert chirpstack.parse("txack", None, NOW) == Ignored(kind="txack")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"deviceInfo": DEVICE, "rxInfo": {}}, "rxInfo must be a list"),
        ({"deviceInfo": DEVICE, "rxInfo": [1]}, "rxInfo[] must be an object"),
        ({"deviceInfo": DEVICE, "fCnt": 1.5}, "fCnt must be an integer"),
        ({"deviceInfo": DEVICE, "fCnt": True}, "fCnt must be a number"),
        ({"deviceInfo": DEVICE, "data": 5}, "data must be base64 text"),
        ({"deviceInfo": {**DEVICE, "deviceName": 3}}, "deviceInfo.deviceName must be a string"),
        ({"deviceInfo": DEVICE, "time": 5}, "time must be an RFC 3339 time"),
        ({"deviceInfo": DEVICE, "time": "2022-07-18T09:34:15"}, "time must carry a time zone"),
        ({"deviceInfo": DEVICE, "object": []}, "object must be an object"),
        ({"deviceInfo": DEVICE, "rxInfo": [{"rssi": "x"}]}, "rxInfo.rssi must be a number"),
    ],
)
def test_chirpstack_schema_errors(body: dict[str, Any], reason: str) -> None:
    """Each schema violation has a short reason."""
    with pytest.raises(SchemaError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        chirpstack.parse("up", body, NOW)


def test_chirpstack_status_battery_type() -> None:
    """A non-numeric battery level is a schema error."""
    with pytest.raises(SchemaError, match="batteryLevel must be a number"):
        chirpstack.parse("status", {"deviceInfo": DEVICE, "batteryLevel": "high"}, NOW)


def test_tts_uplink_defaults_and_version_ids() -> None:
    """TTS omits zeros; version_ids give the model; gateway without rssi means 0 dB."""
    body = {
        "end_device_ids": {"device_id": "x", "dev_eui": "A81758FFFE0312AB"},
        "uplink_message": {
            "frm_payload": "AQDi",
            "version_ids": {"brand_id": "elsys", "model_id": "ers"},
            "attributes": {"room": "3"},
            "rx_metadata": [{"gateway_ids": {"gateway_id": "g"}}],
            "received_at": "2026-11-26T11:00:00Z",
        },
    }
    message = tts.parse(body, NOW)
    assert isinstance(message, Uplink)
    assert message.device.dev_eui == "a81758fffe0312ab"
    assert (message.device.brand_id, message.device.model_id) == ("elsys", "ers")
    assert message.device.tags == {"room": "3"}
    assert (message.f_port, message.f_cnt, message.rssi, message.snr) == (0, 0, 0.0, 0.0)
    assert message.received_at == datetime(2026, 11, 26, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("text", "body must be an object"),
        ({"uplink_message": {}, "end_device_ids": None}, "end_device_ids must be an object"),
        (
            {
                "uplink_message": {"rx_metadata": {}},
                "end_device_ids": {"dev_eui": "0101010101010101"},
            },
            "rx_metadata must be a list",
        ),
        (
            {"uplink_message": "x", "end_device_ids": {"dev_eui": "0101010101010101"}},
            "uplink_message must be an object",
        ),
    ],
)
def test_tts_schema_errors(body: Any, reason: str) -> None:
    """Each schema violation has a short reason."""
    with pytest.raises(SchemaError, match=reason):
        tts.parse(body, NOW)


def test_field_helpers() -> None:
    """Small validators accept what the servers send and reject the rest."""
    assert fields.opt_obj(None, "x") is None
    assert fields.opt_float(3, "x") == 3.0
    assert fields.opt_float(None, "x") is None
    assert fields.str_map(None, "x") == {}
    assert fields.timestamp("2026-11-26T10:00:00z", "t", NOW) == datetime(
        2026, 11, 26, 10, tzinfo=UTC
    )
    with pytest.raises(SchemaError, match="t must be an RFC 3339 time"):
        fields.timestamp("not a time", "t", NOW)
    with pytest.raises(SchemaError, match="x must be a number"):
        fields.opt_float(True, "x")


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+01:00",  # OverflowError converting to UTC before the fix
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2100-01-01T00:00:00Z",
        "2099-12-31T23:30:00-01:00",  # 2100 in UTC
    ],
)
def test_timestamps_outside_2000_to_2099_are_refused(text: str) -> None:
    """Issue 10 defect 5: such times raised OverflowError, a 500 with a traceback."""
    with pytest.raises(SchemaError, match="t must be between 2000 and 2099"):
        fields.timestamp(text, "t", NOW)


def test_timestamps_at_the_edges_of_the_range() -> None:
    assert fields.timestamp("2000-01-01T00:00:00Z", "t", NOW).year == 2000
    assert fields.timestamp("2099-12-31T23:59:59+00:00", "t", NOW).year == 2099


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(number: float) -> None:
    with pytest.raises(SchemaError, match="batteryLevel must be a finite number"):
        fields.opt_float(number, "batteryLevel")
    status = {"deviceInfo": {"devEui": "0101010101010101"}, "batteryLevel": number}
    with pytest.raises(SchemaError, match="batteryLevel must be a finite number"):
        chirpstack.parse("status", status, NOW)


def test_deduplicator() -> None:
    """Dedup ids are remembered up to a bound; frame counters within a window."""
    dedup = Deduplicator(window=600, max_ids=2)
    assert not dedup.is_duplicate("a", 1, "id1", 0)
    assert dedup.is_duplicate("b", 9, "id1", 1)
    assert not dedup.is_duplicate("a", 2, "id2", 2)
    assert not dedup.is_duplicate("a", 3, "id3", 3)  # evicts id1
    assert not dedup.is_duplicate("c", 1, "id1", 4)
    assert dedup.is_duplicate("a", 3, None, 100)
    assert not dedup.is_duplicate("a", 3, None, 800)  # outside the window
    dedup.reset("a")
    assert not dedup.is_duplicate("a", 3, None, 801)


def test_token_bucket_refills() -> None:
    """Burst first, then the hourly rate."""
    bucket = TokenBucket(burst=2, rate_per_hour=3600, now=0)
    assert bucket.take(0)
    assert bucket.take(0)
    assert not bucket.take(0)
    assert bucket.take(1.0)


def test_rejection_log_throttles_per_reason() -> None:
    """A reason is logged at most once per interval; all are counted."""
    log = RejectionLog(interval=600)
    assert log.record("a", 0)
    assert not log.record("a", 599)
    assert log.record("b", 10)
    assert log.record("a", 600)
    assert log.counts == {"a": 3, "b": 1}


def test_tags_bounded_and_clean() -> None:
    """Tags are bounded in number and checked like names."""
    assert fields.str_map({"floor": "2"}, "tags") == {"floor": "2"}
    with pytest.raises(SchemaError, match="more than 64 entries"):
        fields.str_map({str(n): "x" for n in range(65)}, "tags")
    with pytest.raises(SchemaError, match=r"tags\.room contains a control character \(U\+001B\)"):
        fields.str_map({"room": "\x1b[31m"}, "tags")
    with pytest.raises(SchemaError, match="tags key is longer than 256"):
        fields.str_map({"k" * 257: "x"}, "tags")
