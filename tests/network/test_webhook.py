"""Webhook ingest: real-shaped bodies in, entity states out; every bad input rejected."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.aiohttp import MockRequest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.repairs import async_create_fix_flow
from tests.network import (
    TOKEN,
    WEBHOOK_CS,
    WEBHOOK_TTS,
    Poster,
    chirpstack_up,
    load_json,
    network_entry,
    setup_entry,
    tts_uplink,
)

VECTORS = load_json("vectors_motion.json")["lorawan"]

pytestmark = pytest.mark.usefixtures("frozen_clock")

# Per vendor: how the network servers identify the model.
PROFILES = {
    "elsys": ("Elsys ERS", "elsys", "ers"),
    "milesight": ("Milesight WS203", "milesight-iot", "ws203"),
    "browan": ("Browan TBMS100", "browan", "tbms100"),
}
MILESIGHT_MODELS = {
    "ws202": ("Milesight WS202", "ws202"),
    "ws203": ("Milesight WS203", "ws203"),
    "vs340": ("Milesight VS340", "vs340"),
    "vs341": ("Milesight VS341", "vs341"),
}


def _identity(vector: dict[str, Any]) -> tuple[str, str, str]:
    if vector["vendor"] == "milesight":
        model = vector["id"].split("-")[1]
        profile, model_id = MILESIGHT_MODELS[model]
        return profile, "milesight-iot", model_id
    return PROFILES[vector["vendor"]]


def _expected_states(vector: dict[str, Any]) -> dict[str, str]:
    """Entity states (by entity id suffix) a vector's expected output implies."""
    expected = vector["expected"].get("data", vector["expected"])
    states: dict[str, str] = {}
    if "temperature" in expected:
        states["sensor.{}_temperature"] = str(expected["temperature"])
    if vector["id"] == "elsys-doc-temp-two":
        # The source decoder keeps the last sample (26.8, taken 10 s earlier); we show the
        # newest one, offset 0.
        states["sensor.{}_temperature"] = "20.5"
    if "humidity" in expected:
        states["sensor.{}_humidity"] = str(expected["humidity"])
    if "light" in expected:
        states["sensor.{}_illuminance"] = str(expected["light"])
    if "motion" in expected:
        states["binary_sensor.{}_motion"] = "on" if expected["motion"] > 0 else "off"
        states["sensor.{}_motion_count"] = str(expected["motion"])
    if "pir" in expected:
        states["binary_sensor.{}_motion"] = "on" if expected["pir"] == "trigger" else "off"
    if "status" in expected:  # Browan
        states["binary_sensor.{}_motion"] = "on" if expected["status"] == 1 else "off"
    if "occupancy" in expected:
        occupied = expected["occupancy"] in {"occupied", 1, 2}
        states["binary_sensor.{}_occupancy"] = "on" if occupied else "off"
    if isinstance(expected.get("battery"), int) and vector["vendor"] == "milesight":
        states["sensor.{}_battery"] = str(expected["battery"])
    return states


def _good_vectors() -> list[dict[str, Any]]:
    return [
        vector
        for vendor in ("elsys", "milesight", "browan")
        for vector in VECTORS[vendor]
        if "errors" not in vector["expected"] and vector["payload_hex"]
    ]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("vector", _good_vectors(), ids=lambda v: v["id"])
