"""Downlink actions on every route: real mosquitto for both MQTT dialects, a small aiohttp
server for The Things Stack's push URL and ChirpStack's REST API, the log and diagnostics."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import MagicMock

import pytest
from aiohttp import web
from homeassistant.components.mqtt import ReceiveMessage, async_subscribe
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.network import downlink as downlink_module
from custom_components.municipal_iot.network.downlink import EVENT_DOWNLINK
from custom_components.municipal_iot.network.downlink_actions import async_describe_events
from custom_components.municipal_iot.texts import async_get_texts
from tests.mosquitto import free_port
from tests.network import (
    CS_APPLICATION,
    TTS_APPLICATION,
    WEBHOOK_CS,
    WEBHOOK_TTS,
    Poster,
    chirpstack_up,
    mqtt_entry,
    network_entry,
    setup_entry,
    tts_uplink,
    until,
    uplink_topic,
)
from tests.network.conftest import Publisher

DEV = "a81758fffe0312ab"
ELSYS_TEMP = "0100e2"  # an Elsys ERS temperature record: enough to create the device
# set_reporting_interval(60) for Elsys: SplPer 3600 s, SendPer 1 (tests/lorawan/test_downlink.py)
ELSYS_60_MIN = base64.b64encode(bytes.fromhex("3E0A1400000E101F00000001")).decode()
TTS_KEY = "NNSXS.TESTKEY"


def _device_id(hass: HomeAssistant, dev_eui: str = DEV) -> str:
    devices = dr.async_get(hass).async_get_devices(identifiers={(DOMAIN, dev_eui)})
    assert len(devices) == 1
    return devices[0].id


async def _call(hass: HomeAssistant, service: str, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, service, data, blocking=True)


async def _capture_topic(hass: HomeAssistant, topic: str) -> list[ReceiveMessage]:
    """Subscribe through the real broker and wait until the broker has the subscription."""
    received: list[ReceiveMessage] = []
    await async_subscribe(hass, topic, received.append)
    client = hass.data["mqtt"].client
    await until(lambda: not client._pending_subscriptions, "subscriptions sent")
    await asyncio.sleep(0.3)  # the broker's SUBACK
    return received


async def _mqtt_device(
    hass: HomeAssistant, publish: Publisher, server: str, device: str, body: Any
) -> MockConfigEntry:
    entry = await setup_entry(hass, mqtt_entry(server))
    await _capture_topic(hass, "unused/#")  # waits for the entry's subscriptions too
    await publish(uplink_topic(server, device), body)
    await until(lambda: DEV in entry.runtime_data.devices, "the device is added")
    await hass.async_block_till_done()
    return entry


@pytest.mark.usefixtures("mqtt_connected")
async def test_chirpstack_mqtt_downlink(hass: HomeAssistant, mqtt_publish: Publisher) -> None:
    """The typed action publishes ChirpStack's command topic; ack and txack are logged."""
    await _mqtt_device(hass, mqtt_publish, "chirpstack", DEV, chirpstack_up(ELSYS_TEMP))
    topic = f"application/{CS_APPLICATION}/device/{DEV}/command/down"
    received = await _capture_topic(hass, topic)
    events = async_capture_events(hass, EVENT_DOWNLINK)
    await _call(hass, "set_reporting_interval", device_id=_device_id(hass), minutes=60)
    await until(lambda: bool(received), "the command reaches the broker")
    assert received[0].topic == topic
    assert received[0].retain is False  # a broker must not replay a command
    command = json.loads(received[0].payload)
    queue_id = command.pop("id")  # a UUID, ChirpStack's queue item id for this downlink
    assert str(uuid.UUID(queue_id)) == queue_id
    assert command == {"devEui": DEV, "confirmed": False, "fPort": 6, "data": ELSYS_60_MIN}
    assert events[0].data["status"] == "queued"
    assert events[0].data["payload"] == "3e0a1400000e101f00000001"
    # ChirpStack reports the gateway's transmission and the device's acknowledgement.
    base = {"time": "2026-12-02T12:00:00+00:00", "deviceInfo": {"devEui": DEV}}
    txack = {**base, "queueItemId": queue_id}
    await mqtt_publish(uplink_topic("chirpstack", DEV, "txack"), txack)
    await mqtt_publish(uplink_topic("chirpstack", DEV, "ack"), {**base, "acknowledged": True})
    await until(lambda: len(events) == 3, "both reports are logged")
    assert [event.data["status"] for event in events] == ["queued", "sent", "acknowledged"]
    # The txack names the queue item: the log knows its payload; the ack here names none.
    assert events[1].data["payload"] == "3e0a1400000e101f00000001"
    assert "payload" not in events[2].data
    assert all(event.data["device_id"] == _device_id(hass) for event in events)


