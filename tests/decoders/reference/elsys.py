"""Decoder for the Elsys ERS family (ERS, ERS Lite/CO2/Sound/Eye/VOC, EMS, EMS Desk/Door/Lite, ELT).

Layout (Elsys "Sensors payload" v1.10): repeated records ``[TYPE] [DATA] [OFFSET]``.
TYPE bits 7-6 give the number of offset bytes (``00``→0, ``01``→1, ``10``→2, ``11``→4), bits
5-0 the sensor type. OFFSET is the age in seconds of a queued sample, so the sample time is
the receive time minus the offset. Multi-byte data and offsets are big-endian. The fPort is
configurable on the sensor and is not used.

``raw`` uses the key names of the Elsys reference decoder (``elsys.js``). A key seen once
holds its value, a key seen several times a list in payload order (``elsys.js`` keeps only the
last). When any record has an offset, ``raw["samples"]`` lists every record as
``{"type", "offset_s", <keys>}``.

Normalised fields come from the newest sample (smallest offset; on a tie the later record),
except motion: the PIR counts of all ``0x05`` samples are added up, so motion seen in an
older queued sample is not lost, and ``motion_at`` is the time of the newest sample with a
non-zero count (receive time minus offset; for an unqueued sample that is the receive time, the
upper bound of the reporting interval). ``occupancy`` ≥ 1 means occupied (ERS Eye: PIR or
heat triggered; EMS Desk: pending or occupied).

Battery: ``vdd`` (mV) gives ``battery_voltage``. The percentage is a coarse estimate for the
3.6 V lithium-thionyl-chloride cells (ER14505, AA size) these sensors use. Such cells hold a
flat plateau near 3.6 V for most of their life and then fall steeply, so the curve is
piecewise-linear through (3.0 V, 0 %), (3.3 V, 10 %), (3.4 V, 25 %), (3.5 V, 60 %),
(3.6 V, 100 %): at or above 3.6 V is full, below 3.3 V the cell is near its end (weeks, not
months), at or below 3.0 V it is empty (the sensor's brown-out region). Prefer the voltage for
replacement alerts; the percentage only orders sensors roughly.

Decoding stops at an unknown type or a truncated record: the rest is reported in
``warnings`` when earlier records decoded, otherwise :class:`DecodeError` is raised. A
settings record (``0x3E``, sent at start-up on port + 1) is kept as hex in
``raw["settings_hex"]`` with a warning; it is not decoded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, override

from .base import DecodeContext, Decoded, DecodeError, Decoder, DeviceKind

type _Value = int | float | str | list[float]
type _Parser = Callable[[bytes], dict[str, _Value]]

_OFFSET_SIZES = (0, 1, 2, 4)  # indexed by TYPE bits 7-6
_MOTION = 0x05
_SETTINGS = 0x3E

# (volts, percent) knots, ascending; see the module docstring.
_BATTERY_CURVE: tuple[tuple[float, float], ...] = (
    (3.0, 0.0),
    (3.3, 10.0),
    (3.4, 25.0),
    (3.5, 60.0),
    (3.6, 100.0),
)


def lithium_battery_percent(voltage: float) -> float:
    """Estimate the charge of a 3.6 V lithium cell from its voltage, in percent (0.1 steps)."""
    first_volts, _ = _BATTERY_CURVE[0]
    if voltage <= first_volts:
        return 0.0
    for (v0, p0), (v1, p1) in pairwise(_BATTERY_CURVE):
        if voltage < v1:
            return round(p0 + (p1 - p0) * (voltage - v0) / (v1 - v0), 1)
    return 100.0


def _unsigned(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _signed(data: bytes) -> int:
    return int.from_bytes(data, "big", signed=True)


def _tenths(data: bytes) -> float:
    return _signed(data) / 10


def _hex(data: bytes) -> str:
    return data.hex()


def _single(key: str, convert: Callable[[bytes], int | float | str]) -> _Parser:
    def parse(data: bytes) -> dict[str, _Value]:
        return {key: convert(data)}

    return parse


def _acceleration(data: bytes) -> dict[str, _Value]:
    return {"x": _signed(data[0:1]), "y": _signed(data[1:2]), "z": _signed(data[2:3])}


def _gps(data: bytes) -> dict[str, _Value]:
    return {"lat": _unsigned(data[:3]), "long": _unsigned(data[3:])}


def _ir_temperature(data: bytes) -> dict[str, _Value]:
    return {"irInternalTemperature": _tenths(data[:2]), "irExternalTemperature": _tenths(data[2:])}


def _grideye(data: bytes) -> dict[str, _Value]:
    reference = data[0]
    return {"grideye": [round(reference + pixel / 10, 1) for pixel in data[1:]]}


def _pressure(data: bytes) -> dict[str, _Value]:
    return {"pressure": _unsigned(data) / 1000}


def _sound(data: bytes) -> dict[str, _Value]:
    return {"soundPeak": data[0], "soundAvg": data[1]}


# sensor type -> (data bytes, parser)
_TYPES: dict[int, tuple[int, _Parser]] = {
    0x01: (2, _single("temperature", _tenths)),
    0x02: (1, _single("humidity", _unsigned)),
    0x03: (3, _acceleration),
    0x04: (2, _single("light", _unsigned)),
    0x05: (1, _single("motion", _unsigned)),
    0x06: (2, _single("co2", _unsigned)),
    0x07: (2, _single("vdd", _unsigned)),
    0x08: (2, _single("analog1", _unsigned)),
    0x09: (6, _gps),
    0x0A: (2, _single("pulse1", _unsigned)),
    0x0B: (4, _single("pulseAbs", _unsigned)),
    0x0C: (2, _single("externalTemperature", _tenths)),
    0x0D: (1, _single("digital", _unsigned)),
    0x0E: (2, _single("distance", _unsigned)),
    0x0F: (1, _single("accMotion", _unsigned)),
    0x10: (4, _ir_temperature),
    0x11: (1, _single("occupancy", _unsigned)),
    0x12: (1, _single("waterleak", _unsigned)),
    0x13: (65, _grideye),
    0x14: (4, _pressure),
    0x15: (2, _sound),
    0x16: (2, _single("pulse2", _unsigned)),
    0x17: (4, _single("pulseAbs2", _unsigned)),
    0x18: (2, _single("analog2", _unsigned)),
    0x19: (2, _single("externalTemperature2", _tenths)),
    0x1A: (1, _single("digital2", _unsigned)),
    0x1B: (4, _single("analogUv", _signed)),
    0x1C: (2, _single("tvoc", _unsigned)),
    0x3D: (4, _single("debug", _hex)),
}


# Every possible record head byte -> (sensor type, data end, record end, parser), both
# ends relative to the head: decoding one record is a single table lookup.
_RECORDS: tuple[tuple[int, int, int, _Parser] | None, ...] = tuple(
    None
    if (entry := _TYPES.get(head & 0x3F)) is None
    else (head & 0x3F, 1 + entry[0], 1 + entry[0] + _OFFSET_SIZES[head >> 6], entry[1])
    for head in range(256)
)


@dataclass(frozen=True, slots=True)
class _Sample:
    sensor_type: int
    offset_s: int
    values: dict[str, _Value]


@dataclass(slots=True)
class _Parsed:
    samples: list[_Sample]
    warnings: list[str]
    settings_hex: str | None = None


def _stopped(reason: str, position: int, payload: bytes) -> str:
    return f"{reason} at byte {position}; {len(payload) - position} byte(s) not decoded"


def _parse(payload: bytes) -> _Parsed:
    samples: list[_Sample] = []
    position = 0
    while position < len(payload):
        head = payload[position]
        if head == _SETTINGS:
            note = f"settings record (0x3E) at byte {position} not decoded"
            return _Parsed(samples, [note], payload[position + 1 :].hex())
        record = _RECORDS[head]
        if record is None:
            return _Parsed(samples, [_stopped(f"unknown type 0x{head:02X}", position, payload)])
        sensor_type, data_size, record_size, parse = record
        data_end = position + data_size
        record_end = position + record_size
        if record_end > len(payload):
            reason = f"truncated type 0x{head:02X} record"
            return _Parsed(samples, [_stopped(reason, position, payload)])
        offset = _unsigned(payload[data_end:record_end]) if record_end > data_end else 0
        values = parse(payload[position + 1 : data_end])
        samples.append(_Sample(sensor_type, offset, values))
        position = record_end
    return _Parsed(samples, [])


def _raw(parsed: _Parsed) -> dict[str, Any]:
    if parsed.settings_hex is None and not _queued_or_repeated(parsed.samples):
        # The common case: each key once, no offsets.
        return {key: value for sample in parsed.samples for key, value in sample.values.items()}
    collected: dict[str, list[_Value]] = {}
    for sample in parsed.samples:
        for key, value in sample.values.items():
            collected.setdefault(key, []).append(value)
    raw: dict[str, Any] = {
        key: values[0] if len(values) == 1 else values for key, values in collected.items()
    }
    if any(sample.offset_s for sample in parsed.samples):
        raw["samples"] = [
            {"type": sample.sensor_type, "offset_s": sample.offset_s, **sample.values}
            for sample in parsed.samples
        ]
    if parsed.settings_hex is not None:
        raw["settings_hex"] = parsed.settings_hex
    return raw


def _queued_or_repeated(samples: list[_Sample]) -> bool:
    """Return True when any sample has an offset or a sensor type repeats."""
    seen: set[int] = set()
    for sample in samples:
        if sample.offset_s or sample.sensor_type in seen:
            return True
        seen.add(sample.sensor_type)
    return False


def _newest(samples: list[_Sample]) -> dict[str, _Value]:
    if not _queued_or_repeated(samples):
        return {key: value for sample in samples for key, value in sample.values.items()}
    best: dict[str, tuple[int, _Value]] = {}
    for sample in samples:
        for key, value in sample.values.items():
            if key not in best or sample.offset_s <= best[key][0]:
                best[key] = (sample.offset_s, value)
    return {key: value for key, (_, value) in best.items()}


def _number(values: Mapping[str, _Value], key: str) -> float | None:
    value = values.get(key)
    return float(value) if isinstance(value, int | float) else None


def _motion(
    samples: list[_Sample], received_at: datetime, warnings: list[str]
) -> tuple[int | None, datetime | None]:
    counts = [
        (sample.offset_s, count)
        for sample in samples
        if sample.sensor_type == _MOTION and isinstance(count := sample.values["motion"], int)
    ]
    if not counts:
        return None, None
    active_offsets = [offset for offset, count in counts if count > 0]
    motion_at = None
    if active_offsets:
        try:
            motion_at = received_at - timedelta(seconds=min(active_offsets))
        except OverflowError:
            # A receive time near year 1 (a broken clock): keep the count, not the time.
            warnings.append("motion time out of range")
    return sum(count for _, count in counts), motion_at


class ElsysDecoder(Decoder):
    """Decoder for every Elsys sensor that uses the generic Elsys payload."""

    model_id = "elsys_ers"
    manufacturer = "Elsys"
    model = "ERS / EMS / ELT family"
    kind = DeviceKind.MOTION

    @override
    def decode(self, payload: bytes, f_port: int | None, ctx: DecodeContext) -> Decoded:
        """Decode one Elsys uplink; the fPort is not used."""
        parsed = _parse(payload)
        if not parsed.samples and parsed.settings_hex is None:
            raise DecodeError(parsed.warnings[0] if parsed.warnings else "empty payload")
        newest = _newest(parsed.samples)
        motion_count, motion_at = _motion(parsed.samples, ctx.received_at, parsed.warnings)
        vdd = _number(newest, "vdd")
        voltage = None if vdd is None else vdd / 1000
        occupancy = _number(newest, "occupancy")
        return Decoded(
            motion=None if motion_count is None else motion_count > 0,
            motion_count=motion_count,
            motion_at=motion_at,
            occupancy=None if occupancy is None else occupancy >= 1,
            temperature=_number(newest, "temperature"),
            humidity=_number(newest, "humidity"),
            illuminance=_number(newest, "light"),
            battery_voltage=voltage,
            battery=None if voltage is None else lithium_battery_percent(voltage),
            raw=_raw(parsed),
            warnings=tuple(parsed.warnings),
        )
