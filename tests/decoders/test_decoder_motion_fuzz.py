"""Property tests: no decoder raises anything but DecodeError, whatever the input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.decoders.base import DecodeContext, Decoded, DecodeError
from custom_components.municipal_iot.decoders.registry import DECODERS

RECEIVED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
F_PORTS = st.none() | st.integers(min_value=0, max_value=255)


def check(
    model_id: str, payload: bytes, f_port: int | None, received_at: datetime = RECEIVED
) -> None:
    ctx = DecodeContext(received_at=received_at)
    try:
        decoded = DECODERS[model_id].decode(payload, f_port, ctx)
    except DecodeError:
        return
    assert isinstance(decoded, Decoded)
    assert all(isinstance(warning, str) for warning in decoded.warnings)
    if decoded.battery is not None:
        assert 0.0 <= decoded.battery <= 100.0
    if decoded.motion_count is not None:
        assert decoded.motion_count >= 0
        assert decoded.motion is (decoded.motion_count > 0)
    for moment in (decoded.motion_at, decoded.meter_time):
        assert moment is None or moment.tzinfo is not None


@pytest.mark.parametrize("model_id", sorted(DECODERS))
@given(payload=st.binary(max_size=96), f_port=F_PORTS)
@settings(max_examples=300, deadline=None)
def test_arbitrary_bytes(model_id: str, payload: bytes, f_port: int | None) -> None:
    check(model_id, payload, f_port)


# Payloads built from plausible record headers reach deeper than uniform random bytes.
MILESIGHT_HEADERS = [
    "0175", "0300", "0400", "0367", "0468", "0500", "8367", "20ce", "ff0b", "ff01", "ff09",
    "ff0a", "ffff", "ff16", "ff08", "ff0f", "fffe", "fe10", "ff8e", "ff96", "feb2",
]  # fmt: skip
ELSYS_HEADERS = [f"{nob << 6 | t:02x}" for nob in range(4) for t in (1, 2, 5, 7, 0x11, 0x13)]


@st.composite
def record_soup(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.sampled_from(MILESIGHT_HEADERS + ELSYS_HEADERS), max_size=6))
    return b"".join(bytes.fromhex(h) + draw(st.binary(max_size=10)) for h in headers)


@pytest.mark.parametrize("model_id", sorted(DECODERS))
@given(payload=record_soup(), f_port=F_PORTS)
@settings(max_examples=300, deadline=None)
def test_record_shaped_bytes(model_id: str, payload: bytes, f_port: int | None) -> None:
    check(model_id, payload, f_port)


# Issue 10 defect 5: Elsys raised OverflowError with a year-1 receive time. Decoders are
# pure and may be called with any clock: every receive time Python can hold is tried.
# (hypothesis takes naive bounds and adds the zone itself)
NAIVE_MIN, NAIVE_MAX = datetime.min, datetime.max  # noqa: DTZ901
ANY_TIME = st.datetimes(min_value=NAIVE_MIN, max_value=NAIVE_MAX, timezones=st.just(UTC))


@pytest.mark.parametrize("model_id", sorted(DECODERS))
@given(
    payload=record_soup() | st.binary(max_size=96),
    f_port=F_PORTS,
    received_at=ANY_TIME
    | st.sampled_from([datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)]),
)
@settings(max_examples=300, deadline=None)
def test_any_receive_time(
    model_id: str, payload: bytes, f_port: int | None, received_at: datetime
) -> None:
    check(model_id, payload, f_port, received_at)


def test_elsys_motion_with_a_year_1_receive_time() -> None:
    """A queued motion sample 16 s before the first instant Python can hold."""
    ctx = DecodeContext(received_at=datetime.min.replace(tzinfo=UTC))
    # Type 0x05 (motion count 3) with one offset byte (bits 7-6 = 01): 16 s ago.
    decoded = DECODERS["elsys_ers"].decode(bytes.fromhex("450310"), 1, ctx)
    assert decoded.motion_count == 3
    assert decoded.motion_at is None  # no time before year 1: the count stays, not the time
    assert decoded.warnings == ("motion time out of range",)
