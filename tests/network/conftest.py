"""Fixtures of the network wing's tests: a configured connection and its set-up."""

from __future__ import annotations

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.municipal_iot import network
from tests.network import WEBHOOK_CS, WEBHOOK_TTS, network_entry, setup_entry


@pytest.fixture
def server() -> str:
    """The network server of the connection (parametrize to change it)."""
    return "chirpstack"


@pytest.fixture
def platforms() -> list[Platform]:
    """The platforms to set up (parametrize to snapshot one at a time)."""
    return list(network.PLATFORMS)


@pytest.fixture
def mock_config_entry(server: str) -> MockConfigEntry:
    """A network-server connection, not yet added to hass."""
    return network_entry(server, WEBHOOK_CS if server == "chirpstack" else WEBHOOK_TTS)


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, platforms: list[Platform]
) -> MockConfigEntry:
    """The connection, set up with the chosen platforms."""
    return await setup_entry(hass, mock_config_entry, platforms, network)
