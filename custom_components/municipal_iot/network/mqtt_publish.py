"""Downlink commands through Home Assistant's MQTT connection (imported for MQTT entries only)."""

from __future__ import annotations

from typing import Any

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_dumps

QOS = 1  # at least once; the network server queues each command it receives


async def async_publish_json(hass: HomeAssistant, topic: str, body: dict[str, Any]) -> None:
    """Publish one JSON command (not retained: a broker must not replay it)."""
    await mqtt.async_publish(hass, topic, json_dumps(body), qos=QOS, retain=False)
