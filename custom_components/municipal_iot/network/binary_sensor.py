"""Binary sensors of LoRaWAN devices: motion, occupancy and device alarm flags."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import STATE_OFF, STATE_ON, EntityCategory, Platform
from homeassistant.helpers.restore_state import RestoreEntity

from .entity import LoRaWANEntity, LoRaWANEntityDescription, device_platform


@dataclass(frozen=True, kw_only=True)
class LoRaWANBinarySensorEntityDescription(BinarySensorEntityDescription, LoRaWANEntityDescription):
    """Describes a binary sensor fed from a device value."""


def _problem(
    key: str, device_class: BinarySensorDeviceClass = BinarySensorDeviceClass.PROBLEM
) -> LoRaWANBinarySensorEntityDescription:
    return LoRaWANBinarySensorEntityDescription(
        key=key, translation_key=key, device_class=device_class
    )


BINARY_SENSORS: tuple[LoRaWANBinarySensorEntityDescription, ...] = (
    # Motion and occupancy write on every uplink: their last-reported time shows
    # the sensor is alive (supervision counts a rewritten "off" as a report).
    LoRaWANBinarySensorEntityDescription(
        key="motion", always_write=True, device_class=BinarySensorDeviceClass.MOTION
    ),
    LoRaWANBinarySensorEntityDescription(
        key="occupancy", always_write=True, device_class=BinarySensorDeviceClass.OCCUPANCY
    ),
    LoRaWANBinarySensorEntityDescription(
        key="daylight",
        translation_key="daylight",
        device_class=BinarySensorDeviceClass.LIGHT,
        entity_registry_enabled_default=False,
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
    ),
)


class LoRaWANBinarySensor(LoRaWANEntity, BinarySensorEntity, RestoreEntity):
    """A binary sensor whose state comes from the device's uplinks."""

    entity_description: LoRaWANBinarySensorEntityDescription
    _restored: bool | None = None

    async def async_added_to_hass(self) -> None:
        """Restore the last state, shown until the next uplink reports one."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None and last.state in {
            STATE_ON,
            STATE_OFF,
        }:
            self._restored = last.state == STATE_ON
            self._remember_written()  # HA writes the restored state once the entity is added

    @property
    def is_on(self) -> bool | None:
        """Return the latest state."""
        raw = self.device.values.get(self._value_key)
        return self._restored if raw is None else bool(raw)

    def _shown(self) -> object:
        return self.is_on


async_setup_binary_sensors = device_platform(
    Platform.BINARY_SENSOR, BINARY_SENSORS, LoRaWANBinarySensor
)
