"""Every motion vector gives the same entity states by webhook and over MQTT (a real broker)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from tests.network import (
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
from tests.network.conftest import Publisher, connected_mqtt
from tests.network.test_webhook import _expected_states, _good_vectors, _identity

type Deliver = Callable[[str, Any], Awaitable[None]]


@pytest.fixture(params=["webhook", "mqtt"])
async def deliver(
    request: pytest.FixtureRequest,
    hass: HomeAssistant,
    post: Poster,
    mqtt_broker: int,
    mqtt_publish: Publisher,
    socket_enabled: None,
) -> AsyncIterator[Deliver]:
    """Send one body by webhook or through the broker; return once the hub handled it."""

    async def by_webhook(server: str, body: Any) -> None:
        hook = WEBHOOK_CS if server == "chirpstack" else WEBHOOK_TTS
        entry = await setup_entry(hass, network_entry(server, hook))
        status, _ = await post(hook, body, event="up" if server == "chirpstack" else None)
        assert status == 200
        await hass.async_block_till_done()
        assert entry.runtime_data.counters["applied"] == 1

    async def over_mqtt(server: str, body: Any) -> None:
        entry = await setup_entry(hass, mqtt_entry(server))
        client = hass.data["mqtt"].client
        await until(lambda: not client._pending_subscriptions, "subscriptions sent")
        await asyncio.sleep(0.3)  # the broker's SUBACK
        device = "a81758fffe0312ab" if server == "chirpstack" else "lgh-3"
        await mqtt_publish(uplink_topic(server, device), body)
        await until(lambda: sum(entry.runtime_data.counters.values()) > 0, "uplink handled")
        await hass.async_block_till_done()
        assert entry.runtime_data.counters["applied"] == 1

    if request.param == "webhook":
        yield by_webhook
    else:
        async with connected_mqtt(hass, mqtt_broker):
            yield over_mqtt


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("vector", _good_vectors(), ids=lambda v: v["id"])
@pytest.mark.parametrize("server", ["chirpstack", "tts"])
async def test_vector_states_by_transport(
    hass: HomeAssistant, deliver: Deliver, vector: dict[str, Any], server: str
) -> None:
    """The same vector gives the same states whichever way it arrives."""
    profile, brand, model = _identity(vector)
    f_port = vector["fPort"] or 1
    now = dt_util.utcnow().isoformat()
    if server == "chirpstack":
        body = chirpstack_up(
            vector["payload_hex"], f_port=f_port, name="lgh-3", profile=profile, time=now
        )
    else:
        body = tts_uplink(
            vector["payload_hex"],
            f_port=f_port,
            device_id="lgh-3",
            brand=brand,
            model=model,
            received_at=now,
        )
    await deliver(server, body)
    expected = _expected_states(vector)
    assert expected, vector["id"]
    for entity_pattern, state in expected.items():
        current = hass.states.get(entity_pattern.format("lgh_3"))
        assert current is not None, entity_pattern
        if state[0].isdigit():
            assert float(current.state) == float(state), entity_pattern
        else:
            assert current.state == state, entity_pattern