@pytest.mark.parametrize("server", ["chirpstack", "tts"])
async def test_vector_uplinks_become_states(
    hass: HomeAssistant, post: Poster, vector: dict[str, Any], server: str
) -> None:
    """Every motion-sensor vector, wrapped in each server's real body, gives the right states."""
    profile, brand, model = _identity(vector)
    f_port = vector["fPort"] or 1
    if server == "chirpstack":
        await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
        body = chirpstack_up(vector["payload_hex"], f_port=f_port, name="lgh-3", profile=profile)
        status, _ = await post(WEBHOOK_CS, body, event="up")
    else:
        await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
        body = tts_uplink(
            vector["payload_hex"], f_port=f_port, device_id="lgh-3", brand=brand, model=model
        )
        status, _ = await post(WEBHOOK_TTS, body)
    assert status == 200
    await hass.async_block_till_done()

    entry = hass.config_entries.async_entries(DOMAIN)[0]
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "a81758fffe0312ab"), entry.entry_id
    )
    assert device is not None
    assert device.name == "lgh-3"
    assert device.manufacturer == profile.split()[0]
    expected = _expected_states(vector)
    assert expected, vector["id"]
    for entity_pattern, state in expected.items():
        entity_id = entity_pattern.format("lgh_3")
        current = hass.states.get(entity_id)
        assert current is not None, entity_id
        if state[0].isdigit():
            assert float(current.state) == float(state), entity_id
        else:
            assert current.state == state, entity_id
    rssi = hass.states.get("sensor.lgh_3_signal_strength")
    assert rssi is not None
    assert float(rssi.state) == (-36 if server == "chirpstack" else -54)
    if "binary_sensor.{}_motion" in expected and expected["binary_sensor.{}_motion"] == "on":
        last = hass.states.get("sensor.lgh_3_last_motion")
        assert last is not None
        assert last.state.startswith("2026-11-26T10:00:00")


async def test_motion_turns_off_on_uplink_without_motion(hass: HomeAssistant, post: Poster) -> None:
    """Motion goes on with a PIR count and off with the next uplink that has none."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up("0100e20503", f_cnt=1), event="up")
    assert hass.states.get("binary_sensor.apt_12_motion_motion").state == "on"
    later = chirpstack_up("0100e30500", f_cnt=2, time="2026-11-26T10:10:00+00:00")
    await post(WEBHOOK_CS, later, event="up")
    assert hass.states.get("binary_sensor.apt_12_motion_motion").state == "off"
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "22.7"
    # last_motion keeps the time of the motion uplink
    assert hass.states.get("sensor.apt_12_motion_last_motion").state == "2026-11-26T10:00:00+00:00"


async def test_status_and_join_events(hass: HomeAssistant, post: Poster) -> None:
    """ChirpStack status gives battery; join resets frame counters; log is ignored."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up("0100e2", f_cnt=5), event="up")
    status = copy.deepcopy(load_json("network/chirpstack_status.json"))
    status["deviceInfo"]["devEui"] = "a81758fffe0312ab"
    code, _ = await post(WEBHOOK_CS, status, event="status")
    assert code == 200
    assert hass.states.get("sensor.apt_12_motion_battery").state == "88.3"

    # The same frame counter again is a duplicate ...
    code, text = await post(WEBHOOK_CS, chirpstack_up("0100e3", f_cnt=5, dedup="x1"), event="up")
    assert (code, text) == (200, "ignored: duplicate uplink")
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "22.6"
    # ... but after a join the counter restarts and is accepted.
    join = copy.deepcopy(load_json("network/chirpstack_join.json"))
    join["deviceInfo"]["devEui"] = "a81758fffe0312ab"
    assert (await post(WEBHOOK_CS, join, event="join"))[0] == 200
    later = chirpstack_up("0100e3", f_cnt=5, dedup="x2", time="2026-11-26T10:05:00+00:00")
    assert (await post(WEBHOOK_CS, later, event="up")) == (200, "ok")
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "22.7"

    log = load_json("network/chirpstack_log.json")
    assert (await post(WEBHOOK_CS, log, event="log")) == (200, "ignored: event type not used")
    for event in ("ack", "txack", "location"):
        assert (await post(WEBHOOK_CS, {}, event=event))[0] == 200


