"""Decoder for the Browan TBMS100 (TABS) PIR motion sensor.

fPort 102, 8 bytes:

* byte 0, bit 0: status, 1 = occupied (motion), 0 = free; sets both ``motion`` and
  ``occupancy``, as the TTN codec's normalised output maps it to "motion detected";
* byte 1, bits 3-0: battery voltage = (25 + v) / 10 V (no percentage: the curve of this
  cell is not documented);
* byte 2, bits 6-0: PCB temperature = v - 32 °C;
* bytes 3-4: ``time``, uint16 LE, minutes (elapsed-time field of the event; kept in ``raw``
  only because its reference point is not documented well enough to date the motion);
* bytes 5-7: ``count``, uint24 LE, event counter, reset when the sensor reboots. It is kept
  in ``raw`` only; the caller detects a reboot when the count goes down.

``raw`` uses the TTN codec's keys (``status``, ``battery`` in volts, ``temperatureBoard``,
``time``, ``count``). Another fPort raises :class:`DecodeError` ("unknown FPort"), as the TTN
codec returns an error there; an unknown fPort (``None``) is accepted. An empty or all-zero
payload (the TTN codec returns ``{}`` for it) gives a :class:`Decoded` with nothing set: the
uplink shows the sensor is alive but carries no reading. Bytes after the eighth are ignored
with a warning.
"""

from __future__ import annotations

from typing import override

from .base import DecodeContext, Decoded, DecodeError, Decoder, DeviceKind

_PORT = 102
_LENGTH = 8


class BrowanMotionDecoder(Decoder):
    """Decoder for the Browan TBMS100 motion sensor."""

    model_id = "browan_tbms100"
    manufacturer = "Browan"
    model = "TBMS100"
    kind = DeviceKind.MOTION

    @override
    def decode(self, payload: bytes, f_port: int | None, ctx: DecodeContext) -> Decoded:
        """Decode one TBMS100 uplink; the receive time is not needed."""
        if f_port not in {None, _PORT}:
            raise DecodeError(f"unknown FPort {f_port}")
        if not any(payload):
            return Decoded()
        if len(payload) < _LENGTH:
            raise DecodeError(f"payload has {len(payload)} bytes, expected {_LENGTH}")
        occupied = bool(payload[0] & 0x01)
        voltage = (25 + (payload[1] & 0x0F)) / 10
        temperature = (payload[2] & 0x7F) - 32
        raw = {
            "status": payload[0] & 0x01,
            "battery": voltage,
            "temperatureBoard": temperature,
            "time": int.from_bytes(payload[3:5], "little"),
            "count": int.from_bytes(payload[5:8], "little"),
        }
        extra = len(payload) - _LENGTH
        return Decoded(
            motion=occupied,
            occupancy=occupied,
            temperature=float(temperature),
            battery_voltage=voltage,
            raw=raw,
            warnings=(f"{extra} byte(s) after byte {_LENGTH} ignored",) if extra else (),
        )
