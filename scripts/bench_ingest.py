"""Benchmark: what one uplink costs on our path, against the floor and the paths users would pick.

Runs in-process Home Assistant instances (the test harness of
pytest-homeassistant-custom-component) with their config in a temporary
directory, and measures, over several rounds (min / median, µs of CPU or wall
time per uplink):

* ours, handler only: HA's webhook dispatcher with the request object cloudhooks
  use, for a realistic ChirpStack v4 body (three gateways, 1.8 KB) and a TTS body;
* the entity-write floor: the same entities' ``async_write_ha_state`` for the writes our
  uplinks made, with the values they brought (replayed), one shared context per uplink;
  and the same writes of unchanged states, HA's cheaper path, for comparison;
* bare ``hass.states.async_set`` for those writes, one shared context per uplink;
* HA's MQTT sensors with ``value_template`` over ChirpStack's JSON (the same
  entities), messages handed to HA's MQTT client as paho delivers them;
* over real HTTP: an aiohttp client in another process posts to HA's HTTP server on
  loopback; the figure is this process's CPU per uplink (HTTP server, middleware,
  handler); the same for an empty webhook (the transport floor: HA's HTTP server and
  middleware, the body read, an "ok" answer) and for MQTT through a real mosquitto
  broker and HA's MQTT client, to HA's MQTT sensors and to our MQTT connection;
* with the recorder on (SQLite), 1,000 devices in turn;
* start-up of 5,000 stored devices (5 connections of 1,000), each round in a fresh
  process, and memory per device.

Every timed uplink's status is checked and the hub's applied counter must grow by
the number sent, or the benchmark fails.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import PIPE
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aiohttp import web
from benchkit import (
    Figure,
    chirpstack_up,
    cpu_seconds,
    ratio_line,
    rss_kib,
    run_client,
    temporary_dir,
    temporary_hass,
    tts_uplink,
)
from homeassistant.components import webhook
from homeassistant.components.mqtt.models import MqttData
from homeassistant.const import EVENT_HOMEASSISTANT_START
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.helpers import recorder as recorder_helper
from homeassistant.helpers.entity_component import DATA_INSTANCES
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
from homeassistant.util.aiohttp import MockRequest
from paho.mqtt.client import MQTTMessage
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.municipal_iot  # noqa: F401  - bind the package before HA's loader
from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.lorawan.guards import TokenBucket
from custom_components.municipal_iot.network.hub import Outcome
from tests.mosquitto import free_port, mosquitto

HERE = Path(__file__).resolve().parent
TOKEN = "bench-token"
ROUNDS = int(__import__("os").environ.get("BENCH_ROUNDS", "3"))
UPLINKS = int(__import__("os").environ.get("BENCH_UPLINKS", "2000"))
DEV = "a81758fffe000001"
MQTT_DEV = "a81758fffe000009"
MQTT_TOPIC = f"application/solrosen/device/{MQTT_DEV}/event/up"
# Our own MQTT connection: another application, so HA's template sensors do not see it.
OURS_DEV = "a81758fffe00000a"
OURS_TOPIC = f"application/bench-ours/device/{OURS_DEV}/event/up"
RECORDER_DEVICES = 1_000
STARTUP_ENTRIES = 5
STARTUP_PER_ENTRY = 1_000

# HA's MQTT sensors for the entities our Elsys ERS Eye has enabled, templated over the
# ChirpStack JSON (with the codec's ``object``), as an MQTT user would configure them.
MQTT_YAML = f"""
mqtt:
  sensor:
    - {{name: mq temperature, unique_id: mq_t, state_topic: {MQTT_TOPIC}, device_class: temperature,
        unit_of_measurement: "°C", state_class: measurement,
        value_template: "{{{{ value_json.object.temperature }}}}"}}
    - {{name: mq humidity, unique_id: mq_h, state_topic: {MQTT_TOPIC}, device_class: humidity,
        unit_of_measurement: "%", state_class: measurement,
        value_template: "{{{{ value_json.object.humidity }}}}"}}
    - {{name: mq illuminance, unique_id: mq_l, state_topic: {MQTT_TOPIC}, device_class: illuminance,
        unit_of_measurement: lx, state_class: measurement,
        value_template: "{{{{ value_json.object.light }}}}"}}
    - {{name: mq battery, unique_id: mq_b, state_topic: {MQTT_TOPIC}, device_class: battery,
        unit_of_measurement: "%", state_class: measurement, entity_category: diagnostic,
        value_template: "{{{{ ((value_json.object.vdd - 2500) / 12) | round(0) }}}}"}}
    - {{name: mq last seen, unique_id: mq_s, state_topic: {MQTT_TOPIC}, device_class: timestamp,
        entity_category: diagnostic, value_template: "{{{{ value_json.time }}}}"}}
    - {{name: mq last motion, unique_id: mq_m, state_topic: {MQTT_TOPIC},
        device_class: timestamp,
        value_template: "{{{{ value_json.time if value_json.object.motion else this.state }}}}"}}
  binary_sensor:
    - {{name: mq motion, unique_id: mq_bm, state_topic: {MQTT_TOPIC}, device_class: motion,
        value_template: "{{{{ 'ON' if value_json.object.motion > 0 else 'OFF' }}}}"}}
    - {{name: mq occupancy, unique_id: mq_bo, state_topic: {MQTT_TOPIC}, device_class: occupancy,
        value_template: "{{{{ 'ON' if value_json.object.occupancy > 0 else 'OFF' }}}}"}}
