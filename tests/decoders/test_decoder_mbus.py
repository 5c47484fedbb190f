"""Tests for the EN 13757-3 application-layer parser."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest

from custom_components.municipal_iot.decoders.base import Alarm, DecodeError
from custom_components.municipal_iot.decoders.kamstrup import KAMSTRUP
from custom_components.municipal_iot.decoders.mbus import (
    Address,
    Coding,
    Frame,
    Function,
    ManufacturerCoding,
    ProfileMode,
    Quantity,
    parse_header,
    parse_records,
    status_alarms,
    step_back,
)

DATE_TIME_2023_08_29_12 = "6d002cfd28"  # type F: 2023-08-29 12:00


def records(hex_records: str, *, kamstrup: bool = True) -> Frame:
    return parse_records(bytes.fromhex(hex_records), KAMSTRUP if kamstrup else None)


def only_value(hex_records: str) -> object:
    frame = records(hex_records)
    assert len(frame.records) == 1
    return frame.records[0].value


# --- transport header -------------------------------------------------------------------------


def test_no_header() -> None:
    header = parse_header(bytes.fromhex("78"))
    assert (header.ci, header.length, header.status, header.config) == (0x78, 1, None, 0)
    assert header.alarms is None
    assert header.security_mode == 0


def test_short_header() -> None:
    header = parse_header(bytes.fromhex("7a0604ff2a"))
    assert (header.access_number, header.status, header.config, header.length) == (6, 4, 0x2AFF, 5)
    assert header.security_mode == 10
    assert header.alarms == frozenset({Alarm.LOW_BATTERY})
    assert header.address is None


def test_long_header() -> None:
    header = parse_header(bytes.fromhex("7258578853372c3c16d6100800"))
    assert header.address == Address("53885758", 0x2C37, 0x3C, 0x16)
    assert header.address.manufacturer == "KAW"
    assert (header.access_number, header.status, header.config, header.length) == (
        0xD6,
        0x10,
        8,
        13,
    )
    assert header.security_mode == 0
    assert header.alarms == frozenset({Alarm.TEMPORARY_ERROR})


@pytest.mark.parametrize(
    ("payload_hex", "message"),
    [
        ("", "no CI"),
        ("79", "invalid CI field 0x79"),
        ("7a0800ff", "short transport header is truncated"),
        ("72000000000000000000", "long transport header is truncated"),
    ],
)
def test_header_errors(payload_hex: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        parse_header(bytes.fromhex(payload_hex))


def test_status_bits() -> None:
    assert status_alarms(0x00) == frozenset()
    assert status_alarms(0x1F) == frozenset(
        {Alarm.LOW_BATTERY, Alarm.PERMANENT_ERROR, Alarm.TEMPORARY_ERROR}
    )
    assert status_alarms(0x03) == frozenset()  # application status bits are not alarms


def test_manufacturer_letters() -> None:
    assert Address("00000000", 0x2C2D, 0, 0).manufacturer == "KAM"
    assert Address("00000000", 0x4CAE, 0, 0).manufacturer == "SEN"


def test_address_link_bytes_and_state_round_trip() -> None:
    address = Address("80296137", 0x2C2D, 0x35, 0x16)
    assert address.link_bytes() == bytes.fromhex("2d2c376129803516")
    assert Address.from_state(address.to_state()) == address


@pytest.mark.parametrize(
    "state",
    [
        None,
        "80296137",
        {"meter_id": "8029613", "manufacturer_code": 1, "version": 1, "device_type": 1},
        {"meter_id": "8029613Z", "manufacturer_code": 1, "version": 1, "device_type": 1},
        {"meter_id": "80296137", "manufacturer_code": 0x10000, "version": 1, "device_type": 1},
        {"meter_id": "80296137", "manufacturer_code": 1, "version": 256, "device_type": 1},
        {"meter_id": "80296137", "manufacturer_code": 1, "version": True, "device_type": 1},
        {"meter_id": "80296137", "manufacturer_code": 1, "version": 1},
    ],
)
def test_address_from_bad_state(state: object) -> None:
    assert Address.from_state(state) is None


# --- data records ---------------------------------------------------------------------------


def test_dib_storage_tariff_subunit_and_function() -> None:
    # DIF 0xB4: DIFE follows, storage bit 0, function 3 (error state), 32-bit.
    # DIFE 0xE5: another DIFE, subunit bit 1, tariff 2, storage bits 0101.
    # DIFE 0x01: storage bits 0001.
    frame = records("b4e50113e8030000")
    record = frame.records[0]
    assert record.storage == 0b0001_0101_0
    assert record.tariff == 2
    assert record.subunit == 1
    assert record.function is Function.ERROR_STATE
    assert record.value == 1.0


@pytest.mark.parametrize(
    ("hex_records", "expected"),
    [
        ("0113ff", -0.001),  # signed 8-bit
        ("02137fff", -0.129),
        ("0313010080", -8388.607),
        ("06130100000000ff", -1099511627.775),  # 48-bit
        ("071301000000000000ff", -72057594037927.935),  # 64-bit
        ("0913" + "99", 0.099),  # BCD
        ("0c13" + "78563412", 12345.678),
        ("0a13" + "34f1", -0.134),  # sign nibble
        ("0e13" + "010000000000", 0.001),
        ("0513" + struct.pack("<f", 1.5).hex(), 0.0015),  # 32-bit real
        ("023b1027", 10.0),  # 10000 L/h
        ("01590a", 0.1),  # flow temperature, 0.01 °C
        ("015dfb", -0.05),  # return temperature
        ("016716", 22.0),  # external temperature
        ("02683930", 12.345),  # pressure, 1 mbar
        ("026a3930", 1234.5),  # pressure, 0.1 bar
    ],
)
def test_numeric_values(hex_records: str, expected: float) -> None:
    assert only_value(hex_records) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "hex_records",
    [
        "011380",  # type B minimum marks invalid
        "04130000" + "0080",
        "0a13" + "1a00",  # BCD with a hex digit
        "0513" + struct.pack("<f", float("nan")).hex(),
        "0513" + struct.pack("<f", float("inf")).hex(),
        "02ff1cffff",  # type C all ones
        "02ff1cff0f",  # Kamstrup's invalid ALD (4095)
    ],
)
def test_invalid_values(hex_records: str) -> None:
    frame = records(hex_records)
    assert frame.records[0].value is None
    assert len(frame.warnings) == 1


def test_unsigned_and_bit_fields() -> None:
    assert only_value("04ff16bf587000") == 7362751  # config number
    assert only_value("02ff25ffff") == 0xFFFF  # infocode bits are never "invalid"
    assert only_value("02ff2201c0") == 0xC001  # type-4 infocode
    assert only_value("01ff1b07") == 7  # ALD
    assert records("02fd170300").records[0].quantity is Quantity.ERROR_FLAGS
    assert only_value("0c7878563412") == 12345678  # fabrication number, BCD


@pytest.mark.parametrize(
    ("vif", "quantity", "unit"),
    [
        ("20", Quantity.ON_TIME, "s"),
        ("22", Quantity.ON_TIME, "h"),
        ("27", Quantity.OPERATING_TIME, "d"),
    ],
)
def test_durations(vif: str, quantity: Quantity, unit: str) -> None:
    record = records("01" + vif + "05").records[0]
    assert (record.quantity, record.unit, record.value) == (quantity, unit, 5)


def test_unknown_standard_vif_is_kept() -> None:
    frame = records("0404" + "10270000" + "0413e8030000")  # energy (not a water quantity)
    assert frame.records[0].quantity is Quantity.UNKNOWN
    assert frame.records[0].value == 10000
    assert frame.records[1].value == 1.0


def test_orthogonal_vifes_become_modifiers() -> None:
    frame = records("04933ce8030000" + "04933be8030000" + "0493ff01e8030000" + "04fd9701e8030000")
    assert [r.modifiers for r in frame.records] == [
        ("backward",),
        ("forward",),
        ("vife_7f", "vife_01"),
        ("vife_01",),
    ]
    assert frame.records[3].quantity is Quantity.ERROR_FLAGS


def test_first_extension_table_is_unknown() -> None:
    assert records("01fb0005").records[0].quantity is Quantity.UNKNOWN


def test_manufacturer_vifes_strict_with_table_lenient_without() -> None:
    with pytest.raises(DecodeError, match="manufacturer-specific VIFE 0x73"):
        records("44ff73ec000000")
    frame = records("44ff73ec000000", kamstrup=False)
    assert frame.records[0].quantity is Quantity.UNKNOWN


def test_manufacturer_coding_is_a_parameter() -> None:
    # Another manufacturer: its own VIFE table and "no value" marker, none of Kamstrup's.
    acme = ManufacturerCoding(
        {0x01: (Quantity.CONFIG_NUMBER, Coding.UNSIGNED)}, lambda _quantity, raw: raw == 7
    )
    frame = parse_records(bytes.fromhex("01ff0107" + "01ff0108"), acme)
    assert [r.value for r in frame.records] == [None, 8]
    assert frame.warnings == ("invalid config_number value (storage 0)",)
    with pytest.raises(DecodeError, match="manufacturer-specific VIFE 0x1C"):
        parse_records(bytes.fromhex("02ff1cff0f"), acme)


@pytest.mark.parametrize(
    ("hex_records", "message"),
    [
        ("04ff", "not enough bytes for VIF"),
        ("04fd", "not enough bytes for VIF"),
        ("047c", "unsupported VIF 0x7C"),
        ("04fc01", "unsupported VIF 0xFC"),
        ("047d", "unsupported VIF 0x7D"),
        ("04", "not enough bytes for VIF"),
        ("0413e803", "not enough bytes for data field"),
        ("84", "not enough bytes for DIF"),
        ("80" * 12 + "0013", "too many DIF extensions"),
        ("0093" + "80" * 11 + "00", "too many VIF extensions"),
        ("3f", "unsupported special DIF 0x3F"),
        ("7f", "unsupported special DIF 0x7F"),
        ("4d13" + "0400000000", "LVAR that is not an inverse compact profile"),
        ("4d9313", "not enough bytes for LVAR"),
        ("4d931301", "compact profile length 1 is invalid"),
        ("4d9313c0", "compact profile length 192 is invalid"),
        ("4d931304" + "620100", "not enough bytes for compact profile"),
        ("449313" + "00000000", "not LVAR"),
    ],
)
def test_record_errors(hex_records: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        records(hex_records)


def test_filler_and_manufacturer_data() -> None:
    frame = records("2f2f0413e80300002f0f0102ff")
    assert [r.value for r in frame.records] == [1.0]
    assert frame.manufacturer_data == bytes.fromhex("0102ff")
    assert records("1f0a0b").manufacturer_data == bytes.fromhex("0a0b")


def test_no_data_reads_as_zero() -> None:
    assert only_value("403a") == 0.0
    assert only_value("483a") == 0.0  # selection for readout


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hex_records", "expected"),
    [
        ("04" + DATE_TIME_2023_08_29_12, datetime(2023, 8, 29, 12, tzinfo=UTC)),
        ("046d2a2d1336", datetime(2024, 6, 19, 13, 42, tzinfo=UTC)),
        ("046d0a0cbf25", datetime(2021, 5, 31, 12, 10, tzinfo=UTC)),  # hundred-year bits 0, year 21
        ("046d0a0c41b5", datetime(1990, 5, 1, 12, 10, tzinfo=UTC)),  # hundred-year 0, year 90
        ("046d0a4c0105", datetime(2100, 5, 1, 12, 10, tzinfo=UTC)),  # hundred-year 2, year 0
        ("026c1f35", datetime(2024, 5, 31, tzinfo=UTC)),  # type G
        ("066d1e2a0a3f3500", datetime(2025, 5, 31, 10, 42, 30, tzinfo=UTC)),  # type I
    ],
)
def test_dates(hex_records: str, expected: datetime) -> None:
    assert only_value(hex_records) == expected


@pytest.mark.parametrize(
    "hex_records",
    [
        "046dffffffff",  # invalid flag
        "046d002c0028",  # day 0
        "046d00380128",  # hour 24
        "046d002c1f22",  # 31 February
        "026cffff",  # type G all ones
        "026c0100",  # type G month 0
        "066d0586070183" + "55",  # type I invalid flag
        "026d0101",  # date-time of 2 bytes
        "006d",  # no data
        "0c6d00000000",  # BCD date-time
    ],
)
def test_invalid_dates(hex_records: str) -> None:
    frame = records(hex_records)
    assert frame.records[0].value is None
    assert frame.warnings == (f"invalid {frame.records[0].quantity} value (storage 0)",)
    assert frame.timestamps == {}


def test_date_time_wins_over_date_for_a_storage() -> None:
    frame = records("426c1f35" + "44" + "6d002cfd28" + "426c1f36")
    assert frame.timestamps == {1: datetime(2023, 8, 29, 12, tzinfo=UTC)}
    assert records("426c1f35").timestamps == {1: datetime(2024, 5, 31, tzinfo=UTC)}


# --- compact profiles -----------------------------------------------------------------------


def profile_frame(control: int, spacing: int, elements: bytes, base_l: int = 1000) -> Frame:
    body = bytes((control, spacing)) + elements
    hex_records = "44" + DATE_TIME_2023_08_29_12 + "4413" + base_l.to_bytes(4, "little").hex()
    return records(hex_records + "4d9313" + f"{len(body):02x}" + body.hex())


def test_profile_modes() -> None:
    # 0x61: increments, hours, 1 byte; 0xA1: decrements; 0xE1: signed differences.
    increments = profile_frame(0x61, 1, bytes((10, 20)))
    assert [v for _, v in increments.series[0].points] == [0.97, 0.99, 1.0]
    decrements = profile_frame(0xA1, 1, bytes((10, 20)))
    assert [v for _, v in decrements.series[0].points] == [1.03, 1.01, 1.0]
    signed = profile_frame(0xE1, 1, bytes((10, 0xF6)))  # +10, -10
    assert [v for _, v in signed.series[0].points] == [1.0, 0.99, 1.0]
    assert signed.records[2].profile is not None
    assert signed.records[2].profile.mode is ProfileMode.SIGNED_DIFFERENCES


@pytest.mark.parametrize(
    ("control", "spacing", "step"),
    [
        (0x01 | 0x40, 30, (2023, 8, 29, 11, 59, 30)),  # 30 s
        (0x11 | 0x40, 15, (2023, 8, 29, 11, 45, 0)),  # 15 min
        (0x21 | 0x40, 250, (2023, 8, 19, 2, 0, 0)),  # 250 h
        (0x31 | 0x40, 7, (2023, 8, 22, 12, 0, 0)),  # 7 days
        (0x31 | 0x40, 254, (2023, 7, 29, 12, 0, 0)),  # 1 month
        (0x21 | 0x40, 254, (2023, 5, 29, 12, 0, 0)),  # 3 months
        (0x11 | 0x40, 254, (2023, 2, 28, 12, 0, 0)),  # 6 months, clamped to 28 February
    ],
)
def test_profile_spacing(control: int, spacing: int, step: tuple[int, ...]) -> None:
    frame = profile_frame(control, spacing, bytes((1,)))
    (earlier, value), (base_time, base) = frame.series[0].points
    assert base_time == datetime(2023, 8, 29, 12, tzinfo=UTC)
    assert earlier == datetime(*step, tzinfo=UTC)
    assert (value, base) == (0.999, 1.0)


def test_month_steps_clamp_the_day() -> None:
    assert step_back(datetime(2024, 3, 31, tzinfo=UTC), 3, 254) == datetime(2024, 2, 29, tzinfo=UTC)
    assert step_back(datetime(2024, 1, 31, tzinfo=UTC), 3, 254) == datetime(
        2023, 12, 31, tzinfo=UTC
    )


@pytest.mark.parametrize(("unit", "spacing"), [(2, 0), (2, 251), (2, 255), (0, 254)])
def test_invalid_spacing_keeps_only_the_base(unit: int, spacing: int) -> None:
    frame = profile_frame(0x41 | unit << 4, spacing, bytes((1, 2)))
    assert [v for _, v in frame.series[0].points] == [1.0]
    assert frame.warnings == ("invalid value among compact profile values or their times",)


def test_invalid_element_stops_the_walk() -> None:
    frame = profile_frame(0x62, 1, bytes.fromhex("0100ffff0100"))
    assert [v for _, v in frame.series[0].points] == [0.999, 1.0]
    assert frame.warnings == ("invalid value among compact profile values or their times",)
    signed = profile_frame(0xE2, 1, bytes.fromhex("01000080"))
    assert len(signed.series[0].points) == 2


def test_walk_below_zero_stops() -> None:
    frame = profile_frame(0x61, 1, bytes((200, 250)), base_l=300)
    assert [v for _, v in frame.series[0].points] == [0.1, 0.3]
    assert frame.warnings == ("compact profile walks below zero volume",)


def test_profile_element_sizes_and_trailing_bytes() -> None:
    frame = profile_frame(0x64, 1, bytes.fromhex("0a000000" + "0b"))  # 4-byte element + stray byte
    assert [v for _, v in frame.series[0].points] == [0.99, 1.0]


@pytest.mark.parametrize(
    ("control", "message"),
    [(0x60, "element size 0"), (0x65, "element size 5"), (0x21, "absolute values")],
)
def test_profile_header_errors(control: int, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        profile_frame(control, 1, b"\x01")


def test_profile_needs_matching_base_value_and_time() -> None:
    body = "4d931303610101"
    with pytest.raises(DecodeError, match="base value"):
        records("44" + DATE_TIME_2023_08_29_12 + body)
    with pytest.raises(DecodeError, match="base value"):  # the base is invalid
        records("44" + DATE_TIME_2023_08_29_12 + "441300000080" + body)
    with pytest.raises(DecodeError, match="base value"):  # base of another storage number
        records("44" + DATE_TIME_2023_08_29_12 + "0413e8030000" + body)
    with pytest.raises(DecodeError, match="base time"):
        records("4413e8030000" + body)
    # The base must have the same VIF: a 10 L volume does not anchor a litre profile.
    with pytest.raises(DecodeError, match="base value"):
        records("44" + DATE_TIME_2023_08_29_12 + "4414e8030000" + body)


def test_sensus_storage_eight_profile() -> None:
    frame = records(
        "8404133a1c7e0184046d2a2d13368d04931318d23c34002e0034002e0039002e0034002e00340033003400",
        kamstrup=False,
    )
    series = frame.series[0]
    assert series.base.storage == 8
    assert len(series.points) == 12
    assert series.points[0] == (datetime(2024, 6, 19, 2, 42, tzinfo=UTC), 25041.426)
    assert series.points[-1] == (datetime(2024, 6, 19, 13, 42, tzinfo=UTC), 25041.978)
