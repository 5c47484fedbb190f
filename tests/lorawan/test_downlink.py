"""Downlink encoders against the vendors' documented bytes, the servers' formats, the reports.

Sources (see lorawan/downlink.py):
* Elsys "Sensor downlink payload" v2.1, ``SeppPenner/SensorsPayloadDecoder:
  doc/Elsys/ELSYS_downlink_payload_v2-1.pdf@3f6cde4ae5090b9166748b9e73d3dc977cbb84cb``:
  frame ``3E <len> <type> <value>``, SplPer 0x14 and SendPer 0x1F (4 bytes), reboot example
  ``3E01FE``; the Elsys downlink generator output ``3E051400000045`` (SplPer 69 s), quoted in
  ``OS2iot/OS2iot-docs:source/downlink-helpers/elsys-downlink.js@f20ca36``.
* Milesight ``Milesight-IoT/SensorDecoders@e79c9d8b25ec66b6aad34c9240cfaa2ccd1353e3``:
  ``ws-series/ws202/ws202-encoder.js`` (``{"report_interval": 600}`` seconds, ``FF 03`` uint16
  LE), ``ws-series/ws203``, ``vs-series/vs340``, ``vs-series/vs341`` encoders
  (``{"report_interval": 20}`` minutes, range 1-1440, ``FF 8E 00`` uint16 LE), reboot ``FF10FF``.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from custom_components.municipal_iot.lorawan import chirpstack, tts
from custom_components.municipal_iot.lorawan import downlink as dl
from custom_components.municipal_iot.lorawan.messages import (
    DownlinkReport,
    DownlinkStatus,
    Ignored,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
TTN_PUSH = (
    "https://eu1.cloud.thethings.network/api/v3/as/applications/a/webhooks/w/devices/d/down/push"
)
CS_DEVICE = {"devEui": "a81758fffe0312ab", "deviceName": "apt-12-motion"}
TTS_IDS = {
    "device_id": "apt-12-motion",
    "application_ids": {"application_id": "solrosen"},
    "dev_eui": "A81758FFFE0312AB",
}


def test_elsys_frame_matches_the_vendor_generator() -> None:
    """Header 0x3E, the settings' length, then type and big-endian value."""
    assert dl._elsys((0x14, (69).to_bytes(4, "big"))) == bytes.fromhex("3E051400000045")
    assert dl.elsys_reboot() == bytes.fromhex("3E01FE")  # the document's own example


def test_elsys_reporting_interval() -> None:
    """60 minutes: SplPer 3600 s (0x00000E10) and SendPer 1 time base."""
    assert dl.elsys_reporting_interval(60) == bytes.fromhex("3E0A1400000E101F00000001")
    assert dl.elsys_reporting_interval(1) == bytes.fromhex("3E0A140000003C1F00000001")


def test_milesight_reporting_interval_and_reboot() -> None:
    """The vendor encoders' examples: WS202 600 s, WS203/VS34x 20 minutes."""
    assert dl.milesight_seconds_interval(10) == bytes.fromhex("ff035802")
    assert dl.milesight_minutes_interval(20) == bytes.fromhex("ff8e001400")
    assert dl.milesight_minutes_interval(1440) == bytes.fromhex("ff8e00a005")
    assert dl.milesight_reboot() == bytes.fromhex("ff10ff")


@pytest.mark.parametrize(
    ("encode", "minutes", "maximum"),
    [
        (dl.elsys_reporting_interval, 0, "1440"),
        (dl.elsys_reporting_interval, 1441, "1440"),
        (dl.milesight_minutes_interval, 0, "1440"),
        (dl.milesight_minutes_interval, 1441, "1440"),
        # WS202 carries seconds in 16 bits: at most 65535 s, so 1092 minutes.
        (dl.milesight_seconds_interval, 1093, "1092"),
    ],
)
def test_interval_out_of_range(encode: object, minutes: int, maximum: str) -> None:
    """Out of range: a translated error naming the device's range."""
    with pytest.raises(dl.DownlinkValueError) as err:
        encode(minutes)  # type: ignore[operator]
    assert err.value.key == "downlink_invalid_interval"
    assert err.value.placeholders == {"minutes": str(minutes), "min": "1", "max": maximum}


def test_ws202_longest_interval() -> None:
    """1092 minutes is 65520 s, the largest whole minute in uint16 seconds."""
    assert dl.milesight_seconds_interval(1092) == bytes.fromhex("ff03f0ff")


def test_every_typed_model_is_a_decoder() -> None:
    """The typed commands are keyed by decoder model ids."""
    from custom_components.municipal_iot.decoders.registry import DECODERS  # noqa: PLC0415

    assert set(dl.COMMANDS) <= set(DECODERS)
    assert dl.COMMANDS["elsys_ers"].f_port == 6
    assert dl.COMMANDS["milesight_vs340"].f_port == 85


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ff10ff", b"\xff\x10\xff"), (" FF 10 FF ", b"\xff\x10\xff"), ("0x3e:01:fe", b"\x3e\x01\xfe")],
)
def test_parse_hex(text: str, expected: bytes) -> None:
    assert dl.parse_hex(text) == expected