async def test_status_for_unknown_device(hass: HomeAssistant, post: Poster) -> None:
    """A status event for a device we do not know changes nothing."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    status = load_json("network/chirpstack_status.json")
    code, _ = await post(WEBHOOK_CS, status, event="status")
    assert code == 202
    assert not dr.async_entries_for_config_entry(
        dr.async_get(hass), hass.config_entries.async_entries(DOMAIN)[0].entry_id
    )


async def test_duplicate_deduplication_id(hass: HomeAssistant, post: Poster) -> None:
    """ChirpStack's deduplicationId drops a re-delivered uplink."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    body = chirpstack_up("0100e2", f_cnt=1, dedup="same")
    assert (await post(WEBHOOK_CS, body, event="up")) == (200, "ok")
    body2 = chirpstack_up("0100f0", f_cnt=2, dedup="same", time="2026-11-26T10:01:00+00:00")
    assert (await post(WEBHOOK_CS, body2, event="up")) == (200, "ignored: duplicate uplink")
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "22.6"


async def test_out_of_order_uplink_never_moves_state_back(
    hass: HomeAssistant, post: Poster
) -> None:
    """An older uplink does not overwrite newer values."""
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    new = tts_uplink("0100f005000000", f_cnt=10, received_at="2026-11-26T10:10:00Z")
    old = tts_uplink("0100e20501", f_cnt=9, received_at="2026-11-26T10:00:00Z")
    assert (await post(WEBHOOK_TTS, new)) == (200, "ok")
    assert (await post(WEBHOOK_TTS, old)) == (200, "ignored: older than the newest uplink")
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "24.0"
    assert hass.states.get("binary_sensor.apt_12_motion_motion").state == "off"


async def test_tts_missing_f_cnt_and_rx_metadata(hass: HomeAssistant, post: Poster) -> None:
    """TTS omits zero values: no f_cnt means 0; no rx_metadata means no RSSI."""
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    body = tts_uplink("0100e2", f_cnt=None)
    body["uplink_message"].pop("rx_metadata")
    assert (await post(WEBHOOK_TTS, body)) == (200, "ok")
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    device = entry.runtime_data.devices["a81758fffe0312ab"]
    assert device.f_cnt == 0
    assert "rssi" not in device.values


async def test_server_object_fallback(hass: HomeAssistant, post: Poster) -> None:
    """A device without a Python decoder still works through the server's decoded object."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    body = chirpstack_up(
        "ff", profile="Some PIR", name="pir-x", obj={"motion": 6.0, "temperature": 21.5}
    )
    assert (await post(WEBHOOK_CS, body, event="up")) == (200, "ok")
    assert hass.states.get("binary_sensor.pir_x_motion").state == "on"
    assert hass.states.get("sensor.pir_x_temperature").state == "21.5"


async def test_undecodable_uplink_is_accepted_and_logged_once(
    hass: HomeAssistant, post: Poster, caplog: pytest.LogCaptureFixture
) -> None:
    """A payload nothing can decode is answered 200, counted and logged once."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    for f_cnt in (1, 2, 3):
        body = chirpstack_up(
            "ff", profile="Unknown thing", f_cnt=f_cnt, time=f"2026-11-26T10:0{f_cnt}:00+00:00"
        )
        assert (await post(WEBHOOK_CS, body, event="up")) == (
            200,
            "accepted: payload could not be decoded",
        )
    assert caplog.text.count("Cannot decode uplink") == 1
    # The device exists, with its link diagnostics (volatile, so disabled by default).
    last_seen = er.async_get(hass).async_get("sensor.apt_12_motion_last_seen")
    assert last_seen is not None
    assert last_seen.disabled_by is er.RegistryEntryDisabler.INTEGRATION


BAD_REQUESTS = [
    pytest.param({"token": None}, 401, "missing or wrong bearer token", id="no-token"),
    pytest.param({"token": "wrong"}, 401, "missing or wrong bearer token", id="wrong-token"),
    pytest.param({"raw": b"x" * (64 * 1024 + 1)}, 413, "body over 64 KiB", id="too-large"),
    pytest.param({"raw": b"{not json"}, 400, "body is not JSON", id="not-json"),
    pytest.param({"raw": b"\xff\xfe"}, 400, "body is not JSON", id="not-utf8"),
    # Strict JSON: a lone UTF-16 surrogate (it would break HA's own state and store
    # writes) and the non-standard NaN / Infinity literals never reach the parsers.
    pytest.param(
        {"raw": b'{"deviceInfo": {"deviceName": "lgh \\ud800"}}'},
        400,
        "body is not JSON: no low surrogate",
        id="lone-surrogate",
    ),
    pytest.param({"raw": b'{"batteryLevel": NaN}'}, 400, "body is not JSON", id="nan"),
    pytest.param({"raw": b'{"batteryLevel": 1e999}'}, 400, "body is not JSON", id="infinity"),
    pytest.param(
        {"raw": b"\x0a\x24", "headers": {"Content-Type": "application/octet-stream"}},
        415,
        "protobuf is not supported",
        id="protobuf",
    ),
]


