"""Payload encoders, one per device model, built from the vendors' byte layouts.

Each encoder returns ``(fPort, FRMPayload)``. The layouts are those the
integration's decoders read (their module docstrings cite the sources):
Elsys "Sensors payload" v1.10, Milesight WS202, Axioma Qalcosonic W1
enhanced 24 h frame, Kamstrup flowIQ 2200 OMS frames (EN 13757-3 records
with an inverse compact profile). The tests decode every
encoder's output with the integration's decoders.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

HOUR = timedelta(hours=1)


# ----------------------------------------------------------------------- Elsys ERS


def elsys_ers(
    *,
    temperature: float,
    humidity: int,
    light: int,
    motion: int,
    vdd_mv: int,
    occupancy: int | None = None,
) -> tuple[int, bytes]:
    """Encode an Elsys ERS uplink (fPort 1): temperature, humidity, light, PIR count, vdd."""
    payload = bytearray()
    payload += b"\x01" + struct.pack(">h", round(temperature * 10))
    payload += b"\x02" + bytes((humidity,))
    payload += b"\x04" + struct.pack(">H", light)
    payload += b"\x05" + bytes((min(motion, 255),))
    payload += b"\x07" + struct.pack(">H", vdd_mv)
    if occupancy is not None:
        payload += b"\x11" + bytes((occupancy,))
    return 1, bytes(payload)


# ------------------------------------------------------------------ Milesight WS202


def milesight_ws202(*, battery: int, pir: bool, daylight: bool) -> tuple[int, bytes]:
    """Encode a Milesight WS202 uplink (fPort 85): battery %, PIR trigger, daylight."""
    return 85, bytes((0x01, 0x75, battery, 0x03, 0x00, int(pir), 0x04, 0x00, int(daylight)))


# --------------------------------------------------------------- Axioma W1 (24 h)

AXIOMA_LEAKAGE = 0x30  # temporary error, cause "leakage"
_AXIOMA_DELTAS = 23
_AXIOMA_BITS = 14


def axioma_w1_enhanced(
    meter_time: datetime, litres_at: Sequence[int], current_litres: int, status: int = 0
) -> tuple[int, bytes]:
    """Encode the Axioma Qalcosonic W1 enhanced 24 h frame (fPort 100, 51 bytes).

    ``litres_at`` are the register values on the 23 full hours before the meter
    time's hour, oldest first: the first is the log volume, then each packed
    14-bit delta is one hour's consumption; the last delta runs to the meter time.
    """
    if len(litres_at) != _AXIOMA_DELTAS:
        raise ValueError(f"need {_AXIOMA_DELTAS} hourly register values")
    totals = [*litres_at, current_litres]
    packed = 0
    for index in range(_AXIOMA_DELTAS):
        delta = totals[index + 1] - totals[index]
        if not 0 <= delta < 1 << _AXIOMA_BITS:
            raise ValueError(f"hourly delta {delta} L does not fit 14 bits")
        packed |= delta << (_AXIOMA_BITS * index)
    payload = (
        b"\x01"
        + struct.pack("<IBI", int(meter_time.timestamp()), status, litres_at[0])
        + packed.to_bytes(41, "little")  # the 6-bit history multiplier stays 0
    )
    return 100, payload


def axioma_hours(meter_time: datetime) -> list[datetime]:
    """Return the 23 full hours whose register values the enhanced frame carries."""
    hour = meter_time.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return [hour - HOUR * (_AXIOMA_DELTAS - k) for k in range(_AXIOMA_DELTAS)]


# ------------------------------------------------------------- Kamstrup flowIQ 2200

KAMSTRUP_LEAK = 1 << 2  # infocode bit 2
KAMSTRUP_LOW_BATTERY = 1 << 5


def mbus_datetime(moment: datetime) -> bytes:
    """Encode an M-Bus date-time of type F (4 bytes, minutes; UTC as the decoder reads it)."""
    at = moment.astimezone(UTC)
    year = at.year - 2000
    return bytes(
        (
            at.minute & 0x3F,
            at.hour & 0x1F,
            (at.day & 0x1F) | (year & 0x07) << 5,
            (at.month & 0x0F) | ((year >> 3) & 0x0F) << 4,
        )
    )


def kamstrup_flowiq(
    *,
    access_number: int,
    meter_time: datetime,
    litres: int,
    flow_lph: int,
    infocode: int,
    hour_litres: Sequence[int],
) -> tuple[int, bytes]:
    """Encode a plain Kamstrup flowIQ 2200 frame (fPort 1, OMS short header).

    Records: date-time and volume now (storage 0), flow (L/h), infocode, and the
    hourly log (storage 1): the date-time of the last full hour, the register then
    and an inverse compact profile of hourly increments walking back from it.
    ``hour_litres`` are the register values on full hours, oldest first, the
    last one at the full hour before ``meter_time``.
    """
    hour = meter_time.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    increments = [b - a for a, b in itertools.pairwise(hour_litres)][::-1]
    if any(not 0 <= step < 0xFFFF for step in increments):
        raise ValueError("an hourly increment does not fit 16 bits")
    profile = bytes((0x62, 0x01)) + b"".join(struct.pack("<H", step) for step in increments)
    if len(profile) > 0xBF:
        raise ValueError("the hourly profile is too long for one LVAR record")
    records = (
        b"\x04\x6d"
        + mbus_datetime(meter_time)
        + b"\x04\x13"
        + struct.pack("<I", litres)
        + b"\x02\x3b"
        + struct.pack("<H", flow_lph)
        + b"\x02\xff\x25"
        + struct.pack("<H", infocode)
        + b"\x44\x6d"
        + mbus_datetime(hour)
        + b"\x44\x13"
        + struct.pack("<I", hour_litres[-1])
        + b"\x4d\x93\x13"
        + bytes((len(profile),))
        + profile
    )
    header = bytes((0x7A, access_number & 0xFF, 0x00, 0x00, 0x00))
    return 1, header + records
