"""EN 13757-3 (M-Bus / OMS) application-layer parser for LoRaWAN water meters.

The FRMPayload of a Kamstrup flowIQ 2200 or Sensus iPERL is the OMS application layer
without the wM-Bus link layer: a CI byte, an optional short (``0x7A``) or long (``0x72``)
transport header, then DIF/DIFE/VIF/VIFE data records. This module parses the header and
the records, decodes the data types water meters use (integers, BCD, reals, dates of type
F, G and I) and expands inverse compact profiles (EN 13757-3:2018 Annex F) into timed
register values. Decryption lives in :mod:`.oms_crypto`.

Deliberate choices, following the Kamstrup-authored driver the vectors come from:

* an unknown manufacturer-specific VIFE (after ``0xFF``), an LVAR that is not an inverse
  compact profile, a compact profile without base value or base time, and a truncated
  record are errors; unknown standard VIFs are kept as records of unknown quantity;
* integers are signed (type B) except for codes and counters (type C/D); the most negative
  value (type B) or all ones (type C) marks an invalid value, reported as ``None`` with a
  warning.
"""

from __future__ import annotations

import math
import struct
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum

from .base import Alarm, DecodeError

CI_NO_HEADER = 0x78
CI_SHORT_HEADER = 0x7A
CI_LONG_HEADER = 0x72

_SHORT_HEADER_LEN = 5  # CI, ACC, STS, CFG (2)
_LONG_HEADER_LEN = 13  # CI, ID (4), MAN (2), VER, TYPE, ACC, STS, CFG (2)
_MAX_EXTENSIONS = 10  # EN 13757-3 allows at most ten DIFEs and ten VIFEs


class Function(StrEnum):
    """DIF function field."""

    INSTANTANEOUS = "instantaneous"
    MAXIMUM = "maximum"
    MINIMUM = "minimum"
    ERROR_STATE = "error_state"


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


class ProfileMode(IntEnum):
    """How inverse compact profile elements relate to the base value."""

    INCREMENTS = 1  # value one step earlier = value - element
    DECREMENTS = 2  # value one step earlier = value + element
    SIGNED_DIFFERENCES = 3  # value one step earlier = value - element (element signed)


class Coding(StrEnum):
    """How the data bytes of a record are read (EN 13757-3 Annex A types)."""

    SIGNED = "B"
    UNSIGNED = "C"
    BITS = "D"
    DATE = "G"
    DATE_TIME = "F/I"


@dataclass(frozen=True, slots=True)
class _Vib:
    quantity: Quantity
    unit: str
    exponent: int
    coding: Coding
    code: int  # VIF (bit 7 cleared), or 0xFD00/0xFF00 plus the VIFE for extension tables
    modifiers: tuple[str, ...]
    compact_profile: bool


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


@dataclass(frozen=True, slots=True)
class CompactProfile:
    """Inverse compact profile (EN 13757-3:2018 Annex F) of one record."""

    mode: ProfileMode
    unit: int  # 0 s, 1 min, 2 h, 3 days (or months with spacing 254)
    spacing: int
    element_size: int
    elements: tuple[int | None, ...]  # None marks an invalid element


@dataclass(frozen=True, slots=True)
class Record:
    """One decoded data record."""

    storage: int
    function: Function
    tariff: int
    subunit: int
    quantity: Quantity
    unit: str
    code: int
    modifiers: tuple[str, ...]
    raw: int | float | None  # unscaled number; None for dates and invalid values
    value: float | int | datetime | None  # scaled value; None if invalid
    exponent: int = 0
    profile: CompactProfile | None = None

    def same_series(self, other: Record) -> bool:
        """Return True if both records describe the same register."""
        return (
            self.storage == other.storage
            and self.function == other.function
            and self.tariff == other.tariff
            and self.subunit == other.subunit
            and self.code == other.code
            and self.modifiers == other.modifiers
        )


@dataclass(frozen=True, slots=True)
class Series:
    """Values of one register reconstructed from a compact profile, oldest first."""

    base: Record
    points: tuple[tuple[datetime, float], ...]  # includes the base value at its time