@pytest.mark.parametrize(("kwargs", "status", "reason"), BAD_REQUESTS)
async def test_bad_requests_rejected(
    hass: HomeAssistant,
    post: Poster,
    kwargs: dict[str, Any],
    status: int,
    reason: str,
) -> None:
    """Bad requests get their status and reason; nothing changes."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    before = hass.states.async_entity_ids()
    code, text = await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up", **kwargs)
    assert code == status
    assert text.startswith(reason)
    assert hass.states.async_entity_ids() == before
    assert not dr.async_get(hass).devices


SCHEMA_ERRORS = [
    pytest.param("chirpstack", None, {"deviceInfo": {}}, "missing ?event=", id="cs-no-event"),
    pytest.param("chirpstack", "up", [], "body must be an object", id="cs-list"),
    pytest.param(
        "chirpstack", "up", {"time": "x"}, "deviceInfo must be an object", id="cs-no-device"
    ),
    pytest.param("chirpstack", "bogus", {}, "unknown event type", id="cs-unknown-event"),
    pytest.param(
        "chirpstack",
        "up",
        {"deviceInfo": {"devEui": "xyz"}},
        "deviceInfo.devEui must be 16 hex digits",
        id="cs-bad-eui",
    ),
    pytest.param(
        "chirpstack",
        "up",
        {"deviceInfo": {"devEui": "0101010101010101"}, "data": "***"},
        "data is not valid base64",
        id="cs-bad-base64",
    ),
    pytest.param(
        "chirpstack",
        "up",
        {"deviceInfo": {"devEui": "0101010101010101"}, "fCnt": "7"},
        "fCnt must be a number",
        id="cs-fcnt-string",
    ),
    pytest.param(
        "chirpstack",
        "up",
        {"deviceInfo": {"devEui": "0101010101010101"}, "time": "yesterday"},
        "time must be an RFC 3339 time",
        id="cs-bad-time",
    ),
    pytest.param(
        "chirpstack",
        "up",
        {"deviceInfo": {"devEui": "0101010101010101"}, "time": "0001-01-01T00:00:00+01:00"},
        "time must be between 2000 and 2099",
        id="cs-year-1",  # was OverflowError: 500 with a traceback
    ),
    pytest.param(
        "tts",
        None,
        {
            "end_device_ids": {"dev_eui": "0101010101010101"},
            "received_at": "9999-12-31T23:59:59-01:00",
            "uplink_message": {"f_port": 1, "frm_payload": "AQ=="},
        },
        "received_at must be between 2000 and 2099",
        id="tts-year-9999",
    ),
    pytest.param("tts", None, {"something": 1}, "no known message type key", id="tts-unknown"),
    pytest.param(
        "tts",
        None,
        {"uplink_message": {}, "end_device_ids": {"dev_eui": "12"}},
        "end_device_ids.dev_eui must be 16 hex digits",
        id="tts-bad-eui",
    ),
]


@pytest.mark.parametrize(("server", "event", "body", "reason"), SCHEMA_ERRORS)
async def test_schema_errors(
    hass: HomeAssistant, post: Poster, *, server: str, event: str | None, body: Any, reason: str
) -> None:
    """A body that breaks the schema gets 400 with a short reason."""
    webhook_id = WEBHOOK_CS if server == "chirpstack" else WEBHOOK_TTS
    await setup_entry(hass, network_entry(server, webhook_id))
    code, text = await post(webhook_id, body, event=event)
    assert code == 400
    assert text == f"invalid body: {reason}" or text.startswith(f"invalid body: {reason}")
    assert not dr.async_get(hass).devices


async def test_tts_ignored_types(hass: HomeAssistant, post: Poster) -> None:
    """TTS join_accept and downlink events are answered 200 and ignored."""
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    assert (await post(WEBHOOK_TTS, load_json("network/tts_join_accept.json")))[0] == 200
    for key in ("downlink_ack", "downlink_sent", "downlink_failed", "location_solved"):
        body = {"end_device_ids": {"dev_eui": "0004A30B001C0530"}, key: {}}
        assert (await post(WEBHOOK_TTS, body)) == (200, "ignored: event type not used")
    assert not dr.async_get(hass).devices


async def test_get_not_allowed(hass: HomeAssistant, post: Poster) -> None:
    """The webhook accepts POST only."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    code, _ = await post(WEBHOOK_CS, None, method="GET", event="up")
    assert code == 405


