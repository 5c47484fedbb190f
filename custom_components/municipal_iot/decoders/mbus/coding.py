"""Value information (VIF/VIFE) and data field codings of M-Bus records (EN 13757-3).

A record's VIB says what it measures, in which unit and decimal exponent, and how its
data bytes are read; the DIF's data field code says how many bytes follow and whether
they are BCD (type A), a 32-bit real or an integer. The integer reading depends on the
quantity: signed (type B) for measurements, unsigned (type C) for counters and codes,
plain bits (type D) for flags, and dates of type F, G and I.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ..base import DecodeError


class Quantity(StrEnum):
    """What a record measures."""

    VOLUME = "volume"
    VOLUME_FLOW = "volume_flow"
    FLOW_TEMPERATURE = "flow_temperature"
    RETURN_TEMPERATURE = "return_temperature"
    EXTERNAL_TEMPERATURE = "external_temperature"
    PRESSURE = "pressure"
    ON_TIME = "on_time"
    OPERATING_TIME = "operating_time"
    DATE = "date"
    DATE_TIME = "date_time"
    FABRICATION_NUMBER = "fabrication_number"
    ERROR_FLAGS = "error_flags"
    INFOCODE = "infocode"
    ALD_LAST_DAY = "ald_last_day"
    ALD = "ald"
    CONFIG_NUMBER = "config_number"
    INFOCODE_TYPE4 = "infocode_type4"
    UNKNOWN = "unknown"


class Coding(StrEnum):
    """How the data bytes of a record are read (EN 13757-3 Annex A types)."""

    SIGNED = "B"
    UNSIGNED = "C"
    BITS = "D"
    DATE = "G"
    DATE_TIME = "F/I"


type VifeTable = dict[int, tuple[Quantity, Coding]]


@dataclass(frozen=True, slots=True)
class ManufacturerCoding:
    """A manufacturer's meaning for what EN 13757-3 leaves to the manufacturer."""

    vifes: VifeTable  # VIFEs after VIF 0xFF; any other one is then an error
    # Whether a decoded (unscaled) number is the manufacturer's "no value" marker.
    is_invalid: Callable[[Quantity, int | float], bool]


@dataclass(frozen=True, slots=True)
class Vib:
    """Decoded value information block of one record."""

    quantity: Quantity
    unit: str
    exponent: int
    coding: Coding
    code: int  # VIF (bit 7 cleared), or 0xFD00/0xFF00 plus the VIFE for extension tables
    modifiers: tuple[str, ...]
    compact_profile: bool


# --- value information blocks -------------------------------------------------------------

# Primary VIF ranges: (first code, last code, quantity, unit, exponent of the first code,
# coding). The exponent grows by one per code.
_VIF_RANGES: tuple[tuple[int, int, Quantity, str, int, Coding], ...] = (
    (0x10, 0x17, Quantity.VOLUME, "m³", -6, Coding.SIGNED),
    (0x38, 0x3F, Quantity.VOLUME_FLOW, "m³/h", -6, Coding.SIGNED),
    (0x58, 0x5B, Quantity.FLOW_TEMPERATURE, "°C", -3, Coding.SIGNED),
    (0x5C, 0x5F, Quantity.RETURN_TEMPERATURE, "°C", -3, Coding.SIGNED),
    (0x64, 0x67, Quantity.EXTERNAL_TEMPERATURE, "°C", -3, Coding.SIGNED),
    (0x68, 0x6B, Quantity.PRESSURE, "bar", -3, Coding.SIGNED),
)
_DURATION_UNITS = ("s", "min", "h", "d")
_SINGLE_VIFS: dict[int, tuple[Quantity, Coding]] = {
    0x6C: (Quantity.DATE, Coding.DATE),
    0x6D: (Quantity.DATE_TIME, Coding.DATE_TIME),
    0x78: (Quantity.FABRICATION_NUMBER, Coding.UNSIGNED),
}

_FD_VIFES: VifeTable = {
    0x17: (Quantity.ERROR_FLAGS, Coding.BITS),
}