@pytest.mark.usefixtures("mqtt_connected")
async def test_tts_mqtt_downlink(hass: HomeAssistant, mqtt_publish: Publisher) -> None:
    """Elsys "reboot sensor only" (3E01FE) as a raw downlink to TTS's push topic named by the
    device id; down/failed is logged."""
    await _mqtt_device(hass, mqtt_publish, "tts", "apt-12-motion", tts_uplink(ELSYS_TEMP))
    topic = f"v3/{TTS_APPLICATION}@ttn/devices/apt-12-motion/down/push"
    received = await _capture_topic(hass, topic)
    events = async_capture_events(hass, EVENT_DOWNLINK)
    await _call(
        hass,
        "send_downlink",
        device_id=_device_id(hass),
        f_port=6,
        payload="3E01FE",
        confirmed=True,
    )
    await until(lambda: bool(received), "the push reaches the broker")
    assert json.loads(received[0].payload) == {
        "downlinks": [{"f_port": 6, "frm_payload": "PgH+", "confirmed": True, "priority": "NORMAL"}]
    }
    ids = {"device_id": "apt-12-motion", "dev_eui": DEV.upper()}
    failed = {"end_device_ids": ids, "downlink_failed": {"downlink": {"f_port": 6}}}
    await mqtt_publish(uplink_topic("tts", "apt-12-motion", "down/failed"), failed)
    await until(lambda: len(events) == 2, "the failure is logged")
    assert (events[1].data["status"], events[1].data["f_port"]) == ("failed", 6)


@dataclass
class FakeServer:
    """A network server's downlink endpoint: records requests, answers as told."""

    url: str = ""
    status: int = 200
    delay: float = 0.0
    answer: str | None = None  # a 2xx answer that is not ChirpStack's JSON
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)


@pytest.fixture
async def fake_server(socket_enabled: None) -> AsyncIterator[FakeServer]:
    """A small aiohttp server with the documented endpoints, on a free loopback port."""
    server = FakeServer()

    async def handle(request: web.Request) -> web.Response:
        server.requests.append((request.path, dict(request.headers), await request.json()))
        await asyncio.sleep(server.delay)
        if server.status >= 300:
            return web.Response(status=server.status, text="refused by the fake server")
        if server.answer is not None:
            return web.Response(text=server.answer)
        return web.json_response({"id": "3f2a"})  # ChirpStack's EnqueueDeviceQueueItemResponse

    app = web.Application()
    app.router.add_post(
        "/api/v3/as/applications/{app}/webhooks/{webhook}/devices/{device}/down/push", handle
    )
    app.router.add_post("/api/devices/{dev_eui}/queue", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    server.url = f"http://127.0.0.1:{port}"
    yield server
    await runner.cleanup()


def _push_url(server: FakeServer) -> str:
    path = "/api/v3/as/applications/solrosen/webhooks/ha/devices/apt-12-motion/down/push"
    return server.url + path


async def test_tts_push_url(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    post: Poster,
    fake_server: FakeServer,
    hass_admin_user: MockUser,
) -> None:
    """The push URL and key come with TTS's webhook call; the POST carries the bearer key."""
    assert await async_setup_component(hass, "diagnostics", {})  # before the first post
    entry = await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    headers = {"X-Downlink-Push": _push_url(fake_server), "X-Downlink-Apikey": TTS_KEY}
    assert (await post(WEBHOOK_TTS, tts_uplink(ELSYS_TEMP), headers=headers))[0] == 200
    events = async_capture_events(hass, EVENT_DOWNLINK)
    await hass.services.async_call(
        DOMAIN,
        "set_reporting_interval",
        {"device_id": _device_id(hass), "minutes": 60},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    path, sent_headers, body = fake_server.requests[0]
    assert path.endswith("/devices/apt-12-motion/down/push")
    assert sent_headers["Authorization"] == f"Bearer {TTS_KEY}"
    assert body == {
        "downlinks": [
            {"f_port": 6, "frm_payload": ELSYS_60_MIN, "confirmed": False, "priority": "NORMAL"}
        ]
    }
    # The log names who sent it (the action's user).
    assert events[0].context.user_id == hass_admin_user.id
    # TTS reports the acknowledgement on the same webhook.
    ack = {"end_device_ids": {"device_id": "apt-12-motion", "dev_eui": DEV.upper()}}
    ack["downlink_ack"] = {"f_port": 6}  # type: ignore[assignment]
    assert (await post(WEBHOOK_TTS, ack, headers=headers))[0] == 200  # same URL: no new save
    assert events[1].data["status"] == "acknowledged"
    # Diagnostics: the key is redacted, the push URLs only counted.
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["downlinks"]["tts_api_key"] == "**REDACTED**"
    assert diagnostics["downlinks"]["tts_push_devices"] == 1
    assert TTS_KEY not in json.dumps(diagnostics)


async def _chirpstack_rest_entry(
    hass: HomeAssistant, post: Poster, server: FakeServer
) -> MockConfigEntry:
    options = {"chirpstack_api_url": server.url + "/", "chirpstack_api_token": "cs-api-token"}
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS, **options))
    assert (await post(WEBHOOK_CS, chirpstack_up(ELSYS_TEMP), event="up"))[0] == 200
    return entry


