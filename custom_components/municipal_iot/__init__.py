"""Municipal IoT: LoRaWAN sensors for digital supervision and water metering.

Every hook looks the entry's kind up in :data:`.kinds.KINDS`; the work is done
in the kind's wing (``network/``, ``care/``, ``meter/``).
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .kinds import KINDS, MunicipalIoTConfigEntry, kind_of
from .texts import async_get_texts

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what every kind needs once (actions, shared listeners) and cache the texts."""
    for kind in KINDS.values():
        if kind.setup_integration is not None:
            await kind.setup_integration(hass)
    await async_get_texts(hass)  # logbook texts are read from the cache
    return True


async def async_setup_entry(hass: HomeAssistant, entry: MunicipalIoTConfigEntry) -> bool:
    """Set up one config entry."""
    await kind_of(entry).setup(hass, entry)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: MunicipalIoTConfigEntry) -> bool:
    """Unload a config entry."""
    return await kind_of(entry).unload(hass, entry)


async def async_remove_entry(hass: HomeAssistant, entry: MunicipalIoTConfigEntry) -> None:
    """Delete an entry's stored runtime data when the entry is deleted."""
    if (remove := kind_of(entry).remove) is not None:
        await remove(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: MunicipalIoTConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Allow removing a device from the UI where its kind allows it."""
    remove = kind_of(entry).remove_device
    return remove is not None and remove(hass, entry, device_entry)
