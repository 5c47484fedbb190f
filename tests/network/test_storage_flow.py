"""Options step of a The Things Stack connection: the Storage Integration key, tried at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.municipal_iot.network.backfill import BACKFILLS
from tests.network import WEBHOOK_CS, WEBHOOK_TTS, mqtt_entry, network_entry, setup_entry
from tests.storage_server import API_KEY, StorageServer, storage_server

pytestmark = pytest.mark.usefixtures("socket_enabled", "frozen_clock")
NO_APP_NO_KEY = {"storage_application_id": "invalid_application", "storage_api_key": "key_required"}
STORAGE_KEYS = {"storage_url", "storage_application_id", "storage_api_key"}


@pytest.fixture
async def server() -> AsyncIterator[StorageServer]:
    """The Storage Integration of application ``solrosen``."""
    async with storage_server() as running:
        yield running


async def open_storage_step(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"][-1] == "storage"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "storage"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "storage"
    return result


def suggested(result: Any) -> dict[str, Any]:
    return {
        str(key): (key.description or {}).get("suggested_value")
        for key in result["data_schema"].schema
    }


async def test_a_working_key_is_saved_and_the_backfill_starts(
    hass: HomeAssistant, server: StorageServer
) -> None:
    """The key is tried with one request; saved options reload the entry with a backfill."""
    entry = await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    result = await open_storage_step(hass, entry)
    assert suggested(result) == {
        "storage_url": "",
        "storage_application_id": "",
        "storage_api_key": None,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "storage_url": f" {server.url}/console/ ",
            "storage_application_id": "solrosen",
            "storage_api_key": API_KEY,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["storage_url"] == server.url
    assert entry.options["storage_application_id"] == "solrosen"
    assert entry.options["storage_api_key"] == API_KEY
    assert entry.options["interval_motion"] == 60  # the other options stay
    assert len(server.requests) == 1
    assert server.requests[0]["limit"] == "1"
    assert server.headers[0]["Authorization"] == f"Bearer {API_KEY}"
    assert entry.entry_id in hass.data[BACKFILLS]


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        (
            {"storage_url": "eu1.cloud.thethings.network", "storage_application_id": "solrosen"},
            {"storage_url": "invalid_url", "storage_api_key": "key_required"},
        ),
        ({"storage_url": "{url}", "storage_application_id": "sol/rosen"}, NO_APP_NO_KEY),
        ({"storage_url": "{url}"}, NO_APP_NO_KEY),
        (
            {"storage_url": "{url}", "storage_application_id": "solrosen"},
            {"storage_api_key": "key_required"},
        ),
        (
            {
                "storage_url": "{url}",
                "storage_application_id": "solrosen",
                "storage_api_key": "NNSXS.WRONG",
            },
            {"storage_api_key": "storage_key_refused"},
        ),
        (
            {
                "storage_url": "{url}",
                "storage_application_id": "other-app",
                "storage_api_key": API_KEY,
            },
            {"storage_application_id": "storage_not_found"},
        ),
        (
            {
                "storage_url": "http://127.0.0.1:1",
                "storage_application_id": "solrosen",
                "storage_api_key": API_KEY,
            },
            {"base": "cannot_connect"},
        ),
    ],
)
async def test_errors_are_shown_in_the_form(
    hass: HomeAssistant, server: StorageServer, form: dict[str, str], errors: dict[str, str]
) -> None:
    """Each wrong entry has its own translated error; nothing is saved."""
    entry = await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    result = await open_storage_step(hass, entry)
    form = {key: value.format(url=server.url) for key, value in form.items()}
    result = await hass.config_entries.options.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert "storage_api_key" not in {k for k, v in suggested(result).items() if v}
    assert not STORAGE_KEYS & set(entry.options)


async def test_an_empty_key_keeps_the_saved_one_and_an_empty_address_turns_it_off(
    hass: HomeAssistant, server: StorageServer
) -> None:
    """Editing: the saved key is kept when the field is left empty; no address removes all."""
    entry = network_entry(
        "tts",
        WEBHOOK_TTS,
        storage_url=server.url,
        storage_application_id="solrosen",
        storage_api_key=API_KEY,
    )
    await setup_entry(hass, entry)
    result = await open_storage_step(hass, entry)
    assert suggested(result)["storage_url"] == server.url
    assert suggested(result)["storage_api_key"] is None  # the secret is never shown
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"storage_url": server.url, "storage_application_id": "solrosen"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["storage_api_key"] == API_KEY

    result = await open_storage_step(hass, entry)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert not STORAGE_KEYS & set(entry.options)
    assert entry.options["interval_motion"] == 60
    assert entry.entry_id not in hass.data[BACKFILLS]


async def test_mqtt_entries_suggest_their_application(hass: HomeAssistant) -> None:
    """A TTS MQTT entry already knows its application id."""
    entry = mqtt_entry("tts")
    entry.add_to_hass(hass)  # not set up: the options still open
    result = await open_storage_step(hass, entry)
    assert suggested(result)["storage_application_id"] == "solrosen"


async def test_chirpstack_has_no_storage_step(hass: HomeAssistant) -> None:
    """The Storage Integration is The Things Stack's."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert "storage" not in result["menu_options"]
