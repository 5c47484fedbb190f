"""The network wing: LoRaWAN network-server connections, their devices and entities."""

from __future__ import annotations

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir

from ..const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_NETWORK_SERVER
from ..store import domain_store
from . import downlink
from .backfill import Backfill, storage_configured
from .binary_sensor import async_setup_binary_sensors
from .const import is_mqtt
from .device import devices_store_key
from .downlink_actions import async_setup_actions
from .hub import LoRaWANConfigEntry, LoRaWANHub
from .receiver import async_register_webhook
from .sensor import async_setup_sensors

__all__ = [
    "PLATFORMS",
    "LoRaWANConfigEntry",
    "async_remove_entry",
    "async_setup",
    "async_setup_entry",
    "async_unload_entry",
    "remove_device",
]

PLATFORMS = {
    Platform.BINARY_SENSOR: async_setup_binary_sensors,
    Platform.SENSOR: async_setup_sensors,
}


async def async_setup(hass: HomeAssistant) -> None:
    """Register the downlink actions; open every webhook early (requests wait for the entry)."""
    async_setup_actions(hass)
    for entry in hass.config_entries.async_entries(DOMAIN):
        kind = entry.data.get(CONF_ENTRY_TYPE, ENTRY_NETWORK_SERVER)
        if kind == ENTRY_NETWORK_SERVER and entry.disabled_by is None and not is_mqtt(entry.data):
            async_register_webhook(hass, entry)


async def async_setup_entry(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> None:
    """Load the hub's devices, add their entities, then (re)open the webhook or subscribe."""
    if is_mqtt(entry.data):
        # Imported here: HA's mqtt integration (and paho) load only for MQTT entries.
        from . import mqtt  # noqa: PLC0415

        await mqtt.async_require_mqtt(hass)
    hub = LoRaWANHub(hass, entry)
    await hub.async_load()
    await downlink.async_load_state(hass, entry)
    entry.runtime_data = hub
    entry.async_on_unload(
        hass.bus.async_listen(
            ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED, hub.pending.async_issue_updated
        )
    )
    await hass.config_entries.async_forward_entry_setups(entry, list(PLATFORMS))
    if is_mqtt(entry.data):
        entry.async_on_unload(await mqtt.async_subscribe_entry(hass, entry))
    else:
        async_register_webhook(hass, entry)
    if storage_configured(entry):
        entry.async_on_unload(Backfill(hass, entry, hub).async_start())


async def async_unload_entry(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> bool:
    """Remove the entities and save the devices; the webhook stays (requests wait or get 503).

    MQTT entries unsubscribe after (on unload). A reload (options, token rotation) thus
    never unregisters the webhook, for which Home Assistant would answer 200 and drop the
    uplink. Deleting the entry closes it.
    """
    unloaded = await hass.config_entries.async_unload_platforms(entry, list(PLATFORMS))
    if unloaded:
        await entry.runtime_data.async_shutdown()
        await downlink.async_unload_state(hass, entry)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> None:
    """Close the webhook (if any) and delete the entry's stored devices."""
    if not is_mqtt(entry.data):
        webhook.async_unregister(hass, entry.data[CONF_WEBHOOK_ID])
    await domain_store(hass, devices_store_key(entry.entry_id)).async_remove()
    await domain_store(hass, downlink.store_key(entry.entry_id)).async_remove()


def remove_device(hass: HomeAssistant, entry: LoRaWANConfigEntry, device: dr.DeviceEntry) -> bool:
    """Forget a stale device removed from the UI (only while the hub runs)."""
    if entry.state is not ConfigEntryState.LOADED:
        return False
    for domain, dev_eui in device.identifiers:
        if domain == DOMAIN:
            entry.runtime_data.remove_device(dev_eui)
    return True
