"""Walk over the data records (DIB, VIB, data) of an M-Bus application layer.

Each record is a DIF with up to ten DIFEs (function, storage number, tariff, subunit,
data field), a VIF with up to ten VIFEs (see :mod:`.coding`) and the data. ``0x2F`` is
filler; ``0x0F``/``0x1F`` starts manufacturer data that runs to the end of the frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..base import DecodeError
from .coding import (
    DATA_LVAR,
    Coding,
    ManufacturerCoding,
    Quantity,
    Vib,
    data_size,
    decode_date,
    decode_number,
    parse_vib,
    scale,
)
from .profile import CompactProfile, Points, parse_profile, walk_back


class Function(StrEnum):
    """DIF function field."""

    INSTANTANEOUS = "instantaneous"
    MAXIMUM = "maximum"
    MINIMUM = "minimum"
    ERROR_STATE = "error_state"


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
    points: Points  # includes the base value at its time


@dataclass(frozen=True, slots=True)
class Frame:
    """Parsed application layer."""

    records: tuple[Record, ...]
    series: tuple[Series, ...]
    timestamps: dict[int, datetime]  # storage number -> date-time (type F/I) or date
    warnings: tuple[str, ...]
    manufacturer_data: bytes = b""


_FUNCTIONS = (Function.INSTANTANEOUS, Function.MAXIMUM, Function.MINIMUM, Function.ERROR_STATE)
_FILLER = 0x2F
_MANUFACTURER_DATA = {0x0F, 0x1F}
_MAX_EXTENSIONS = 10  # EN 13757-3 allows at most ten DIFEs and ten VIFEs
_MAX_PROFILE_LENGTH = 0xBF  # LVAR 0x00-0xBF: that many bytes follow


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


# The DIB of every DIF without DIFE (bit 7 clear), decided once (shared: _Dib is immutable).
_SINGLE_DIBS = tuple(_parse_dib(bytes((dif,))) for dif in range(0x80))


def _make_record(
    dib: _Dib,
    vib: Vib,
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


def _profile_record(cursor: _Cursor, dib: _Dib, vib: Vib) -> Record:
    length = cursor.take(1, "LVAR")[0]
    if not vib.compact_profile:
        raise DecodeError("LVAR that is not an inverse compact profile is not supported")
    if not 2 <= length <= _MAX_PROFILE_LENGTH:
        raise DecodeError(f"compact profile length {length} is invalid")
    profile = parse_profile(cursor.take(length, "compact profile"))
    return _make_record(dib, vib, None, None, profile)


def _number(
    dib: _Dib, vib: Vib, data: bytes, manufacturer: ManufacturerCoding | None
) -> int | float | None:
    raw = decode_number(dib.data_code, vib.coding, data)
    if raw is None or manufacturer is None or not manufacturer.is_invalid(vib.quantity, raw):
        return raw
    return None  # the manufacturer's "no value" marker


def _record(
    cursor: _Cursor,
    dif: int,
    manufacturer: ManufacturerCoding | None,
    warnings: list[str],
) -> Record:
    vifes = None if manufacturer is None else manufacturer.vifes
    dib = _SINGLE_DIBS[dif] if dif < 0x80 else _parse_dib(cursor.extension_chain(dif, "DIF"))
    vib = parse_vib(cursor.extension_chain(cursor.take(1, "VIF")[0], "VIF"), vifes)
    if dib.data_code == DATA_LVAR:
        return _profile_record(cursor, dib, vib)
    if vib.compact_profile:
        raise DecodeError("compact profile VIFE on a record that is not LVAR")
    data = cursor.take(data_size(dib.data_code), "data field")
    value: float | datetime | None
    raw: float | None = None
    if vib.coding in {Coding.DATE, Coding.DATE_TIME}:
        value = decode_date(vib.coding, data)
    else:
        raw = _number(dib, vib, data, manufacturer)
        value = raw
        if raw is not None and vib.coding is Coding.SIGNED:
            value = scale(raw, vib.exponent)
    if value is None:
        warnings.append(f"invalid {vib.quantity} value (storage {dib.storage})")
    return _make_record(dib, vib, raw, value)


def parse_records(data: bytes, manufacturer: ManufacturerCoding | None = None) -> Frame:
    """Parse the data records of an (already decrypted) application layer.

    ``manufacturer`` gives the meaning of VIFEs after ``0xFF`` for this manufacturer
    (any other one is then an error) and its invalid-value markers. Without it,
    manufacturer-specific records are kept with an unknown quantity.
    """
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
        records.append(_record(cursor, dif, manufacturer, warnings))
    timestamps = _timestamps(records)
    series = [
        _series(record, record.profile, records, timestamps, warnings)
        for record in records
        if record.profile is not None
    ]
    return Frame(tuple(records), tuple(series), timestamps, tuple(warnings), manufacturer_data)


def _series(
    profile_record: Record,
    profile: CompactProfile,
    records: list[Record],
    timestamps: dict[int, datetime],
    warnings: list[str],
) -> Series:
    """Return the series a profile record holds: its base record and the walked-back values."""
    base = next(
        (
            record
            for record in records
            if record.profile is None and record.same_series(profile_record)
        ),
        None,
    )
    if base is None or base.raw is None:
        raise DecodeError("could not find a base value for the compact profile")
    moment = timestamps.get(profile_record.storage)
    if moment is None:
        raise DecodeError("could not find a base time for the compact profile")
    points = walk_back(
        profile,
        base.raw,
        moment,
        exponent=base.exponent,
        volume=base.quantity is Quantity.VOLUME,
        warnings=warnings,
    )
    return Series(base, points)


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
