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

import struct
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, NamedTuple, override

from .base import DecodeContext, Decoded, DecodeError, Decoder, DeviceKind

# A record's values by key: int, float, str (debug) or list[float] (grideye).
type _Values = dict[str, Any]
type _Read = Callable[[bytes, int], _Values]  # reads a record's data from a start position
type _Unpack = Callable[[bytes, int], tuple[int, ...]]
# (sensor type, offset in seconds, values) of one record
type _Sample = tuple[int, int, _Values]
# samples, merged (every key, its last value), plain (no offset, no repeated type: merged
# is the newest of everything), warnings, settings record as hex
type _Parsed = tuple[list[_Sample], _Values, bool, list[str], str | None]

_MOTION = 0x05
_SETTINGS = 0x3E
_NO_OFFSET = timedelta(0)

# (volts, percent) knots, ascending; see the module docstring.
_BATTERY_CURVE: tuple[tuple[float, float], ...] = (
    (3.0, 0.0),
    (3.3, 10.0),
    (3.4, 25.0),
    (3.5, 60.0),
    (3.6, 100.0),
)
# (v0, p0, v1, p1 - p0, v1 - v0) per segment of the curve
_BATTERY_SEGMENTS = tuple(
    (v0, p0, v1, p1 - p0, v1 - v0) for (v0, p0), (v1, p1) in pairwise(_BATTERY_CURVE)
)


def lithium_battery_percent(voltage: float) -> float:
    """Estimate the charge of a 3.6 V lithium cell from its voltage, in percent (0.1 steps)."""
    if voltage <= _BATTERY_CURVE[0][0]:
        return 0.0
    for v0, p0, v1, rise, run in _BATTERY_SEGMENTS:
        if voltage < v1:
            return round(p0 + rise * (voltage - v0) / run, 1)
    return 100.0


_THREE_SIGNED = struct.Struct(">bbb").unpack_from
_TWO_SIGNED = struct.Struct(">hh").unpack_from
_TWO_UNSIGNED = struct.Struct(">BB").unpack_from


def _acceleration(payload: bytes, start: int) -> _Values:
    x, y, z = _THREE_SIGNED(payload, start)
    return {"x": x, "y": y, "z": z}


def _gps(payload: bytes, start: int) -> _Values:
    latitude = int.from_bytes(payload[start : start + 3])
    return {"lat": latitude, "long": int.from_bytes(payload[start + 3 : start + 6])}


def _ir_temperature(payload: bytes, start: int) -> _Values:
    internal, external = _TWO_SIGNED(payload, start)
    return {"irInternalTemperature": internal / 10, "irExternalTemperature": external / 10}


def _grideye(payload: bytes, start: int) -> _Values:
    reference = payload[start]
    pixels = payload[start + 1 : start + 65]
    return {"grideye": [round(reference + pixel / 10, 1) for pixel in pixels]}


def _sound(payload: bytes, start: int) -> _Values:
    peak, average = _TWO_UNSIGNED(payload, start)
    return {"soundPeak": peak, "soundAvg": average}


def _debug(payload: bytes, start: int) -> _Values:
    return {"debug": payload[start : start + 4].hex()}


def _number(key: str, struct_format: str, divisor: int = 0) -> _Read:
    """Read a record that holds one big-endian number, divided by ``divisor`` if not 0."""
    unpack = struct.Struct(struct_format).unpack_from
    if divisor:
        return lambda payload, start: {key: unpack(payload, start)[0] / divisor}
    return lambda payload, start: {key: unpack(payload, start)[0]}


# sensor type -> (data bytes, reader of the data)
_TYPES: dict[int, tuple[int, _Read]] = {
    0x01: (2, _number("temperature", ">h", 10)),
    0x02: (1, _number("humidity", ">B")),
    0x03: (3, _acceleration),
    0x04: (2, _number("light", ">H")),
    0x05: (1, _number("motion", ">B")),
    0x06: (2, _number("co2", ">H")),
    0x07: (2, _number("vdd", ">H")),
    0x08: (2, _number("analog1", ">H")),
    0x09: (6, _gps),
    0x0A: (2, _number("pulse1", ">H")),
    0x0B: (4, _number("pulseAbs", ">I")),
    0x0C: (2, _number("externalTemperature", ">h", 10)),
    0x0D: (1, _number("digital", ">B")),
    0x0E: (2, _number("distance", ">H")),
    0x0F: (1, _number("accMotion", ">B")),
    0x10: (4, _ir_temperature),
    0x11: (1, _number("occupancy", ">B")),
    0x12: (1, _number("waterleak", ">B")),
    0x13: (65, _grideye),
    0x14: (4, _number("pressure", ">I", 1000)),
    0x15: (2, _sound),
    0x16: (2, _number("pulse2", ">H")),
    0x17: (4, _number("pulseAbs2", ">I")),
    0x18: (2, _number("analog2", ">H")),
    0x19: (2, _number("externalTemperature2", ">h", 10)),
    0x1A: (1, _number("digital2", ">B")),
    0x1B: (4, _number("analogUv", ">i")),
    0x1C: (2, _number("tvoc", ">H")),
    0x3D: (4, _debug),
}

