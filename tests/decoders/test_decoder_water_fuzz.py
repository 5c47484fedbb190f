"""Property tests: water decoders raise nothing but DecodeError and return sane output."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.decoders.axioma import STATE_UNITS, AxiomaW1Decoder
from custom_components.municipal_iot.decoders.base import (
    DecodeContext,
    Decoded,
    DecodeError,
    Decoder,
)
from custom_components.municipal_iot.decoders.kamstrup import KamstrupFlowIQDecoder
from custom_components.municipal_iot.decoders.oms_crypto import STATE_ADDRESS
from custom_components.municipal_iot.decoders.sensus import SensusIperlDecoder

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "vectors_water.json").read_text())
ALL_VECTORS = [v for vendor in VECTORS["lorawan"].values() for v in vendor]
PAYLOADS = [bytes.fromhex(v["payload_hex"]) for v in ALL_VECTORS]
KEYS = [
    bytes.fromhex(v["decoder_input_extra"]["thing"]["setup"]["DEK"])
    for v in ALL_VECTORS
    if "thing" in v.get("decoder_input_extra", {})
]
DECODERS: list[Decoder] = [AxiomaW1Decoder(), KamstrupFlowIQDecoder(), SensusIperlDecoder()]
RECEIVED = datetime(2023, 8, 30, 12, tzinfo=UTC)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

keys = st.one_of(
    st.none(), st.sampled_from(KEYS), st.binary(min_size=16, max_size=16), st.binary(max_size=20)
)
states = st.sampled_from(
    [
        {},
        {
            STATE_ADDRESS: {
                "meter_id": "80296137",
                "manufacturer_code": 0x2C2D,
                "version": 0x35,
                "device_type": 0x16,
            }
        },
        {STATE_ADDRESS: {"meter_id": 5}},
        {STATE_UNITS: {"current": "oz", "logged": "oz"}},
        {STATE_UNITS: "oz"},
    ]
)
ports = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=255),
    st.sampled_from([1, 4, 6, 20, 100, 101, 103]),
)

# Bytes that open M-Bus records, so random frames get past the first DIF/VIF.
RECORD_TOKENS = [
    bytes.fromhex(token)
    for token in (
        "0413",
        "4413",
        "446d",
        "426c",
        "466d",
        "4d9313",
        "8d049313",
        "52ff25",
        "42ff1c",
        "04ff16",
        "02ff22",
        "02fd17",
        "04933c",
        "743b",
        "615b",
        "6567",
        "0e13",
        "0513",
        "0713",
        "2f",
        "0f",
        "84",
    )
]
records = st.lists(
    st.one_of(st.sampled_from(RECORD_TOKENS), st.binary(max_size=6)), max_size=12
).map(b"".join)
headers = st.one_of(
    st.just(b"\x78"),
    st.binary(min_size=4, max_size=4).map(lambda b: b"\x7a" + b),
    st.binary(min_size=12, max_size=12).map(lambda b: b"\x72" + b),
    st.sampled_from([b"\x7a\x00\x00\xff\x2a\x10\x01", b"\x72" + bytes(10) + b"\xff\xaa\x10\x01"]),
)


@st.composite
def mutated_vectors(draw: st.DrawFn) -> bytes:
    payload = bytearray(draw(st.sampled_from(PAYLOADS)))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if payload:
            index = draw(st.integers(min_value=0, max_value=len(payload) - 1))
            payload[index] = draw(st.integers(min_value=0, max_value=255))
    cut = draw(st.integers(min_value=0, max_value=len(payload)))
    return bytes(payload[: len(payload) - cut] if draw(st.booleans()) else payload)


@st.composite
def axioma_frames(draw: st.DrawFn) -> bytes:
    """Port-100 frames whose meter time is close to the receive time."""
    length = draw(st.sampled_from([37, 47, 48, 51]))
    body = bytearray(draw(st.binary(min_size=length, max_size=length)))
    offset = draw(st.integers(min_value=-7200, max_value=7200))
    seconds = int(RECEIVED.timestamp()) + offset
    start = 1 if length == 51 else 0
    if length == 51:
        body[0] = 1
    body[start : start + 4] = seconds.to_bytes(4, "little")
    if length in {47, 48} and draw(st.booleans()):
        body[9:13] = (seconds - seconds % 3600 - 15 * 3600).to_bytes(4, "little")
    return bytes(body)


def check(
    decoder: Decoder, payload: bytes, f_port: int | None, key: bytes | None, state: dict[str, Any]
) -> None:
    ctx = DecodeContext(received_at=RECEIVED, key=key, state=json.loads(json.dumps(state)))
    try:
        decoded = decoder.decode(payload, f_port, ctx)
    except DecodeError:
        return
    assert isinstance(decoded, Decoded)
    json.dumps(decoded.raw)  # diagnostics must serialise
    json.dumps(ctx.state)  # the caller persists the state as JSON
    times = [reading.at for reading in decoded.history]
    assert times == sorted(times)
    assert all(moment.tzinfo is not None for moment in times)
    assert decoded.meter_time is None or decoded.meter_time.utcoffset() == timedelta(0)
    for value in (decoded.volume_m3, decoded.flow_m3h):
        assert value is None or isinstance(value, float)


@SETTINGS
@given(
    decoder=st.sampled_from(DECODERS),
    payload=st.binary(max_size=80),
    f_port=ports,
    key=keys,
    state=states,
)
def test_arbitrary_bytes(
    decoder: Decoder, payload: bytes, f_port: int | None, key: bytes | None, state: dict[str, Any]
) -> None:
    check(decoder, payload, f_port, key, state)


oms_frames = st.tuples(headers, records).map(lambda parts: parts[0] + parts[1])


@SETTINGS
@given(
    decoder=st.sampled_from(DECODERS[1:]), payload=oms_frames, f_port=ports, key=keys, state=states
)
def test_structured_oms_frames(
    decoder: Decoder, payload: bytes, f_port: int | None, key: bytes | None, state: dict[str, Any]
) -> None:
    check(decoder, payload, f_port, key, state)


@SETTINGS
@given(
    decoder=st.sampled_from(DECODERS),
    payload=mutated_vectors(),
    f_port=ports,
    key=keys,
    state=states,
)
def test_mutated_vectors(
    decoder: Decoder, payload: bytes, f_port: int | None, key: bytes | None, state: dict[str, Any]
) -> None:
    check(decoder, payload, f_port, key, state)


@SETTINGS
@given(payload=axioma_frames(), state=states)
def test_axioma_frames_near_receive_time(payload: bytes, state: dict[str, Any]) -> None:
    check(DECODERS[0], payload, 100, None, state)


@SETTINGS
@given(payload=st.binary(max_size=40), f_port=st.sampled_from([101, 103]), state=states)
def test_axioma_configuration_and_alarm_ports(
    payload: bytes, f_port: int, state: dict[str, Any]
) -> None:
    check(DECODERS[0], payload, f_port, None, state)