"""

HTTP_CLIENT = """
import asyncio, sys, aiohttp
sys.path.insert(0, sys.argv[-1])
from benchkit import chirpstack_up
async def main():
    url, token, count, first = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    bodies = [chirpstack_up("a81758fffe000001", first + n) for n in range(count)]
    ok = 0
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"}) as session:
        sys.stdout.write("ready\\n"); sys.stdout.flush()
        sys.stdin.readline()
        for data in bodies:
            async with session.post(url, data=data) as response:
                ok += response.status == 200 and (await response.text()) == "ok"
    print(ok)
asyncio.run(main())
"""

MQTT_CLIENT = """
import sys, time, paho.mqtt.client as mqtt
sys.path.insert(0, sys.argv[-1])
from benchkit import chirpstack_up
port, topic, count, first = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
dev, with_object = sys.argv[5], sys.argv[6] == "object"
bodies = [chirpstack_up(dev, first + n, with_object=with_object) for n in range(count)]
client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
client.connect("127.0.0.1", port)
client.loop_start()
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()
for data in bodies:
    client.publish(topic, data, qos=0).wait_for_publish()
    time.sleep(0.0002)  # a steady stream, not one burst
client.loop_stop()
print(count)
"""


def entry_data(server: str, webhook_id: str) -> dict[str, Any]:
    """The data of a network-server entry."""
    return {
        "entry_type": "network_server",
        "server": server,
        "webhook_id": webhook_id,
        "token": TOKEN,
    }


def request(data: bytes, *, event: str | None = "up") -> MockRequest:
    """The request object HA's webhook dispatcher gets (as for cloudhooks)."""
    return MockRequest(
        content=data,
        mock_source="bench",
        method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        query_string=f"event={event}" if event else "",
    )


async def add_entry(hass: HomeAssistant, server: str, webhook_id: str) -> MockConfigEntry:
    """Add and set up a network-server entry."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=webhook_id,
        data=entry_data(server, webhook_id),
        options={"auto_add": True},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def post_all(hass: HomeAssistant, webhook_id: str, requests: list[MockRequest]) -> None:
    """Hand each request to the webhook; fail unless every one was applied."""
    for req in requests:
        response = await webhook.async_handle_webhook(hass, webhook_id, req)
        if response.status != 200 or response.text != "ok":
            raise RuntimeError(f"uplink not applied: {response.status} {response.text}")


def applied(entry: MockConfigEntry) -> int:
    """How many uplinks the entry's hub applied."""
    return int(entry.runtime_data.counters[Outcome.APPLIED])


async def timed_uplinks(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    webhook_id: str,
    make: Callable[[int], bytes],
    first: int,
    event: str | None,
) -> float:
    """µs per uplink through the handler, with the applied counter checked."""
    requests = [request(make(first + n), event=event) for n in range(UPLINKS)]
    before = applied(entry)
    gc.collect()
    start = time.perf_counter()
    await post_all(hass, webhook_id, requests)
    elapsed = time.perf_counter() - start
    if applied(entry) - before != UPLINKS:
        raise RuntimeError(f"{applied(entry) - before} of {UPLINKS} uplinks applied")
    return elapsed / UPLINKS * 1e6