@dataclass(frozen=True, slots=True)
class Frame:
    """Parsed application layer."""

    records: tuple[Record, ...]
    series: tuple[Series, ...]
    timestamps: dict[int, datetime]  # storage number -> date-time (type F/I) or date
    warnings: tuple[str, ...]
    manufacturer_data: bytes = b""


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
type VifeTable = dict[int, tuple[Quantity, Coding]]

_FD_VIFES: VifeTable = {
    0x17: (Quantity.ERROR_FLAGS, Coding.BITS),
}

KAMSTRUP_VIFES: VifeTable = {
    0x25: (Quantity.INFOCODE, Coding.BITS),
    0x1C: (Quantity.ALD_LAST_DAY, Coding.UNSIGNED),
    0x1B: (Quantity.ALD, Coding.UNSIGNED),
    0x16: (Quantity.CONFIG_NUMBER, Coding.UNSIGNED),
    0x22: (Quantity.INFOCODE_TYPE4, Coding.BITS),
}

_VIFE_COMPACT_PROFILE = 0x13
_VIFE_BACKWARD = 0x3C
_VIFE_FORWARD = 0x3B


def _primary(vif: int) -> tuple[Quantity, str, int, Coding]:
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
        raise DecodeError(f"unsupported VIF 0x{vif:02X}")
    return Quantity.UNKNOWN, "", 0, Coding.UNSIGNED


def _modifier(vife: int) -> str:
    code = vife & 0x7F
    if code == _VIFE_BACKWARD:
        return "backward"
    if code == _VIFE_FORWARD:
        return "forward"
    return f"vife_{code:02x}"


def _parse_vib(vib: bytes, manufacturer_vifes: VifeTable | None) -> _Vib:
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
        return _Vib(quantity, "", 0, coding, (vif << 8) | vife, modifiers, compact_profile=False)
    quantity, unit, exponent, coding = _primary(vif)
    extensions = vib[1:]
    compact = any(b & 0x7F == _VIFE_COMPACT_PROFILE for b in extensions)
    modifiers = tuple(_modifier(b) for b in extensions if b & 0x7F != _VIFE_COMPACT_PROFILE)
    return _Vib(quantity, unit, exponent, coding, vif & 0x7F, modifiers, compact)


# --- data field decoding ------------------------------------------------------------------

_SIZES = {0x0: 0, 0x1: 1, 0x2: 2, 0x3: 3, 0x4: 4, 0x5: 4, 0x6: 6, 0x7: 8, 0x8: 0}
_BCD_SIZES = {0x9: 1, 0xA: 2, 0xB: 3, 0xC: 4, 0xE: 6}
_DATA_LVAR = 0xD
_DATA_REAL = 0x5
_MAX_PROFILE_LENGTH = 0xBF  # LVAR 0x00-0xBF: that many bytes follow


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


def _signed(data: bytes) -> int | None:
    value = int.from_bytes(data, "little", signed=True)
    if data and value == -(1 << (8 * len(data) - 1)):
        return None
    return value


def _unsigned(data: bytes) -> int | None:
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


def _decode_date(coding: Coding, data: bytes) -> datetime | None:
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


def _decode_number(data_code: int, coding: Coding, data: bytes) -> int | float | None:
    if data_code in _BCD_SIZES:
        return _bcd(data)
    if data_code == _DATA_REAL:
        (real,) = struct.unpack("<f", data)
        return None if math.isnan(real) or math.isinf(real) else real
    if coding is Coding.SIGNED:
        return _signed(data)
    if coding is Coding.UNSIGNED:
        return _unsigned(data)
    return int.from_bytes(data, "little")


def _scale(raw: float, exponent: int) -> float:
    # Dividing by an exact power of ten keeps e.g. 7842497 L -> 7842.497 m³ exact.
    power: int = 10 ** abs(exponent)
    return raw / power if exponent < 0 else float(raw * power)


