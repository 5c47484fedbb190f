"""OMS Security Profile D (security mode 10) for Kamstrup LoRaWAN frames.

Layout after the transport header (CI 0x72 long or 0x7A short, CFG ``0xAAFF`` /
``0x2AFF``): two bytes of the mode-10 configuration extension, the 4-byte message counter
(little-endian), then the AES-128-CCM ciphertext with an 8-byte tag.

* Key: ``AES-CMAC(DEK, 0x00 | counter | meter id | 0x07 * 7)``, counter and meter id as
  sent (little-endian); 0x00 is the derivation constant for the meter's encryption key.
* Nonce (13 bytes): MAN (2), meter id (4), VER, TYPE (the link-layer address), 0x00,
  then the message counter most significant byte first.
* Associated data: CI, ACC, STS, CFG and the configuration extension.

A short header carries no address, so the address of the last long-header frame is
kept in ``DecodeContext.state`` under :data:`STATE_ADDRESS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.cmac import CMAC

from .base import DecodeContext, DecodeError
from .mbus import Address, Header, parse_header

STATE_ADDRESS = "oms_address"

SECURITY_MODE_CCM = 10
_KEY_LENGTH = 16
_TAG_LENGTH = 8
_EXTENSION_LENGTH = 2
_COUNTER_LENGTH = 4
_KDF_ENCRYPTION_FROM_METER = 0x00
_KDF_PADDING = bytes((0x07,) * 7)


class KeyRequiredError(DecodeError):
    """The frame is encrypted and no key (DEK) is configured for the meter."""


@dataclass(frozen=True, slots=True)
class OpenedFrame:
    """A transport header with its plain application-layer records."""

    header: Header
    address: Address | None  # from this frame or remembered from a long-header frame
    records: bytes
    encrypted: bool


def derive_key(dek: bytes, counter: bytes, meter_id: bytes) -> bytes:
    """Derive the session encryption key from the DEK (OMS vol. 2, AES-CMAC KDF)."""
    cmac = CMAC(algorithms.AES128(dek))
    cmac.update(bytes((_KDF_ENCRYPTION_FROM_METER,)) + counter + meter_id + _KDF_PADDING)
    return cmac.finalize()


def decrypt_mode10(payload: bytes, header: Header, address: Address, dek: bytes) -> bytes:
    """Decrypt and authenticate a security-mode-10 frame; return the plain records."""
    if len(dek) != _KEY_LENGTH:
        raise DecodeError(f"the meter key must be {_KEY_LENGTH} bytes, got {len(dek)}")
    if header.config & 0xFF != 0xFF:
        raise DecodeError("partial encryption is not supported")
    start = header.length + _EXTENSION_LENGTH
    body = start + _COUNTER_LENGTH
    if len(payload) < body + _TAG_LENGTH:
        raise DecodeError("encrypted frame is too short")
    counter = payload[start:body]
    link = address.link_bytes()  # MAN | ID | VER | TYPE
    key = derive_key(dek, counter, link[2:6])
    nonce = link + b"\x00" + counter[::-1]
    associated = payload[:1] + payload[header.length - 4 : start]
    try:
        return AESCCM(key, tag_length=_TAG_LENGTH).decrypt(nonce, payload[body:], associated)
    except InvalidTag:
        raise DecodeError("decryption failed: wrong meter key (DEK) or corrupted frame") from None


def open_frame(payload: bytes, ctx: DecodeContext) -> OpenedFrame:
    """Parse the transport header and decrypt the records when needed.

    Remembers the address of a long-header frame in ``ctx.state``. Raises
    :class:`KeyRequiredError` for an encrypted frame without a key.
    """
    header = parse_header(payload)
    address = header.address or Address.from_state(ctx.state.get(STATE_ADDRESS))
    mode = header.security_mode
    if mode == 0:
        records = payload[header.length :]
    elif mode != SECURITY_MODE_CCM:
        raise DecodeError(f"security mode {mode} is not supported")
    elif ctx.key is None:
        raise KeyRequiredError("the frame is encrypted; a meter key (DEK) is required")
    elif address is None:
        raise DecodeError(
            "a short-header encrypted frame needs the meter address from an earlier "
            "long-header frame"
        )
    else:
        records = decrypt_mode10(payload, header, address, ctx.key)
    if header.address is not None:
        ctx.state[STATE_ADDRESS] = header.address.to_state()
    return OpenedFrame(header, address, records, encrypted=mode != 0)
