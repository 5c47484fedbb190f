"""Care unit and apartment settings, parsed from the config entry and its subentries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry

from ..supervision.network_outage import DEFAULT_SHARE_PERCENT
from ..supervision.rules import AlertPolicy, ApartmentRules
from ..supervision.test_alarm import NO_TEST_ALARM, AlarmTestSchedule
from .const import (
    CONF_ACTION_PLAN,
    CONF_AREA,
    CONF_CRITICAL,
    CONF_DOOR_SENSORS,
    CONF_ESCALATION_MINUTES,
    CONF_ESCALATION_TARGETS,
    CONF_MOTION_SENSORS,
    CONF_NETWORK_SHARE,
    CONF_REMINDER_MINUTES,
    CONF_RETENTION_MONTHS,
    CONF_RULES,
    CONF_RULES_MODE,
    CONF_STAFF_TARGETS,
    CONF_TEST_ALARM,
    CONF_TEST_ALARM_TIME,
    CONF_TEST_ALARM_WEEKDAY,
    DAYS_PER_MONTH,
    DEFAULT_ESCALATION_MINUTES,
    DEFAULT_REMINDER_MINUTES,
    DEFAULT_RETENTION_MONTHS,
    RULES_CUSTOM,
    SUBENTRY_APARTMENT,
)


def _minutes_or_none(value: Any) -> int | None:
    return int(value) if value else None


def retention(months: float) -> timedelta:
    """Return the journal retention for a number of months (13 months = 396 days)."""
    return timedelta(days=round(months * DAYS_PER_MONTH))


@dataclass(frozen=True, slots=True)
class UnitConfig:
    """Settings of one care unit."""

    title: str
    staff_targets: tuple[str, ...]
    escalation_targets: tuple[str, ...]
    critical: bool
    retention: timedelta
    policy: AlertPolicy
    rules: Mapping[str, Any]  # the unit's default rules (dict form, without sensors)
    # Unit rules from the entry's options
    network_share: int = DEFAULT_SHARE_PERCENT
    test_alarm: AlarmTestSchedule = NO_TEST_ALARM

    @classmethod
    def from_entry(cls, entry: ConfigEntry[Any]) -> UnitConfig:
        """Parse the care unit entry."""
        data = entry.data
        return cls(
            title=entry.title,
            staff_targets=tuple(data.get(CONF_STAFF_TARGETS, ())),
            escalation_targets=tuple(data.get(CONF_ESCALATION_TARGETS, ())),
            critical=bool(data.get(CONF_CRITICAL, False)),
            retention=retention(data.get(CONF_RETENTION_MONTHS, DEFAULT_RETENTION_MONTHS)),
            policy=AlertPolicy(
                escalation_minutes=_minutes_or_none(
                    data.get(CONF_ESCALATION_MINUTES, DEFAULT_ESCALATION_MINUTES)
                ),
                reminder_minutes=_minutes_or_none(
                    data.get(CONF_REMINDER_MINUTES, DEFAULT_REMINDER_MINUTES)
                ),
            ),
            rules=dict(data.get(CONF_RULES) or {}),
            network_share=int(entry.options.get(CONF_NETWORK_SHARE, DEFAULT_SHARE_PERCENT)),
            test_alarm=AlarmTestSchedule.from_values(
                entry.options.get(CONF_TEST_ALARM),
                entry.options.get(CONF_TEST_ALARM_TIME),
                entry.options.get(CONF_TEST_ALARM_WEEKDAY),
            ),
        )


@dataclass(frozen=True, slots=True)
class ApartmentConfig:
    """Settings of one apartment (a subentry of the care unit)."""

    apartment_id: str  # the subentry id
    label: str
    motion_sensors: tuple[str, ...]
    door_sensors: tuple[str, ...]
    area_id: str | None
    action_plan: str
    rules: ApartmentRules

    @property
    def sensors(self) -> tuple[str, ...]:
        """Return every assigned sensor (motion first, then doors)."""
        return self.motion_sensors + self.door_sensors

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry, unit: UnitConfig) -> ApartmentConfig:
        """Parse an apartment subentry; its rules fall back to the unit's rules."""
        data = subentry.data
        motion = tuple(data.get(CONF_MOTION_SENSORS, ()))
        doors = tuple(data.get(CONF_DOOR_SENSORS, ()))
        custom = data.get(CONF_RULES_MODE) == RULES_CUSTOM and data.get(CONF_RULES)
        rules_data = dict(data[CONF_RULES] if custom else unit.rules)
        rules_data["sensors"] = list(motion + doors)
        rules_data["doors"] = list(doors)
        return cls(
            apartment_id=subentry.subentry_id,
            label=subentry.title,
            motion_sensors=motion,
            door_sensors=doors,
            area_id=data.get(CONF_AREA) or None,
            action_plan=str(data.get(CONF_ACTION_PLAN) or "").strip(),
            rules=ApartmentRules.from_dict(rules_data, policy=unit.policy),
        )


def apartment_configs(entry: ConfigEntry[Any], unit: UnitConfig) -> dict[str, ApartmentConfig]:
    """Return the apartments of a care unit entry, keyed by subentry id."""
    return {
        subentry.subentry_id: ApartmentConfig.from_subentry(subentry, unit)
        for subentry in entry.get_subentries_of_type(SUBENTRY_APARTMENT)
    }