def _parse_profile(body: bytes) -> CompactProfile:
    control, spacing = body[0], body[1]
    size = control & 0x0F
    mode = control >> 6
    if not 1 <= size <= 4:
        raise DecodeError(f"compact profile element size {size} is not 1-4")
    if mode == 0:
        raise DecodeError("compact profile with absolute values is not supported")
    profile_mode = ProfileMode(mode)
    read = _signed if profile_mode is ProfileMode.SIGNED_DIFFERENCES else _unsigned
    data = body[2:]
    count = len(data) // size
    elements = tuple(read(data[i * size : (i + 1) * size]) for i in range(count))
    return CompactProfile(profile_mode, (control >> 4) & 0x03, spacing, size, elements)


# --- record walk --------------------------------------------------------------------------

_FUNCTIONS = (Function.INSTANTANEOUS, Function.MAXIMUM, Function.MINIMUM, Function.ERROR_STATE)
_FILLER = 0x2F
_MANUFACTURER_DATA = {0x0F, 0x1F}


@dataclass(slots=True)
class _Cursor:
    data: bytes
    pos: int = 0

    def take(self, count: int, what: str) -> bytes:
        if self.pos + count > len(self.data):
            raise DecodeError(f"not enough bytes for {what}")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def extension_chain(self, first: int, what: str) -> bytes:
        """Read bytes while the previous one has its extension bit (bit 7) set."""
        chain = bytearray((first,))
        while chain[-1] & 0x80:
            if len(chain) > _MAX_EXTENSIONS:
                raise DecodeError(f"too many {what} extensions")
            chain += self.take(1, what)
        return bytes(chain)


@dataclass(frozen=True, slots=True)
class _Dib:
    function: Function
    data_code: int
    storage: int
    tariff: int
    subunit: int


def _parse_dib(dib: bytes) -> _Dib:
    dif = dib[0]
    storage = (dif >> 6) & 0x01
    tariff = subunit = 0
    for index, dife in enumerate(dib[1:]):
        storage |= (dife & 0x0F) << (1 + 4 * index)
        tariff |= ((dife >> 4) & 0x03) << (2 * index)
        subunit |= ((dife >> 6) & 0x01) << index
    return _Dib(_FUNCTIONS[(dif >> 4) & 0x03], dif & 0x0F, storage, tariff, subunit)


def _make_record(
    dib: _Dib,
    vib: _Vib,
    raw: float | None,
    value: float | datetime | None,
    profile: CompactProfile | None = None,
) -> Record:
    return Record(
        storage=dib.storage,
        function=dib.function,
        tariff=dib.tariff,
        subunit=dib.subunit,
        quantity=vib.quantity,
        unit=vib.unit,
        code=vib.code,
        modifiers=vib.modifiers,
        raw=raw,
        value=value,
        exponent=vib.exponent,
        profile=profile,
    )


def _profile_record(cursor: _Cursor, dib: _Dib, vib: _Vib) -> Record:
    length = cursor.take(1, "LVAR")[0]
    if not vib.compact_profile:
        raise DecodeError("LVAR that is not an inverse compact profile is not supported")
    if not 2 <= length <= _MAX_PROFILE_LENGTH:
        raise DecodeError(f"compact profile length {length} is invalid")
    profile = _parse_profile(cursor.take(length, "compact profile"))
    return _make_record(dib, vib, None, None, profile)


def _record(
    cursor: _Cursor,
    dif: int,
    manufacturer_vifes: VifeTable | None,
    warnings: list[str],
) -> Record:
    dib = _parse_dib(cursor.extension_chain(dif, "DIF"))
    vib = _parse_vib(cursor.extension_chain(cursor.take(1, "VIF")[0], "VIF"), manufacturer_vifes)
    if dib.data_code == _DATA_LVAR:
        return _profile_record(cursor, dib, vib)
    if vib.compact_profile:
        raise DecodeError("compact profile VIFE on a record that is not LVAR")
    data = cursor.take(_BCD_SIZES.get(dib.data_code, _SIZES.get(dib.data_code, 0)), "data field")
    value: float | datetime | None
    raw: float | None = None
    if vib.coding in {Coding.DATE, Coding.DATE_TIME}:
        value = _decode_date(vib.coding, data)
    else:
        raw = _decode_number(dib.data_code, vib.coding, data)
        if vib.quantity is Quantity.ALD_LAST_DAY and raw == 0x0FFF:
            raw = None  # Kamstrup marks "no ALD value" with 4095
        value = raw
        if raw is not None and vib.coding is Coding.SIGNED:
            value = _scale(raw, vib.exponent)
    if value is None:
        warnings.append(f"invalid {vib.quantity} value (storage {dib.storage})")
    return _make_record(dib, vib, raw, value)


