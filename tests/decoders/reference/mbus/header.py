"""CI field and transport header (EN 13757-7) in front of the M-Bus data records.

A LoRaWAN OMS payload starts with a CI byte: ``0x78`` (no header), ``0x7A`` (short
header: access number, status, configuration) or ``0x72`` (long header, which also
carries the meter address of the wM-Bus link layer).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..base import Alarm, DecodeError

CI_NO_HEADER = 0x78
CI_SHORT_HEADER = 0x7A
CI_LONG_HEADER = 0x72

_SHORT_HEADER_LEN = 5  # CI, ACC, STS, CFG (2)
_LONG_HEADER_LEN = 13  # CI, ID (4), MAN (2), VER, TYPE, ACC, STS, CFG (2)


@dataclass(frozen=True, slots=True)
class Address:
    """Meter address from a long transport header (the wM-Bus link-layer address)."""

    meter_id: str  # 8 hex digits, most significant first (BCD digits on real meters)
    manufacturer_code: int
    version: int
    device_type: int

    @property
    def manufacturer(self) -> str:
        """Return the three-letter manufacturer code (for example ``KAM``)."""
        code = self.manufacturer_code
        return "".join(chr(64 + ((code >> shift) & 0x1F)) for shift in (10, 5, 0))

    def link_bytes(self) -> bytes:
        """Return MAN, ID, VER, TYPE as sent on the wM-Bus link layer."""
        return (
            self.manufacturer_code.to_bytes(2, "little")
            + bytes.fromhex(self.meter_id)[::-1]
            + bytes((self.version, self.device_type))
        )

    def to_state(self) -> dict[str, object]:
        """Return a JSON-serialisable form for ``DecodeContext.state``."""
        return {
            "meter_id": self.meter_id,
            "manufacturer_code": self.manufacturer_code,
            "version": self.version,
            "device_type": self.device_type,
        }

    @classmethod
    def from_state(cls, data: object) -> Address | None:
        """Rebuild an address stored by :meth:`to_state`; ``None`` if it is unusable."""
        if not isinstance(data, dict):
            return None
        meter_id = data.get("meter_id")
        numbers = [data.get(key) for key in ("manufacturer_code", "version", "device_type")]
        if not isinstance(meter_id, str) or len(meter_id) != 8:
            return None
        try:
            bytes.fromhex(meter_id)
        except ValueError:
            return None
        ints = [n for n in numbers if isinstance(n, int) and not isinstance(n, bool)]
        if (
            len(ints) != 3
            or not 0 <= ints[0] <= 0xFFFF
            or not all(0 <= n <= 0xFF for n in ints[1:])
        ):
            return None
        return cls(meter_id.upper(), ints[0], ints[1], ints[2])


@dataclass(frozen=True, slots=True)
class Header:
    """Transport-layer header (EN 13757-7) in front of the data records."""

    ci: int
    length: int  # bytes from the CI byte to the first byte after CFG
    access_number: int | None = None
    status: int | None = None
    config: int = 0
    address: Address | None = None

    @property
    def security_mode(self) -> int:
        """Return the security mode (CFG bits 8-12); 0 means not encrypted."""
        return (self.config >> 8) & 0x1F

    @property
    def alarms(self) -> frozenset[Alarm] | None:
        """Return the alarm flags of the STS byte, or ``None`` without a header."""
        if self.status is None:
            return None
        return status_alarms(self.status)


def status_alarms(status: int) -> frozenset[Alarm]:
    """Map the STS bits shared by M-Bus meters (bit 2, 3, 4) to alarm flags."""
    alarms: set[Alarm] = set()
    if status & 0x04:
        alarms.add(Alarm.LOW_BATTERY)
    if status & 0x08:
        alarms.add(Alarm.PERMANENT_ERROR)
    if status & 0x10:
        alarms.add(Alarm.TEMPORARY_ERROR)
    return frozenset(alarms)


def parse_header(payload: bytes) -> Header:
    """Parse the CI byte and the transport header in front of the records."""
    if not payload:
        raise DecodeError("empty payload: no CI field")
    ci = payload[0]
    if ci == CI_NO_HEADER:
        return Header(ci=ci, length=1)
    if ci == CI_SHORT_HEADER:
        if len(payload) < _SHORT_HEADER_LEN:
            raise DecodeError("short transport header is truncated")
        return Header(
            ci=ci,
            length=_SHORT_HEADER_LEN,
            access_number=payload[1],
            status=payload[2],
            config=int.from_bytes(payload[3:5], "little"),
        )
    if ci == CI_LONG_HEADER:
        if len(payload) < _LONG_HEADER_LEN:
            raise DecodeError("long transport header is truncated")
        address = Address(
            meter_id=payload[1:5][::-1].hex().upper(),
            manufacturer_code=int.from_bytes(payload[5:7], "little"),
            version=payload[7],
            device_type=payload[8],
        )
        return Header(
            ci=ci,
            length=_LONG_HEADER_LEN,
            access_number=payload[9],
            status=payload[10],
            config=int.from_bytes(payload[11:13], "little"),
            address=address,
        )
    raise DecodeError(f"invalid CI field 0x{ci:02X} in transport layer")
