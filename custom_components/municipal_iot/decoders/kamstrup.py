"""Decoder for the Kamstrup flowIQ 2200 water meter (OMS over LoRaWAN).

Plain frames arrive on fPort 1, Security Profile D frames on fPort 4 (short header) and
6 (long header); the fPort is not checked because the CI byte and CFG field say what the
frame is. :data:`KAMSTRUP` tells the generic parser what Kamstrup's manufacturer-specific
VIFEs mean and that 4095 in the "ALD last day" record means no value.

:func:`decode_oms` maps an OMS application layer to :class:`Decoded` and is shared with the
Sensus iPERL decoder:

* ``volume_m3``/``flow_m3h``: the instantaneous, forward, tariff-0 register with the
  lowest storage number (Kamstrup sends its hourly log as storage 1);
* ``meter_time``: the date-time of that storage number;
* ``history``: the values of inverse compact profiles of that volume register and any
  other dated volume records, oldest first, without the reading reported as ``volume_m3``;
* ``alarms``: the STS bits of a short/long header plus the Kamstrup infocode bits, or
  ``None`` when the frame has neither;
* ``raw``: header fields and every record, for diagnostics.
"""

from __future__ import annotations

from datetime import datetime
from itertools import starmap
from typing import Any, override

from .base import Alarm, DecodeContext, Decoded, Decoder, DeviceKind, VolumeReading
from .mbus import (
    Coding,
    Frame,
    Function,
    ManufacturerCoding,
    Quantity,
    Record,
    VifeTable,
    parse_records,
)
from .oms_crypto import OpenedFrame, open_frame

# Kamstrup's manufacturer-specific VIFEs (after VIF 0xFF).
KAMSTRUP_VIFES: VifeTable = {
    0x25: (Quantity.INFOCODE, Coding.BITS),
    0x1C: (Quantity.ALD_LAST_DAY, Coding.UNSIGNED),
    0x1B: (Quantity.ALD, Coding.UNSIGNED),
    0x16: (Quantity.CONFIG_NUMBER, Coding.UNSIGNED),
    0x22: (Quantity.INFOCODE_TYPE4, Coding.BITS),
}
_NO_ALD = 0x0FFF  # Kamstrup marks "no ALD value" with 4095


def _is_invalid(quantity: Quantity, raw: float) -> bool:
    return quantity is Quantity.ALD_LAST_DAY and raw == _NO_ALD


KAMSTRUP = ManufacturerCoding(KAMSTRUP_VIFES, _is_invalid)

# Kamstrup infocode (manufacturer VIFE 0x25) bit -> alarm.
INFOCODE_ALARMS: dict[int, Alarm] = {
    0: Alarm.DRY,
    1: Alarm.BACKFLOW,  # "reverse"
    2: Alarm.LEAK,
    3: Alarm.BURST,
    4: Alarm.TAMPER,
    5: Alarm.LOW_BATTERY,
    6: Alarm.FREEZE,  # low ambient temperature
    7: Alarm.HIGH_TEMPERATURE,  # high ambient temperature
}


def _is_plain(record: Record, quantity: Quantity) -> bool:
    """Return True for an instantaneous forward tariff-0 register with a valid value."""
    return (
        record.quantity is quantity
        and record.function is Function.INSTANTANEOUS
        and not record.modifiers
        and record.tariff == 0
        and record.subunit == 0
        and record.profile is None
        and isinstance(record.value, float)
    )


def _main_record(records: tuple[Record, ...], quantity: Quantity) -> Record | None:
    candidates = [record for record in records if _is_plain(record, quantity)]
    return min(candidates, key=lambda record: record.storage, default=None)


def _number(record: Record | None) -> float | None:
    return record.value if record is not None and isinstance(record.value, float) else None


