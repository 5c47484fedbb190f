"""Leak detection per water meter of a meter report entry.

Rules come from :mod:`.water.leak`: the meter's own alarm codes (our LoRaWAN
meters) and the computed rules continuous flow, night flow and burst, with
settings per meter (entry options) over sensible defaults. Inputs:

* hourly consumption from the meter's long-term statistics (our external
  statistic for our own meters, the entity's statistic otherwise), refreshed
  from the recorder every hour and, for our meters, by each uplink;
* register readings from the meter entity's state changes (our meters: the
  readings inside each uplink) and flow values where the meter reports them.

Rules are evaluated when the meter entity changes, when one of our meters
reports, and hourly (no polling in between). A rule turning on or off updates
its binary sensor, fires ``municipal_iot_leak`` (with the meter's ``device_id``),
is journaled as an episode for the reports, and, when it turns on, notifies
the entry's recipients. Rule states survive restarts (journal), so a restart
does not fire the same event again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_state_change_event, async_track_time_change
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .meter_const import (
    CONF_BURST_FLOW,
    CONF_BURST_MINUTES,
    CONF_CONTINUOUS_HOURS,
    CONF_LEAK,
    CONF_LEAK_METERS,
    CONF_NIGHT_END,
    CONF_NIGHT_LITRES,
    CONF_NIGHT_START,
    CONF_RULES,
    EVENT_LEAK,
    SIGNAL_METER_UPLINK,
)
from .meter_journal import WaterJournal
from .meter_notify import async_notify, language, local_time, number, text
from .meter_recorder import RecorderUnavailableError, async_run, existing_statistics, hourly_sums
from .meter_sources import MeterSource
from .meter_statistics import MeterUplink
from .water.leak import (
    BURST,
    CONTINUOUS_FLOW,
    METER_BURST,
    METER_LEAK,
    NIGHT_FLOW,
    FlowSample,
    LeakConfig,
    LeakStatus,
    RuleResult,
    evaluate,
    hourly_consumption,
)
from .water.model import Reading

# Device trigger types (one per rule; the trigger fires when the rule turns on).
LEAK_TRIGGER_TYPES: Final = (CONTINUOUS_FLOW, NIGHT_FLOW, BURST, METER_LEAK, METER_BURST)
ALL_RULES: Final = LEAK_TRIGGER_TYPES
# Binary sensors per meter: any rule, and each computed rule.
WATER_LEAK = "water_leak"
SENSOR_KINDS: Final = {
    WATER_LEAK: None,
    CONTINUOUS_FLOW: CONTINUOUS_FLOW,
    NIGHT_FLOW: NIGHT_FLOW,
    "burst_flow": BURST,
}

DEFAULT_LEAK_SETTINGS: Final[dict[str, Any]] = {
    CONF_RULES: list(ALL_RULES),
    CONF_NIGHT_START: "02:00:00",
    CONF_NIGHT_END: "05:00:00",
    CONF_NIGHT_LITRES: 10.0,
    CONF_BURST_FLOW: 0.5,
    CONF_BURST_MINUTES: 30,
    CONF_CONTINUOUS_HOURS: 24,
}
HOURLY_REFRESH_MINUTE = 5  # after the recorder has compiled the past hour
KEEP_HOURS = timedelta(hours=50)
KEEP_READINGS = timedelta(hours=26)
EVALUATE_BATCH = 200


if TYPE_CHECKING:
    from .meter_entry import MeterReportConfigEntry


def leak_settings(options: Mapping[str, Any], entity_id: str) -> dict[str, Any]:
    """Return the leak settings of a meter: its own, else the entry's, else the defaults."""
    defaults = {**DEFAULT_LEAK_SETTINGS, **options.get(CONF_LEAK, {})}
    return {**defaults, **options.get(CONF_LEAK_METERS, {}).get(entity_id, {})}


def _wall(value: str) -> time:
    return time.fromisoformat(value)


def leak_config(settings: Mapping[str, Any]) -> LeakConfig:
    """Build the rule parameters from settings."""
    return LeakConfig(
        continuous_hours=int(settings[CONF_CONTINUOUS_HOURS]),
        night_start=_wall(settings[CONF_NIGHT_START]),
        night_end=_wall(settings[CONF_NIGHT_END]),
        night_threshold_litres=float(settings[CONF_NIGHT_LITRES]),
        burst_flow_m3h=float(settings[CONF_BURST_FLOW]),
        burst_duration=timedelta(minutes=float(settings[CONF_BURST_MINUTES])),
    )


@dataclass
class MeterLeak:
    """Leak inputs and the latest rule results of one meter."""

    source: MeterSource
    config: LeakConfig
    rules: frozenset[str]
    statistic_id: str
    sums: dict[datetime, float] = field(default_factory=dict)
    readings: dict[datetime, float] = field(default_factory=dict)
    flow: dict[datetime, float] = field(default_factory=dict)
    alarm_codes: frozenset[str] | None = None
    status: LeakStatus | None = None
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def prune(self, now: datetime) -> None:
        """Forget inputs too old for any rule."""
        for values, keep in (
            (self.sums, KEEP_HOURS),
            (self.readings, KEEP_READINGS),
            (self.flow, KEEP_READINGS),
        ):
            for at in [at for at in values if at < now - keep]:
                del values[at]


