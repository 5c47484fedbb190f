"""Entities of care units: per apartment status, alarm, times, pause switch and buttons.

Each apartment is a device of its config subentry. Entities refresh when the
care unit reports a change for their apartment and write their state only when
what they show changed.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .care_const import OUTCOME_OK, PAUSE_REASON_SWITCH
from .care_unit import Apartment, CareUnit
from .const import DOMAIN
from .supervision.engine import ApartmentSupervisor
from .supervision.state import Status
from .supervision.timeutil import iso_or_none

if TYPE_CHECKING:
    from .care_unit import CareUnitConfigEntry


class ApartmentEntity(Entity):
    """An entity of one apartment, refreshed by its care unit (push, no polling)."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _written: object = None

    def __init__(
        self, unit: CareUnit, apartment: Apartment, description: EntityDescription
    ) -> None:
        """Bind the entity to its apartment device."""
        self.unit = unit
        self.apartment = apartment
        self.entity_description = description
        self._attr_unique_id = f"{apartment.apartment_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, apartment.apartment_id)})

    @property
    def supervisor(self) -> ApartmentSupervisor:
        """Return the apartment's supervision engine."""
        return self.apartment.supervisor

    @abstractmethod
    def shown(self) -> object:
        """Return what the entity shows; a change triggers a state write."""

    async def async_added_to_hass(self) -> None:
        """Listen to the apartment's changes."""
        await super().async_added_to_hass()
        self._written = self.shown()
        self.async_on_remove(
            self.unit.async_add_listener(self.apartment.apartment_id, self._refresh)
        )

    @callback
    def _refresh(self) -> None:
        shown = self.shown()
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()


@dataclass(frozen=True, kw_only=True)
class ApartmentSensorDescription(SensorEntityDescription):
    """Describes an apartment sensor."""

    value_fn: Callable[[ApartmentSupervisor], StateType | datetime]


SENSORS: tuple[ApartmentSensorDescription, ...] = (
    ApartmentSensorDescription(
        key="status",
        translation_key="supervision_status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in Status],
        value_fn=lambda supervisor: supervisor.status.value,
    ),
    ApartmentSensorDescription(
        key="last_motion",
        translation_key="last_motion",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda supervisor: supervisor.last_motion,
    ),
    ApartmentSensorDescription(
        key="next_check",
        translation_key="next_check",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda supervisor: supervisor.next_alarm,
    ),
)


class ApartmentSensor(ApartmentEntity, SensorEntity):
    """Status, last motion or next check of an apartment."""

    entity_description: ApartmentSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the value."""
        return self.entity_description.value_fn(self.supervisor)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the pause details on the status sensor."""
        if self.entity_description.key != "status":
            return None
        pause = self.supervisor.paused
        return {
            "paused_until": None if pause is None else iso_or_none(pause.until),
            "pause_reason": None if pause is None else pause.reason,
        }

    def shown(self) -> object:
        """Return the value and attributes."""
        return self.native_value, self.extra_state_attributes


class AlarmCountSensor(SensorEntity):
    """How many apartments of a care unit have an open alarm."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "apartments_in_alarm"
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, unit: CareUnit) -> None:
        """Bind the sensor to the care unit's device."""
        self.unit = unit
        self._attr_unique_id = f"{unit.entry.entry_id}_apartments_in_alarm"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, unit.entry.entry_id)})

    @property
    def native_value(self) -> int:
        """Return the number of open alarms."""
        return self.unit.alarm_count

    async def async_added_to_hass(self) -> None:
        """Listen to status changes of every apartment."""
        await super().async_added_to_hass()
        self.async_on_remove(self.unit.async_add_listener(None, self.async_write_ha_state))


class AlarmBinarySensor(ApartmentEntity, BinarySensorEntity):
    """On while the apartment has an open alarm (acknowledged or not)."""

    @property
    def is_on(self) -> bool:
        """Return True during an alarm episode."""
        return self.supervisor.episode is not None

    def shown(self) -> object:
        """Return the state."""
        return self.is_on


class SupervisionSwitch(ApartmentEntity, SwitchEntity):
    """Supervision on; off pauses it until switched on again."""

    @property
    def is_on(self) -> bool:
        """Return True unless paused."""
        return self.supervisor.paused is None

    def shown(self) -> object:
        """Return the state."""
        return self.is_on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Resume supervision."""
        self.unit.resume(self.apartment.apartment_id, context=self._context)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Pause supervision until switched on."""
        self.unit.pause(
            self.apartment.apartment_id,
            until=None,
            reason=PAUSE_REASON_SWITCH,
            context=self._context,
        )


class AlarmButton(ApartmentEntity, ButtonEntity):
    """Acknowledge or resolve the open alarm from a dashboard."""

    def shown(self) -> object:
        """Buttons have no state of their own."""
        return None

    async def async_press(self) -> None:
        """Acknowledge, or mark checked (outcome OK)."""
        episode = self.supervisor.episode
        apartment_id = self.apartment.apartment_id
        if episode is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_open_alarm",
                translation_placeholders={"apartment": self.apartment.config.label},
            )
        if self.entity_description.key == "acknowledge":
            self.unit.acknowledge(apartment_id, context=self._context)
        else:
            self.unit.resolve(apartment_id, outcome=OUTCOME_OK, context=self._context)


ALARM = BinarySensorEntityDescription(
    key="alarm", translation_key="supervision_alarm", device_class=BinarySensorDeviceClass.PROBLEM
)
SWITCH = SwitchEntityDescription(key="supervision", translation_key="supervision")
BUTTONS = (
    ButtonEntityDescription(key="acknowledge", translation_key="acknowledge_alarm"),
    ButtonEntityDescription(key="resolve", translation_key="resolve_alarm"),
)


def _each_apartment(
    entry: CareUnitConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[CareUnit, Apartment], list[Entity]],
) -> None:
    unit: CareUnit = entry.runtime_data
    for apartment in unit.apartments.values():
        async_add_entities(build(unit, apartment), config_subentry_id=apartment.apartment_id)


def async_setup_care_sensors(
    entry: CareUnitConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the sensors of a care unit and its apartments."""
    async_add_entities([AlarmCountSensor(entry.runtime_data)])
    _each_apartment(
        entry,
        async_add_entities,
        lambda unit, apartment: [ApartmentSensor(unit, apartment, item) for item in SENSORS],
    )


def async_setup_care_binary_sensors(
    entry: CareUnitConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the alarm binary sensor of each apartment."""
    _each_apartment(
        entry,
        async_add_entities,
        lambda unit, apartment: [AlarmBinarySensor(unit, apartment, ALARM)],
    )


def async_setup_care_switches(
    entry: CareUnitConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the supervision switch of each apartment."""
    _each_apartment(
        entry,
        async_add_entities,
        lambda unit, apartment: [SupervisionSwitch(unit, apartment, SWITCH)],
    )


def async_setup_care_buttons(
    entry: CareUnitConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the acknowledge and resolve buttons of each apartment."""
    _each_apartment(
        entry,
        async_add_entities,
        lambda unit, apartment: [AlarmButton(unit, apartment, item) for item in BUTTONS],
    )
