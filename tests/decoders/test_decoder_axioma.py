"""Tests for the Axioma Qalcosonic W1 decoder."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from custom_components.municipal_iot.decoders.axioma import (
    STATE_UNITS,
    AxiomaW1Decoder,
    status_alarms,
)
from custom_components.municipal_iot.decoders.base import (
    Alarm,
    DecodeContext,
    Decoded,
    DecodeError,
    DeviceKind,
    VolumeReading,
)
from custom_components.municipal_iot.decoders.registry import DECODERS, detect_model

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "vectors_water.json").read_text())
AXIOMA = {vector["id"]: vector for vector in VECTORS["lorawan"]["axioma"]}
BASIC = [AXIOMA["axioma-w1-actility-1"], AXIOMA["axioma-w1-actility-2"]]
CONFIG = [AXIOMA["axioma-w1-actility-3"], AXIOMA["axioma-w1-actility-4"]]
ENHANCED = AXIOMA["axioma-w1-ttn-enhanced24h"]
DECODER = AxiomaW1Decoder()
OUNCE_M3 = 29.5735295625e-6


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ctx_near(moment: datetime, **kwargs: Any) -> DecodeContext:
    """Context received two minutes after the meter time (the vectors give no receive time)."""
    return DecodeContext(received_at=moment + timedelta(minutes=2), **kwargs)


def decode(
    payload: bytes, f_port: int, received_at: datetime, state: dict[str, Any] | None = None
) -> Decoded:
    return DECODER.decode(
        payload, f_port, DecodeContext(received_at=received_at, state=state or {})
    )


def short_frame(seconds: int, status: int, current: int, past: list[int], period: int) -> bytes:
    return struct.pack("<IBI6II", seconds, status, current, *past, period)


# --- port 100, basic layout -------------------------------------------------------------------


@pytest.mark.parametrize("vector", BASIC, ids=lambda v: v["id"])
def test_basic_vectors(vector: dict[str, Any]) -> None:
    data = vector["expected"]["data"]
    meter_time = parse_time(data["lastLogTime"])
    decoded = DECODER.decode(bytes.fromhex(vector["payload_hex"]), 100, ctx_near(meter_time))
    assert decoded.meter_time == meter_time
    assert decoded.volume_m3 == data["lastVolume"] / 1000
    # The driver's volume list ends with the current reading; history holds the hourly log.
    *logged, current = data["volumes"]
    assert (parse_time(current["time"]), current["volume"]) == (meter_time, data["lastVolume"])
    assert decoded.history == tuple(
        VolumeReading(parse_time(item["time"]), item["volume"] / 1000) for item in logged
    )
    assert decoded.history[0].at == parse_time(data["firstLogTime"])
    assert decoded.raw["deltas"] == data["deltaVolumes"]
    assert decoded.raw["log_volume"] == data["firstLogVolume"]
    status = data["status"]
    assert not any(status.values())
    assert decoded.alarms == frozenset()
    assert decoded.warnings == ()


def test_extended_48_byte_frame_ignores_trailing_byte() -> None:
    vector = BASIC[0]
    meter_time = parse_time(vector["expected"]["data"]["lastLogTime"])
    plain = DECODER.decode(bytes.fromhex(vector["payload_hex"]), 100, ctx_near(meter_time))
    longer = DECODER.decode(bytes.fromhex(vector["payload_hex"] + "7f"), 100, ctx_near(meter_time))
    assert longer.history == plain.history
    assert longer.volume_m3 == plain.volume_m3
    assert longer.raw["trailing_byte"] == 0x7F


def test_basic_log_time_that_does_not_fit_drops_history() -> None:
    payload = bytearray(bytes.fromhex(BASIC[0]["payload_hex"]))
    meter_seconds = int.from_bytes(payload[0:4], "little")
    payload[9:13] = (meter_seconds - 3600).to_bytes(4, "little")  # log + 15 h lies in the future
    decoded = decode(bytes(payload), 100, datetime.fromtimestamp(meter_seconds, UTC))
    assert decoded.history == ()
    assert decoded.volume_m3 == pytest.approx(103.72)
    assert decoded.warnings == ("log time does not fit the meter time; history left out",)


# --- port 100, enhanced 24 h --------------------------------------------------------------------


def test_enhanced_vector() -> None:
    data = ENHANCED["expected"]["data"]
    meter_time = datetime.fromtimestamp(data["timestamp_unix"], UTC)
    assert meter_time == parse_time(data["timestamp_utc"])
    decoded = DECODER.decode(bytes.fromhex(ENHANCED["payload_hex"]), 100, ctx_near(meter_time))
    assert decoded.meter_time == meter_time
    assert decoded.volume_m3 == pytest.approx(data["current_volume_m3"])
    deltas = [data[f"delta_{k}_m3"] for k in range(1, data["history_count"] + 1)]
    assert decoded.raw["deltas"] == [round(delta * 1000) for delta in deltas]
    assert sum(decoded.raw["deltas"]) / 1000 == pytest.approx(data["history_total_m3"])
    assert decoded.raw["history_multiplier"] == data["history_multiplier"]
    # History: log volume, then the running total after each delta but the last (= current).
    running = [data["log_volume_m3"]]
    for delta in deltas[:-1]:
        running.append(running[-1] + delta)
    assert [r.volume_m3 for r in decoded.history] == pytest.approx(running)
    hour = meter_time.replace(minute=0, second=0)
    assert [r.at for r in decoded.history] == [hour - timedelta(hours=23 - k) for k in range(23)]
    assert decoded.alarms == frozenset()
    assert decoded.warnings == ()


def test_enhanced_multiplier_flags_and_drops_volume() -> None:
    payload = bytearray(bytes.fromhex(ENHANCED["payload_hex"]))
    payload[50] |= 0x04  # multiplier is the top six bits of the last byte -> 1
    seconds = int.from_bytes(payload[1:5], "little")
    decoded = decode(bytes(payload), 100, datetime.fromtimestamp(seconds, UTC))
    assert decoded.raw["history_multiplier"] == 1
    assert decoded.volume_m3 is None
    assert decoded.history == ()
    assert decoded.meter_time == datetime.fromtimestamp(seconds, UTC)
    assert decoded.warnings == ("history multiplier 1 has undocumented scaling; volume left out",)


def test_enhanced_with_wrong_version_is_rejected() -> None:
    payload = b"\x02" + bytes.fromhex(ENHANCED["payload_hex"])[1:]
    with pytest.raises(DecodeError, match="frame version 0x02"):
        decode(payload, 100, datetime(2026, 9, 2, tzinfo=UTC))


# --- port 100, short layout ---------------------------------------------------------------------

SHORT_TIME = datetime(2024, 3, 1, 8, 30, 15, tzinfo=UTC)


def test_short_layout_history_on_period_boundaries() -> None:
    past = [99_000, 98_500, 98_000, 97_200, 97_000, 96_000]
    payload = short_frame(int(SHORT_TIME.timestamp()), 0x04, 99_400, past, 3600)
    assert len(payload) == 37
    decoded = decode(payload, 100, SHORT_TIME)
    assert decoded.volume_m3 == pytest.approx(99.4)
    assert decoded.meter_time == SHORT_TIME
    assert decoded.history == tuple(
        VolumeReading(datetime(2024, 3, 1, 8 - k, tzinfo=UTC), past[k] / 1000)
        for k in range(5, -1, -1)
    )
    assert decoded.alarms == frozenset({Alarm.LOW_BATTERY})
    assert decoded.raw["period_s"] == 3600


@pytest.mark.parametrize(
    ("current", "past", "period", "warning"),
    [
        (99_400, [99_000, 99_500, 98_000, 97_200, 97_000, 96_000], 3600, "do not decrease"),
        (98_000, [99_000, 98_500, 98_000, 97_200, 97_000, 96_000], 3600, "do not decrease"),
        (
            99_400,
            [99_000, 98_500, 98_000, 97_200, 97_000, 96_000],
            0,
            "implausible past-volume period 0",
        ),
        (99_400, [99_000, 98_500, 98_000, 97_200, 97_000, 96_000], 32 * 86400, "implausible"),
    ],
)
def test_short_layout_inconsistent_history_is_left_out(
    current: int, past: list[int], period: int, warning: str
) -> None:
    decoded = decode(
        short_frame(int(SHORT_TIME.timestamp()), 0, current, past, period), 100, SHORT_TIME
    )
    assert decoded.history == ()
    assert decoded.volume_m3 == current / 1000
    assert len(decoded.warnings) == 1
    assert warning in decoded.warnings[0]


# --- meter clock guard ------------------------------------------------------------------------


def test_meter_time_more_than_five_years_away_costs_the_time_not_the_frame() -> None:
    vector = BASIC[0]
    meter_time = parse_time(vector["expected"]["data"]["lastLogTime"])
    payload = bytes.fromhex(vector["payload_hex"])
    for received in (meter_time + timedelta(days=6 * 365), meter_time - timedelta(days=6 * 365)):
        decoded = decode(payload, 100, received)
        assert decoded.meter_time is None
        assert decoded.history == ()
        assert decoded.volume_m3 == pytest.approx(103.72)
        assert decoded.alarms is not None
        assert "more than 5 years" in decoded.warnings[0]
    # Four years off is drift: the time and the history stay.
    drifted = decode(payload, 100, meter_time + timedelta(days=4 * 365))
    assert drifted.meter_time is not None
    assert drifted.history
    assert drifted.volume_m3 == pytest.approx(103.72)


def test_clock_drift_over_one_hour_warns() -> None:
    vector = BASIC[0]
    meter_time = parse_time(vector["expected"]["data"]["lastLogTime"])
    payload = bytes.fromhex(vector["payload_hex"])
    late = decode(payload, 100, meter_time + timedelta(hours=2))
    assert late.warnings == ("meter clock drift: -120 min against the receive time",)
    early = decode(payload, 100, meter_time - timedelta(minutes=90))
    assert early.warnings == ("meter clock drift: +90 min against the receive time",)
    assert decode(payload, 100, meter_time + timedelta(minutes=59)).warnings == ()


@pytest.mark.parametrize("length", [0, 5, 36, 38, 46, 49, 50, 52])
def test_unexpected_port_100_lengths(length: int) -> None:
    with pytest.raises(DecodeError, match=f"length {length}"):
        decode(bytes(length), 100, SHORT_TIME)


@pytest.mark.parametrize("f_port", [None, 1, 102, 104])
def test_unknown_ports(f_port: int | None) -> None:
    with pytest.raises(DecodeError, match="unsupported fPort"):
        DECODER.decode(bytes(47), f_port, DecodeContext(received_at=SHORT_TIME))


# --- status byte ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "alarms"),
    [
        (0x00, set()),
        (0x04, {Alarm.LOW_BATTERY}),
        (0x08, {Alarm.PERMANENT_ERROR}),
        (0x10, {Alarm.TEMPORARY_ERROR, Alarm.DRY}),
        (0x30, {Alarm.TEMPORARY_ERROR, Alarm.LEAK}),
        (0x70, {Alarm.TEMPORARY_ERROR, Alarm.BACKFLOW}),
        (0x90, {Alarm.TEMPORARY_ERROR, Alarm.FREEZE}),
        (0xB0, {Alarm.TEMPORARY_ERROR, Alarm.BURST}),
        (0xD0, {Alarm.TEMPORARY_ERROR, Alarm.TAMPER}),
        # Bits combine: the Kungsbacka decoder would call 0x34 "unknown".
        (0x34, {Alarm.LOW_BATTERY, Alarm.TEMPORARY_ERROR, Alarm.LEAK}),
        (0x3C, {Alarm.LOW_BATTERY, Alarm.PERMANENT_ERROR, Alarm.TEMPORARY_ERROR, Alarm.LEAK}),
        (0xB0 | 0x03, {Alarm.TEMPORARY_ERROR, Alarm.BURST}),  # bits 0-1 carry no alarm
        (0xE0, set()),  # cause bits without the temporary-error bit mean nothing
    ],
)
def test_status_bits(status: int, alarms: set[Alarm]) -> None:
    assert status_alarms(status) == (frozenset(alarms), ())


@pytest.mark.parametrize("status", [0x50, 0xF0])
def test_unknown_temporary_error_cause(status: int) -> None:
    alarms, warnings = status_alarms(status)
    assert alarms == frozenset({Alarm.TEMPORARY_ERROR})
    assert warnings == (f"unknown temporary error cause {status >> 5:03b}",)


# --- port 103 -------------------------------------------------------------------------------


def test_alarm_frame_from_reference() -> None:
    # device-payloads.md: DD48AE60 10 -> 2021-05-26T13:10:53Z, empty pipe.
    moment = datetime(2021, 5, 26, 13, 10, 53, tzinfo=UTC)
    decoded = decode(bytes.fromhex("dd48ae6010"), 103, moment)
    assert decoded.meter_time == moment
    assert decoded.alarms == frozenset({Alarm.TEMPORARY_ERROR, Alarm.DRY})
    assert decoded.volume_m3 is None
    assert decoded.raw == {"payload_type": "alarm", "status": 0x10}


def test_alarm_frame_guard_and_length() -> None:
    # The meter clock is 5.5 years behind: the empty-pipe alarm stays, the time goes.
    decoded = decode(bytes.fromhex("dd48ae6010"), 103, datetime(2026, 11, 26, tzinfo=UTC))
    assert decoded.alarms == frozenset({Alarm.TEMPORARY_ERROR, Alarm.DRY})
    assert decoded.meter_time is None
    assert "more than 5 years" in decoded.warnings[0]
    with pytest.raises(DecodeError, match="expected 5"):
        decode(bytes.fromhex("dd48ae601000"), 103, datetime(2021, 5, 26, tzinfo=UTC))


# --- port 101 -------------------------------------------------------------------------------

FIELD_NAMES = {
    "Current date and time, Unix time": {"meter_time", "log_time"},
    "Status byte": {"status"},
    "Total volume, L": {"volume"},
    "Volume at log date, L": {"log_volume"},
    "Volume at log date, oz": {"log_volume"},
    "Historical total volume, L": {"history_volume"},
    "Historical total volume, oz": {"history_volume"},
}


@pytest.mark.parametrize("vector", CONFIG, ids=lambda v: v["id"])
def test_configuration_vectors(vector: dict[str, Any]) -> None:
    data = vector["expected"]["data"]
    ctx = DecodeContext(received_at=SHORT_TIME)
    decoded = DECODER.decode(bytes.fromhex(vector["payload_hex"]), 101, ctx)
    records = decoded.raw["records"]
    assert len(records) == len(data["values"])
    for ours, theirs in zip(records, data["values"], strict=True):
        assert ours["field"] in FIELD_NAMES[theirs["dataType"]]
        assert ours["size"] == theirs["size"]
        assert (ours["storage"] == 1) is theirs["withStorage"]
        assert (ours["field"] == "history_volume") is theirs["compactProfile"]
        assert (ours["unit"] == "oz") is theirs["imperial"]
    history = records[-1]["history"]
    assert history["length"] == data["lengthByte"]
    assert history["spacing"] == data["spacing"]
    assert history["unit"] == data["spacingUnit"]["unit"]
    assert history["element_size"] == data["spacingUnit"]["recordSize"]
    assert data["spacingUnit"]["changeType"] == "positive difference"
    assert history["mode"] == "increments"
    imperial = any(value["imperial"] for value in data["values"])
    assert ctx.state[STATE_UNITS] == {"current": "L", "logged": "oz" if imperial else "L"}
    assert decoded.warnings == (("meter counts US fluid ounces",) if imperial else ())
    assert decoded.alarms is None


def test_ounce_meter_converts_logged_volumes() -> None:
    ctx = DecodeContext(received_at=SHORT_TIME)
    DECODER.decode(bytes.fromhex(CONFIG[1]["payload_hex"]), 101, ctx)
    vector = BASIC[0]
    meter_time = parse_time(vector["expected"]["data"]["lastLogTime"])
    decoded = DECODER.decode(
        bytes.fromhex(vector["payload_hex"]), 100, ctx_near(meter_time, state=ctx.state)
    )
    data = vector["expected"]["data"]
    assert decoded.volume_m3 == data["lastVolume"] / 1000  # the total stays in litres (04 13)
    assert decoded.history[0].volume_m3 == pytest.approx(data["firstLogVolume"] * OUNCE_M3)
    assert decoded.warnings == ("volumes converted from US fluid ounces",)


def test_short_layout_on_ounce_meter() -> None:
    state: dict[str, Any] = {STATE_UNITS: {"current": "oz", "logged": "oz"}}
    payload = short_frame(
        int(SHORT_TIME.timestamp()), 0, 1000, [900, 800, 700, 600, 500, 400], 86400
    )
    decoded = decode(payload, 100, SHORT_TIME, state)
    assert decoded.volume_m3 == pytest.approx(1000 * OUNCE_M3)
    assert decoded.history[-1] == VolumeReading(
        datetime(2024, 3, 1, tzinfo=UTC), pytest.approx(900 * OUNCE_M3)
    )


@pytest.mark.parametrize(
    ("payload_hex", "message"),
    [
        ("", "empty configuration frame"),
        ("04ff8913" + "0477", "unknown value information"),
        ("04ff8913" + "4d931e2062", "ends inside the history description"),
        ("04ff8913" + "4d931e200201", "absolute-value history profile"),
        ("05ff8913", "unsupported data field 0x5"),
        ("04", "unknown value information"),
    ],
)
def test_malformed_configuration(payload_hex: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode(bytes.fromhex(payload_hex), 101, SHORT_TIME)


def test_model_metadata() -> None:
    assert DECODER.model_id == "axioma_w1"
    assert DECODER.manufacturer == "Axioma Metering"
    assert DECODER.model == "Qalcosonic W1"
    assert DECODER.kind is DeviceKind.WATER_METER


@pytest.mark.parametrize(
    ("brand_id", "model_id", "profile_name"),
    [
        ("axioma", "qalcosonic-w1", None),
        (None, None, "Axioma Qalcosonic W1 EU868"),
        (None, None, "axioma-w1"),
    ],
)
def test_registry_detects_w1(
    brand_id: str | None, model_id: str | None, profile_name: str | None
) -> None:
    found = detect_model(brand_id=brand_id, model_id=model_id, profile_name=profile_name, tags={})
    assert found == "axioma_w1"
    assert isinstance(DECODERS[found], AxiomaW1Decoder)
    # Axioma also makes heat meters: the brand alone or another Qalcosonic is not a W1.
    assert (
        detect_model(brand_id="axioma", model_id=None, profile_name="Qalcosonic E3", tags={})
        is None
    )
