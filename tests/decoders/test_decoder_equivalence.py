"""The live decoders give exactly what the frozen reference copy gave, for every payload.

``tests/decoders/reference`` is the decoder code before the table-driven rewrite. For the
payload vectors and for random valid and invalid payloads, both must return the same
result: every ``Decoded`` field, ``raw`` with its key order and value types (``1`` is not
``1.0``), the warnings, the decoder state left in the context, or the same error type
and message.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.decoders.base import DecodeContext, Decoded, DecodeError
from custom_components.municipal_iot.decoders.registry import DECODERS
from custom_components.municipal_iot.decoders.server_object import decode_server_object
from custom_components.municipal_iot.decoders.values import decoded_values
from tests.decoders.oracle import REFERENCE, canonical
from tests.decoders.reference import elsys, milesight, server_object, values
from tests.decoders.test_decoder_motion_fuzz import ANY_TIME, record_soup
from tests.decoders.test_decoder_water_fuzz import (
    axioma_frames,
    keys,
    mutated_vectors,
    oms_frames,
    states,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
MODELS = sorted(DECODERS)
RECEIVED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(call: Callable[[], object]) -> object:
    try:
        return canonical(call())
    except DecodeError as err:
        return "error", type(err).__name__, str(err)


def assert_same(
    model_id: str,
    payload: bytes,
    f_port: int | None,
    received_at: datetime = RECEIVED,
    key: bytes | None = None,
    state: Mapping[str, Any] | None = None,
) -> None:
    results = []
    for decoder in (DECODERS[model_id], REFERENCE[model_id]):
        ctx = DecodeContext(received_at, key, copy.deepcopy(dict(state or {})))
        result = outcome(lambda d=decoder, c=ctx: d.decode(payload, f_port, c))
        results.append((result, canonical(ctx.state)))
    assert results[0] == results[1], (model_id, payload.hex(), f_port)


def assert_same_values(decoded: Decoded, received_at: datetime) -> None:
    live = decoded_values(decoded, received_at)
    assert canonical(live) == canonical(values.decoded_values(decoded, received_at))


def _vectors() -> list[dict[str, Any]]:
    found = []
    for name in ("vectors_motion.json", "vectors_water.json"):
        data = json.loads((FIXTURES / name).read_text())
        found += [vector for vendor in data["lorawan"].values() for vector in vendor]
    return found


VECTORS = _vectors()


def _key(vector: dict[str, Any]) -> bytes | None:
    dek = vector.get("decoder_input_extra", {}).get("thing", {}).get("setup", {}).get("DEK")
    return None if dek is None else bytes.fromhex(dek)


@pytest.mark.parametrize("model_id", MODELS)
@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_payload_vectors(model_id: str, vector: dict[str, Any]) -> None:
    """Every fixture vector through every decoder, on its own port and on no port."""
    payload = bytes.fromhex(vector["payload_hex"])
    for f_port in {vector["fPort"], None}:
        for key in {None, _key(vector)}:
            assert_same(model_id, payload, f_port, key=key)
            # The same frame cut short anywhere: truncation warnings and errors.
            for end in range(len(payload)):
                assert_same(model_id, payload[:end], f_port, key=key)


def test_payload_vectors_values() -> None:
    """The entity values flattened from each vector's decoded result."""
    compared = 0
    for vector in VECTORS:
        payload = bytes.fromhex(vector["payload_hex"])
        for decoder in DECODERS.values():
            ctx = DecodeContext(RECEIVED, _key(vector))
            try:
                decoded = decoder.decode(payload, vector["fPort"], ctx)
            except DecodeError:
                continue
            assert_same_values(decoded, RECEIVED)
            compared += 1
    assert compared >= len(VECTORS)


F_PORTS = st.none() | st.integers(min_value=0, max_value=255) | st.sampled_from([1, 85, 102])


@pytest.mark.parametrize("model_id", MODELS)
@SETTINGS
@given(payload=st.binary(max_size=96) | record_soup(), f_port=F_PORTS, received_at=ANY_TIME)
def test_random_bytes(
    model_id: str, payload: bytes, f_port: int | None, received_at: datetime
) -> None:
    assert_same(model_id, payload, f_port, received_at)


