"""Water-meter uplinks through the webhook: entities, alarms, encrypted frames and keys."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.municipal_iot.const import DOMAIN
from tests.network import (
    WEBHOOK_CS,
    WEBHOOK_TTS,
    Poster,
    chirpstack_up,
    load_json,
    network_entry,
    setup_entry,
    tts_uplink,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")
VECTORS = {
    v["id"]: v for vendor in load_json("vectors_water.json")["lorawan"].values() for v in vendor
}
METER = "a81758fffe0312ab"


def _vector(vector_id: str) -> dict[str, Any]:
    return VECTORS[vector_id]


async def test_kamstrup_plain_frame_gives_water_volume(hass: HomeAssistant, post: Poster) -> None:
    """A plain Kamstrup frame (ChirpStack) gives an Energy-dashboard-ready volume sensor."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    vector = _vector("kamstrup-oms-04")
    body = chirpstack_up(
        vector["payload_hex"], f_port=vector["fPort"], name="vm-12", profile="Kamstrup flowIQ 2200"
    )
    assert (await post(WEBHOOK_CS, body, event="up")) == (200, "ok")
    state = hass.states.get("sensor.vm_12_volume")
    assert state is not None
    assert float(state.state) == 7842.497
    assert state.attributes["device_class"] == "water"
    assert state.attributes["state_class"] == "total_increasing"
    assert state.attributes["unit_of_measurement"] == "m³"
    assert hass.states.get("sensor.vm_12_meter_clock").state == "2023-08-29T12:00:00+00:00"


async def test_axioma_alarm_frame_sets_alarm_sensors(
    hass: HomeAssistant, post: Poster, frozen_clock: Any
) -> None:
    """An Axioma port-103 alarm frame (TTS) raises the dry-pipe alarm only."""
    frozen_clock.move_to("2021-05-26T13:12:00+00:00")
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    payload = "dd48ae6010"  # 2021-05-26T13:10:53Z, status 0x10: empty pipe (dry)
    body = tts_uplink(
        payload,
        f_port=103,
        device_id="vm-7",
        brand="axioma",
        model="qalcosonic-w1",
        received_at="2021-05-26T13:11:00Z",
    )
    assert (await post(WEBHOOK_TTS, body)) == (200, "ok")
    assert hass.states.get("binary_sensor.vm_7_dry_pipe").state == "on"
    assert hass.states.get("binary_sensor.vm_7_leak_meter_alarm").state == "off"
    assert hass.states.get("binary_sensor.vm_7_burst_meter_alarm").state == "off"


async def test_encrypted_kamstrup_needs_key(hass: HomeAssistant, post: Poster) -> None:
    """Without a key: a repair issue and no values; with the key: decoded, issue gone."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    vector = _vector("kamstrup-oms-29")
    dek = vector["decoder_input_extra"]["thing"]["setup"]["DEK"]
    body = chirpstack_up(
        vector["payload_hex"], f_port=vector["fPort"], name="vm-3", profile="Kamstrup flowIQ 2200"
    )
    assert (await post(WEBHOOK_CS, body, event="up")) == (
        200,
        "accepted: payload could not be decoded",
    )
    issue_id = f"meter_key_required_{entry.entry_id}_{METER}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"name": "vm-3", "dev_eui": METER}
    device = entry.runtime_data.devices[METER]
    assert device.model_id == "kamstrup_flowiq2200"
    assert "volume_m3" not in device.values

    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "meter_keys": {METER: dek.lower()}}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    again = chirpstack_up(
        vector["payload_hex"],
        f_port=vector["fPort"],
        name="vm-3",
        profile="Kamstrup flowIQ 2200",
        f_cnt=2,
        time="2026-11-26T10:05:00+00:00",
    )
    assert (await post(WEBHOOK_CS, again, event="up")) == (200, "ok")
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert entry.runtime_data.devices[METER].last_error is None


async def test_chirpstack_still_encrypted_payload(hass: HomeAssistant, post: Poster) -> None:
    """joinServerContext means ChirpStack has no AppSKey: nothing is decoded from data."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    body = chirpstack_up("0100e20503")
    body["joinServerContext"] = {"sessionKeyId": "abc"}
    assert (await post(WEBHOOK_CS, body, event="up"))[1] == "accepted: payload could not be decoded"
    assert "still encrypted" in (entry.runtime_data.devices[METER].last_error or "")
    assert hass.states.get("sensor.apt_12_motion_temperature") is None
