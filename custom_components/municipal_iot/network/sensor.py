"""Sensors of LoRaWAN devices: measurements, meter readings and link diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
    Platform,
    UnitOfElectricPotential,
    UnitOfTemperature,
    UnitOfVolume,
    UnitOfVolumeFlowRate,
)
from homeassistant.helpers.typing import StateType

from ..const import VOLUME_KEY
from .entity import LoRaWANEntity, LoRaWANEntityDescription, device_platform


@dataclass(frozen=True, kw_only=True)
class LoRaWANSensorEntityDescription(SensorEntityDescription, LoRaWANEntityDescription):
    """Describes a sensor fed from a device value."""


SENSORS: tuple[LoRaWANSensorEntityDescription, ...] = (
    LoRaWANSensorEntityDescription(
        key="last_motion",
        translation_key="last_motion",
        exists_fn=lambda keys: "motion" in keys,
        device_class=SensorDeviceClass.TIMESTAMP,
    ),
    LoRaWANSensorEntityDescription(
        key="motion_count",
        translation_key="motion_count",
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
    ),
    LoRaWANSensorEntityDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
    ),
    LoRaWANSensorEntityDescription(
        key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
    ),
    LoRaWANSensorEntityDescription(
        key="illuminance",
        device_class=SensorDeviceClass.ILLUMINANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=LIGHT_LUX,
    ),
    LoRaWANSensorEntityDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
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
    ),
    LoRaWANSensorEntityDescription(
        key=VOLUME_KEY,
        translation_key="volume",
        value_key="volume_m3",
        device_class=SensorDeviceClass.WATER,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        suggested_display_precision=3,
    ),
    LoRaWANSensorEntityDescription(
        key="flow",
        translation_key="flow",
        value_key="flow_m3h",
        device_class=SensorDeviceClass.VOLUME_FLOW_RATE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfVolumeFlowRate.CUBIC_METERS_PER_HOUR,
        suggested_display_precision=3,
    ),
    LoRaWANSensorEntityDescription(
        key="meter_time",
        translation_key="meter_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    LoRaWANSensorEntityDescription(
        key="rssi",
        translation_key="rssi",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
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
    ),
    # Why the last uplink was refused (a dash once one decoded): a device that only
    # shows "Last seen" says why.
    LoRaWANSensorEntityDescription(
        key="last_error",
        translation_key="last_error",
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    # Volatile: changes with every uplink, so it is disabled by default (as RSSI and
    # SNR are); once enabled it is written on every uplink.
    LoRaWANSensorEntityDescription(
        key="last_seen",
        translation_key="last_seen",
        always_write=True,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
)


class LoRaWANSensor(LoRaWANEntity, RestoreSensor):
    """A sensor whose value comes from the device's uplinks."""

    entity_description: LoRaWANSensorEntityDescription
    _restored: StateType | datetime = None

    async def async_added_to_hass(self) -> None:
        """Restore the last value, shown until the next uplink reports one."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None:
            self._restored = last.native_value  # type: ignore[assignment]  # Decimal never stored here
            self._remember_written()  # HA writes the restored value once the entity is added

    @property
    def native_value(self) -> StateType | datetime:
        """Return the latest value."""
        value = self.device.values.get(self._value_key)
        return self._restored if value is None else value

    def _shown(self) -> object:
        return self.native_value


async_setup_sensors = device_platform(Platform.SENSOR, SENSORS, LoRaWANSensor)