def count_writes(hass: HomeAssistant, prefix: str) -> tuple[list[int], Callable[[], None]]:
    """Count state_changed + state_reported events of entities whose object id starts so."""
    counter = [0]

    @callback
    def ours(event_data: Any) -> bool:
        return str(event_data["entity_id"]).split(".")[1].startswith(prefix)

    @callback
    def count(_event: Event[Any]) -> None:
        counter[0] += 1

    unsubs = [
        hass.bus.async_listen(name, count, event_filter=ours)
        for name in ("state_changed", "state_reported")
    ]

    def stop() -> None:
        for unsub in unsubs:
            unsub()

    return counter, stop


def entity_objects(hass: HomeAssistant, prefix: str) -> list[Any]:
    """The entity objects of the device (for the floor)."""
    found = []
    for domain in ("sensor", "binary_sensor"):
        component = hass.data[DATA_INSTANCES][domain]
        found += [
            entity
            for entity in component.entities
            if entity.entity_id.split(".")[1].startswith(prefix)
        ]
    return found


def record_uplinks(
    hass: HomeAssistant, prefix: str
) -> tuple[list[Any], Callable[[], None], Callable[[], None]]:
    """Record, per uplink, the device's values and which entities our path wrote."""
    entities = {entity.entity_id: entity for entity in entity_objects(hass, prefix)}
    device = next(iter(entities.values())).device
    recorded: list[Any] = []
    pending: list[Any] = []

    @callback
    def ours(event_data: Any) -> bool:
        return event_data["entity_id"] in entities

    @callback
    def written(event: Event[Any]) -> None:
        pending.append(entities[event.data["entity_id"]])

    unsubs = [
        hass.bus.async_listen(name, written, event_filter=ours)
        for name in ("state_changed", "state_reported")
    ]

    def after_uplink() -> None:
        recorded.append((dict(device.values), list(pending)))
        pending.clear()

    def stop() -> None:
        for unsub in unsubs:
            unsub()

    return recorded, after_uplink, stop


def timed_floor(hass: HomeAssistant, recorded: list[Any], *, changed: bool) -> float:
    """µs per uplink for the entity writes our uplinks made, one shared context per uplink.

    ``changed``: replay the values each uplink brought (as ours writes them: the
    states change); otherwise rewrite the same states (HA's cheaper "reported" path).
    """
    device = next(written[0].device for _, written in recorded if written)
    contexts = [Context() for _ in range(UPLINKS)]
    plan = [recorded[n % len(recorded)] for n in range(UPLINKS)]
    expected = sum(len(written) for _, written in plan)
    counter, stop = count_writes(hass, "apt_0001")
    kept = dict(device.values)
    gc.collect()
    start = time.perf_counter()
    for n, (values, written) in enumerate(plan):
        if changed:
            device.values = values
        context = contexts[n]
        for entity in written:
            entity.async_set_context(context)
            entity.async_write_ha_state()
    elapsed = time.perf_counter() - start
    stop()
    device.values = kept
    if counter[0] != expected:
        raise RuntimeError(f"floor: {counter[0]} of {expected} writes happened")
    return elapsed / UPLINKS * 1e6


