"""Benchmark: the payload decoders, per decode, against the frozen reference decoders.

For each device family one realistic uplink (the ingest benchmark's Elsys ERS Eye frame,
and fixture vectors for the others) is decoded many times. Figures are µs per decode, the
minimum of 5 repeats per round, min / median over the rounds, with two baselines measured
in the same process: the decoders as they were before the table-driven rewrite (the frozen
copy in tests/decoders/reference) and ``bytes.hex()`` of the same payload.

The work is checked before and after timing: each result must equal the reference
decoder's (every field, raw key order and value types, warnings) and carry the readings
the frame holds, or the benchmark fails.
"""

from __future__ import annotations

import json
import os
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import Figure, elsys_payload, elsys_values

from custom_components.municipal_iot.decoders.base import Alarm, DecodeContext, Decoded, Decoder
from custom_components.municipal_iot.decoders.registry import DECODERS
from custom_components.municipal_iot.decoders.server_object import decode_server_object
from custom_components.municipal_iot.decoders.values import decoded_values
from tests.decoders.oracle import REFERENCE, canonical
from tests.decoders.reference import server_object as reference_server_object
from tests.decoders.reference import values as reference_values

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REPEATS = 5
NUMBER = int(os.environ.get("BENCH_DECODES", "5000"))
RECEIVED = datetime(2026, 10, 1, 8, tzinfo=UTC)


def _vectors() -> dict[str, dict[str, Any]]:
    found = {}
    for name in ("vectors_motion.json", "vectors_water.json"):
        data = json.loads((ROOT / "tests" / "fixtures" / name).read_text())
        found |= {v["id"]: v for vendor in data["lorawan"].values() for v in vendor}
    return found


VECTORS = _vectors()


@dataclass
class Case:
    """One payload for one decoder, and the readings its result must carry."""

    name: str
    model_id: str
    payload: bytes
    f_port: int | None
    expect: dict[str, Any]
    key: bytes | None = None
    received_at: datetime = RECEIVED
    raw_expect: dict[str, Any] = field(default_factory=dict)

    def runner(self, decoder: Decoder) -> Callable[[], Decoded]:
        ctx = DecodeContext(self.received_at, self.key)
        return lambda: decoder.decode(self.payload, self.f_port, ctx)


def _vector(vector_id: str) -> tuple[bytes, int | None]:
    vector = VECTORS[vector_id]
    return bytes.fromhex(vector["payload_hex"]), vector["fPort"]


def _dek(vector_id: str) -> bytes:
    return bytes.fromhex(VECTORS[vector_id]["decoder_input_extra"]["thing"]["setup"]["DEK"])


def _cases() -> list[Case]:
    eye = elsys_values(7)
    return [
        Case(
            "Elsys ERS Eye (ingest benchmark uplink)",
            "elsys_ers",
            elsys_payload(eye),
            5,
            {
                "temperature": eye["temperature"],
                "humidity": float(eye["humidity"]),
                "illuminance": float(eye["light"]),
                "motion_count": eye["motion"],
                "motion": True,
                "motion_at": RECEIVED,
                "occupancy": True,
                "battery_voltage": eye["vdd"] / 1000,
            },
        ),
        Case(
            "Elsys, two temperatures, one queued 10 s",
            "elsys_ers",
            *_vector("elsys-doc-temp-two"),
            {"temperature": 20.5},
            raw_expect={"temperature": [20.5, 26.8]},
        ),
        Case(
            "Milesight WS202",
            "milesight_ws202",
            *_vector("milesight-ws202-readme"),
            {"battery": 16.0, "motion": True, "daylight": False},
        ),
        Case(
            "Milesight WS203",
            "milesight_ws203",
            *_vector("milesight-ws203-ttn"),
            {"battery": 100.0, "humidity": 50.5, "temperature": 30.8, "occupancy": False},
        ),
        Case(
            "Browan TBMS100",
            "browan_tbms100",
            *_vector("browan-tbms100-ttn-1"),
            {"motion": True, "temperature": 20.0, "battery_voltage": 3.6},
        ),
        Case(
            "Axioma W1, enhanced 24 h",
            "axioma_w1",
            *_vector("axioma-w1-ttn-enhanced24h"),
            {"meter_time": datetime(2026, 9, 2, 23, 9, 34, tzinfo=UTC)},
            received_at=datetime(2026, 9, 2, 23, 10, tzinfo=UTC),
            raw_expect={"log_volume": 5938},
        ),
        Case(
            "Axioma W1, basic",
            "axioma_w1",
            *_vector("axioma-w1-actility-1"),
            {"volume_m3": 103.72},
            received_at=datetime(2021, 7, 9, 4, tzinfo=UTC),
        ),
        Case(
            "Kamstrup flowIQ 2200, plain",
            "kamstrup_flowiq2200",
            *_vector("kamstrup-oms-00"),
            {"volume_m3": 0.003},
        ),
        Case(
            "Kamstrup flowIQ 2200, encrypted (long header)",
            "kamstrup_flowiq2200",
            *_vector("kamstrup-oms-29"),
            {"meter_id": "53784349"},
            key=_dek("kamstrup-oms-29"),
        ),
        Case(
            "Sensus iPERL",
            "sensus_iperl",
            *_vector("sensus-iperl-ttn"),
            {"volume_m3": 25041.978, "alarms": frozenset({Alarm.LOW_BATTERY})},
        ),
    ]


