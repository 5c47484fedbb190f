"""Tests for OMS Security Profile D (mode 10) decryption."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.cmac import CMAC

from custom_components.municipal_iot.decoders.base import DecodeContext, DecodeError
from custom_components.municipal_iot.decoders.kamstrup import KamstrupFlowIQDecoder
from custom_components.municipal_iot.decoders.mbus import Address, parse_header
from custom_components.municipal_iot.decoders.oms_crypto import (
    STATE_ADDRESS,
    KeyRequiredError,
    decrypt_mode10,
    open_frame,
)

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "vectors_water.json").read_text())
BY_ID = {vector["id"]: vector for vector in VECTORS["lorawan"]["kamstrup"]}
LONG = BY_ID["kamstrup-oms-29"]
SHORT = BY_ID["kamstrup-oms-31"]
LONG_PAYLOAD = bytes.fromhex(LONG["payload_hex"])
SHORT_PAYLOAD = bytes.fromhex(SHORT["payload_hex"])
LONG_DEK = bytes.fromhex(LONG["decoder_input_extra"]["thing"]["setup"]["DEK"])
SHORT_DEK = bytes.fromhex(SHORT["decoder_input_extra"]["thing"]["setup"]["DEK"])
SHORT_CONTEXT = SHORT["decoder_input_extra"]["context"][0]
SHORT_ADDRESS = Address(
    meter_id=bytes(SHORT_CONTEXT["serialNumber"])[::-1].hex().upper(),
    manufacturer_code=int.from_bytes(bytes(SHORT_CONTEXT["manufacturerId"]), "little"),
    version=SHORT_CONTEXT["version"][0],
    device_type=SHORT_CONTEXT["deviceType"][0],
)
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def ctx(key: bytes | None = None, state: dict[str, Any] | None = None) -> DecodeContext:
    return DecodeContext(received_at=NOW, key=key, state=state if state is not None else {})


def test_long_header_vector_decrypts_to_config_number() -> None:
    header = parse_header(LONG_PAYLOAD)
    assert header.address is not None
    plain = decrypt_mode10(LONG_PAYLOAD, header, header.address, LONG_DEK)
    expected = LONG["expected"]["data"]["values"][0]["Value"]
    assert plain == bytes.fromhex("04ff16") + expected.to_bytes(4, "little")


def test_short_header_vector_decrypts_with_remembered_address() -> None:
    opened = open_frame(SHORT_PAYLOAD, ctx(SHORT_DEK, {STATE_ADDRESS: SHORT_ADDRESS.to_state()}))
    assert opened.encrypted is True
    assert opened.address == SHORT_ADDRESS
    assert opened.records.startswith(bytes.fromhex("446d002afe28"))  # 2023-08-30 10:00
    assert opened.records.endswith(bytes.fromhex("2f2f"))  # filler up to the block size


def test_long_header_is_remembered_after_decryption() -> None:
    state: dict[str, Any] = {}
    opened = open_frame(LONG_PAYLOAD, ctx(LONG_DEK, state))
    assert opened.address is not None
    assert state[STATE_ADDRESS] == opened.address.to_state()
    assert Address.from_state(state[STATE_ADDRESS]) == Address("53784349", 0x2C37, 0x3C, 0x16)


def test_plain_frame_passes_through() -> None:
    payload = bytes.fromhex("7a080000000413e8030000")
    opened = open_frame(payload, ctx())
    assert opened.encrypted is False
    assert opened.records == payload[5:]
    assert opened.address is None


def encrypt_short(
    address: Address, dek: bytes, counter: int, records: bytes, acc: int = 0x20
) -> bytes:
    """Build a short-header mode-10 frame the way OMS vol. 2 describes it."""
    head = bytes((0x7A, acc, 0x00)) + (0x2AFF).to_bytes(2, "little") + bytes((0x10, 0x01))
    counter_le = counter.to_bytes(4, "little")
    link = address.manufacturer_code.to_bytes(2, "little") + bytes.fromhex(address.meter_id)[::-1]
    link += bytes((address.version, address.device_type))
    cmac = CMAC(algorithms.AES128(dek))
    cmac.update(b"\x00" + counter_le + link[2:6] + b"\x07" * 7)
    key = cmac.finalize()
    nonce = link + b"\x00" + counter_le[::-1]
    return head + counter_le + AESCCM(key, tag_length=8).encrypt(nonce, records, head)


def test_long_then_short_header_from_the_same_meter() -> None:
    state: dict[str, Any] = {}
    decoder = KamstrupFlowIQDecoder()
    decoder.decode(LONG_PAYLOAD, 6, ctx(LONG_DEK, state))
    address = Address.from_state(state[STATE_ADDRESS])
    assert address is not None
    frame = encrypt_short(address, LONG_DEK, 0x0002EA36, bytes.fromhex("0413e8030000"))
    decoded = decoder.decode(frame, 4, ctx(LONG_DEK, state))
    assert decoded.volume_m3 == pytest.approx(1.0)
    assert decoded.meter_id == "53784349"
    # The same frame against another meter's address fails authentication.
    other = {STATE_ADDRESS: SHORT_ADDRESS.to_state()}
    with pytest.raises(DecodeError, match="wrong meter key"):
        decoder.decode(frame, 4, ctx(LONG_DEK, other))


@pytest.mark.parametrize("payload", [LONG_PAYLOAD, SHORT_PAYLOAD])
def test_missing_key_raises_key_required(payload: bytes) -> None:
    with pytest.raises(KeyRequiredError, match="DEK"):
        open_frame(payload, ctx(None, {STATE_ADDRESS: SHORT_ADDRESS.to_state()}))
    assert issubclass(KeyRequiredError, DecodeError)


def test_wrong_key_is_a_clear_error_and_keeps_state() -> None:
    state = {STATE_ADDRESS: SHORT_ADDRESS.to_state()}
    with pytest.raises(DecodeError, match="wrong meter key"):
        open_frame(LONG_PAYLOAD, ctx(SHORT_DEK, state))
    assert state == {STATE_ADDRESS: SHORT_ADDRESS.to_state()}


def test_tampered_frame_fails_authentication() -> None:
    for index in (9, 16, len(LONG_PAYLOAD) - 9, len(LONG_PAYLOAD) - 1):  # ACC, counter, data, tag
        tampered = bytearray(LONG_PAYLOAD)
        tampered[index] ^= 0x01
        with pytest.raises(DecodeError, match="wrong meter key"):
            open_frame(bytes(tampered), ctx(LONG_DEK))


def test_key_of_wrong_length() -> None:
    with pytest.raises(DecodeError, match="must be 16 bytes, got 15"):
        open_frame(LONG_PAYLOAD, ctx(LONG_DEK[:15]))


def test_partial_encryption_is_rejected() -> None:
    payload = bytearray(LONG_PAYLOAD)
    payload[11] = 0x0F  # CFG 0xAA0F: still mode 10, but not every block encrypted
    with pytest.raises(DecodeError, match="partial encryption"):
        open_frame(bytes(payload), ctx(LONG_DEK))


def test_other_security_modes_are_rejected_even_without_key() -> None:
    payload = bytes.fromhex("7a08000005") + bytes(24)  # CFG 0x0500: mode 5
    with pytest.raises(DecodeError, match="security mode 5 is not supported") as error:
        open_frame(payload, ctx())
    assert not isinstance(error.value, KeyRequiredError)


def test_too_short_encrypted_frame() -> None:
    payload = SHORT_PAYLOAD[:11] + bytes(7)  # header, extension and counter, 7-byte "tag"
    with pytest.raises(DecodeError, match="too short"):
        open_frame(payload, ctx(SHORT_DEK, {STATE_ADDRESS: SHORT_ADDRESS.to_state()}))


@pytest.mark.parametrize("state", [{}, {STATE_ADDRESS: {"meter_id": "nothex!!"}}])
def test_short_header_without_remembered_address(state: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match="long-header frame") as error:
        open_frame(SHORT_PAYLOAD, ctx(SHORT_DEK, state))
    assert not isinstance(error.value, KeyRequiredError)
