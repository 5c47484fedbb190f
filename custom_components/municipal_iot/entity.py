"""Base entity for LoRaWAN devices."""

from __future__ import annotations

from abc import abstractmethod

from homeassistant.core import Context, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .const import DOMAIN
from .coordinator import DeviceData, LoRaWANHub


class LoRaWANEntity(Entity):
    """An entity fed by uplinks of one LoRaWAN device (push, no polling)."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, hub: LoRaWANHub, device: DeviceData, description: EntityDescription) -> None:
        """Bind the entity to its device."""
        self.hub = hub
        self.device = device
        self.entity_description = description
        self._attr_unique_id = f"{device.dev_eui}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device.dev_eui)},
            manufacturer=device.manufacturer,
            model=device.model,
            model_id=device.model_id,
            name=device.name,
            serial_number=device.dev_eui.upper(),
        )

    # Heartbeat-like entities write on every uplink, so that their last-reported
    # time shows the sensor is alive (supervision relies on it). Measurements
    # write only when their value or availability changed.
    write_every_uplink = False
    _written: tuple[object, bool] | None = None

    @property
    def available(self) -> bool:
        """Unavailable when the device missed its expected uplinks."""
        return self.device.available

    @abstractmethod
    def current_value(self) -> object:
        """Return the value the entity shows; used to skip unchanged writes."""

    async def async_added_to_hass(self) -> None:
        """Subscribe to the device's uplinks."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.hub.async_add_device_listener(self.device.dev_eui, self._device_updated)
        )

    @callback
    def _device_updated(self, context: Context) -> None:
        written = (self.current_value(), self.device.available)
        if written == self._written and not self.write_every_uplink:
            return
        self._written = written
        self.async_set_context(context)
        self.async_write_ha_state()
