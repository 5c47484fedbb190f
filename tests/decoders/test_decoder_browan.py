"""Tests for the Browan TBMS100 decoder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from custom_components.municipal_iot.decoders.base import DecodeContext, Decoded, DecodeError
from custom_components.municipal_iot.decoders.browan import BrowanMotionDecoder

VECTORS = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "vectors_motion.json").read_text()
)
BROWAN_VECTORS = VECTORS["lorawan"]["browan"]
DECODER = BrowanMotionDecoder()
CTX = DecodeContext(received_at=datetime(2024, 3, 1, 8, 0, tzinfo=UTC))


def decode(hex_payload: str, f_port: int | None = 102) -> Decoded:
    return DECODER.decode(bytes.fromhex(hex_payload), f_port, CTX)


@pytest.mark.parametrize("vector", BROWAN_VECTORS, ids=lambda v: v["id"])
def test_vectors(vector: dict[str, Any]) -> None:
    payload = bytes.fromhex(vector["payload_hex"])
    if "errors" in vector["expected"]:
        with pytest.raises(DecodeError, match=vector["expected"]["errors"][0]):
            DECODER.decode(payload, vector["fPort"], CTX)
        return
    decoded = DECODER.decode(payload, vector["fPort"], CTX)
    assert decoded.raw == vector["expected"]["data"]
    assert decoded.warnings == ()


def test_occupied_vector_normalised() -> None:
    decoded = decode("01bb340400dc7801")  # browan-tbms100-ttn-1
    assert decoded.motion is True
    assert decoded.occupancy is True
    assert decoded.temperature == pytest.approx(20.0)
    assert decoded.battery_voltage == pytest.approx(3.6)
    assert decoded.battery is None
    assert decoded.motion_count is None  # the counter is cumulative, not per interval
    assert decoded.motion_at is None


def test_free_status_and_masked_bits() -> None:
    # status byte 0xFE: bit 0 clear; battery high nibble ignored; temperature bit 7 ignored.
    decoded = decode("fef0800000ffffff00")
    assert decoded.motion is False
    assert decoded.occupancy is False
    assert decoded.battery_voltage == pytest.approx(2.5)
    assert decoded.temperature == pytest.approx(-32.0)  # negative PCB temperature
    assert decoded.raw["count"] == 0xFFFFFF
    assert decoded.warnings == ("1 byte(s) after byte 8 ignored",)


def test_negative_temperature() -> None:
    assert decode("000e160000010000").temperature == pytest.approx(-10.0)


def test_count_and_time_are_little_endian_raw_values() -> None:
    first = decode("01bb34ffff030000")
    after_reboot = decode("01bb3401000100 00".replace(" ", ""))
    assert (first.raw["time"], first.raw["count"]) == (65535, 3)
    assert (after_reboot.raw["time"], after_reboot.raw["count"]) == (1, 1)


@pytest.mark.parametrize("hex_payload", ["", "00", "0000000000000000"])
def test_empty_or_all_zero_payload_sets_nothing(hex_payload: str) -> None:
    assert decode(hex_payload) == Decoded()


def test_unknown_fport_beats_all_zero_payload() -> None:
    with pytest.raises(DecodeError, match="unknown FPort 42"):
        decode("0000000000000000", 42)


def test_missing_fport_is_accepted() -> None:
    assert decode("01bb340400dc7801", None).motion is True


@pytest.mark.parametrize("hex_payload", ["01", "01bb340400dc78"])
def test_short_payload_raises(hex_payload: str) -> None:
    with pytest.raises(DecodeError, match="expected 8"):
        decode(hex_payload)