# Offset bytes by TYPE bits 7-6, and how to read them.
_OFFSETS: tuple[tuple[int, _Unpack | None], ...] = (
    (0, None),
    (1, struct.Struct(">B").unpack_from),
    (2, struct.Struct(">H").unpack_from),
    (4, struct.Struct(">I").unpack_from),
)


class _Record(NamedTuple):
    """How to read a record with a given head byte; ends are relative to the head."""

    sensor_type: int
    data_end: int
    record_end: int
    read_offset: _Unpack | None  # None: no offset bytes
    read: _Read


def _record(head: int) -> _Record | None:
    entry = _TYPES.get(head & 0x3F)
    if entry is None:
        return None
    data_size, read = entry
    offset_size, read_offset = _OFFSETS[head >> 6]
    return _Record(head & 0x3F, 1 + data_size, 1 + data_size + offset_size, read_offset, read)


# Every possible head byte: decoding one record is a single table lookup.
_RECORDS: tuple[_Record | None, ...] = tuple(_record(head) for head in range(256))


def _stopped(reason: str, position: int, payload: bytes) -> str:
    return f"{reason} at byte {position}; {len(payload) - position} byte(s) not decoded"


def _parse(payload: bytes) -> _Parsed:
    samples: list[_Sample] = []
    merged: _Values = {}
    seen = 0  # bit per sensor type
    plain = True
    position = 0
    size = len(payload)
    while position < size:
        head = payload[position]
        record = _RECORDS[head]
        if record is None:
            if head == _SETTINGS:
                note = f"settings record (0x3E) at byte {position} not decoded"
                return samples, merged, plain, [note], payload[position + 1 :].hex()
            reason = f"unknown type 0x{head:02X}"
            return samples, merged, plain, [_stopped(reason, position, payload)], None
        sensor_type, data_end, record_end, read_offset, read = record
        if position + record_end > size:
            reason = f"truncated type 0x{head:02X} record"
            return samples, merged, plain, [_stopped(reason, position, payload)], None
        offset = 0 if read_offset is None else read_offset(payload, position + data_end)[0]
        values = read(payload, position + 1)
        if offset or seen >> sensor_type & 1:
            plain = False
        seen |= 1 << sensor_type
        samples.append((sensor_type, offset, values))
        merged |= values
        position += record_end
    return samples, merged, plain, [], None


def _raw(samples: list[_Sample], settings_hex: str | None) -> dict[str, Any]:
    """Return each key once with its value, or with the list of its values if it repeats."""
    collected: dict[str, list[Any]] = {}
    for _, _, values in samples:
        for key, value in values.items():
            collected.setdefault(key, []).append(value)
    raw: dict[str, Any] = {
        key: values[0] if len(values) == 1 else values for key, values in collected.items()
    }
    if any(offset for _, offset, _ in samples):
        raw["samples"] = [
            {"type": sensor_type, "offset_s": offset, **values}
            for sensor_type, offset, values in samples
        ]
    if settings_hex is not None:
        raw["settings_hex"] = settings_hex
    return raw


def _newest(samples: list[_Sample]) -> _Values:
    """Return each key's value from the sample with the smallest offset (later on a tie)."""
    best: dict[str, tuple[int, Any]] = {}
    for _, offset, values in samples:
        for key, value in values.items():
            if key not in best or offset <= best[key][0]:
                best[key] = (offset, value)
    return {key: value for key, (_, value) in best.items()}


def _motion(
    samples: list[_Sample], received_at: datetime, warnings: list[str]
) -> tuple[int | None, datetime | None]:
    """Return the PIR count of all motion samples and the time of the newest active one."""
    counts = [(offset, values["motion"]) for kind, offset, values in samples if kind == _MOTION]
    if not counts:
        return None, None
    active_offsets = [offset for offset, count in counts if count]
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
        samples, merged, plain, warnings, settings_hex = _parse(payload)
        if not samples and settings_hex is None:
            raise DecodeError(warnings[0] if warnings else "empty payload")
        if plain:  # the common case: one sample per sensor, none queued
            newest = merged
            raw = merged if settings_hex is None else {**merged, "settings_hex": settings_hex}
            count = merged.get("motion")
            # The receive time minus a zero offset, as for a queued sample (that drops ``fold``).
            motion_at = ctx.received_at - _NO_OFFSET if count else None
        else:
            newest = _newest(samples)
            raw = _raw(samples, settings_hex)
            count, motion_at = _motion(samples, ctx.received_at, warnings)
        vdd = newest.get("vdd")
        voltage = None if vdd is None else vdd / 1000
        occupancy = newest.get("occupancy")
        temperature = newest.get("temperature")
        humidity = newest.get("humidity")
        light = newest.get("light")
        return Decoded(
            motion=None if count is None else count > 0,
            motion_count=count,
            motion_at=motion_at,
            occupancy=None if occupancy is None else occupancy >= 1,
            temperature=None if temperature is None else float(temperature),
            humidity=None if humidity is None else float(humidity),
            illuminance=None if light is None else float(light),
            battery_voltage=voltage,
            battery=None if voltage is None else lithium_battery_percent(voltage),
            raw=raw,
            warnings=tuple(warnings),
        )
