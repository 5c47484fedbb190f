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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Final

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_track_state_change_event, async_track_time_change
from homeassistant.util import dt as dt_util
from homeassistant.util.signal_type import SignalType

from ..const import DOMAIN, EVENT_LEAK, LOGGER
from ..water.leak import (
    ALL_RULES,
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
from ..water.model import Reading
from .const import (
    CONF_BURST_FLOW,
    CONF_BURST_MINUTES,
    CONF_CONTINUOUS_HOURS,
    CONF_LEAK,
    CONF_LEAK_METERS,
    CONF_LEAK_RULES,
    CONF_NIGHT_END,
    CONF_NIGHT_LITRES,
    CONF_NIGHT_START,
)
from .journal import WaterJournal
from .notify import async_notify, local_time, water_texts
from .recorder import RecorderUnavailableError, async_run, existing_statistics, hourly_sums
from .sources import MeterSource
from .statistics import SIGNAL_METER_UPLINK, MeterUplink

DEFAULT_LEAK_SETTINGS: Final[dict[str, Any]] = {
    CONF_LEAK_RULES: list(ALL_RULES),
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


def leak_signal(entry_id: str, meter_key: str) -> SignalType[Context | None]:
    """Return the signal sent when a meter's rule results changed (its sensors refresh)."""
    return SignalType(f"{DOMAIN}_leak_{entry_id}_{meter_key}")


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
    signal: SignalType[Context | None]
    sums: dict[datetime, float] = field(default_factory=dict)
    readings: dict[datetime, float] = field(default_factory=dict)
    flow: dict[datetime, float] = field(default_factory=dict)
    alarm_codes: frozenset[str] | None = None
    status: LeakStatus | None = None

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
                rules=frozenset(settings[CONF_LEAK_RULES]),
                statistic_id=source.external_statistic_id or source.entity_id,
                signal=leak_signal(entry_id, source.key),
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
            async_dispatcher_send(self.hass, meter.signal, None)

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
            texts = water_texts(self.hass)
            config = meter.config
            rule_text = texts.text(
                rule,
                hours=config.continuous_hours,
                litres=texts.number(config.night_threshold_litres, 0),
                flow=texts.number(config.burst_flow_m3h, 2),
                minutes=int(config.burst_duration.total_seconds() // 60),
            )
            self.hass.async_create_task(
                async_notify(
                    self.hass,
                    self.recipients,
                    texts.text("leak_title", meter=source.name),
                    texts.text(
                        "leak_message",
                        rule=rule_text,
                        since=local_time(since),
                        meter=source.name,
                        entity_id=source.entity_id,
                    ),
                ),
                "municipal_iot leak notification",
            )