# --- Elsys: well-formed records of every type, queued and repeated ----------------------------

ELSYS_SIZES = {sensor_type: size for sensor_type, (size, _) in elsys._TYPES.items()}


@st.composite
def elsys_records(draw: st.DrawFn) -> bytes:
    out = bytearray()
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        sensor_type = draw(st.sampled_from(sorted(ELSYS_SIZES)))
        offset_bits = draw(st.sampled_from([0, 0, 0, 1, 2, 3]))
        out.append(offset_bits << 6 | sensor_type)
        out += draw(st.binary(min_size=ELSYS_SIZES[sensor_type], max_size=ELSYS_SIZES[sensor_type]))
        out += draw(
            st.binary(min_size=(0, 1, 2, 4)[offset_bits], max_size=(0, 1, 2, 4)[offset_bits])
        )
    tail = draw(
        st.sampled_from([b"", b"", b"\x3e", b"\x3e\x01\x02", b"\x00", b"\x01\x00", b"\x7f"])
    )
    return bytes(out + tail)


@SETTINGS
@given(
    payload=elsys_records(),
    received_at=ANY_TIME | st.just(RECEIVED) | st.just(datetime.min.replace(tzinfo=UTC)),
)
def test_elsys_records(payload: bytes, received_at: datetime) -> None:
    assert_same("elsys_ers", payload, 5, received_at)
    ctx = DecodeContext(received_at)
    try:
        decoded = DECODERS["elsys_ers"].decode(payload, 5, ctx)
    except DecodeError:
        return
    assert_same_values(decoded, received_at)


# --- Milesight: well-formed records from each model's channel table --------------------------

MILESIGHT_TABLES = {
    "milesight_ws202": milesight._WS202_CHANNELS,
    "milesight_ws203": milesight._WS203_CHANNELS,
    "milesight_vs340": milesight._VS34X_CHANNELS,
    "milesight_vs341": milesight._VS34X_CHANNELS,
}


@st.composite
def milesight_records(draw: st.DrawFn, model_id: str) -> bytes:
    table = MILESIGHT_TABLES[model_id]
    heads = sorted(table)
    out = bytearray()
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        channel_id, channel_type = draw(st.sampled_from(heads))
        size = table[channel_id, channel_type].size
        data = bytearray(draw(st.binary(min_size=size, max_size=size)))
        if size and draw(st.booleans()):
            data[0] = draw(st.sampled_from([0, 1, 2, 3, 100, 101]))  # states, labels, battery
        if (channel_id, channel_type) == (0x20, 0xCE) and draw(st.booleans()):
            moment = int(RECEIVED.timestamp()) + draw(st.integers(-3600, 3600))
            data[:4] = moment.to_bytes(4, "little")
        out += bytes((channel_id, channel_type)) + data
    tail = draw(st.sampled_from([b"", b"", b"\x01", b"\x03\x00", b"\x99\x99\x00", b"\xff"]))
    return bytes(out + tail)


@pytest.mark.parametrize("model_id", sorted(MILESIGHT_TABLES))
@SETTINGS
@given(data=st.data())
def test_milesight_records(model_id: str, data: st.DataObject) -> None:
    payload = data.draw(milesight_records(model_id))
    received_at = data.draw(st.just(RECEIVED) | ANY_TIME)
    assert_same(model_id, payload, 85, received_at)
    try:
        decoded = DECODERS[model_id].decode(payload, 85, DecodeContext(received_at))
    except DecodeError:
        return
    assert_same_values(decoded, received_at)


# --- Browan --------------------------------------------------------------------------------


@SETTINGS
@given(
    payload=st.binary(min_size=8, max_size=10) | st.binary(max_size=9),
    f_port=st.sampled_from([None, 102, 102, 42]),
)
def test_browan_frames(payload: bytes, f_port: int | None) -> None:
    assert_same("browan_tbms100", payload, f_port)