async def test_rejections_counted_and_logged_once(
    hass: HomeAssistant, post: Poster, caplog: pytest.LogCaptureFixture
) -> None:
    """Repeated bad requests are counted each time but logged once per reason."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    for _ in range(5):
        assert (await post(WEBHOOK_CS, {}, event="up", token="bad"))[0] == 401
    assert (await post(WEBHOOK_CS, {}, event="up", raw=b"nope"))[0] == 400
    assert entry.runtime_data.rejections.counts == {"unauthorized": 5, "not_json": 1}
    assert caplog.text.count("missing or wrong bearer token") == 1
    assert caplog.text.count("body is not JSON") == 1


async def test_unexpected_error_is_contained(
    hass: HomeAssistant, post: Poster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in handling answers 500 and never raises into HA."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))

    def boom(message: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(entry.runtime_data, "async_handle", boom)
    code, text = await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up")
    assert (code, text) == (500, "internal error")


async def test_unknown_device_with_auto_add_off(hass: HomeAssistant, post: Poster) -> None:
    """With auto-add off an unknown device becomes a repair issue; fixing it adds the device."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS, auto_add=False))
    code, text = await post(WEBHOOK_CS, chirpstack_up("0100e20501"), event="up")
    assert (code, text) == (202, "device not added: confirm it in Repairs")
    assert not dr.async_get(hass).devices
    issue_id = f"unknown_device_{entry.entry_id}_a81758fffe0312ab"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "dev_eui": "a81758fffe0312ab",
        "name": "apt-12-motion",
        "entry": entry.title,
    }
    # A second uplink does not create a second issue.
    await post(WEBHOOK_CS, chirpstack_up("0100e20501", f_cnt=2), event="up")
    assert len([i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]) == 1

    # Fix it through the repairs flow.
    flow = await async_create_fix_flow(hass, issue_id, dict(issue.data or {}))
    flow.hass = hass
    result = await flow.async_step_init()
    assert result["type"] == "form"
    assert result["description_placeholders"] == {
        "dev_eui": "a81758fffe0312ab",
        "name": "apt-12-motion",
    }
    result = await flow.async_step_confirm({})
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "a81758fffe0312ab"), entry.entry_id
    )
    # Later uplinks are applied.
    later = chirpstack_up("0100e30501", f_cnt=3, time="2026-11-26T10:05:00+00:00")
    assert (await post(WEBHOOK_CS, later, event="up")) == (200, "ok")
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "22.7"

    # Fixing again: the device no longer waits.
    flow2 = await async_create_fix_flow(hass, issue_id, dict(issue.data or {}))
    flow2.hass = hass
    assert (await flow2.async_step_init())["reason"] == "device_gone"
    # And for an entry that is gone.
    gone = {"entry_id": "nope", "dev_eui": "x", "fix_flow": "unknown_device"}
    flow3 = await async_create_fix_flow(hass, issue_id, gone)
    flow3.hass = hass
    assert (await flow3.async_step_init())["reason"] == "entry_not_loaded"


