"""Binary sensors: motion, occupancy and device alarm flags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import STATE_ON, EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .care_entity import async_setup_care_binary_sensors
from .const import ENTRY_CARE_UNIT, ENTRY_METER_REPORT
from .coordinator import DeviceData, LoRaWANHub
from .entity import LoRaWANEntity
from .entry_types import (
    MunicipalIoTConfigEntry,
    as_care_unit,
    as_meter_report,
    as_network_server,
    entry_kind,
)
from .meter_leak import async_setup_leak_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LoRaWANBinarySensorEntityDescription(BinarySensorEntityDescription):
    """Describes a binary sensor fed from a device value."""

    value_fn: Callable[[DeviceData], bool | None]


def _flag(key: str) -> Callable[[DeviceData], bool | None]:
    def value(device: DeviceData) -> bool | None:
        raw = device.values.get(key)
        return None if raw is None else bool(raw)

    return value


def _problem(
    key: str, device_class: BinarySensorDeviceClass = BinarySensorDeviceClass.PROBLEM
) -> LoRaWANBinarySensorEntityDescription:
    return LoRaWANBinarySensorEntityDescription(
        key=key, translation_key=key, device_class=device_class, value_fn=_flag(key)
    )


BINARY_SENSORS: tuple[LoRaWANBinarySensorEntityDescription, ...] = (
    LoRaWANBinarySensorEntityDescription(
        key="motion",
        translation_key="motion",
        device_class=BinarySensorDeviceClass.MOTION,
        value_fn=_flag("motion"),
    ),
    LoRaWANBinarySensorEntityDescription(
        key="occupancy",
        translation_key="occupancy",
        device_class=BinarySensorDeviceClass.OCCUPANCY,
        value_fn=_flag("occupancy"),
    ),
    LoRaWANBinarySensorEntityDescription(
        key="daylight",
        translation_key="daylight",
        device_class=BinarySensorDeviceClass.LIGHT,
        entity_registry_enabled_default=False,
        value_fn=_flag("daylight"),
    ),
    _problem("leak"),
    _problem("burst"),
    _problem("backflow"),
    _problem("dry"),
    _problem("tamper", BinarySensorDeviceClass.TAMPER),
    _problem("freeze"),
    _problem("meter_error"),
    LoRaWANBinarySensorEntityDescription(
        key="low_battery",
        translation_key="low_battery",
        device_class=BinarySensorDeviceClass.BATTERY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_flag("low_battery"),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    any_entry: MunicipalIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add binary sensors for known devices, and for new ones as they report."""
    kind = entry_kind(any_entry)
    if kind == ENTRY_CARE_UNIT:
        async_setup_care_binary_sensors(as_care_unit(any_entry), async_add_entities)
        return
    if kind == ENTRY_METER_REPORT:
        await async_setup_leak_entities(hass, as_meter_report(any_entry), async_add_entities)
        return
    entry = as_network_server(any_entry)
    hub = entry.runtime_data

    @callback
    def add(device: DeviceData, keys: set[str]) -> None:
        async_add_entities(
            LoRaWANBinarySensor(hub, device, description)
            for description in BINARY_SENSORS
            if description.key in keys
        )

    for device in hub.devices.values():
        add(device, device.keys)
    entry.async_on_unload(hub.async_add_new_keys_listener(add))


class LoRaWANBinarySensor(LoRaWANEntity, BinarySensorEntity, RestoreEntity):
    """A binary sensor whose state comes from the device's uplinks."""

    entity_description: LoRaWANBinarySensorEntityDescription
    _restored: bool | None = None

    def __init__(
        self, hub: LoRaWANHub, device: DeviceData, description: LoRaWANBinarySensorEntityDescription
    ) -> None:
        """Bind to the device; motion and occupancy report on every uplink."""
        super().__init__(hub, device, description)
        self.write_every_uplink = description.key in {"motion", "occupancy"}

    async def async_added_to_hass(self) -> None:
        """Restore the last state, shown until the next uplink reports one."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None and last.state in {
            STATE_ON,
            "off",
        }:
            self._restored = last.state == STATE_ON

    @property
    def is_on(self) -> bool | None:
        """Return the latest state."""
        value = self.entity_description.value_fn(self.device)
        return self._restored if value is None else value

    def current_value(self) -> object:
        """Return the shown state."""
        return self.is_on
