"""The parsers' fast paths give exactly what the full checks give (pure Python).

Each fast path is compared, over seeded random inputs, with a reference written
the slow way: the rewrite of RFC 3339 times the parser used before, the regular
expression for unsafe text, ``base64.b64decode``, and ``max()`` over gateways.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.municipal_iot.lorawan import chirpstack, fields
from custom_components.municipal_iot.lorawan.messages import SchemaError, Uplink

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
_FRACTION = re.compile(r"(\.\d{6})\d+")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    """The result, or the error type and message."""
    try:
        return "ok", fn(*args)
    except (SchemaError, ValueError) as err:
        return type(err).__name__, str(err)


def reference_time(value: str) -> datetime:
    """The parser's time check as it was before its fast path."""
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise SchemaError("time must be an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise SchemaError("time must carry a time zone")
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not 2000 <= utc.year <= 2099:
        raise SchemaError("time must be between 2000 and 2099")
    return utc


TIME_PARTS = [
    *("2026-12-02", "20261202", "0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"),
    *("T", "t", " ", "  ", "x", "", ",5", ".5", "W01", "-W01-1", "2026-336"),
    *("21:00:51", "21:00", "2100", "21:00:51.1", "21:00:51.123456", "21:00:51.123456789"),
    *("Z", "z", "+00:00", "+01:00", "-05:30", "+0100", "+01:00:00.1234567", "+14:00", "-23:59"),
]
WELL_FORMED = ((0, 6), (6, 9), (17, 23), (23, 32))  # TIME_PARTS slices: date, "T", time, zone


def test_times_read_as_the_full_rewrite_reads_them() -> None:
    """Random RFC 3339 look-alikes: the same time or the same error as the rewrite."""
    rnd = random.Random(20261202)  # noqa: S311 - seeded test data
    accepted = 0
    for n in range(60_000):
        if n % 2:
            value = "".join(rnd.choice(TIME_PARTS) for _ in range(rnd.randint(1, 6)))
        else:  # date, separator, time, zone: mostly well formed
            value = "".join(rnd.choice(TIME_PARTS[i:j]) for i, j in WELL_FORMED)
        expected = outcome(reference_time, value)
        assert outcome(fields.timestamp, value, "time", NOW) == expected, value
        accepted += expected[0] == "ok"
    assert 10_000 < accepted < 50_000  # the inputs reach both answers


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-02T21:00:51.123456789Z",  # ChirpStack: nanoseconds, Z
        "2026-12-02T21:00:51.123456789z",
        " 2026-12-02T21:00:51Z ",
        "2026-12-02z21:00:51",  # Python alone would take the z as the T
        "2026-12-02T21:00:51+01:00",
    ],
)
def test_time_examples(value: str) -> None:
    """Known shapes, each compared with the rewrite."""
    assert outcome(fields.timestamp, value, "time", NOW) == outcome(reference_time, value)


def test_text_check_matches_the_pattern() -> None:
    """Printable ASCII skips the pattern; everything else is still searched."""
    rnd = random.Random(7)  # noqa: S311 - seeded test data
    chars = "aZ09 _-.~\x00\x1f\x7f\x80\x9f\u00e5\u00a0\u2028\u2029\ud800\udfff\t\n"
    for _ in range(30_000):
        value = "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 8)))
        bad = _UNSAFE.search(value)
        result = outcome(fields.text, value, "name")
        if bad is None:
            assert result == ("ok", value)
        else:
            assert result == (
                "SchemaError",
                f"name contains a control character (U+{ord(bad.group()):04X})",
            )


def test_base64_matches_b64decode() -> None:
    """Strict base64 as ``base64.b64decode(validate=True)`` reads it."""
    rnd = random.Random(11)  # noqa: S311 - seeded test data
    chars = "ABCxyz019+/=-_ \n\u00e5"
    valid = 0
    for _ in range(30_000):
        value = "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 12)))
        try:
            expected: tuple[str, Any] = ("ok", base64.b64decode(value, validate=True))
            valid += 1
        except binascii.Error, ValueError:
            expected = ("SchemaError", "data is not valid base64")
        assert outcome(fields.payload, value, "data") == expected, value
    assert valid > 100


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.5, ("ok", 1.5)),
        (-0.0, ("ok", -0.0)),
        (3, ("ok", 3.0)),
        (None, ("ok", None)),
        (float("nan"), ("SchemaError", "x must be a finite number")),
        (float("inf"), ("SchemaError", "x must be a finite number")),
        (True, ("SchemaError", "x must be a number")),
        ("1", ("SchemaError", "x must be a number")),
    ],
)
def test_numbers(value: Any, expected: tuple[str, Any]) -> None:
    """Floats take the fast path, with the same answers."""
    assert outcome(fields.opt_float, value, "x") == expected


def _up(info: dict[str, Any], rx_info: list[Any] | None = None) -> Uplink:
    body = {"deviceInfo": info, "fCnt": 1, "fPort": 5, "data": "AQDi", "rxInfo": rx_info or []}
    message = chirpstack.parse("up", body, NOW)
    assert isinstance(message, Uplink)
    return message


def test_strongest_gateway_is_the_first_of_the_strongest() -> None:
    """Random gateway lists: the same pick as ``max()``; a missing RSSI counts as weakest."""
    rnd = random.Random(3)  # noqa: S311 - seeded test data
    for _ in range(2_000):
        rx = [
            {"rssi": rnd.choice([None, 0, -60, -60.0, -80, -120]), "snr": float(n)}
            for n in range(rnd.randint(1, 4))
        ]
        best = max(rx, key=lambda gw: fields.opt_float(gw["rssi"], "rssi") or -1000.0)
        assert _up({"devEui": "0101010101010101"}, rx).snr == best["snr"]


def test_a_device_identity_is_checked_again_when_its_info_changes() -> None:
    """The same deviceInfo gives the kept identity; any change is checked anew."""
    info = {"devEui": "A1B2C3D4E5F60718", "deviceName": "lgh 12", "tags": {"floor": "1"}}
    first = _up(dict(info)).device
    assert _up(dict(info)).device is first
    renamed = _up({**info, "deviceName": "lgh 14"}).device
    assert renamed.name == "lgh 14"
    assert renamed.dev_eui == "a1b2c3d4e5f60718"
    with pytest.raises(SchemaError, match="deviceName contains a control character"):
        _up({**info, "deviceName": "lgh\n14"})


def test_numeric_tags_are_never_taken_from_the_kept_identity() -> None:
    """A tag of 1 equals a later 1.0 or True; their texts differ, so none is kept."""
    info: dict[str, Any] = {"devEui": "0202020202020202", "tags": {"floor": 1}}
    assert _up(info).device.tags == {"floor": "1"}
    assert _up({**info, "tags": {"floor": 1.0}}).device.tags == {"floor": "1.0"}
    assert _up({**info, "tags": {"floor": True}}).device.tags == {"floor": "True"}


@pytest.mark.parametrize("eui", [["01"], {"a": 1}, None, 5])
def test_an_unhashable_or_missing_eui_is_a_schema_error(eui: Any) -> None:
    """The kept identities are looked up by text only."""
    with pytest.raises(SchemaError, match="devEui must be 16 hex digits"):
        _up({"devEui": eui})


def test_kept_identities_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """At the bound the kept identities are dropped and kept again from the next one."""
    monkeypatch.setattr(chirpstack, "MAX_IDENTITIES", 3)
    monkeypatch.setattr(chirpstack, "_IDENTITIES", {})
    for n in range(5):
        _up({"devEui": f"{n:016x}"})
    assert len(chirpstack._IDENTITIES) == 2
