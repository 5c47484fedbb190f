"""Benchmark: one uplink through the webhook handler vs. bare state writes.

Runs an in-process Home Assistant (the test harness from
pytest-homeassistant-custom-component), sets up a ChirpStack entry, and measures:

* the cost of one uplink (auth, JSON parse, schema, decode, entity state writes)
  through HA's webhook dispatcher, with the same MockRequest cloudhooks use;
* HA's bare ``hass.states.async_set`` for the same number of state writes,
  in the same run, and the ratio of the two;
* uplinks per second on one core;
* memory for 5,000 devices (RSS growth while they are created).
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import socket
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader
from homeassistant.components import webhook
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from homeassistant.util.aiohttp import MockRequest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

import custom_components.municipal_iot  # noqa: F401  - bind the package before HA's loader
from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.lorawan.guards import TokenBucket

TOKEN = "bench-token"
WEBHOOK_ID = "bench-webhook"
UPLINKS = 5_000
DEVICES = 5_000


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib() -> int:
    """Resident set size of this process in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def body(dev_eui: str, f_cnt: int) -> bytes:
    """A ChirpStack `up` body for an Elsys ERS Eye with changing values."""
    temp = 200 + f_cnt % 50
    payload = bytes([0x01, temp >> 8, temp & 0xFF, 0x02, 40 + f_cnt % 20, 0x04, 0x00, f_cnt % 200])
    payload += bytes([0x05, f_cnt % 3, 0x11, f_cnt % 2, 0x07, 0x0D, 0x62])
    return json.dumps(
        {
            "deduplicationId": f"{dev_eui}-{f_cnt}",
            "deviceInfo": {
                "devEui": dev_eui,
                "deviceName": f"apt-{dev_eui[-4:]}",
                "deviceProfileName": "Elsys ERS Eye",
            },
            "fCnt": f_cnt,
            "fPort": 5,
            "data": base64.b64encode(payload).decode(),
            "rxInfo": [{"gatewayId": "0016c001f153a14c", "rssi": -80 - f_cnt % 20, "snr": 7.5}],
        }
    ).encode()


def request(data: bytes) -> MockRequest:
    """The request object HA's webhook dispatcher gets (as for cloudhooks)."""
    return MockRequest(
        content=data,
        mock_source="bench",
        method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        query_string="event=up",
    )


async def post(hass: HomeAssistant, data: bytes) -> None:
    """Send one uplink and check it was applied."""
    response = await webhook.async_handle_webhook(hass, WEBHOOK_ID, request(data))
    if response.status != 200:
        raise RuntimeError(f"uplink rejected: {response.status} {response.text}")