def timed_bare(hass: HomeAssistant, entities: list[Any], writes_per_uplink: float) -> float:
    """µs per uplink for bare async_set calls with the entities' attributes."""
    templates = [
        (f"sensor.bench_{n}", dict(hass.states.get(e.entity_id).attributes))
        for n, e in enumerate(entities)
    ]
    writes = round(writes_per_uplink * UPLINKS)
    contexts = [Context() for _ in range(UPLINKS)]
    gc.collect()
    start = time.perf_counter()
    for n in range(writes):
        entity_id, attrs = templates[n % len(templates)]
        hass.states.async_set(entity_id, str(n), attrs, context=contexts[n * UPLINKS // writes])
    return (time.perf_counter() - start) / UPLINKS * 1e6


def mqtt_messages(first: int) -> list[MQTTMessage]:
    """Messages as paho hands them to HA's MQTT client."""
    messages = []
    for n in range(UPLINKS):
        message = MQTTMessage(topic=MQTT_TOPIC.encode())
        message.payload = chirpstack_up(MQTT_DEV, first + n, with_object=True)
        message.timestamp = time.monotonic()
        messages.append(message)
    return messages


async def add_mqtt_entry(hass: HomeAssistant) -> MockConfigEntry:
    """Our ChirpStack connection over HA's MQTT integration (application ``bench-ours``)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="bench-ours-mqtt",
        data={
            "entry_type": "network_server",
            "server": "chirpstack",
            "transport": "mqtt",
            "application_id": "bench-ours",
        },
        options={"auto_add": True},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def timed_ours_mqtt(
    hass: HomeAssistant, entry: MockConfigEntry, first: int, count: int = UPLINKS
) -> float:
    """µs per message through HA's MQTT client and our MQTT path (same body as the webhook)."""
    data: MqttData = hass.data["mqtt"]
    assert data.client is not None
    messages = []
    for n in range(count):
        message = MQTTMessage(topic=OURS_TOPIC.encode())
        message.payload = chirpstack_up(OURS_DEV, first + n)
        message.timestamp = time.monotonic()
        messages.append(message)
    before = applied(entry)
    gc.collect()
    start = time.perf_counter()
    for message in messages:
        data.client._async_mqtt_on_message(None, None, message)  # noqa: SLF001
    elapsed = time.perf_counter() - start
    if applied(entry) - before != count:
        raise RuntimeError(f"ours over MQTT: {applied(entry) - before} of {count} applied")
    return elapsed / count * 1e6


def timed_mqtt(hass: HomeAssistant, first: int) -> float:
    """µs per message through HA's MQTT client, subscriptions and template sensors."""
    data: MqttData = hass.data["mqtt"]
    assert data.client is not None
    messages = mqtt_messages(first)
    counter, stop = count_writes(hass, "mq_")
    gc.collect()
    start = time.perf_counter()
    for message in messages:
        data.client._async_mqtt_on_message(None, None, message)  # noqa: SLF001
    elapsed = time.perf_counter() - start
    stop()
    expected = hass.states.get("sensor.mq_temperature")
    last = chirpstack_up(MQTT_DEV, first + UPLINKS - 1, with_object=True)
    if expected is None or f'"temperature":{expected.state}' not in last.decode():
        raise RuntimeError(f"MQTT messages were not applied: {expected}")
    if counter[0] < UPLINKS:
        raise RuntimeError(f"MQTT: only {counter[0]} writes for {UPLINKS} messages")
    return elapsed / UPLINKS * 1e6


async def timed_client(
    hass: HomeAssistant, script: str, args: list[str], done: Callable[[], bool]
) -> float:
    """Our process's CPU µs per uplink while another process sends them."""
    client = run_client(script, *args, str(HERE))
    assert client.stdout is not None
    assert client.stdin is not None
    line = await asyncio.get_running_loop().run_in_executor(None, client.stdout.readline)
    if line.strip() != b"ready":
        raise RuntimeError(f"load client failed to start: {line!r}")
    gc.collect()
    start = cpu_seconds()
    client.stdin.write(b"go\n")
    client.stdin.flush()
    deadline = time.monotonic() + 120
    while not done():
        if time.monotonic() > deadline or client.poll() not in (None, 0):
            client.kill()
            raise RuntimeError(f"the load went missing: {client.communicate()[0]!r}")
        await asyncio.sleep(0.01)
    used = cpu_seconds() - start
    out, _ = await asyncio.get_running_loop().run_in_executor(None, client.communicate)
    if int(out.split()[-1]) != UPLINKS:
        raise RuntimeError(f"load client: {out!r}")
    return used / UPLINKS * 1e6


EMPTY_HOOK = "bench-empty"


def empty_webhook(hass: HomeAssistant) -> list[int]:
    """Register a webhook that reads the body and answers "ok"; return its request counter."""
    counter = [0]

    async def handle(_hass: HomeAssistant, _webhook_id: str, request: Any) -> web.Response:
        if await request.read():
            counter[0] += 1
        return web.Response(text="ok")

    webhook.async_register(hass, "bench", "empty", EMPTY_HOOK, handle, allowed_methods=["POST"])
    return counter


async def setup_mqtt(hass: HomeAssistant, broker: int) -> None:
    """HA's MQTT integration connected to the real broker, with the YAML sensors."""
    entry = MockConfigEntry(
        domain="mqtt",
        title="MQTT",
        version=1,
        minor_version=2,
        data={"broker": "127.0.0.1", "port": broker, "protocol": "5"},
        options={"birth_message": {}, "discovery": False},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(200):
        if (
            hass.states.get("sensor.mq_temperature") is not None
            and hass.data["mqtt"].client.connected
        ):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("MQTT did not connect to the broker")


async def paths(workdir: Path) -> dict[str, Figure]:
    """Every per-uplink path, in one Home Assistant, over ROUNDS rounds."""
    names = {
        "cs": "ours, handler only, ChirpStack body (1.8 KB)",
        "tts": "ours, handler only, TTS body",
        "floor": "entity-write floor (our writes and values, shared context)",
        "floor_same": "entity writes of unchanged states (for comparison)",
        "bare": "bare async_set (same writes, shared context)",
        "mqtt": "HA MQTT sensors + value_template, dispatch",
        "ours_mqtt": "ours over HA's MQTT client, dispatch, ChirpStack body",
        "http": "ours over real HTTP (CPU of HA's process)",
        "http_empty": "HA's HTTP server, an empty webhook (transport floor)",
        "mqtt_wire": "HA MQTT via mosquitto + its client (CPU of HA's process)",
        "ours_mqtt_wire": "ours via mosquitto + HA's MQTT client (CPU of HA's process)",
    }
    figures = {key: Figure(name, []) for key, name in names.items()}
    with mosquitto(workdir) as broker:
        async with temporary_hass(workdir / "paths", yaml=MQTT_YAML) as hass:
            port = free_port()
            assert await async_setup_component(
                hass, "http", {"http": {"server_host": "127.0.0.1", "server_port": port}}
            )
            # HTTP serves once HA has started; the test harness starts "running".
            hass.bus.async_fire(EVENT_HOMEASSISTANT_START)
            await hass.async_block_till_done()
            await setup_mqtt(hass, broker)
            cs = await add_entry(hass, "chirpstack", "bench-cs")
            tts = await add_entry(hass, "tts", "bench-tts")
            ours_mqtt = await add_mqtt_entry(hass)
            timed_ours_mqtt(hass, ours_mqtt, 0, 1)  # creates the device (frame counter 0)
            await post_all(hass, "bench-cs", [request(chirpstack_up(DEV, 0))])
            await post_all(
                hass, "bench-tts", [request(tts_uplink("a81758fffe000002", 0), event=None)]
            )
            empty = empty_webhook(hass)
            counter, stop = count_writes(hass, "apt_0001")
            recorded, after_uplink, stop_recording = record_uplinks(hass, "apt_0001")
            for n in range(1, 201):
                await post_all(hass, "bench-cs", [request(chirpstack_up(DEV, n))])
                after_uplink()
            stop()
            stop_recording()
            writes = counter[0] / 200
            entities = entity_objects(hass, "apt_0001")
            url = f"http://127.0.0.1:{port}/api/webhook/bench-cs?event=up"
            first = 1_000
            for _ in range(ROUNDS):
                figures["cs"].values.append(
                    await timed_uplinks(
                        hass, cs, "bench-cs", lambda n: chirpstack_up(DEV, n), first, "up"
                    )
                )
                figures["tts"].values.append(
                    await timed_uplinks(
                        hass,
                        tts,
                        "bench-tts",
                        lambda n: tts_uplink("a81758fffe000002", n),
                        first,
                        None,
                    )
                )
                figures["floor"].values.append(timed_floor(hass, recorded, changed=True))
                figures["floor_same"].values.append(timed_floor(hass, recorded, changed=False))
                figures["bare"].values.append(timed_bare(hass, entities, writes))
                figures["mqtt"].values.append(timed_mqtt(hass, first))
                figures["ours_mqtt"].values.append(timed_ours_mqtt(hass, ours_mqtt, first))
                first += UPLINKS
                target = applied(cs) + UPLINKS
                figures["http"].values.append(
                    await timed_client(
                        hass,
                        HTTP_CLIENT,
                        [url, TOKEN, str(UPLINKS), str(first)],
                        lambda target=target: applied(cs) >= target,
                    )
                )
                target = empty[0] + UPLINKS
                figures["http_empty"].values.append(
                    await timed_client(
                        hass,
                        HTTP_CLIENT,
                        [url.replace("bench-cs", EMPTY_HOOK), TOKEN, str(UPLINKS), str(first)],
                        lambda target=target: empty[0] >= target,
                    )
                )
                first += UPLINKS
                mq_counter, mq_stop = count_writes(hass, "mq_temperature")
                figures["mqtt_wire"].values.append(
                    await timed_client(
                        hass,
                        MQTT_CLIENT,
                        [str(broker), MQTT_TOPIC, str(UPLINKS), str(first), MQTT_DEV, "object"],
                        lambda counter=mq_counter: counter[0] >= UPLINKS,
                    )
                )
                mq_stop()
                target = applied(ours_mqtt) + UPLINKS
                figures["ours_mqtt_wire"].values.append(
                    await timed_client(
                        hass,
                        MQTT_CLIENT,
                        [str(broker), OURS_TOPIC, str(UPLINKS), str(first), OURS_DEV, "raw"],
                        lambda target=target: applied(ours_mqtt) >= target,
                    )
                )
                first += UPLINKS
            print(f"state writes per uplink (ours):   {writes:.2f} of {len(entities)} entities")
    return figures


def unlimited(entry: MockConfigEntry) -> None:
    """Lift the auto-add rate limit of an entry (the bench creates thousands of devices)."""
    entry.runtime_data._bucket = TokenBucket(100_000, 0, time.monotonic())  # noqa: SLF001


async def create_devices(
    hass: HomeAssistant, entry: MockConfigEntry, webhook_id: str, count: int, tag: int
) -> list[str]:
    """Create ``count`` devices by their first uplink; return their EUIs."""
    unlimited(entry)
    euis = [f"b{tag:03x}{n:012x}" for n in range(count)]
    for n, eui in enumerate(euis):
        await post_all(hass, webhook_id, [request(chirpstack_up(eui, 1))])
        if n % 250 == 0:
            await hass.async_block_till_done()
    await hass.async_block_till_done()
    return euis


async def with_recorder(workdir: Path) -> tuple[Figure, Figure]:
    """CPU per uplink at 1,000 devices, recorder off and on (the recorder's thread counted)."""
    from pytest_homeassistant_custom_component.components.recorder.common import (  # noqa: PLC0415
        async_wait_recording_done,
    )

    off = Figure(f"ours, {RECORDER_DEVICES:,} devices in turn, no recorder (CPU)", [])
    on = Figure(f"ours, {RECORDER_DEVICES:,} devices in turn, recorder on (CPU)", [])
    for figure, recorder in ((off, False), (on, True)):
        async with temporary_hass(workdir / f"recorder-{recorder}") as hass:
            if recorder:
                db = workdir / f"recorder-{recorder}" / "home-assistant_v2.db"
                recorder_helper.async_initialize_recorder(hass)
                assert await async_setup_component(
                    hass, "recorder", {"recorder": {"db_url": f"sqlite:///{db}"}}
                )
                assert await get_instance(hass).async_db_ready
            await setup_http(hass)
            entry = await add_entry(hass, "chirpstack", "bench-rec")
            euis = await create_devices(hass, entry, "bench-rec", RECORDER_DEVICES, 0)
            if recorder:
                await async_wait_recording_done(hass)
            first = 10
            for _ in range(ROUNDS):
                requests = [
                    request(chirpstack_up(euis[n % len(euis)], first + n // len(euis)))
                    for n in range(UPLINKS)
                ]
                before = applied(entry)
                gc.collect()
                start = cpu_seconds()
                await post_all(hass, "bench-rec", requests)
                await hass.async_block_till_done()
                if recorder:
                    await async_wait_recording_done(hass)
                figure.values.append((cpu_seconds() - start) / UPLINKS * 1e6)
                if applied(entry) - before != UPLINKS:
                    raise RuntimeError("recorder variant: uplinks not applied")
                first += UPLINKS // len(euis) + 1
    return off, on


async def setup_http(hass: HomeAssistant) -> None:
    """HA's HTTP server on a free loopback port (the default 8123 may be taken)."""
    http = {"server_host": "127.0.0.1", "server_port": free_port()}
    assert await async_setup_component(hass, "http", {"http": http})


async def startup(workdir: Path) -> tuple[Figure, float, int, Figure]:
    """Seconds to set up 5,000 stored devices (5 entries); KiB of memory per device.

    The devices are created once, by their first uplink; each start-up round then
    runs in a fresh process, as a real Home Assistant start does (in one process
    the instances of earlier rounds stay alive and their garbage slows later rounds).
    """
    config = workdir / "startup"
    async with temporary_hass(config) as hass:
        await setup_http(hass)
        await hass.async_block_till_done()
        gc.collect()
        before = rss_kib()
        entries = []
        for block in range(STARTUP_ENTRIES):
            entry = await add_entry(hass, "chirpstack", f"bench-start-{block}")
            await create_devices(hass, entry, f"bench-start-{block}", STARTUP_PER_ENTRY, block)
            entries.append(
                {
                    "entry_id": entry.entry_id,
                    "title": entry.title,
                    "data": dict(entry.data),
                    "options": dict(entry.options),
                }
            )
        gc.collect()
        per_device = (rss_kib() - before) / (STARTUP_ENTRIES * STARTUP_PER_ENTRY)
        entities = sum(
            1
            for state in hass.states.async_all()
            if state.entity_id.split(".")[1].startswith("apt_")
        )
    (config / "bench-entries.json").write_text(json.dumps(entries), encoding="utf-8")
    devices = STARTUP_ENTRIES * STARTUP_PER_ENTRY
    figure = Figure(f"start-up of {devices:,} stored devices (fresh process)", [], "s")
    memory = Figure("memory per device after start-up (fresh process)", [], "KiB")
    for _ in range(ROUNDS):
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--startup-round", str(config), stdout=PIPE
        )
        out, _ = await child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"start-up round failed ({child.returncode}): {out!r}")
        seconds, loaded, grown_kib = json.loads(out.splitlines()[-1])
        if loaded != entities:
            raise RuntimeError(f"start-up: {loaded} of {entities} entities")
        figure.values.append(seconds)
        memory.values.append(grown_kib / devices)
    return figure, per_device, entities, memory


async def startup_round(config: Path) -> None:
    """One start-up of the stored devices (in a fresh process); print the figures as JSON."""
    entries = json.loads((config / "bench-entries.json").read_text(encoding="utf-8"))
    async with temporary_hass(config, restart=True) as hass:
        await setup_http(hass)
        for entry in entries:
            MockConfigEntry(domain=DOMAIN, **entry).add_to_hass(hass)
        gc.collect()
        before = rss_kib()
        start = time.perf_counter()
        # Setting up the integration sets up all its entries, as at HA's start.
        if not await async_setup_component(hass, DOMAIN, {}):
            states = [e.state for e in hass.config_entries.async_entries(DOMAIN)]
            raise RuntimeError(f"start-up: integration not set up, entries {states}")
        await hass.async_block_till_done()
        seconds = time.perf_counter() - start
        gc.collect()
        grown = rss_kib() - before
        loaded = sum(
            1
            for state in hass.states.async_all()
            if state.entity_id.split(".")[1].startswith("apt_")
        )
    print(json.dumps([seconds, loaded, grown]))


async def main() -> None:
    """Run every measurement and print the figures."""
    with temporary_dir("municipal_iot-bench-") as workdir:
        figures = await paths(workdir)
        off, on = await with_recorder(workdir)
        start, per_device, entities, memory = await startup(workdir)
    cs, floor, bare, mqtt = figures["cs"], figures["floor"], figures["bare"], figures["mqtt"]
    http, wire = figures["http"], figures["mqtt_wire"]
    print(f"== Ingest benchmark ({ROUNDS} rounds of {UPLINKS:,} uplinks; min / median)")
    for figure in (*figures.values(), off, on, start, memory):
        print(figure.line())
    created = "memory per device, created by uplinks"
    print(f"{created:<58} {per_device:9.1f} KiB  ({entities:,} entities)")
    print(ratio_line("ours handler / entity-write floor (target <= 2)", cs, floor))
    print(ratio_line("ours handler / bare async_set", cs, bare))
    print(ratio_line("HA MQTT dispatch / ours handler", mqtt, cs))
    ours_mqtt = figures["ours_mqtt"]
    print(ratio_line("ours over MQTT dispatch / ours webhook handler", ours_mqtt, cs))
    print(ratio_line("ours over MQTT dispatch / bare async_set", ours_mqtt, bare))
    print(ratio_line("ours over MQTT dispatch / HA MQTT sensors dispatch", ours_mqtt, mqtt))
    print(ratio_line("HA MQTT with its client / ours over HTTP (target >= 1.5)", wire, http))
    ours_wire = figures["ours_mqtt_wire"]
    print(ratio_line("HA MQTT with its client / ours with the same client", wire, ours_wire))
    empty = figures["http_empty"]
    print(ratio_line("ours over HTTP / HA's HTTP server with an empty webhook", http, empty))
    print(ratio_line("recorder on / off, per uplink", on, off))
    print(f"{'start-up of 5,000 devices, median (target < 5 s)':<58} {start.median:9.2f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--startup-round"]:
        asyncio.run(startup_round(Path(sys.argv[2])))
    else:
        asyncio.run(main())