def _check(case: Case, live: Callable[[], Decoded], reference: Callable[[], Decoded]) -> None:
    decoded = live()
    if canonical(decoded) != canonical(reference()):
        raise SystemExit(f"FAIL {case.name}: differs from the reference decoder: {decoded}")
    wrong = {k: getattr(decoded, k) for k, v in case.expect.items() if getattr(decoded, k) != v}
    wrong |= {k: decoded.raw.get(k) for k, v in case.raw_expect.items() if decoded.raw.get(k) != v}
    if wrong or decoded.warnings:
        raise SystemExit(f"FAIL {case.name}: {wrong or decoded.warnings} (expected {case.expect})")


def _time(call: Callable[[], object]) -> float:
    """µs per call: the minimum of the repeats."""
    return min(timeit.repeat(call, number=NUMBER, repeat=REPEATS)) / NUMBER * 1e6


def _measure(
    name: str,
    live: Callable[[], object],
    reference: Callable[[], object],
    baseline: Callable[[], object],
) -> str:
    figures = [Figure(name, []), Figure("", []), Figure("", [])]
    for _ in range(ROUNDS):
        for figure, call in zip(figures, (live, reference, baseline), strict=True):
            figure.values.append(_time(call))
    now, before, hex_ = figures
    speed_up = before.median / now.median
    against_hex = now.median / hex_.median
    return (
        f"{name:<46} {now.min:6.2f} / {now.median:6.2f} µs   before {before.min:6.2f} / "
        f"{before.median:6.2f}   {speed_up:5.2f}x faster   {against_hex:6.1f}x hex()"
    )


def main() -> None:
    print(
        f"== Decoders: µs per decode, min / median of {ROUNDS} rounds (min of {REPEATS}x{NUMBER})"
    )
    print(
        "   'before': the frozen pre-table decoders; 'x hex()': against bytes.hex() of the payload"
    )
    lines = []
    eye_decoded: Decoded | None = None
    for case in _cases():
        live = case.runner(DECODERS[case.model_id])
        reference = case.runner(REFERENCE[case.model_id])
        _check(case, live, reference)
        payload = case.payload
        lines.append(_measure(case.name, live, reference, payload.hex))
        _check(case, live, reference)
        eye_decoded = eye_decoded or live()
    assert eye_decoded is not None
    obj = elsys_values(7)
    live_obj = decode_server_object(obj)
    if canonical(live_obj) != canonical(reference_server_object.decode_server_object(obj)):
        raise SystemExit("FAIL server object: differs from the reference")
    if live_obj.temperature != obj["temperature"] or live_obj.motion_count != obj["motion"]:
        raise SystemExit(f"FAIL server object: {live_obj}")
    text = json.dumps(obj).encode()
    lines.append(
        _measure(
            "ChirpStack codec object (server-side decoded)",
            lambda: decode_server_object(obj),
            lambda: reference_server_object.decode_server_object(obj),
            text.hex,
        )
    )
    values = decoded_values(eye_decoded, RECEIVED)
    if canonical(values) != canonical(reference_values.decoded_values(eye_decoded, RECEIVED)):
        raise SystemExit("FAIL entity values: differ from the reference")
    if values.get("last_motion") != RECEIVED or values.get("temperature") != obj["temperature"]:
        raise SystemExit(f"FAIL entity values: {values}")
    lines.append(
        _measure(
            "entity values of the ERS Eye result",
            lambda: decoded_values(eye_decoded, RECEIVED),
            lambda: reference_values.decoded_values(eye_decoded, RECEIVED),
            elsys_payload(elsys_values(7)).hex,
        )
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