_VIFE_COMPACT_PROFILE = 0x13
_VIFE_BACKWARD = 0x3C
_VIFE_FORWARD = 0x3B


type _Primary = tuple[Quantity, str, int, Coding]


def _primary_entry(vif: int) -> _Primary | None:
    """Return what a primary VIF means; ``None`` for one that is not supported."""
    code = vif & 0x7F
    for first, last, quantity, unit, exponent, coding in _VIF_RANGES:
        if first <= code <= last:
            return quantity, unit, exponent + code - first, coding
    if 0x20 <= code <= 0x27:
        quantity = Quantity.ON_TIME if code < 0x24 else Quantity.OPERATING_TIME
        return quantity, _DURATION_UNITS[code & 0x03], 0, Coding.UNSIGNED
    if code in _SINGLE_VIFS:
        quantity, coding = _SINGLE_VIFS[code]
        return quantity, "", 0, coding
    if code in {0x7C, 0x7B, 0x7D}:
        # Plain-text VIF (unit string in the telegram) and extension tables without VIFE.
        return None
    return Quantity.UNKNOWN, "", 0, Coding.UNSIGNED


# What every VIF byte means (decided once, not by a range search per record).
_PRIMARIES: tuple[_Primary | None, ...] = tuple(_primary_entry(vif) for vif in range(256))


def _primary(vif: int) -> _Primary:
    entry = _PRIMARIES[vif]
    if entry is None:
        raise DecodeError(f"unsupported VIF 0x{vif:02X}")
    return entry


def _modifier(vife: int) -> str:
    code = vife & 0x7F
    if code == _VIFE_BACKWARD:
        return "backward"
    if code == _VIFE_FORWARD:
        return "forward"
    return f"vife_{code:02x}"


def parse_vib(vib: bytes, manufacturer_vifes: VifeTable | None) -> Vib:
    """Decode a VIF and its VIFEs.

    ``manufacturer_vifes`` reads the VIFEs after ``0xFF``; with a table any other one is an
    error, without one the record keeps an unknown quantity.
    """
    vif = vib[0]
    if vif in {0xFD, 0xFF, 0xFB}:
        vife = vib[1] & 0x7F
        if vif == 0xFF:
            table = manufacturer_vifes or {}
        elif vif == 0xFD:
            table = _FD_VIFES
        else:
            table = {}
        if vif == 0xFF and manufacturer_vifes is not None and vife not in table:
            raise DecodeError(f"unsupported VIB: manufacturer-specific VIFE 0x{vife:02X}")
        quantity, coding = table.get(vife, (Quantity.UNKNOWN, Coding.UNSIGNED))
        modifiers = tuple(_modifier(b) for b in vib[2:])
        return Vib(quantity, "", 0, coding, (vif << 8) | vife, modifiers, compact_profile=False)
    if len(vib) == 1 and (single := _SINGLE_VIBS[vif]) is not None:
        return single
    quantity, unit, exponent, coding = _primary(vif)
    extensions = vib[1:]
    compact = any(b & 0x7F == _VIFE_COMPACT_PROFILE for b in extensions)
    modifiers = tuple(_modifier(b) for b in extensions if b & 0x7F != _VIFE_COMPACT_PROFILE)
    return Vib(quantity, unit, exponent, coding, vif & 0x7F, modifiers, compact)


# The whole VIB of a primary VIF without VIFE (shared: Vib is immutable).
_SINGLE_VIBS: tuple[Vib | None, ...] = tuple(
    None
    if vif & 0x80 or vif in {0xFD, 0xFF, 0xFB} or (entry := _PRIMARIES[vif]) is None
    else Vib(*entry, vif, (), compact_profile=False)
    for vif in range(256)
)


# --- data field decoding ------------------------------------------------------------------

_SIZES = {0x0: 0, 0x1: 1, 0x2: 2, 0x3: 3, 0x4: 4, 0x5: 4, 0x6: 6, 0x7: 8, 0x8: 0}
_BCD_SIZES = {0x9: 1, 0xA: 2, 0xB: 3, 0xC: 4, 0xE: 6}
DATA_LVAR = 0xD
_DATA_REAL = 0x5


