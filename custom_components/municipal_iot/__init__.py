"""Municipal IoT: LoRaWAN sensors for digital supervision and water metering."""

from __future__ import annotations

from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_NETWORK_SERVER
from .coordinator import LoRaWANConfigEntry, LoRaWANHub
from .receiver import async_register_webhook

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

LORAWAN_PLATFORMS = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration (actions are registered here)."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> bool:
    """Set up one config entry."""
    if entry.data.get(CONF_ENTRY_TYPE, ENTRY_NETWORK_SERVER) == ENTRY_NETWORK_SERVER:
        hub = LoRaWANHub(hass, entry)
        await hub.async_load()
        entry.runtime_data = hub
        await hass.config_entries.async_forward_entry_setups(entry, LORAWAN_PLATFORMS)
        async_register_webhook(hass, entry)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> bool:
    """Unload a config entry."""
    webhook.async_unregister(hass, entry.data[CONF_WEBHOOK_ID])
    unloaded = await hass.config_entries.async_unload_platforms(entry, LORAWAN_PLATFORMS)
    if unloaded:
        await entry.runtime_data.async_shutdown()
    return unloaded


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: LoRaWANConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Allow removing a stale device from the UI."""
    for domain, dev_eui in device_entry.identifiers:
        if domain == DOMAIN:
            entry.runtime_data.remove_device(dev_eui)
    return True