async def test_chirpstack_rest_api(
    hass: HomeAssistant, post: Poster, fake_server: FakeServer
) -> None:
    """A ChirpStack webhook connection queues through the REST API with its token."""
    await _chirpstack_rest_entry(hass, post, fake_server)
    await _call(hass, "reboot_device", device_id=_device_id(hass))
    path, headers, body = fake_server.requests[0]
    assert path == f"/api/devices/{DEV}/queue"
    assert headers["Authorization"] == "Bearer cs-api-token"
    assert body == {"queueItem": {"confirmed": False, "fPort": 6, "data": "PgH+"}}
    # ChirpStack answered the queue item id; its ack over the webhook names it.
    events = async_capture_events(hass, EVENT_DOWNLINK)
    ack = {"deviceInfo": {"devEui": DEV}, "queueItemId": "3f2a", "acknowledged": True}
    assert (await post(WEBHOOK_CS, ack, event="ack"))[0] == 200
    assert (events[0].data["status"], events[0].data["payload"]) == ("acknowledged", "3e01fe")


@pytest.mark.parametrize(
    ("status", "key"),
    [
        (401, "downlink_unauthorized"),
        (403, "downlink_unauthorized"),
        (404, "downlink_not_found"),
        (500, "downlink_http_error"),
    ],
)
async def test_refused_downlinks(
    hass: HomeAssistant, post: Poster, fake_server: FakeServer, status: int, key: str
) -> None:
    """Each refusal is a translated error, and is counted."""
    entry = await _chirpstack_rest_entry(hass, post, fake_server)
    fake_server.status = status
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "send_downlink", device_id=_device_id(hass), f_port=10, payload="01")
    assert err.value.translation_key == key
    assert err.value.translation_placeholders["status"] == str(status)
    assert str(err.value)  # the translated message, not the key
    state = downlink_module.state_of(hass, entry.entry_id)
    assert state is not None
    assert (state.sent, sum(state.failures.values())) == (0, 1)