async def measure_memory(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[int, int, float]:
    """Create DEVICES devices; return devices, entities and RSS growth in MiB."""
    # Memory for many devices: DEVICES devices created by their first uplink, spread
    # over connections of 1,000 devices (HA caps an entry at 10,000 enabled entities).
    await hass.async_block_till_done()
    gc.collect()
    before = rss_kib()
    entities_before = len(hass.states.async_entity_ids())
    devices = 0
    for block in range(DEVICES // 1000):
        webhook_id = f"bench-{block}"
        extra = MockConfigEntry(
            domain=DOMAIN,
            title=f"bench {block}",
            data={**entry.data, "webhook_id": webhook_id},
            options={"auto_add": True},
        )
        extra.add_to_hass(hass)
        assert await hass.config_entries.async_setup(extra.entry_id)
        extra.runtime_data._bucket = TokenBucket(1000, 0, time.monotonic())  # noqa: SLF001
        for n in range(1000):
            response = await webhook.async_handle_webhook(
                hass, webhook_id, request(body(f"b{block:03x}{n:012x}", 1))
            )
            assert response.status == 200
            if n % 250 == 0:
                await hass.async_block_till_done()
        await hass.async_block_till_done()
        devices += len(extra.runtime_data.devices)
    gc.collect()
    after = rss_kib()
    entities = len(hass.states.async_entity_ids()) - entities_before
    return devices, entities, (after - before) / 1024


async def bench(hass: HomeAssistant) -> dict[str, Any]:
    """Run the measurements."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="bench",
        data={
            "entry_type": "network_server",
            "server": "chirpstack",
            "webhook_id": WEBHOOK_ID,
            "token": TOKEN,
        },
        options={"auto_add": True},
    )
    # The test harness hides custom integrations; this bench needs ours.
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    # The webhook component needs http; serve on a free loopback port.
    assert await async_setup_component(
        hass, "http", {"http": {"server_host": "127.0.0.1", "server_port": free_port()}}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # Count the state writes the uplinks cause (unchanged measurements are not
    # rewritten), on a device of its own, untimed.
    counted = "a81758fffe000002"
    await post(hass, body(counted, 0))
    await hass.async_block_till_done()
    writes_total = 0

    @callback
    def ours(event_data: Any) -> bool:
        return str(event_data["entity_id"]).split(".")[1].startswith("apt_0002")

    @callback
    def count(event: Event[Any]) -> None:
        nonlocal writes_total
        writes_total += 1

    unsubs = [
        hass.bus.async_listen(name, count, event_filter=ours)
        for name in ("state_changed", "state_reported")
    ]
    for n in range(1, UPLINKS + 1):
        await post(hass, body(counted, n))
    await hass.async_block_till_done()
    for unsub in unsubs:
        unsub()

    dev = "a81758fffe000001"
    await post(hass, body(dev, 0))  # creates the device and its entities
    await hass.async_block_till_done()
    # aiohttp builds the request before the handler runs, so build them untimed.
    requests = [request(body(dev, n)) for n in range(1, UPLINKS + 1)]

    gc.collect()
    start = time.perf_counter()
    for req in requests:
        await webhook.async_handle_webhook(hass, WEBHOOK_ID, req)
    uplink_s = (time.perf_counter() - start) / UPLINKS
    state = hass.states.get("sensor.apt_0001_temperature")
    if state is None or state.state != "20.0":  # the last body's temperature (200 / 10)
        raise RuntimeError(f"uplinks were not applied: {state}")

    # Baseline: the same number of bare state writes, with the same attributes as
    # the device's entities (copied from their current states), to other entity ids.
    templates = [
        (f"sensor.bench_{n}", dict(state.attributes))
        for n, state in enumerate(
            s for s in hass.states.async_all() if s.entity_id.split(".")[1].startswith("apt_0001")
        )
    ]
    gc.collect()
    start = time.perf_counter()
    for n in range(writes_total):
        entity_id, attrs = templates[n % len(templates)]
        hass.states.async_set(entity_id, str(n), attrs)
    bare_s = (time.perf_counter() - start) / UPLINKS
    writes = writes_total / UPLINKS

    devices, entities, memory_mib = await measure_memory(hass, entry)
    return {
        "writes_per_uplink": writes,
        "uplink_ms": uplink_s * 1000,
        "bare_ms": bare_s * 1000,
        "ratio": uplink_s / bare_s,
        "uplinks_per_s": 1 / uplink_s,
        "devices": devices,
        "entities": entities,
        "memory_mib": memory_mib,
    }


async def main() -> None:
    """Run in a test HA instance."""
    async with async_test_home_assistant() as hass:
        result = await bench(hass)
        await hass.async_stop(force=True)
    print("== Ingest benchmark (one uplink through the webhook handler)")
    print(f"state writes per uplink (mean):   {result['writes_per_uplink']:.2f}")
    print(f"one uplink (parse, decode, write): {result['uplink_ms']:.3f} ms")
    print(f"bare async_set, same writes:      {result['bare_ms']:.3f} ms")
    print(f"ratio uplink / baseline:          {result['ratio']:.2f}  (target <= 3)")
    print(f"uplinks per second, one core:     {result['uplinks_per_s']:.0f}  (target >= 2000)")
    print(
        f"memory for {result['devices']} devices ({result['entities']} entities): "
        f"{result['memory_mib']:.0f} MiB"
    )


if __name__ == "__main__":
    asyncio.run(main())
