"""Decoder for the Sensus iPERL water meter (OMS over LoRaWAN).

The iPERL sends the same EN 13757-3 application layer as the Kamstrup flowIQ 2200 (TTN
example on fPort 20: short header, storage-8 volume and date-time, hourly inverse compact
profile of signed differences), so it shares :func:`.kamstrup.decode_oms`. Sensus
manufacturer-specific records (VIF ``0xFF``) are not documented; they are kept in ``raw``
with an unknown quantity instead of being read with Kamstrup's meaning. Alarms come from
the STS byte (bit 2 low battery, bit 3 permanent error, bit 4 temporary error).
"""

from __future__ import annotations

from typing import override

from .base import DecodeContext, Decoded, Decoder, DeviceKind
from .kamstrup import decode_oms


class SensusIperlDecoder(Decoder):
    """Decoder for the Sensus iPERL (OMS over LoRaWAN)."""

    model_id = "sensus_iperl"
    manufacturer = "Sensus"
    model = "iPERL"
    kind = DeviceKind.WATER_METER

    @override
    def decode(self, payload: bytes, f_port: int | None, ctx: DecodeContext) -> Decoded:
        """Decode one iPERL uplink; an encrypted frame needs ``ctx.key``."""
        return decode_oms(payload, ctx, None)