@pytest.mark.parametrize("text", ["xyz", "abc", "ff 1"])
def test_parse_hex_refuses(text: str) -> None:
    with pytest.raises(dl.DownlinkValueError) as err:
        dl.parse_hex(text)
    assert err.value.key == "downlink_invalid_hex"


@pytest.mark.parametrize(
    ("port", "payload", "key"),
    [
        (0, b"\x01", "downlink_invalid_port"),
        (224, b"\x01", "downlink_invalid_port"),
        (1, b"", "downlink_invalid_length"),
        (1, bytes(243), "downlink_invalid_length"),
    ],
)
def test_downlink_limits(port: int, payload: bytes, key: str) -> None:
    with pytest.raises(dl.DownlinkValueError) as err:
        dl.Downlink(port, payload)
    assert err.value.key == key
    assert isinstance(err.value, ValueError)


def test_server_formats() -> None:
    """ChirpStack MQTT command, ChirpStack REST queue item, TTS push: base64 payloads."""
    downlink = dl.Downlink(6, bytes.fromhex("3E01FE"), confirmed=True)
    data = base64.b64encode(bytes.fromhex("3E01FE")).decode()
    assert data == "PgH+"
    assert dl.chirpstack_command("a81758fffe0312ab", downlink, "id-1") == {
        "id": "id-1",
        "devEui": "a81758fffe0312ab",
        "confirmed": True,
        "fPort": 6,
        "data": data,
    }
    assert dl.chirpstack_queue_item(downlink) == {
        "queueItem": {"confirmed": True, "fPort": 6, "data": data}
    }
    assert dl.tts_push(downlink) == {
        "downlinks": [{"f_port": 6, "frm_payload": data, "confirmed": True, "priority": "NORMAL"}]
    }
    assert (
        dl.chirpstack_command_topic("application/app", "0101")
        == "application/app/device/0101/command/down"
    )
    assert dl.tts_push_topic("v3/app@ttn", "dev1") == "v3/app@ttn/devices/dev1/down/push"


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        (TTN_PUSH, True),
        ("http://127.0.0.1:8080/down/push", True),
        ("https://x/down/replace", False),
        ("ftp://x/down/push", False),
        ("https://x y/down/push", False),
        ("https://" + "x" * 2048 + "/down/push", False),
    ],
)  # fmt: skip
def test_push_url(url: str, valid: bool) -> None:
    assert dl.valid_push_url(url) is valid


@pytest.mark.parametrize(
    ("event", "extra", "status"),
    [
        ("txack", {"downlinkId": 1, "queueItemId": "q", "fCntDown": 3}, DownlinkStatus.SENT),
        ("ack", {"queueItemId": "q", "acknowledged": True}, DownlinkStatus.ACKNOWLEDGED),
        ("ack", {"queueItemId": "q", "acknowledged": False}, DownlinkStatus.NOT_ACKNOWLEDGED),
    ],
)
def test_chirpstack_downlink_reports(
    event: str, extra: dict[str, object], status: DownlinkStatus
) -> None:
    body = {"time": "2026-12-02T11:59:00+00:00", "deviceInfo": CS_DEVICE, **extra}
    report = chirpstack.parse(event, body, NOW)
    assert isinstance(report, DownlinkReport)
    assert (report.kind, report.status, report.device.dev_eui) == (
        event,
        status,
        "a81758fffe0312ab",
    )
    assert report.received_at == datetime(2026, 12, 2, 11, 59, tzinfo=UTC)
    assert report.reference == "q"  # the queue item id: which downlink it is about


@pytest.mark.parametrize(
    ("key", "body", "status"),
    [
        ("downlink_ack", {"f_port": 6, "frm_payload": "PgH+"}, DownlinkStatus.ACKNOWLEDGED),
        ("downlink_nack", {"f_port": 6}, DownlinkStatus.NOT_ACKNOWLEDGED),
        ("downlink_sent", {"f_port": 6}, DownlinkStatus.SENT),
        (
            "downlink_failed",
            {"downlink": {"f_port": 6}, "error": {"name": "no_device_session"}},
            DownlinkStatus.FAILED,
        ),
    ],
)
def test_tts_downlink_reports(key: str, body: dict[str, object], status: DownlinkStatus) -> None:
    report = tts.parse({"end_device_ids": TTS_IDS, key: body}, NOW)
    assert isinstance(report, DownlinkReport)
    assert (report.status, report.f_port, report.device.dev_eui) == (status, 6, "a81758fffe0312ab")
    assert report.device.name == "apt-12-motion"


def test_reports_without_a_device_stay_ignored() -> None:
    """As before these events were parsed: no device, no refusal."""
    assert chirpstack.parse("ack", {"acknowledged": True}, NOW) == Ignored(kind="ack")
    assert tts.parse({"downlink_sent": {"f_port": 1}}, NOW) == Ignored(kind="downlink_sent")
    assert tts.parse({"downlink_queued": {}}, NOW) == Ignored(kind="downlink_queued")