def parse_records(data: bytes, manufacturer_vifes: VifeTable | None = None) -> Frame:
    """Parse the data records of an (already decrypted) application layer.

    ``manufacturer_vifes`` gives the meaning of VIFEs after ``0xFF`` for this
    manufacturer (for example :data:`KAMSTRUP_VIFES`); any other one is then an error.
    Without a table, manufacturer-specific records are kept with an unknown quantity.
    """
    vifes = manufacturer_vifes
    cursor = _Cursor(data)
    records: list[Record] = []
    warnings: list[str] = []
    manufacturer_data = b""
    while cursor.pos < len(data):
        dif = cursor.take(1, "DIF")[0]
        if dif == _FILLER:
            continue
        if dif in _MANUFACTURER_DATA:
            manufacturer_data = data[cursor.pos :]
            break
        if dif & 0x0F == 0x0F:
            raise DecodeError(f"unsupported special DIF 0x{dif:02X}")
        records.append(_record(cursor, dif, vifes, warnings))
    timestamps = _timestamps(records)
    series = tuple(
        _expand(record, record.profile, records, timestamps, warnings)
        for record in records
        if record.profile is not None
    )
    return Frame(tuple(records), series, timestamps, tuple(warnings), manufacturer_data)


def _timestamps(records: list[Record]) -> dict[int, datetime]:
    """Map storage numbers to their date-time; a type F/I date-time wins over a date."""
    stamps: dict[int, datetime] = {}
    for quantity in (Quantity.DATE_TIME, Quantity.DATE):
        for record in records:
            if (
                record.quantity is quantity
                and isinstance(record.value, datetime)
                and record.storage not in stamps
            ):
                stamps[record.storage] = record.value
    return stamps


# --- compact profile expansion ------------------------------------------------------------

_MONTH_STEPS = {3: 1, 2: 3, 1: 6}  # spacing value 254: unit -> months per step
_MAX_SPACING = 250
_MONTH_SPACING = 254


def _months_back(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def step_back(moment: datetime, unit: int, spacing: int) -> datetime | None:
    """Return the time one profile step before ``moment``; ``None`` for invalid spacing."""
    if 1 <= spacing <= _MAX_SPACING:
        seconds = (1, 60, 3600, 86400)[unit]
        return moment - timedelta(seconds=seconds * spacing)
    if spacing == _MONTH_SPACING and unit in _MONTH_STEPS:
        return _months_back(moment, _MONTH_STEPS[unit])
    return None


def _find_base(profile: Record, records: list[Record]) -> tuple[Record, float]:
    for record in records:
        if record.profile is None and record.same_series(profile):
            if record.raw is None:
                break
            return record, record.raw
    raise DecodeError("could not find a base value for the compact profile")


def _expand(
    profile_record: Record,
    profile: CompactProfile,
    records: list[Record],
    timestamps: dict[int, datetime],
    warnings: list[str],
) -> Series:
    base, value = _find_base(profile_record, records)
    moment = timestamps.get(profile_record.storage)
    if moment is None:
        raise DecodeError("could not find a base time for the compact profile")
    points = [(moment, _scale(value, base.exponent))]
    for element in profile.elements:
        earlier = step_back(moment, profile.unit, profile.spacing)
        if element is None or earlier is None:
            warnings.append("invalid value among compact profile values or their times")
            break
        value = value + element if profile.mode is ProfileMode.DECREMENTS else value - element
        if base.quantity is Quantity.VOLUME and value < 0:
            warnings.append("compact profile walks below zero volume")
            break
        moment = earlier
        points.append((moment, _scale(value, base.exponent)))
    points.reverse()
    return Series(base, tuple(points))
