"""Entities of care units: per apartment status, times, pause switch and buttons.

Each apartment is a device of its config subentry; its entities refresh on the
apartment's signal. The status carries what is watched, the rules and the
action plan as attributes. The care unit's own device carries the count of
apartments in alarm and "any apartment in alarm".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..entity import PushEntity, PushEntityDescription
from ..supervision.engine import ApartmentSupervisor
from ..supervision.state import Status
from .apartment import Apartment
from .const import OUTCOME_ALL_OK, PAUSE_REASON_SWITCH, SWITCH_PAUSE_MINUTES
from .unit import CareUnit, CareUnitConfigEntry
from .view import status_attributes


class ApartmentEntity(PushEntity):
    """An entity of one apartment, refreshed by its care unit."""

    def __init__(
        self, unit: CareUnit, apartment: Apartment, description: PushEntityDescription
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

    async def async_added_to_hass(self) -> None:
        """Refresh on the apartment's changes."""
        await super().async_added_to_hass()
        self._listen(self.apartment.signal)


@dataclass(frozen=True, kw_only=True)
class ApartmentSensorDescription(SensorEntityDescription, PushEntityDescription):
    """Describes an apartment sensor."""

    value_fn: Callable[[ApartmentSupervisor], StateType | datetime]
    attributes_fn: Callable[[CareUnit, Apartment], dict[str, Any]] | None = None
    available_fn: Callable[[ApartmentSupervisor], bool] = lambda _supervisor: True


def _in_alarm(supervisor: ApartmentSupervisor) -> bool:
    return supervisor.episode is not None


def _alarm_since(supervisor: ApartmentSupervisor) -> datetime | None:
    episode = supervisor.episode
    return None if episode is None else episode.raised_at