async def test_timeout_and_unreachable(
    hass: HomeAssistant, post: Poster, fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that does not answer in time, and one that is not there."""
    entry = await _chirpstack_rest_entry(hass, post, fake_server)
    monkeypatch.setattr(downlink_module, "HTTP_TIMEOUT", 0.2)
    fake_server.delay = 1.0
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "send_downlink", device_id=_device_id(hass), f_port=10, payload="01")
    assert err.value.translation_key == "downlink_timeout"
    options = {**entry.options, "chirpstack_api_url": f"http://127.0.0.1:{free_port()}"}
    hass.config_entries.async_update_entry(entry, options=options)
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "send_downlink", device_id=_device_id(hass), f_port=10, payload="01")
    assert err.value.translation_key == "downlink_connection"


async def test_no_route_and_bad_values(hass: HomeAssistant, post: Poster) -> None:
    """Without a route, or with values out of range: translated validation errors."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    await post(WEBHOOK_CS, chirpstack_up(ELSYS_TEMP), event="up")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"f_port": 1, "payload": "01"}, "send_downlink", "downlink_no_route_chirpstack"),
        ({"f_port": 0, "payload": "01"}, "send_downlink", "downlink_invalid_port"),
        ({"f_port": 1, "payload": "zz"}, "send_downlink", "downlink_invalid_hex"),
        ({"minutes": 0}, "set_reporting_interval", "downlink_invalid_interval"),
        ({"minutes": 1441}, "set_reporting_interval", "downlink_invalid_interval"),
    ]
    for data, service, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, service, device_id=_device_id(hass), **data)
        assert err.value.translation_key == key, data
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "reboot_device", device_id="no-such-device")
    assert err.value.translation_key == "downlink_unknown_device"
    # A TTS webhook device that has not sent the push headers yet.
    await post(WEBHOOK_TTS, tts_uplink(ELSYS_TEMP, dev_eui="A81758FFFE0312AC"))
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "reboot_device", device_id=_device_id(hass, "a81758fffe0312ac"))
    assert err.value.translation_key == "downlink_no_route_tts"


async def test_unsupported_model(hass: HomeAssistant, post: Poster) -> None:
    """A device without typed commands is told to use send_downlink."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    body = chirpstack_up("0100e2", profile="Generic PIR", obj={"motion": 1.0})
    await post(WEBHOOK_CS, body, event="up")
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_reporting_interval", device_id=_device_id(hass), minutes=10)
    assert err.value.translation_key == "downlink_unsupported_model"


async def test_options_chirpstack_api(hass: HomeAssistant) -> None:
    """The options step checks the URL and that URL and token come together."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"next_step_id": "chirpstack_api"}
    )
    assert result["step_id"] == "chirpstack_api"
    for data, errors in (
        ({"chirpstack_api_url": "chirpstack:8090", "chirpstack_api_token": "t"},
         {"chirpstack_api_url": "invalid_api_url"}),
        ({"chirpstack_api_url": "http://chirpstack:8090"}, {"base": "api_url_and_token"}),
    ):  # fmt: skip
        result = await hass.config_entries.options.async_configure(result["flow_id"], data)
        assert result["errors"] == errors
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"chirpstack_api_url": " http://chirpstack:8090/ ", "chirpstack_api_token": " t "},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["chirpstack_api_url"] == "http://chirpstack:8090"
    assert entry.options["chirpstack_api_token"] == "t"


async def test_tts_entries_do_not_offer_the_chirpstack_api(hass: HomeAssistant) -> None:
    entry = await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    assert "chirpstack_api" not in flow["menu_options"]


async def test_push_headers_are_kept_across_restarts(
    hass: HomeAssistant, post: Poster, fake_server: FakeServer
) -> None:
    """Remembered per device in the store; an invalid URL is not taken."""
    entry = await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    bad = {"X-Downlink-Push": "ftp://x/down/push", "X-Downlink-Apikey": TTS_KEY}
    await post(WEBHOOK_TTS, tts_uplink(ELSYS_TEMP), headers=bad)
    state = downlink_module.state_of(hass, entry.entry_id)
    assert state is not None
    assert state.push_urls == {}
    good = {"X-Downlink-Push": _push_url(fake_server), "X-Downlink-Apikey": TTS_KEY}
    await post(WEBHOOK_TTS, tts_uplink(ELSYS_TEMP, f_cnt=2), headers=good)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    state = downlink_module.state_of(hass, entry.entry_id)
    assert state is not None
    assert (state.push_urls, state.api_key) == ({DEV: _push_url(fake_server)}, TTS_KEY)
    await _call(hass, "send_downlink", device_id=_device_id(hass), f_port=6, payload="3e01fe")
    assert len(fake_server.requests) == 1