def _stored(status: LeakStatus) -> dict[str, Any]:
    return {
        "rules": {
            name: {"active": result.active, "since": result.since and result.since.isoformat()}
            for name, result in status.rules.items()
        },
        "alarms": sorted(status.meter_alarms),
    }


def _restored(data: Mapping[str, Any]) -> LeakStatus:
    def rule(name: str) -> RuleResult:
        item = data.get("rules", {}).get(name, {})
        since = dt_util.parse_datetime(item["since"]) if item.get("since") else None
        return RuleResult(active=bool(item.get("active", False)), since=since)

    return LeakStatus(
        continuous_flow=rule(CONTINUOUS_FLOW),
        night_flow=rule(NIGHT_FLOW),
        burst=rule(BURST),
        meter_leak=rule(METER_LEAK),
        meter_burst=rule(METER_BURST),
        meter_alarms=frozenset(data.get("alarms", ())),
    )


def _only(status: LeakStatus, rules: frozenset[str]) -> LeakStatus:
    """Return the status with the disabled rules inactive."""
    results = {
        name: result if name in rules else RuleResult(active=False)
        for name, result in status.rules.items()
    }
    return LeakStatus(
        continuous_flow=results[CONTINUOUS_FLOW],
        night_flow=results[NIGHT_FLOW],
        burst=results[BURST],
        meter_leak=results[METER_LEAK],
        meter_burst=results[METER_BURST],
        meter_alarms=status.meter_alarms,
    )