SENSORS: tuple[ApartmentSensorDescription, ...] = (
    ApartmentSensorDescription(
        key="status",
        translation_key="supervision_status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in Status],
        value_fn=lambda supervisor: supervisor.status.value,
        attributes_fn=status_attributes,
    ),
    ApartmentSensorDescription(
        key="last_motion",
        translation_key="last_motion",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda supervisor: supervisor.last_motion,
    ),
    # During an alarm "next check" gives way to "in alarm since".
    ApartmentSensorDescription(
        key="next_check",
        translation_key="next_check",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda supervisor: supervisor.next_alarm,
        available_fn=lambda supervisor: not _in_alarm(supervisor),
    ),
    ApartmentSensorDescription(
        key="next_planned_check",
        translation_key="next_planned_check",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda supervisor: supervisor.next_planned_check,
    ),
    ApartmentSensorDescription(
        key="alarm_since",
        translation_key="alarm_since",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_alarm_since,
        available_fn=_in_alarm,
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
    def available(self) -> bool:
        """Return False while the value does not apply (next check during an alarm)."""
        return self.entity_description.available_fn(self.supervisor)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the description's attributes (on the status: rules, plan, who acted)."""
        attributes_fn = self.entity_description.attributes_fn
        return None if attributes_fn is None else attributes_fn(self.unit, self.apartment)

    def _shown(self) -> object:
        return self.native_value, self.extra_state_attributes


class UnitEntity(PushEntity):
    """An entity of the care unit's own device, refreshed when the unit signals."""

    def __init__(self, unit: CareUnit, description: PushEntityDescription) -> None:
        """Bind the entity to the care unit's device."""
        self.unit = unit
        self.entity_description = description
        self._attr_unique_id = f"{unit.entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, unit.entry.entry_id)})

    async def async_added_to_hass(self) -> None:
        """Refresh when the status of any apartment (or the unit's delivery) changes."""
        await super().async_added_to_hass()
        self._listen(self.unit.signal)


@dataclass(frozen=True, kw_only=True)
class UnitSensorDescription(SensorEntityDescription, PushEntityDescription):
    """Describes a sensor of the care unit's own device."""


IN_ALARM = UnitSensorDescription(
    key="apartments_in_alarm",
    translation_key="apartments_in_alarm",
    state_class=SensorStateClass.MEASUREMENT,
)


class AlarmCountSensor(UnitEntity, SensorEntity):
    """How many apartments of a care unit have an open alarm."""

    entity_description: UnitSensorDescription

    @property
    def native_value(self) -> int:
        """Return the number of open alarms."""
        return self.unit.alarm_count

    def _shown(self) -> object:
        return self.native_value


def _failing_targets(unit: CareUnit) -> dict[str, Any]:
    failing = unit.notifier.failing
    return {
        "targets": sorted(failing),
        "since": None if not failing else min(failing.values()).isoformat(),
    }


@dataclass(frozen=True, kw_only=True)
class UnitBinarySensorDescription(BinarySensorEntityDescription, PushEntityDescription):
    """Describes a problem binary sensor of the care unit's own device."""

    is_on_fn: Callable[[CareUnit], bool]
    attributes_fn: Callable[[CareUnit], dict[str, Any]]
    device_class: BinarySensorDeviceClass | None = BinarySensorDeviceClass.PROBLEM


# On while any apartment has an open alarm (attributes: their labels).
ANY_ALARM = UnitBinarySensorDescription(
    key="any_alarm",
    translation_key="any_alarm",
    is_on_fn=lambda unit: unit.alarm_count > 0,
    attributes_fn=lambda unit: {"apartments": unit.alarm_labels},
)
# On while a call to any notify target fails, retries included (attributes: which, since).
DELIVERY_FAILING = UnitBinarySensorDescription(
    key="delivery_failing",
    translation_key="delivery_failing",
    is_on_fn=lambda unit: bool(unit.notifier.failing),
    attributes_fn=_failing_targets,
)


def _network_outage(unit: CareUnit) -> dict[str, Any]:
    outage = unit.network.outage
    return {
        "apartments": unit.network.labels(),
        "since": None if outage is None else outage.since.isoformat(),
    }


# On while many of the unit's sensors are offline together (attributes: which apartments).
NETWORK_OUTAGE = UnitBinarySensorDescription(
    key="network_outage",
    translation_key="network_outage",
    is_on_fn=lambda unit: unit.network.outage is not None,
    attributes_fn=_network_outage,
)


class UnitBinarySensor(UnitEntity, BinarySensorEntity):
    """A problem binary sensor of the care unit, from its description."""

    entity_description: UnitBinarySensorDescription

    @property
    def is_on(self) -> bool:
        """Return whether the problem is present."""
        return self.entity_description.is_on_fn(self.unit)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the details the description names."""
        return self.entity_description.attributes_fn(self.unit)

    def _shown(self) -> object:
        return self.is_on, self.extra_state_attributes


def remove_apartment_alarm_entities(hass: HomeAssistant, unit: CareUnit) -> None:
    """Remove the apartments' alarm binary sensors of older versions (they repeated the status)."""
    ent_reg = er.async_get(hass)
    for apartment in unit.apartments.values():
        unique_id = f"{apartment.apartment_id}_alarm"
        if (old := ent_reg.async_get_entity_id("binary_sensor", DOMAIN, unique_id)) is not None:
            ent_reg.async_remove(old)


@dataclass(frozen=True, kw_only=True)
class SupervisionSwitchDescription(SwitchEntityDescription, PushEntityDescription):
    """Describes the supervision switch."""


SWITCH = SupervisionSwitchDescription(key="supervision", translation_key="supervision")


class SupervisionSwitch(ApartmentEntity, SwitchEntity):
    """Supervision on; off pauses it for an hour (reason "manual"), on resumes it.

    The pause is journaled and told to the unit's other phones; a longer pause,
    with its own reason, is set in the panel or with ``pause_supervision``.
    """

    entity_description: SupervisionSwitchDescription

    @property
    def is_on(self) -> bool:
        """Return True unless paused."""
        return self.supervisor.paused is None

    def _shown(self) -> object:
        return self.is_on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Resume supervision."""
        self.unit.resume(self.apartment.apartment_id, context=self._context)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Pause supervision for an hour."""
        self.unit.pause(
            self.apartment.apartment_id,
            until=dt_util.utcnow() + timedelta(minutes=SWITCH_PAUSE_MINUTES),
            reason=PAUSE_REASON_SWITCH,
            context=self._context,
        )


@dataclass(frozen=True, kw_only=True)
class AlarmButtonDescription(ButtonEntityDescription, PushEntityDescription):
    """Describes an alarm button: what a press does to the open alarm."""

    press_fn: Callable[[CareUnit, str, Context | None], None]
    # Also usable when an apartment's state was lost (closing confirms the check).
    after_state_loss: bool = False


BUTTONS: tuple[AlarmButtonDescription, ...] = (
    AlarmButtonDescription(
        key="acknowledge",
        translation_key="acknowledge_alarm",
        press_fn=lambda unit, apartment_id, context: unit.acknowledge(
            apartment_id, context=context
        ),
    ),
    AlarmButtonDescription(
        key="resolve",
        translation_key="resolve_alarm",
        after_state_loss=True,
        press_fn=lambda unit, apartment_id, context: unit.resolve(
            apartment_id, outcome=OUTCOME_ALL_OK, context=context
        ),
    ),
)


class AlarmButton(ApartmentEntity, ButtonEntity):
    """Acknowledge or close (all OK) the open alarm from a dashboard.

    Available only while an alarm is open, so that nobody presses it in vain.
    """

    entity_description: AlarmButtonDescription

    @property
    def available(self) -> bool:
        """Return True while an alarm is open (closing: also while the state is lost)."""
        supervisor = self.supervisor
        return supervisor.episode is not None or (
            self.entity_description.after_state_loss and supervisor.state_lost_at is not None
        )

    def _shown(self) -> object:
        return None  # buttons have no state of their own; availability is compared too

    async def async_press(self) -> None:
        """Apply the button's action to the open alarm (a no-op if it just closed)."""
        self.entity_description.press_fn(self.unit, self.apartment.apartment_id, self._context)


type PlatformSetup = Callable[
    [HomeAssistant, CareUnitConfigEntry, AddConfigEntryEntitiesCallback], Awaitable[None]
]


def apartment_platform(
    build: Callable[[CareUnit, Apartment], Iterable[Entity]],
    unit_entities: Callable[[CareUnit], Iterable[Entity]] = lambda _unit: (),
) -> PlatformSetup:
    """Return a platform's set-up: ``build``'s entities on each apartment's device."""

    async def async_setup(
        hass: HomeAssistant,
        entry: CareUnitConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        unit = entry.runtime_data
        async_add_entities(unit_entities(unit))
        for apartment in unit.apartments.values():
            async_add_entities(build(unit, apartment), config_subentry_id=apartment.apartment_id)

    return async_setup


async_setup_sensors = apartment_platform(
    lambda unit, apartment: (ApartmentSensor(unit, apartment, item) for item in SENSORS),
    lambda unit: [AlarmCountSensor(unit, IN_ALARM)],
)
async_setup_binary_sensors = apartment_platform(
    lambda _unit, _apartment: (),
    lambda unit: [
        UnitBinarySensor(unit, ANY_ALARM),
        UnitBinarySensor(unit, DELIVERY_FAILING),
        UnitBinarySensor(unit, NETWORK_OUTAGE),
    ],
)
async_setup_switches = apartment_platform(
    lambda unit, apartment: [SupervisionSwitch(unit, apartment, SWITCH)]
)
async_setup_buttons = apartment_platform(
    lambda unit, apartment: (AlarmButton(unit, apartment, item) for item in BUTTONS)
)
