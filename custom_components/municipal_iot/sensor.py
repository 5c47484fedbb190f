"""Sensors: measurements, meter readings and link diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    LIGHT_LUX,
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricPotential,
    UnitOfTemperature,
    UnitOfVolume,
    UnitOfVolumeFlowRate,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .care_entity import async_setup_care_sensors
from .const import ENTRY_CARE_UNIT
from .coordinator import DeviceData, LoRaWANHub
from .entity import LoRaWANEntity
from .entry_types import (
    MunicipalIoTConfigEntry,
    as_care_unit,
    as_network_server,
    entry_kind,
)

# Push updates; nothing to poll or parallelise.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LoRaWANSensorEntityDescription(SensorEntityDescription):
    """Describes a sensor fed from a device value."""

    source_key: str = ""  # the value whose first appearance creates the entity
    value_fn: Callable[[DeviceData], StateType | datetime]


def _value(key: str) -> Callable[[DeviceData], Any]:
    return lambda device: device.values.get(key)


SENSORS: tuple[LoRaWANSensorEntityDescription, ...] = (
    LoRaWANSensorEntityDescription(
        key="last_motion",
        translation_key="last_motion",
        source_key="motion",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_value("last_motion"),
    ),
    LoRaWANSensorEntityDescription(
        key="motion_count",
        translation_key="motion_count",
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=_value("motion_count"),
    ),
    LoRaWANSensorEntityDescription(
        key="temperature",
        translation_key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        value_fn=_value("temperature"),
    ),
    LoRaWANSensorEntityDescription(
        key="humidity",
        translation_key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=_value("humidity"),
    ),
    LoRaWANSensorEntityDescription(
        key="illuminance",
        translation_key="illuminance",
        device_class=SensorDeviceClass.ILLUMINANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=LIGHT_LUX,
        value_fn=_value("illuminance"),
    ),
    LoRaWANSensorEntityDescription(
        key="battery",
        translation_key="battery",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=_value("battery"),
    ),
    LoRaWANSensorEntityDescription(
        key="battery_voltage",
        translation_key="battery_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=2,
        value_fn=_value("battery_voltage"),
    ),
    LoRaWANSensorEntityDescription(
        key="volume",
        translation_key="volume",
        source_key="volume_m3",
        device_class=SensorDeviceClass.WATER,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        suggested_display_precision=3,
        value_fn=_value("volume_m3"),
    ),
    LoRaWANSensorEntityDescription(
        key="flow",
        translation_key="flow",
        source_key="flow_m3h",
        device_class=SensorDeviceClass.VOLUME_FLOW_RATE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfVolumeFlowRate.CUBIC_METERS_PER_HOUR,
        suggested_display_precision=3,
        value_fn=_value("flow_m3h"),
    ),
    LoRaWANSensorEntityDescription(
        key="meter_time",
        translation_key="meter_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_value("meter_time"),
    ),
    LoRaWANSensorEntityDescription(
        key="rssi",
        translation_key="rssi",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        value_fn=_value("rssi"),
    ),
    LoRaWANSensorEntityDescription(
        key="snr",
        translation_key="snr",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS,
        suggested_display_precision=1,
        value_fn=_value("snr"),
    ),
    LoRaWANSensorEntityDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_value("last_seen"),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    any_entry: MunicipalIoTConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for known devices, and for new ones as they report."""
    if entry_kind(any_entry) == ENTRY_CARE_UNIT:
        async_setup_care_sensors(as_care_unit(any_entry), async_add_entities)
        return
    entry = as_network_server(any_entry)
    hub = entry.runtime_data

    @callback
    def add(device: DeviceData, keys: set[str]) -> None:
        async_add_entities(
            LoRaWANSensor(hub, device, description)
            for description in SENSORS
            if (description.source_key or description.key) in keys
        )

    for device in hub.devices.values():
        add(device, device.keys)
    entry.async_on_unload(hub.async_add_new_keys_listener(add))


class LoRaWANSensor(LoRaWANEntity, RestoreSensor):
    """A sensor whose value comes from the device's uplinks."""

    entity_description: LoRaWANSensorEntityDescription

    def __init__(
        self, hub: LoRaWANHub, device: DeviceData, description: LoRaWANSensorEntityDescription
    ) -> None:
        """Bind to the device."""
        super().__init__(hub, device, description)
        self.write_every_uplink = description.key == "last_seen"

    _restored: StateType | datetime = None

    async def async_added_to_hass(self) -> None:
        """Restore the last value, shown until the next uplink reports one."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None:
            self._restored = last.native_value  # type: ignore[assignment]  # Decimal never stored here

    @property
    def native_value(self) -> StateType | datetime:
        """Return the latest value."""
        value = self.entity_description.value_fn(self.device)
        return self._restored if value is None else value

    def current_value(self) -> object:
        """Return the shown value."""
        return self.native_value
