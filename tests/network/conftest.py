"""Fixtures of the network wing's tests: a configured connection and its set-up."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import pytest_socket
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from paho.mqtt import publish
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.municipal_iot import network
from tests.mosquitto import mosquitto
from tests.network import WEBHOOK_CS, WEBHOOK_TTS, network_entry, setup_entry, until

type Publisher = Callable[[str, Any], Awaitable[None]]


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


@pytest.fixture(scope="session")
def mqtt_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real mosquitto on a free loopback port, for the whole session; its port."""
    pytest_socket.enable_socket()  # session fixtures run before the per-test socket_enabled
    with mosquitto(Path(tmp_path_factory.mktemp("mosquitto"))) as port:
        yield port


@contextlib.asynccontextmanager
async def connected_mqtt(hass: HomeAssistant, port: int) -> AsyncIterator[MockConfigEntry]:
    """Home Assistant's own MQTT integration, connected to the broker on ``port``."""
    entry = MockConfigEntry(
        domain="mqtt",
        title="MQTT",
        version=1,
        minor_version=2,
        data={"broker": "127.0.0.1", "port": port},
        options={"birth_message": {}, "discovery": False},
    )
    entry.add_to_hass(hass)
    # The test harness has no configuration.yaml, where MQTT looks for YAML entities.
    with patch("homeassistant.config.async_hass_config_yaml", return_value={}):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await until(lambda: hass.data["mqtt"].client.connected, "MQTT connected to mosquitto")
        yield entry
        await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def mqtt_connected(
    hass: HomeAssistant, mqtt_broker: int, socket_enabled: None
) -> AsyncIterator[MockConfigEntry]:
    """Home Assistant's own MQTT integration, connected to the real broker."""
    async with connected_mqtt(hass, mqtt_broker) as entry:
        yield entry


@pytest.fixture
def mqtt_publish(hass: HomeAssistant, mqtt_broker: int) -> Publisher:
    """Publish like a network server: another MQTT client, through the broker (QoS 1)."""

    async def _publish(topic: str, body: Any) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        await hass.async_add_executor_job(
            lambda: publish.single(topic, payload, qos=1, hostname="127.0.0.1", port=mqtt_broker)
        )

    return _publish
