"""Base entity of the network wing: one measurement of one LoRaWAN device."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..const import DOMAIN
from ..entity import PushEntity, PushEntityDescription
from .device import DeviceData
from .hub import LoRaWANConfigEntry, LoRaWANHub


@dataclass(frozen=True, kw_only=True)
class LoRaWANEntityDescription(PushEntityDescription):
    """Which device value an entity shows, and when the device gets the entity."""

    value_key: str | None = None  # the key in DeviceData.values (default: the description key)
    # Whether a device that reported these value keys has the entity (default:
    # once it reported the entity's own value).
    exists_fn: Callable[[set[str]], bool] | None = None

    @property
    def source(self) -> str:
        """Return the device value the entity shows."""
        return self.value_key or self.key

    def exists(self, keys: set[str]) -> bool:
        """Return True when a device that reported ``keys`` has this entity."""
        return self.exists_fn(keys) if self.exists_fn is not None else self.source in keys


class LoRaWANEntity(PushEntity):
    """An entity fed by the uplinks of one LoRaWAN device."""

    entity_description: LoRaWANEntityDescription

    def __init__(
        self, hub: LoRaWANHub, device: DeviceData, description: LoRaWANEntityDescription
    ) -> None:
        """Bind the entity to its device."""
        self.hub = hub
        self.device = device
        self.entity_description = description
        self._value_key = description.source
        self._attr_unique_id = f"{device.dev_eui}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device.dev_eui)},
            manufacturer=device.manufacturer,
            model=device.model,
            model_id=device.model_id,
            name=device.name,
            serial_number=device.dev_eui.upper(),
        )

    @property
    def available(self) -> bool:
        """Unavailable when the device missed its expected uplinks."""
        return self.device.available

    async def async_added_to_hass(self) -> None:
        """Refresh on the device's uplinks."""
        await super().async_added_to_hass()
        self._listen(self.hub.signal(self.device.dev_eui))


type PlatformSetup = Callable[
    [HomeAssistant, LoRaWANConfigEntry, AddConfigEntryEntitiesCallback], Awaitable[None]
]


def device_platform[D: LoRaWANEntityDescription](
    descriptions: Sequence[D], entity: Callable[[LoRaWANHub, DeviceData, D], LoRaWANEntity]
) -> PlatformSetup:
    """Return a platform's set-up: entities for known devices, and as devices report new values."""

    async def async_setup(
        hass: HomeAssistant,
        entry: LoRaWANConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        hub = entry.runtime_data

        @callback
        def add(device: DeviceData, keys: set[str]) -> None:
            async_add_entities(
                entity(hub, device, description)
                for description in descriptions
                if description.exists(keys)
            )

        for device in hub.devices.values():
            add(device, device.keys)
        entry.async_on_unload(async_dispatcher_connect(hass, hub.new_keys_signal, add))

    return async_setup