class LeakMonitor:
    """Evaluates the leak rules of the meters of one meter report entry."""

    def __init__(  # noqa: PLR0913 - the entry's parts, passed explicitly for tests
        self,
        hass: HomeAssistant,
        entry_id: str,
        sources: list[MeterSource],
        options: Mapping[str, Any],
        *,
        recipients: list[str],
        journal: WaterJournal,
    ) -> None:
        """Set up the per-meter state from the entry."""
        self.hass = hass
        self.entry_id = entry_id
        self.recipients = recipients
        self.journal = journal
        self.meters: dict[str, MeterLeak] = {}
        for source in sources:
            settings = leak_settings(options, source.entity_id)
            self.meters[source.entity_id] = MeterLeak(
                source=source,
                config=leak_config(settings),
                rules=frozenset(settings[CONF_RULES]),
                statistic_id=source.external_statistic_id or source.entity_id,
            )
            if (stored := journal.leak_status(entry_id, source.entity_id)) is not None:
                self.meters[source.entity_id].status = _restored(stored)
        self._unsubscribe: list[CALLBACK_TYPE] = []

    @callback
    def async_start(self) -> None:
        """Start listening (call :meth:`async_refresh` for the first evaluation)."""
        self._unsubscribe = [
            async_track_state_change_event(self.hass, list(self.meters), self._async_state_changed),
            async_track_time_change(
                self.hass, self._async_hourly, minute=HOURLY_REFRESH_MINUTE, second=0
            ),
            async_dispatcher_connect(self.hass, SIGNAL_METER_UPLINK, self._async_uplink),
        ]

    @callback
    def async_stop(self) -> None:
        """Stop listening."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    async def _async_hourly(self, now: datetime) -> None:
        await self.async_refresh()

    async def async_refresh(self) -> None:
        """Reload the recent hourly statistics of every meter and evaluate all rules."""
        now = dt_util.utcnow()
        ids = {meter.statistic_id for meter in self.meters.values()}
        try:
            units = await async_run(self.hass, existing_statistics, self.hass, ids)
            sums = await async_run(self.hass, hourly_sums, self.hass, set(units), now - KEEP_HOURS)
        except RecorderUnavailableError:
            LOGGER.debug("No recorder: leak rules use live readings only")
            sums = {}
        for index, meter in enumerate(self.meters.values(), start=1):
            meter.sums.update(sums.get(meter.statistic_id, ()))
            self.evaluate(meter, now)
            if index % EVALUATE_BATCH == 0:
                await asyncio.sleep(0)  # thousands of meters: let other work run between batches

    @callback
    def _async_state_changed(self, event: Event[EventStateChangedData]) -> None:
        meter = self.meters[event.data["entity_id"]]
        if meter.source.dev_eui is not None:
            return  # our own meters are evaluated with the readings inside each uplink
        state = event.data["new_state"]
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return
        try:
            value = float(state.state)
        except ValueError:
            return
        meter.readings[state.last_updated] = value * meter.source.m3_factor
        self.evaluate(meter, dt_util.utcnow())

    @callback
    def _async_uplink(self, uplink: MeterUplink) -> None:
        for meter in self.meters.values():
            if meter.statistic_id != uplink.statistic_id:
                continue
            meter.sums.update((row.start, row.sum) for row in uplink.rows)
            meter.readings.update((reading.at, reading.volume_m3) for reading in uplink.readings)
            if uplink.flow is not None:
                meter.flow[uplink.flow.at] = uplink.flow.m3h
            if uplink.alarm_codes is not None:
                meter.alarm_codes = uplink.alarm_codes
            self.evaluate(meter, dt_util.utcnow())

    @callback
    def evaluate(self, meter: MeterLeak, now: datetime) -> None:
        """Evaluate one meter's rules; act on the rules that turned on or off."""
        meter.prune(now)
        status = evaluate(
            now,
            dt_util.get_default_time_zone(),
            hours=hourly_consumption(sorted(meter.sums.items())),
            flow=[FlowSample(at, value) for at, value in sorted(meter.flow.items())],
            readings=[Reading(at, value) for at, value in sorted(meter.readings.items())],
            alarm_codes=meter.alarm_codes,
            config=meter.config,
            previous=meter.status,
        )
        if not meter.rules.issuperset(ALL_RULES):
            status = _only(status, meter.rules)
        first = meter.status is None
        changed = status.changed(meter.status)
        meter.status = status
        if changed:
            self.journal.set_leak_status(self.entry_id, meter.source.entity_id, _stored(status))
            for rule in changed:
                self._rule_changed(meter, rule, status.rules[rule], now)
        if changed or first:
            for listener in meter.listeners:
                listener()

    def _rule_changed(self, meter: MeterLeak, rule: str, result: RuleResult, now: datetime) -> None:
        source = meter.source
        since = result.since or now
        LOGGER.info(
            "Leak rule %s of %s turned %s", rule, source.entity_id, "on" if result.active else "off"
        )
        self.journal.set_leak(source.key, rule, result.active, since if result.active else now)
        self.hass.bus.async_fire(
            EVENT_LEAK,
            {
                "device_id": source.device_id,
                "entity_id": source.entity_id,
                "name": source.name,
                "type": rule,
                "rule": rule,
                "active": result.active,
                "since": since.isoformat() if result.active else None,
                "config_entry_id": self.entry_id,
            },
        )
        if result.active and self.recipients:
            lang = language(self.hass)
            config = meter.config
            rule_text = text(
                lang,
                rule,
                hours=config.continuous_hours,
                litres=number(lang, config.night_threshold_litres, 0),
                flow=number(lang, config.burst_flow_m3h, 2),
                minutes=int(config.burst_duration.total_seconds() // 60),
            )
            self.hass.async_create_task(
                async_notify(
                    self.hass,
                    self.recipients,
                    text(lang, "leak_title", meter=source.name),
                    text(
                        lang,
                        "leak_message",
                        rule=rule_text,
                        since=local_time(since),
                        meter=source.name,
                        entity_id=source.entity_id,
                    ),
                ),
                "municipal_iot leak notification",
            )


async def async_setup_leak_entities(
    hass: HomeAssistant,
    entry: MeterReportConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the leak binary sensors of a meter report entry."""
    monitor: LeakMonitor = entry.runtime_data.monitor
    dev_reg = dr.async_get(hass)
    async_add_entities(
        WaterLeakBinarySensor(
            entry.entry_id,
            meter,
            kind,
            dev_reg.async_get(meter.source.device_id) if meter.source.device_id else None,
        )
        for meter in monitor.meters.values()
        for kind in SENSOR_KINDS
    )


class WaterLeakBinarySensor(BinarySensorEntity):
    """Whether a leak rule (or any rule) of a meter is active."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_device_class = BinarySensorDeviceClass.PROBLEM

    def __init__(
        self,
        entry_id: str,
        meter: MeterLeak,
        kind: str,
        device: dr.AnyDeviceEntry | None,
    ) -> None:
        """Bind to a meter; shown on the meter's device when it has one."""
        self.meter = meter
        self.rule = SENSOR_KINDS[kind]
        self._attr_unique_id = f"{entry_id}_{meter.source.key}_{kind}"
        if device is not None:
            self.device_entry = device
            self._attr_translation_key = kind
        else:
            self._attr_translation_key = f"meter_{kind}"
            self._attr_translation_placeholders = {"meter": meter.source.name}

    async def async_added_to_hass(self) -> None:
        """Follow the meter's rule results."""
        await super().async_added_to_hass()
        self.meter.listeners.append(self.async_write_ha_state)
        self.async_on_remove(lambda: self.meter.listeners.remove(self.async_write_ha_state))

    @property
    def is_on(self) -> bool | None:
        """Return whether the rule (or any rule) is active."""
        status = self.meter.status
        if status is None:
            return None
        if self.rule is None:
            return status.leak
        return status.rules[self.rule].active

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the meter, and when and why the rule is active."""
        attributes: dict[str, Any] = {"meter": self.meter.source.entity_id}
        status = self.meter.status
        if status is None:
            return attributes
        if self.rule is None:
            attributes["rules"] = [name for name, result in status.rules.items() if result.active]
            attributes["meter_alarms"] = sorted(status.meter_alarms)
            return attributes
        result = status.rules[self.rule]
        attributes["since"] = result.since.isoformat() if result.since else None
        attributes["known"] = result.known
        attributes.update(result.detail)
        return attributes
