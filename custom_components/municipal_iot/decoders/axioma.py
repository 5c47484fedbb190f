"""Decoder for the Axioma Qalcosonic W1 water meter (LoRaWAN).

Little-endian; times are Unix seconds from the meter clock; volumes are litres (US
fluid ounces on imperial meters, as announced by the port-101 configuration frame).

fPort 100, chosen by length:

* 47-48 bytes, basic/extended: meter time, status, current volume, log time (start of an
  hour), volume at log time, 15 hourly uint16 deltas (a 48th byte is ignored);
* 37 bytes, short: meter time, status, current volume, six past volumes, period (s);
* 51 bytes with byte 0 = 0x01, enhanced 24 h: meter time, status, log volume, 23
  hourly 14-bit deltas packed LSB first, a 6-bit history multiplier.

fPort 101 is the configuration frame (an M-Bus style DIF/VIF list, parsed into ``raw``);
fPort 103 is the alarm frame (meter time + status byte).

Assumptions where the sources are silent (recorded in ``raw["history_basis"]``):

* short layout: past volume k is the register at the k-th period boundary before the
  meter time (Unix time aligned to the period), newest first; history is only reported
  when the values decrease going back in time;
* enhanced layout: log volume + first k deltas is the register k hours after the hour
  that starts 23 hours before the meter time's hour; the sum of all 23 is the current
  volume. With a non-zero history multiplier (undocumented scaling) no volume is
  reported, because a wrongly scaled total would break a ``total_increasing`` sensor.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any, override

from .base import (
    Alarm,
    DecodeContext,
    Decoded,
    DecodeError,
    Decoder,
    DeviceKind,
    VolumeReading,
)
from .mbus import status_alarms as mbus_status_alarms

PORT_DATA = 100
PORT_CONFIG = 101
PORT_ALARM = 103

# {"current": "L" | "oz", "logged": "L" | "oz"}, learnt from a port-101 frame
STATE_UNITS = "axioma_units"

_US_FLUID_OUNCE_M3 = 29.5735295625e-6
_MAX_CLOCK_OFFSET = timedelta(days=5 * 365 + 1)  # five years, one leap day
_MAX_DRIFT = timedelta(hours=1)
_MAX_LOG_AGE = timedelta(days=2)
_HOUR = timedelta(hours=1)
_HOURS = tuple(k * _HOUR for k in range(24))  # offsets of hourly history points
_BASIC_DELTAS = struct.Struct("<15H").unpack_from
_MAX_PERIOD_S = 31 * 86400

# Temporary-error cause (status bits 7-5, with bit 4 set).
_CAUSES: dict[int, Alarm] = {
    0b000: Alarm.DRY,
    0b001: Alarm.LEAK,
    0b011: Alarm.BACKFLOW,
    0b100: Alarm.FREEZE,
    0b101: Alarm.BURST,
    0b110: Alarm.TAMPER,
}


def status_alarms(status: int) -> tuple[frozenset[Alarm], tuple[str, ...]]:
    """Decode the W1 status byte bit by bit; return alarms and warnings.

    Bits 2-4 are the M-Bus STS bits; with a temporary error, bits 5-7 give its cause.
    """
    alarms = set(mbus_status_alarms(status))
    warnings: tuple[str, ...] = ()
    if status & 0x10:
        cause = status >> 5
        if cause in _CAUSES:
            alarms.add(_CAUSES[cause])
        else:
            warnings = (f"unknown temporary error cause {cause:03b}",)
    return frozenset(alarms), warnings


def _u32(payload: bytes, offset: int) -> int:
    return int.from_bytes(payload[offset : offset + 4], "little")


def _meter_time(seconds: int, ctx: DecodeContext) -> tuple[datetime | None, tuple[str, ...]]:
    """Return the meter time, or None when the clock is too far off to place anything.

    A wrong clock costs the time (and the history timed by it), never the volume or
    the alarms of the frame.
    """
    moment = datetime.fromtimestamp(seconds, UTC)
    offset = moment - ctx.received_at
    if abs(offset) > _MAX_CLOCK_OFFSET:
        warning = (
            f"meter clock {moment.isoformat()} is more than 5 years from the receive time; "
            "meter time and history left out"
        )
        return None, (warning,)
    if abs(offset) > _MAX_DRIFT:
        minutes = round(offset.total_seconds() / 60)
        return moment, (f"meter clock drift: {minutes:+d} min against the receive time",)
    return moment, ()


class _Units:
    """Converts register values to m³ with the units a port-101 frame announced."""

    def __init__(self, ctx: DecodeContext) -> None:
        units = ctx.state.get(STATE_UNITS)
        known = units if isinstance(units, dict) else {}
        self.current_oz = known.get("current") == "oz"
        self.logged_oz = known.get("logged") == "oz"

    def current(self, value: int) -> float:
        return value * _US_FLUID_OUNCE_M3 if self.current_oz else value / 1000

    def logged(self, value: int) -> float:
        return value * _US_FLUID_OUNCE_M3 if self.logged_oz else value / 1000

    def hourly(self, start: datetime, totals: list[int]) -> tuple[VolumeReading, ...]:
        """Return logged register values one hour apart from ``start``."""
        if self.logged_oz:
            volumes = [value * _US_FLUID_OUNCE_M3 for value in totals]
        else:
            volumes = [value / 1000 for value in totals]
        times = [start + offset for offset in _HOURS[: len(totals)]]
        return tuple(map(VolumeReading, times, volumes, strict=True))

    def warnings(self) -> tuple[str, ...]:
        if self.current_oz or self.logged_oz:
            return ("volumes converted from US fluid ounces",)
        return ()


@dataclass(frozen=True, slots=True)
class _Reading:
    volume: float | None
    history: tuple[VolumeReading, ...] = ()
    warnings: tuple[str, ...] = ()


def _port100(payload: bytes, ctx: DecodeContext) -> Decoded:
    length = len(payload)
    if length == 51:
        if payload[0] != 0x01:
            raise DecodeError(f"unsupported 51-byte frame version 0x{payload[0]:02X}")
        return _enhanced(payload, ctx)
    if length in {47, 48}:
        return _basic(payload, ctx)
    if length == 37:
        return _short(payload, ctx)
    raise DecodeError(f"unexpected port-100 payload length {length}")


def _decoded(
    ctx: DecodeContext, seconds: int, status: int, reading: _Reading, raw: dict[str, Any]
) -> Decoded:
    meter_time, drift = _meter_time(seconds, ctx)
    alarms, status_warnings = status_alarms(status)
    raw["status"] = status
    return Decoded(
        volume_m3=reading.volume,
        meter_time=meter_time,
        history=reading.history if meter_time is not None else (),
        alarms=alarms,
        raw=raw,
        warnings=drift + status_warnings + _Units(ctx).warnings() + reading.warnings,
    )


def _running_totals(start: int, deltas: list[int]) -> list[int]:
    return list(accumulate(deltas, initial=start))


def _basic(payload: bytes, ctx: DecodeContext) -> Decoded:
    units = _Units(ctx)
    seconds = _u32(payload, 0)
    log_seconds, log_volume = _u32(payload, 9), _u32(payload, 13)
    deltas = list(_BASIC_DELTAS(payload, 17))
    log_time = datetime.fromtimestamp(log_seconds, UTC)
    raw: dict[str, Any] = {
        "layout": "basic",
        "volume": _u32(payload, 5),
        "log_time": log_time.isoformat(),
        "log_volume": log_volume,
        "deltas": deltas,
    }
    if len(payload) == 48:
        raw["trailing_byte"] = payload[47]
    meter_time = datetime.fromtimestamp(seconds, UTC)
    volume = units.current(_u32(payload, 5))
    if not meter_time - _MAX_LOG_AGE <= log_time <= meter_time - len(deltas) * _HOUR:
        warning = "log time does not fit the meter time; history left out"
        return _decoded(ctx, seconds, payload[4], _Reading(volume, warnings=(warning,)), raw)
    history = units.hourly(log_time, _running_totals(log_volume, deltas))
    return _decoded(ctx, seconds, payload[4], _Reading(volume, history), raw)


def _short(payload: bytes, ctx: DecodeContext) -> Decoded:
    units = _Units(ctx)
    seconds = _u32(payload, 0)
    current = _u32(payload, 5)
    past = [_u32(payload, offset) for offset in range(9, 33, 4)]
    period = _u32(payload, 33)
    raw: dict[str, Any] = {
        "layout": "short",
        "volume": current,
        "past_volumes": past,
        "period_s": period,
        "history_basis": "assumed: period boundaries before the meter time, newest first",
    }
    volume = units.current(current)
    warning = None
    if not 0 < period <= _MAX_PERIOD_S:
        warning = f"implausible past-volume period {period} s; history left out"
    elif any(later < earlier for later, earlier in zip([current, *past], past, strict=False)):
        warning = "past volumes do not decrease going back in time; history left out"
    if warning:
        return _decoded(ctx, seconds, payload[4], _Reading(volume, warnings=(warning,)), raw)
    boundary = seconds - seconds % period
    history = tuple(
        VolumeReading(datetime.fromtimestamp(boundary - k * period, UTC), units.logged(value))
        for k, value in reversed(list(enumerate(past)))
    )
    return _decoded(ctx, seconds, payload[4], _Reading(volume, history), raw)


_DELTA_COUNT = 23
_DELTA_BITS = 14


def _enhanced(payload: bytes, ctx: DecodeContext) -> Decoded:
    units = _Units(ctx)
    seconds = _u32(payload, 1)
    log_volume = _u32(payload, 6)
    packed = int.from_bytes(payload[10:51], "little")
    mask = (1 << _DELTA_BITS) - 1
    deltas = [(packed >> (_DELTA_BITS * i)) & mask for i in range(_DELTA_COUNT)]
    multiplier = packed >> (_DELTA_BITS * _DELTA_COUNT)
    raw: dict[str, Any] = {
        "layout": "enhanced_24h",
        "frame_version": payload[0],
        "log_volume": log_volume,
        "deltas": deltas,
        "history_multiplier": multiplier,
        "history_basis": "assumed: hourly, the last delta ending at the meter time's hour",
    }
    if multiplier:
        warning = f"history multiplier {multiplier} has undocumented scaling; volume left out"
        return _decoded(ctx, seconds, payload[5], _Reading(None, warnings=(warning,)), raw)
    totals = _running_totals(log_volume, deltas)
    start = datetime.fromtimestamp(seconds - seconds % 3600, UTC) - _DELTA_COUNT * _HOUR
    history = units.hourly(start, totals[:-1])
    return _decoded(ctx, seconds, payload[5], _Reading(units.logged(totals[-1]), history), raw)


# --- port 101: configuration frame ---------------------------------------------------------

# Known value information blocks (after the DIF), longest first. The W1 ends some blocks
# with an extension bit set (``44 93`` before ``4D``), so they are matched as byte strings.
_CONFIG_VIBS: tuple[tuple[bytes, str, str | None], ...] = (
    (b"\xff\x89\x13", "time", None),
    (b"\xfd\x17", "status", None),
    (b"\x93\xbd\x1e", "history_volume", "oz"),
    (b"\x93\x1e", "history_volume", "L"),
    (b"\x93\xbd", "log_volume", "oz"),
    (b"\x93\x3d", "volume", "oz"),
    (b"\x93", "log_volume", "L"),
    (b"\x13", "volume", "L"),
)
_CONFIG_SIZES = {0x1: 1, 0x2: 2, 0x3: 3, 0x4: 4, 0x6: 6, 0x7: 8}
_PROFILE_MODES = {1: "increments", 2: "decrements", 3: "signed_differences"}
_PROFILE_UNITS = ("seconds", "minutes", "hours", "days")


def _config_vib(payload: bytes, pos: int) -> tuple[bytes, str, str | None]:
    for vib, name, unit in _CONFIG_VIBS:
        if payload.startswith(vib, pos):
            return vib, name, unit
    raise DecodeError(f"unknown value information at byte {pos} of the configuration frame")


def _config_record(payload: bytes, pos: int, records: list[dict[str, Any]]) -> int:
    dif = payload[pos]
    vib, name, unit = _config_vib(payload, pos + 1)
    pos += 1 + len(vib)
    storage = (dif >> 6) & 0x01
    if name == "time":
        name = "log_time" if storage else "meter_time"
    record: dict[str, Any] = {"field": name, "storage": storage, "unit": unit}
    data_code = dif & 0x0F
    if data_code == 0xD:
        if pos + 3 > len(payload):
            raise DecodeError("configuration frame ends inside the history description")
        length, control, spacing = payload[pos : pos + 3]
        mode = _PROFILE_MODES.get(control >> 6)
        if mode is None:
            raise DecodeError("configuration frame has an absolute-value history profile")
        record["size"] = "variable"
        record["history"] = {
            "length": length,
            "mode": mode,
            "unit": _PROFILE_UNITS[(control >> 4) & 0x03],
            "element_size": control & 0x0F,
            "spacing": spacing,
        }
        pos += 3
    elif data_code in _CONFIG_SIZES:
        record["size"] = _CONFIG_SIZES[data_code]
    else:
        raise DecodeError(f"unsupported data field 0x{data_code:X} in the configuration frame")
    records.append(record)
    return pos


def _port101(payload: bytes, ctx: DecodeContext) -> Decoded:
    records: list[dict[str, Any]] = []
    pos = 0
    while pos < len(payload):
        pos = _config_record(payload, pos, records)
    if not records:
        raise DecodeError("empty configuration frame")
    units = {"current": "L", "logged": "L"}
    for record in records:
        if record["unit"] == "oz":
            units["current" if record["field"] == "volume" else "logged"] = "oz"
    ctx.state[STATE_UNITS] = units
    raw = {"payload_type": "configuration", "units": units, "records": records}
    warnings = ("meter counts US fluid ounces",) if "oz" in units.values() else ()
    return Decoded(raw=raw, warnings=warnings)


def _port103(payload: bytes, ctx: DecodeContext) -> Decoded:
    if len(payload) != 5:
        raise DecodeError(f"alarm frame has {len(payload)} bytes, expected 5")
    meter_time, drift = _meter_time(_u32(payload, 0), ctx)
    alarms, warnings = status_alarms(payload[4])
    raw = {"payload_type": "alarm", "status": payload[4]}
    return Decoded(meter_time=meter_time, alarms=alarms, raw=raw, warnings=drift + warnings)


class AxiomaW1Decoder(Decoder):
    """Decoder for the Axioma Qalcosonic W1 ultrasonic water meter."""

    model_id = "axioma_w1"
    manufacturer = "Axioma Metering"
    model = "Qalcosonic W1"
    kind = DeviceKind.WATER_METER

    @override
    def decode(self, payload: bytes, f_port: int | None, ctx: DecodeContext) -> Decoded:
        """Decode one W1 uplink; the layout depends on the fPort (100, 101, 103)."""
        if f_port == PORT_DATA:
            return _port100(payload, ctx)
        if f_port == PORT_CONFIG:
            return _port101(payload, ctx)
        if f_port == PORT_ALARM:
            return _port103(payload, ctx)
        raise DecodeError(f"unsupported fPort {f_port}")
