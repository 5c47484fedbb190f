"""Diagnostics redact secrets and locations."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.municipal_iot.const import DOMAIN
from tests.network import TOKEN, WEBHOOK_TTS, Poster, network_entry, setup_entry, tts_uplink

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def test_entry_and_device_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    post: Poster,
    snapshot: SnapshotAssertion,
) -> None:
    """Entry and device diagnostics, with token, webhook id and location redacted."""
    # Set up diagnostics before the first post freezes the HTTP router.
    assert await async_setup_component(hass, "diagnostics", {})
    entry = await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    await post(WEBHOOK_TTS, tts_uplink("0100e2022904002705061101"))
    await post(WEBHOOK_TTS, {"nope": 1})
    await post(WEBHOOK_TTS, tts_uplink("0100e2"), token="wrong")

    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert result == snapshot
    text = str(result)
    assert TOKEN not in text
    assert WEBHOOK_TTS not in text
    assert "48.76826575" not in text  # gateway latitude from the TTS sample
    assert result["rejections"] == {"schema": 1, "unauthorized": 1}

    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "a81758fffe0312ab"), entry.entry_id
    )
    assert device is not None
    device_result = await get_diagnostics_for_device(hass, hass_client, entry, device)
    assert device_result == snapshot(name="device")
    assert device_result["device"]["location"] == "**REDACTED**"