# --- water meters ----------------------------------------------------------------------------

WATER = ["axioma_w1", "kamstrup_flowiq2200", "sensus_iperl"]
WATER_PORTS = st.sampled_from([None, 1, 4, 6, 20, 100, 101, 103])


@pytest.mark.parametrize("model_id", WATER)
@SETTINGS
@given(
    payload=oms_frames | mutated_vectors() | axioma_frames(),
    f_port=WATER_PORTS,
    key=keys,
    state=states,
)
def test_water_frames(
    model_id: str, payload: bytes, f_port: int | None, key: bytes | None, state: dict[str, Any]
) -> None:
    assert_same(model_id, payload, f_port, key=key, state=state)


@SETTINGS
@given(payload=axioma_frames(), state=states)
def test_axioma_port100_values(payload: bytes, state: dict[str, Any]) -> None:
    assert_same("axioma_w1", payload, 100, state=state)
    try:
        decoded = DECODERS["axioma_w1"].decode(payload, 100, DecodeContext(RECEIVED, None, state))
    except DecodeError:
        return
    assert_same_values(decoded, RECEIVED)


# --- the network server's decoded object -------------------------------------------------------

SERVER_KEYS = [
    "motion", "pir", "motion_detected", "pirStatus", "occupancy", "Occupied", "presence",
    "temperature", "temp", "temperatureBoard", "humidity", "relativeHumidity", "rh", "light",
    "lux", "illuminance", "lightIntensity", "daylight", "battery", "batteryLevel",
    "battery-percent", "battery percentage", "batteryVoltage", "vdd", "status", "count",
]  # fmt: skip
WORDS = ["trigger", "normal", "occupied", "vacant", "bright", "dark", " On ", "yes", "x", "1.5"]
server_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
)
flat_objects = st.dictionaries(
    st.sampled_from(SERVER_KEYS) | st.text(max_size=6) | st.text(min_size=41, max_size=50),
    server_values,
)
server_objects = st.tuples(flat_objects, flat_objects | st.integers() | st.none()).map(
    lambda parts: parts[0] if parts[1] is None else {**parts[0], "data": parts[1]}
)


@SETTINGS
@given(obj=server_objects)
def test_server_objects(obj: dict[str, Any]) -> None:
    live = outcome(lambda: decode_server_object(obj))
    assert live == outcome(lambda: server_object.decode_server_object(obj))
    if live[0] != "error":
        assert_same_values(decode_server_object(obj), RECEIVED)


# A Kamstrup frame (vector kamstrup-oms-00) with its compact profile rewritten: every
# element size, mode, time unit and spacing, invalid-value markers and walks below zero.
PROFILE_FRAME = bytes.fromhex("78446d003318374413") + bytes(4) + bytes.fromhex("4d931322")
SPACINGS = st.sampled_from([0, 1, 2, 15, 250, 251, 254, 255])
ELEMENT_BYTES = st.sampled_from([b"\x00", b"\x01", b"\x7f", b"\x80", b"\xff"]) | st.binary(
    max_size=1
)


@SETTINGS
@given(
    base=st.binary(min_size=4, max_size=4) | st.sampled_from([bytes(4), b"\x03\x00\x00\x00"]),
    control=st.builds(
        lambda mode, unit, size: mode << 6 | unit << 4 | size,
        st.integers(min_value=1, max_value=3),
        st.integers(min_value=0, max_value=3),
        st.sampled_from([1, 2, 3, 4]),
    )
    | st.integers(min_value=0, max_value=255),
    spacing=SPACINGS,
    elements=st.lists(ELEMENT_BYTES, min_size=32, max_size=32).map(b"".join),
)
def test_compact_profiles(base: bytes, control: int, spacing: int, elements: bytes) -> None:
    payload = bytearray(PROFILE_FRAME + bytes((control, spacing)) + elements.ljust(32, b"\x00"))
    payload[9:13] = base
    for model_id in ("kamstrup_flowiq2200", "sensus_iperl"):
        assert_same(model_id, bytes(payload), 1)