async def test_pending_unknown_devices_are_capped(
    hass: HomeAssistant, post: Poster, caplog: pytest.LogCaptureFixture
) -> None:
    """An outsider with the URL cannot fill Repairs with thousands of devices."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS, auto_add=False))
    for n in range(40):
        await post(WEBHOOK_CS, chirpstack_up("0100e2", dev_eui=f"{n:016x}"), event="up")
    assert len([i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]) == 25
    assert caplog.text.count("unknown devices already wait") == 1


async def test_auto_add_is_rate_limited(
    hass: HomeAssistant,
    post: Poster,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Automatic device creation stops at the burst limit and answers 429."""
    monkeypatch.setattr("custom_components.municipal_iot.network.hub.AUTO_ADD_BURST", 3)
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    codes = [
        (await post(WEBHOOK_CS, chirpstack_up("0100e2", dev_eui=f"{n:016x}"), event="up"))[0]
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert len(entry.runtime_data.devices) == 3
    assert caplog.text.count("automatic device creation limit") == 1


async def test_wrong_entry_token_does_not_cross(hass: HomeAssistant, post: Poster) -> None:
    """Each entry's webhook only accepts its own token."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    other = MockConfigEntry(
        domain=DOMAIN,
        title="other",
        data={"entry_type": "network_server", "server": "tts", "webhook_id": "w2", "token": "t2"},
        options={},
    )
    await setup_entry(hass, other)
    assert (await post("w2", tts_uplink("0100e2"), token=TOKEN))[0] == 401
    assert (await post("w2", tts_uplink("0100e2"), token="t2"))[0] == 200


class ChunkedRequest(MockRequest):
    """A request whose body arrives 7 bytes per read, like a slow TCP stream."""

    @property
    def content(self) -> Any:
        chunks = [self._content[i : i + 7] for i in range(0, len(self._content), 7)]

        class Reader:
            async def read(self, _limit: int = -1) -> bytes:
                return chunks.pop(0) if chunks else b""

        return Reader()


def _chunked(data: bytes) -> ChunkedRequest:
    return ChunkedRequest(
        content=data,
        mock_source="test",
        method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        query_string="event=up",
    )


async def test_body_arriving_in_chunks(hass: HomeAssistant) -> None:
    """A body delivered in several reads (and without Content-Length) is read whole."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    data = json.dumps(chirpstack_up("0100e20503")).encode()
    response = await webhook.async_handle_webhook(hass, WEBHOOK_CS, _chunked(data))
    assert response.status == 200
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "22.6"
    too_big = await webhook.async_handle_webhook(hass, WEBHOOK_CS, _chunked(b"x" * 65_600))
    assert too_big.status == 413


HOSTILE_FIELDS = [
    pytest.param(
        "chirpstack",
        chirpstack_up("0100e2", name="lgh 12\n2026-11-26 ERROR forged"),
        "deviceInfo.deviceName contains a control character (U+000A)",
        id="cs-newline-name",
    ),
    pytest.param(
        "chirpstack",
        chirpstack_up("0100e2", profile="tabs " * 12_000),
        "deviceInfo.deviceProfileName is longer than 256 characters",
        id="cs-long-profile",
    ),
    pytest.param(
        "tts",
        tts_uplink("0100e2", device_id="lgh\u0085x"),
        "end_device_ids.device_id contains a control character (U+0085)",
        id="tts-nel-id",
    ),
]


@pytest.mark.parametrize(("server", "body", "reason"), HOSTILE_FIELDS)
async def test_hostile_fields_rejected(
    hass: HomeAssistant, post: Poster, *, server: str, body: Any, reason: str
) -> None:
    """A line break (a forged log line) or an unbounded name is 400 with the reason; no device."""
    webhook_id = WEBHOOK_CS if server == "chirpstack" else WEBHOOK_TTS
    await setup_entry(hass, network_entry(server, webhook_id))
    code, text = await post(webhook_id, body, event="up" if server == "chirpstack" else None)
    assert (code, text) == (400, f"invalid body: {reason}")
    assert not dr.async_get(hass).devices