def _history(
    frame: Frame, latest: Record | None, meter_time: datetime | None
) -> tuple[VolumeReading, ...]:
    points: dict[datetime, float] = {}
    for series in frame.series:
        if _is_plain(series.base, Quantity.VOLUME):
            # The first value of a time wins: within the series (reversed, the first is
            # written last) and over earlier series (the right operand of | wins).
            points = dict(reversed(series.points)) | points
    for record in frame.records:
        at = frame.timestamps.get(record.storage)
        reading = _number(record)
        if at is None or reading is None or record is latest:
            continue
        if _is_plain(record, Quantity.VOLUME):
            points.setdefault(at, reading)
    if latest is not None and meter_time is not None:
        points.pop(meter_time, None)
    return tuple(starmap(VolumeReading, sorted(points.items())))


def _alarms(opened: OpenedFrame, records: tuple[Record, ...]) -> frozenset[Alarm] | None:
    alarms = opened.header.alarms
    for record in records:
        if record.quantity is Quantity.INFOCODE and isinstance(record.value, int):
            bits = record.value
            flags = {alarm for bit, alarm in INFOCODE_ALARMS.items() if bits >> bit & 1}
            alarms = (alarms or frozenset()) | flags
    return alarms


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _raw_record(record: Record, frame: Frame) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "storage": record.storage,
        "function": record.function.value,
        "tariff": record.tariff,
        "subunit": record.subunit,
        "quantity": record.quantity.value,
        "unit": record.unit,
        "modifiers": list(record.modifiers),
        "value": _json(record.value),
        "at": _json(frame.timestamps.get(record.storage)),
    }
    if record.profile is not None:
        entry["profile"] = {
            "mode": record.profile.mode.name.lower(),
            "unit": record.profile.unit,
            "spacing": record.profile.spacing,
            "element_size": record.profile.element_size,
            "elements": list(record.profile.elements),
        }
    return entry


def _raw(opened: OpenedFrame, frame: Frame) -> dict[str, Any]:
    header = opened.header
    raw: dict[str, Any] = {
        "ci": header.ci,
        "access_number": header.access_number,
        "status": header.status,
        "security_mode": header.security_mode,
        "encrypted": opened.encrypted,
        "records": [_raw_record(record, frame) for record in frame.records],
    }
    if opened.address is not None:
        raw["manufacturer"] = opened.address.manufacturer
        raw["version"] = opened.address.version
        raw["device_type"] = opened.address.device_type
    if frame.manufacturer_data:
        raw["manufacturer_data"] = frame.manufacturer_data.hex()
    return raw


def decode_oms(
    payload: bytes, ctx: DecodeContext, manufacturer: ManufacturerCoding | None
) -> Decoded:
    """Decode an OMS application-layer FRMPayload (plain or Security Profile D).

    ``manufacturer`` reads the manufacturer-specific records; ``None`` keeps them with an
    unknown quantity.
    """
    opened = open_frame(payload, ctx)
    frame = parse_records(opened.records, manufacturer)
    volume = _main_record(frame.records, Quantity.VOLUME)
    flow = _main_record(frame.records, Quantity.VOLUME_FLOW)
    stamps = frame.timestamps
    if volume is not None:
        meter_time = stamps.get(volume.storage)
    else:
        meter_time = stamps[min(stamps)] if stamps else None
    return Decoded(
        volume_m3=_number(volume),
        flow_m3h=_number(flow),
        meter_time=meter_time,
        history=_history(frame, volume, meter_time),
        meter_id=opened.address.meter_id if opened.address is not None else None,
        alarms=_alarms(opened, frame.records),
        raw=_raw(opened, frame),
        warnings=frame.warnings,
    )


class KamstrupFlowIQDecoder(Decoder):
    """Decoder for the Kamstrup flowIQ 2200 (OMS over LoRaWAN, optional encryption)."""

    model_id = "kamstrup_flowiq2200"
    manufacturer = "Kamstrup"
    model = "flowIQ 2200"
    kind = DeviceKind.WATER_METER

    @override
    def decode(self, payload: bytes, f_port: int | None, ctx: DecodeContext) -> Decoded:
        """Decode one flowIQ 2200 uplink; encrypted frames need ``ctx.key`` (the DEK)."""
        return decode_oms(payload, ctx, KAMSTRUP)
