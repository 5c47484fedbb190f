"""Municipal IoT: LoRaWAN sensors for digital supervision and water metering."""

from __future__ import annotations

from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations
from homeassistant.helpers.typing import ConfigType

from .care_const import STORAGE_VERSION as CARE_STORAGE_VERSION
from .care_services import async_setup_care_services
from .care_unit import async_setup_care_unit, async_unload_care_unit
from .const import (
    CONF_ENTRY_TYPE,
    DOMAIN,
    ENTRY_CARE_UNIT,
    ENTRY_METER_REPORT,
    ENTRY_NETWORK_SERVER,
)
from .coordinator import STORAGE_VERSION, LoRaWANConfigEntry, LoRaWANHub
from .entry_types import (
    MunicipalIoTConfigEntry,
    as_care_unit,
    as_meter_report,
    as_network_server,
    entry_kind,
)
from .meter_entry import async_setup_meter_report_entry, async_unload_meter_report_entry
from .meter_services import async_setup_meter_services
from .meter_statistics import async_get_meter_statistics
from .receiver import async_register_webhook

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

LORAWAN_PLATFORMS = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration (actions are registered here)."""
    async_setup_meter_services(hass)
    async_setup_care_services(hass)
    # Logbook texts come from the "common" section; cache them once.
    await async_get_translations(hass, hass.config.language, "common", [DOMAIN])
    return True


async def async_setup_entry(hass: HomeAssistant, any_entry: MunicipalIoTConfigEntry) -> bool:
    """Set up one config entry."""
    kind = entry_kind(any_entry)
    if kind == ENTRY_CARE_UNIT:
        return await async_setup_care_unit(hass, as_care_unit(any_entry))
    if kind == ENTRY_METER_REPORT:
        return await async_setup_meter_report_entry(hass, as_meter_report(any_entry))
    if kind == ENTRY_NETWORK_SERVER:
        entry = as_network_server(any_entry)
        hub = LoRaWANHub(hass, entry)
        await hub.async_load()
        entry.runtime_data = hub
        # Water-meter history into long-term statistics.
        importer = await async_get_meter_statistics(hass)
        entry.async_on_unload(hub.async_add_decoded_listener(importer.async_handle_decoded))
        await hass.config_entries.async_forward_entry_setups(entry, LORAWAN_PLATFORMS)
        async_register_webhook(hass, entry)
    return True


async def async_unload_entry(hass: HomeAssistant, any_entry: MunicipalIoTConfigEntry) -> bool:
    """Unload a config entry."""
    kind = entry_kind(any_entry)
    if kind == ENTRY_CARE_UNIT:
        return await async_unload_care_unit(hass, as_care_unit(any_entry))
    if kind == ENTRY_METER_REPORT:
        return await async_unload_meter_report_entry(hass, as_meter_report(any_entry))
    entry = as_network_server(any_entry)
    webhook.async_unregister(hass, entry.data[CONF_WEBHOOK_ID])
    unloaded = await hass.config_entries.async_unload_platforms(entry, LORAWAN_PLATFORMS)
    if unloaded:
        await entry.runtime_data.async_shutdown()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, any_entry: MunicipalIoTConfigEntry) -> None:
    """Delete an entry's stored runtime data when the entry is deleted.

    A care unit's journal is kept on purpose: it is the supervision record the
    municipality must be able to show; export it before deleting the file by hand.
    """
    kind = entry_kind(any_entry)
    if kind == ENTRY_NETWORK_SERVER:
        await Store(hass, STORAGE_VERSION, f"{DOMAIN}.{any_entry.entry_id}.devices").async_remove()
    elif kind == ENTRY_CARE_UNIT:
        key = f"{DOMAIN}.care.{any_entry.entry_id}.state"
        await Store(hass, CARE_STORAGE_VERSION, key).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: LoRaWANConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Allow removing a stale device from the UI."""
    if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_CARE_UNIT:
        return False  # apartments are removed by deleting their subentry
    for domain, dev_eui in device_entry.identifiers:
        if domain == DOMAIN:
            entry.runtime_data.remove_device(dev_eui)
    return True