def data_size(data_code: int) -> int:
    """Return the length of a fixed-length data field (0: no data, selection for readout)."""
    return _BCD_SIZES.get(data_code, _SIZES.get(data_code, 0))


def _bcd(data: bytes) -> int | None:
    """Decode little-endian BCD (type A); a top nibble 0xF means negative."""
    digits = data[::-1].hex()
    negative = digits.startswith("f")
    if negative:
        digits = digits[1:]
    if not digits.isdigit():
        return None
    value = int(digits) if digits else 0
    return -value if negative else value


def signed(data: bytes) -> int | None:
    """Decode a little-endian type B integer; the most negative value marks invalid."""
    value = int.from_bytes(data, "little", signed=True)
    if data and value == -(1 << (8 * len(data) - 1)):
        return None
    return value


def unsigned(data: bytes) -> int | None:
    """Decode a little-endian type C integer; all ones marks invalid."""
    value = int.from_bytes(data, "little")
    if data and value == (1 << (8 * len(data))) - 1:
        return None
    return value


def _century(year: int) -> int:
    # Meters that leave the hundred-year bits at zero mean 2000-2080.
    return 2000 + year if year < 81 else 1900 + year


def _date_g(data: bytes) -> datetime:
    year = _century((data[0] >> 5) | ((data[1] & 0xF0) >> 1))
    return datetime(year, data[1] & 0x0F, data[0] & 0x1F, tzinfo=UTC)


def _date_time_f(data: bytes) -> datetime | None:
    if data[0] & 0x80:
        return None
    year_bits = (data[2] >> 5) | ((data[3] & 0xF0) >> 1)
    hundreds = (data[1] >> 5) & 0x03
    year = 1900 + 100 * hundreds + year_bits if hundreds else _century(year_bits)
    return datetime(
        year, data[3] & 0x0F, data[2] & 0x1F, data[1] & 0x1F, data[0] & 0x3F, tzinfo=UTC
    )


def _date_time_i(data: bytes) -> datetime | None:
    if data[1] & 0x80:
        return None
    year = _century((data[3] >> 5) | ((data[4] & 0xF0) >> 1))
    return datetime(
        year,
        data[4] & 0x0F,
        data[3] & 0x1F,
        data[2] & 0x1F,
        data[1] & 0x3F,
        data[0] & 0x3F,
        tzinfo=UTC,
    )


def decode_date(coding: Coding, data: bytes) -> datetime | None:
    """Decode a date (type G) or date-time (type F, 4 bytes; type I, 6 bytes)."""
    try:
        if coding is Coding.DATE and len(data) == 2:
            return None if data == b"\xff\xff" else _date_g(data)
        if coding is Coding.DATE_TIME and len(data) == 4:
            return _date_time_f(data)
        if coding is Coding.DATE_TIME and len(data) == 6:
            return _date_time_i(data)
    except ValueError:
        return None  # month 0, day 31 in a short month, hour 25 ...
    return None


def decode_number(data_code: int, coding: Coding, data: bytes) -> int | float | None:
    """Decode a numeric data field, unscaled; ``None`` marks an invalid value."""
    if data_code in _BCD_SIZES:
        return _bcd(data)
    if data_code == _DATA_REAL:
        (real,) = struct.unpack("<f", data)
        return None if math.isnan(real) or math.isinf(real) else real
    if coding is Coding.SIGNED:
        return signed(data)
    if coding is Coding.UNSIGNED:
        return unsigned(data)
    return int.from_bytes(data, "little")


def scale(raw: float, exponent: int) -> float:
    """Return ``raw`` times ten to the ``exponent``."""
    # Dividing by an exact power of ten keeps e.g. 7842497 L -> 7842.497 m³ exact.
    power: int = 10 ** abs(exponent)
    return raw / power if exponent < 0 else float(raw * power)
