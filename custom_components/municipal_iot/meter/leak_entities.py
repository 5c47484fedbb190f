"""Leak binary sensors of a meter report entry: any rule, and each computed rule, per meter.

A sensor is shown on the meter's own device when the meter has one (our
LoRaWAN meters, wmbusmeters devices), otherwise on its own with the meter's
name in the entity name. The names say where a leak comes from, "Leak (flow
rule: night use)" against the meter's own "Leak (meter alarm)", and each rule's
sensor carries its threshold as attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import PushEntity, PushEntityDescription
from ..water.leak import BURST, CONTINUOUS_FLOW, NIGHT_FLOW, LeakConfig, LeakStatus
from .entry import MeterReportConfigEntry
from .leak import MeterLeak


def _any_rule(status: LeakStatus) -> dict[str, Any]:
    return {
        "rules": [name for name, result in status.rules.items() if result.active],
        "meter_alarms": sorted(status.meter_alarms),
    }


def _one_rule(rule: str) -> Callable[[LeakStatus], dict[str, Any]]:
    def attributes(status: LeakStatus) -> dict[str, Any]:
        result = status.rules[rule]
        return {
            "since": result.since.isoformat() if result.since else None,
            "known": result.known,
            **result.detail,
        }

    return attributes


def _continuous_threshold(config: LeakConfig) -> dict[str, Any]:
    return {"threshold_hours": config.continuous_hours}


def _night_threshold(config: LeakConfig) -> dict[str, Any]:
    return {
        "threshold_litres": config.night_threshold_litres,
        "night_start": config.night_start.isoformat(timespec="minutes"),
        "night_end": config.night_end.isoformat(timespec="minutes"),
    }


def _burst_threshold(config: LeakConfig) -> dict[str, Any]:
    return {
        "threshold_flow_m3h": config.burst_flow_m3h,
        "threshold_minutes": config.burst_duration / timedelta(minutes=1),
    }


@dataclass(frozen=True, kw_only=True)
class LeakSensorDescription(BinarySensorEntityDescription, PushEntityDescription):
    """Describes one leak sensor of a meter: what turns it on, and the rule it follows."""

    is_on_fn: Callable[[LeakStatus], bool]
    attributes_fn: Callable[[LeakStatus], dict[str, Any]]
    rule: str | None = None  # the computed rule (None: any rule or the meter's alarm)
    threshold_fn: Callable[[LeakConfig], dict[str, Any]] = lambda _config: {}


def _rule(
    key: str, rule: str, threshold_fn: Callable[[LeakConfig], dict[str, Any]]
) -> LeakSensorDescription:
    return LeakSensorDescription(
        key=key,
        translation_key=key,
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda status: status.rules[rule].active,
        attributes_fn=_one_rule(rule),
        rule=rule,
        threshold_fn=threshold_fn,
    )


LEAK_SENSORS: tuple[LeakSensorDescription, ...] = (
    LeakSensorDescription(
        key="water_leak",
        translation_key="water_leak",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda status: status.leak,
        attributes_fn=_any_rule,
    ),
    _rule(CONTINUOUS_FLOW, CONTINUOUS_FLOW, _continuous_threshold),
    _rule(NIGHT_FLOW, NIGHT_FLOW, _night_threshold),
    _rule("burst_flow", BURST, _burst_threshold),
)


async def async_setup_leak_sensors(
    hass: HomeAssistant,
    entry: MeterReportConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the leak binary sensors of a meter report entry."""
    dev_reg = dr.async_get(hass)
    async_add_entities(
        WaterLeakBinarySensor(
            entry.entry_id,
            meter,
            description,
            dev_reg.async_get(meter.source.device_id) if meter.source.device_id else None,
        )
        for meter in entry.runtime_data.monitor.meters.values()
        for description in LEAK_SENSORS
    )


class WaterLeakBinarySensor(PushEntity, BinarySensorEntity):
    """Whether a leak rule (or any rule) of a meter is active."""

    entity_description: LeakSensorDescription

    def __init__(
        self,
        entry_id: str,
        meter: MeterLeak,
        description: LeakSensorDescription,
        device: dr.AnyDeviceEntry | None,
    ) -> None:
        """Bind to a meter; shown on the meter's device when it has one."""
        self.meter = meter
        self.entity_description = description
        self._attr_unique_id = f"{entry_id}_{meter.source.key}_{description.key}"
        if device is not None:
            self.device_entry = device
        else:
            self._attr_translation_key = f"meter_{description.key}"
            self._attr_translation_placeholders = {"meter": meter.source.name}

    async def async_added_to_hass(self) -> None:
        """Follow the meter's rule results."""
        await super().async_added_to_hass()
        self._listen(self.meter.signal)

    @property
    def is_on(self) -> bool | None:
        """Return whether the rule (or any rule) is active."""
        status = self.meter.status
        return None if status is None else self.entity_description.is_on_fn(status)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the meter, and when and why the rule is active."""
        status = self.meter.status
        description = self.entity_description
        attributes: dict[str, Any] = {"meter": self.meter.source.entity_id}
        if description.rule is not None:
            attributes["rule_enabled"] = description.rule in self.meter.rules
            attributes |= description.threshold_fn(self.meter.config)
        if status is not None:
            attributes |= self.entity_description.attributes_fn(status)
        return attributes

    def _shown(self) -> object:
        return self.is_on, self.extra_state_attributes
