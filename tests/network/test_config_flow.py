"""Config flow, reconfigure and options for network-server entries."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import network
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.network.flow import LoRaWANOptionsFlow, webhook_url
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, network_entry, setup_entry

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def _network_server_form(hass: HomeAssistant) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network_server"}
    )


async def _by_webhook(hass: HomeAssistant, result: Any) -> Any:
    """Choose the webhook in the transport menu."""
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "network_transport"
    assert result["menu_options"] == ["network_webhook", "network_mqtt"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network_webhook"}
    )


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Do not set up entries created by the flow."""
    with patch(
        "custom_components.municipal_iot.async_setup_entry", return_value=True
    ) as mock_setup:
        yield mock_setup


@pytest.fixture
def external_url(hass: HomeAssistant) -> None:
    """An external URL is configured."""
    hass.config.external_url = "https://ha.ange.example"


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize(
    ("server", "step"),
    [("chirpstack", "instructions_chirpstack"), ("tts", "instructions_tts")],
)
async def test_user_flow(
    hass: HomeAssistant, mock_setup_entry: AsyncMock, server: str, step: str
) -> None:
    """The flow names the connection, then shows exactly what to paste."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert "network_server" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network_server"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "network_server"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": " Ånge LoRaWAN ", "server": server}
    )
    assert result["description_placeholders"] == {"name": "Ånge LoRaWAN"}
    result = await _by_webhook(hass, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    assert not result["errors"]
    placeholders = result["description_placeholders"]
    assert placeholders["url_note"] == ""  # an external URL: nothing to warn about
    assert placeholders["url"].startswith("https://ha.ange.example/api/webhook/")
    webhook_id = placeholders["url"].rsplit("/", 1)[1]
    assert len(webhook_id) == 64
    assert placeholders["header_name"] == "Authorization"
    token = placeholders["header_value"].removeprefix("Bearer ")
    assert len(token) >= 40

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Ånge LoRaWAN"
    assert result["data"] == {
        "entry_type": "network_server",
        "server": server,
        "webhook_id": webhook_id,
        "token": token,
    }
    assert result["options"] == {
        "auto_add": True,
        "interval_motion": 60,
        "interval_water_meter": 1440,
        "missed_intervals": 3,
        "decoders": {},
    }
    assert result["result"].unique_id == "network_server_ange_lorawan"
    assert len(mock_setup_entry.mock_calls) == 1


async def test_invalid_name_then_recover(hass: HomeAssistant, mock_setup_entry: AsyncMock) -> None:
    """A name without letters or digits is refused; a good one then works."""
    result = await _network_server_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "  --  ", "server": "tts"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"name": "invalid_name"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "TTN", "server": "tts"}
    )
    result = await _by_webhook(hass, result)
    assert result["step_id"] == "instructions_tts"


async def test_duplicate_name_aborts(hass: HomeAssistant, mock_setup_entry: AsyncMock) -> None:
    """The same connection name cannot be set up twice."""
    MockConfigEntry(domain=DOMAIN, unique_id="network_server_ange_lorawan").add_to_hass(hass)
    result = await _network_server_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Ånge LoRaWAN", "server": "chirpstack"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_no_external_url_hint(hass: HomeAssistant, mock_setup_entry: AsyncMock) -> None:
    """Without an external URL the internal one is shown with a readable hint."""
    hass.config.internal_url = "http://192.0.2.10:8123"
    result = await _network_server_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "CS", "server": "chirpstack"}
    )
    result = await _by_webhook(hass, result)
    # A hint after the address in the instructions, not an error above them.
    assert not result["errors"]
    placeholders = result["description_placeholders"]
    assert placeholders["url"].startswith("http://192.0.2.10:8123/api/webhook/")
    assert placeholders["url_note"].startswith(
        "Note: Home Assistant has no external URL, so the address above"
    )


async def test_webhook_url_without_any_url(hass: HomeAssistant) -> None:
    """With no URL at all a placeholder address is shown."""
    with patch(
        "custom_components.municipal_iot.network.flow.get_url",
        side_effect=network.NoURLAvailableError,
    ):
        url, external = webhook_url(hass, "abc")
    assert url == "http://<home-assistant-address>:8123/api/webhook/abc"
    assert external is False


@pytest.mark.usefixtures("external_url")
async def test_reconfigure_rotates_token(hass: HomeAssistant, post: Poster) -> None:
    """Reconfigure shows the settings again with a new token; the old one stops working."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    old_token = entry.data["token"]
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["description_placeholders"] == {"name": entry.title}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "instructions_chirpstack"
    new_token = result["description_placeholders"]["header_value"].removeprefix("Bearer ")
    assert new_token != old_token
    assert result["description_placeholders"]["url"].endswith(f"/api/webhook/{WEBHOOK_CS}")
    # Until the admin finishes, the old token still works.
    assert entry.data["token"] == old_token

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["token"] == new_token
    assert entry.data["webhook_id"] == WEBHOOK_CS
    assert (await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up", token=old_token))[0] == 401
    assert (await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up", token=new_token))[0] == 200


async def test_options_settings(hass: HomeAssistant) -> None:
    """Intervals and auto-add are options; saving reloads the entry."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    # A ChirpStack webhook connection also offers its REST API for downlinks.
    assert result["menu_options"] == ["settings", "decoder", "meter_key", "chirpstack_api"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "settings"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "auto_add": False,
            "interval_motion": 30,
            "interval_water_meter": 720,
            "missed_intervals": 2,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {
        "auto_add": False,
        "interval_motion": 30,
        "interval_water_meter": 720,
        "missed_intervals": 2,
        "decoders": {},
    }
    assert entry.runtime_data.auto_add is False


@pytest.mark.parametrize("step", ["decoder", "meter_key"])
async def test_options_need_devices(hass: HomeAssistant, step: str) -> None:
    """The per-device steps need at least one device."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_devices"


async def test_options_of_an_entry_that_is_not_loaded(hass: HomeAssistant, post: Poster) -> None:
    """Not loaded: the settings still open; the per-device steps refuse (they once crashed)."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    assert (await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up"))[0] == 200
    assert await hass.config_entries.async_unload(entry.entry_id)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "chirpstack_api"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["type"] is FlowResultType.FORM
    flow = LoRaWANOptionsFlow()
    flow.hass = hass
    flow.handler = entry.entry_id
    for step in (flow.async_step_decoder, flow.async_step_meter_key):
        refused = await step()
        assert refused["type"] is FlowResultType.ABORT
        assert refused["reason"] == "not_loaded"


async def test_options_decoder_override(hass: HomeAssistant, post: Poster) -> None:
    """An admin picks the decoder for a device whose model cannot be detected."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    body = chirpstack_up("0100e20503", profile="Generic PIR", name="lgh-7")
    await post(WEBHOOK_CS, body, event="up")
    assert entry.runtime_data.devices["a81758fffe0312ab"].model_id == "server_object"
    assert hass.states.get("sensor.lgh_7_temperature") is None

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "decoder"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "decoder"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"device": "a81758fffe0312ab", "model": "elsys_ers"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["decoders"] == {"a81758fffe0312ab": "elsys_ers"}
    hub = entry.runtime_data
    assert hub.devices["a81758fffe0312ab"].model_id == "elsys_ers"
    later = chirpstack_up("0100e20503", profile="Generic PIR", name="lgh-7", f_cnt=2)
    await post(WEBHOOK_CS, later, event="up")
    assert hass.states.get("sensor.lgh_7_temperature").state == "22.6"


async def test_options_meter_key(hass: HomeAssistant, post: Poster) -> None:
    """A meter key must be 32 hex digits; a valid one is stored for that device."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up("0100e2", name="vm-1"), event="up")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "meter_key"}
    )
    assert result["step_id"] == "meter_key"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"device": "a81758fffe0312ab", "key": "not hex"}
    )
    assert result["errors"] == {"key": "invalid_key"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"device": "a81758fffe0312ab", "key": "00112233 44556677 8899AABB CCDDEEFF"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["meter_keys"] == {"a81758fffe0312ab": "00112233445566778899aabbccddeeff"}
    assert entry.runtime_data.meter_key("a81758fffe0312ab") == bytes.fromhex(
        "00112233445566778899aabbccddeeff"
    )
