"""Seeded webhook fuzz over real HTTP: no forged body gets a 5xx or an error in the log.

Issue 10: an audit's 55,000 fuzzed bodies found 157 answers of 500 (receive times that
overflowed) and bodies that broke Home Assistant's state API. This test posts 5,000
mutations of the real ChirpStack and The Things Stack sample bodies (tests/fixtures/network)
through Home Assistant's HTTP server on a free loopback port (the test plugin's aiohttp
client), then checks every answer, the log and that ``/api/states`` still answers.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import random
import time
from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from tests.network import TOKEN, WEBHOOK_CS, WEBHOOK_TTS, load_json, network_entry, setup_entry

BODIES = 5_000
SEED = 20261202

CS_EVENTS = {
    "up": "network/chirpstack_up.json",
    "status": "network/chirpstack_status.json",
    "join": "network/chirpstack_join.json",
    "log": "network/chirpstack_log.json",
}
TTS_BODIES = ("network/tts_uplink.json", "network/tts_join_accept.json")

HOSTILE_STRINGS = [
    "",
    " ",
    "lgh \ud800",  # a lone surrogate (json.dumps writes it as an escape)
    "\udfff",
    "lgh 3\nINFO forged log line",
    "\x00\x01\x1b[31m",
    "\u2028\u202e",
    "[Logga in](https://evil.example) <img src=x onerror=alert(1)>",
    "tabs " * 2_000,
    "x" * 70_000,  # over the body limit: 413
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2026-11-26T10:00:00Z",
    "2026-13-45T99:99:99+25:00",
    "1970-01-01T00:00:00Z",
    "ffffffffffffffff",
    "a81758fffe0312ab",
    "AQ==",
    "not base64 ***",
    "null",
    "{}",
]
HOSTILE_NUMBERS: list[Any] = [
    0,
    -1,
    1,
    255,
    256,
    65_535,
    2**31,
    2**63 - 1,
    -(2**63),
    2**64,  # beyond 64 bits: orjson refuses it
    10**400,
    1e308,
    -1e308,
    5e-324,
    -0.0,
    0.5,
    float("nan"),
    float("inf"),
    float("-inf"),
    True,
    False,
]
OTHERS: list[Any] = [None, [], {}, [1, "a"], {"a": {"b": [None]}}]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``node`` (dict keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _hostile(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(HOSTILE_STRINGS)
    if roll < 0.75:
        return rng.choice(HOSTILE_NUMBERS)
    if roll < 0.9:  # a valid payload of random bytes reaches the decoders
        return base64.b64encode(rng.randbytes(rng.randrange(0, 60))).decode()
    return copy.deepcopy(rng.choice(OTHERS))


def _mutate(body: Any, rng: random.Random) -> Any:
    body = copy.deepcopy(body)
    for _ in range(rng.randrange(1, 4)):
        paths = _paths(body)
        if not paths:
            return _hostile(rng)
        *parents, last = rng.choice(paths)
        holder = body
        for step in parents:
            holder = holder[step]
        if rng.random() < 0.15 and isinstance(holder, dict):
            del holder[last]
        else:
            holder[last] = _hostile(rng)
    return body


def _request(rng: random.Random, bases: dict[str, Any]) -> tuple[str, bytes]:
    """Return (url, body) for one fuzzed request."""
    if rng.random() < 0.5:
        event = rng.choice([*CS_EVENTS, *CS_EVENTS, "bogus", ""])
        base = bases[CS_EVENTS.get(event, "network/chirpstack_up.json")]
        url = f"/api/webhook/{WEBHOOK_CS}?event={event}"
    else:
        base = bases[rng.choice(TTS_BODIES)]
        url = f"/api/webhook/{WEBHOOK_TTS}"
    body = base if rng.random() < 0.05 else _mutate(base, rng)
    if rng.random() < 0.03:  # whole-body damage: truncated or not UTF-8
        raw = json.dumps(body).encode()
        return url, rng.choice([raw[: rng.randrange(len(raw) + 1)], raw + b"\xff\xfe", b"\xc3("])
    return url, json.dumps(body).encode()


async def test_fuzzed_bodies_never_get_5xx(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    hass_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    bases = {name: load_json(name) for name in (*CS_EVENTS.values(), *TTS_BODIES)}
    client = await hass_client_no_auth()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not a secret
    statuses: dict[int, int] = {}
    failures: list[str] = []
    caplog.set_level(logging.WARNING)
    started = time.monotonic()
    for _ in range(BODIES):
        url, data = _request(rng, bases)
        response = await client.post(url, data=data, headers=headers)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.status >= 500 and len(failures) < 5:
            failures.append(f"{response.status} {await response.text()!r} for {data[:300]!r}")
    await hass.async_block_till_done()
    elapsed = time.monotonic() - started
    logging.getLogger(__name__).info(
        "%d fuzzed bodies in %.1f s: %s", BODIES, elapsed, dict(sorted(statuses.items()))
    )

    assert sum(statuses.values()) == BODIES
    assert not failures, failures
    # The fuzz reached both the accepting and the refusing paths.
    assert statuses.get(200, 0) > BODIES // 10
    assert statuses.get(400, 0) > BODIES // 10
    errors = [
        f"{record.name}: {record.getMessage()[:300]}"
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.name != "aiohttp.access"
    ]
    assert not errors, errors
    # Defect 1: after the fuzz the state API and the stores still serialise.
    states = await (await hass_client()).get("/api/states")
    assert states.status == 200
    assert isinstance(await states.json(), list)