async def test_logbook_texts(hass: HomeAssistant, post: Poster) -> None:
    """Each status has its text with port and payload; an unknown one shows the status."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    described: dict[str, Any] = {}
    async_describe_events(hass, lambda _domain, event, fn: described.setdefault(event, fn))
    describe = described[EVENT_DOWNLINK]
    queued = Event(
        EVENT_DOWNLINK, {"name": "apt-12", "status": "queued", "f_port": 6, "payload": "3e01fe"}
    )
    assert describe(queued) == {"name": "apt-12", "message": "downlink 3e01fe queued on fPort 6"}
    acked = Event(EVENT_DOWNLINK, {"name": "apt-12", "status": "acknowledged", "f_port": 6})
    assert describe(acked)["message"] == "downlink acknowledged by the device"
    acked.data["payload"] = "3e01fe"  # type: ignore[index]
    assert describe(acked)["message"] == "downlink 3e01fe acknowledged by the device"
    assert describe(Event(EVENT_DOWNLINK, {"status": "odd"})) == {
        "name": DOMAIN,
        "message": "odd",
    }
    # In Swedish, for the staff.
    hass.config.language = "sv"
    await async_get_texts(hass)
    assert describe(queued)["message"] == "nedlänk 3e01fe köad på fPort 6"


async def test_device_of_a_stopped_or_other_entry(hass: HomeAssistant, post: Poster) -> None:
    """A device whose connection is not loaded, or that is not a LoRaWAN device."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up(ELSYS_TEMP), event="up")
    device_id = _device_id(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "reboot_device", device_id=device_id)
    assert err.value.translation_key == "downlink_not_loaded"
    other = MockConfigEntry(domain="demo")
    other.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={(DOMAIN, "0000000000000001")}
    )
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "reboot_device", device_id=foreign.id)
    assert err.value.translation_key == "downlink_unknown_device"


async def test_push_headers_of_a_device_not_added(
    hass: HomeAssistant, post: Poster, fake_server: FakeServer
) -> None:
    """With auto-add off an unknown device's push URL is not kept (nothing to send to)."""
    entry = await setup_entry(hass, network_entry("tts", WEBHOOK_TTS, auto_add=False))
    headers = {"X-Downlink-Push": _push_url(fake_server), "X-Downlink-Apikey": TTS_KEY}
    assert (await post(WEBHOOK_TTS, tts_uplink(ELSYS_TEMP), headers=headers))[0] == 202
    state = downlink_module.state_of(hass, entry.entry_id)
    assert state is not None
    assert (state.push_urls, state.api_key) == ({}, None)


async def test_answer_without_a_queue_id(
    hass: HomeAssistant, post: Poster, fake_server: FakeServer
) -> None:
    """A 2xx answer that is not JSON still counts as sent (the log just cannot name it)."""
    entry = await _chirpstack_rest_entry(hass, post, fake_server)
    fake_server.answer = "queued"
    await _call(hass, "reboot_device", device_id=_device_id(hass))
    state = downlink_module.state_of(hass, entry.entry_id)
    assert state is not None
    assert (state.sent, dict(state.payloads)) == (1, {})


def test_only_the_latest_queue_ids_are_kept() -> None:
    """The payloads of the last 256 queue items, the oldest forgotten first."""
    state = downlink_module.DownlinkState(store=MagicMock())
    for number in range(downlink_module.SENT_REMEMBERED + 2):
        state.sent_payload(f"id-{number}", f"{number:02x}")
    state.sent_payload(None, "ff")  # MQTT to TTS: no id
    assert len(state.payloads) == downlink_module.SENT_REMEMBERED
    assert "id-0" not in state.payloads
    assert "id-1" not in state.payloads
    assert state.payloads["id-257"] == "101"


async def test_deleting_the_connection_deletes_its_downlink_store(
    hass: HomeAssistant, post: Poster, fake_server: FakeServer, hass_storage: dict[str, Any]
) -> None:
    """The key is written on unload, and gone with the entry (not written back after)."""
    entry = await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    headers = {"X-Downlink-Push": _push_url(fake_server), "X-Downlink-Apikey": TTS_KEY}
    await post(WEBHOOK_TTS, tts_uplink(ELSYS_TEMP), headers=headers)
    key = f"{DOMAIN}.{entry.entry_id}.downlink"
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert hass_storage[key]["data"]["tts_api_key"] == TTS_KEY
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
