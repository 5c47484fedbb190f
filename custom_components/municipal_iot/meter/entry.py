"""The "Meter report" config entry at run time: meters, leak monitor and report schedule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..water.schedule import LAST_DAY, Frequency, MonthDay, ReportSchedule
from .const import (
    CONF_AREAS,
    CONF_DAY,
    CONF_DECIMAL_COMMA,
    CONF_FREQUENCY,
    CONF_LABELS,
    CONF_METERS,
    CONF_RECIPIENTS,
    CONF_SEPARATOR,
    CONF_TIME,
    CONF_WEEKDAY,
    DEFAULT_DAY,
    DEFAULT_FREQUENCY,
    DEFAULT_SEPARATOR,
    DEFAULT_TIME,
    DEFAULT_WEEKDAY,
    SEPARATORS,
)
from .journal import WaterJournal
from .leak import LeakMonitor
from .report import ReportSettings, async_create_report
from .sources import MeterSource, resolve_meters


@dataclass
class MeterReportRuntime:
    """Runtime data of a meter report entry."""

    sources: list[MeterSource]
    monitor: LeakMonitor
    settings: ReportSettings
    schedule: ReportSchedule


type MeterReportConfigEntry = ConfigEntry[MeterReportRuntime]


def report_schedule(data: Mapping[str, Any]) -> ReportSchedule:
    """Build the schedule from entry data."""
    day_text = str(data.get(CONF_DAY, DEFAULT_DAY))
    day: MonthDay = "last" if day_text == LAST_DAY else int(day_text)
    return ReportSchedule(
        frequency=Frequency(data.get(CONF_FREQUENCY, DEFAULT_FREQUENCY)),
        at=time.fromisoformat(data.get(CONF_TIME, DEFAULT_TIME)),
        day=day,
        weekday=int(data.get(CONF_WEEKDAY, DEFAULT_WEEKDAY)),
    )


def report_settings(entry: MeterReportConfigEntry) -> ReportSettings:
    """Build the CSV and delivery settings from entry data."""
    data = entry.data
    return ReportSettings(
        title=entry.title,
        separator=SEPARATORS[data.get(CONF_SEPARATOR, DEFAULT_SEPARATOR)],
        decimal_comma=bool(data.get(CONF_DECIMAL_COMMA, True)),
        recipients=tuple(data.get(CONF_RECIPIENTS, ())),
        entry_id=entry.entry_id,
    )


def entry_meters(hass: HomeAssistant, data: Mapping[str, Any]) -> list[MeterSource]:
    """Resolve the meters an entry selects (explicit, and by area and label)."""
    return resolve_meters(
        hass, data.get(CONF_METERS, ()), data.get(CONF_AREAS, ()), data.get(CONF_LABELS, ())
    )


def runtime_of(entry: MeterReportConfigEntry) -> MeterReportRuntime:
    """Return the runtime data of a loaded meter report entry."""
    return entry.runtime_data


class ReportScheduler:
    """Runs the entry's report on its schedule, catching up a run missed while HA was down."""

    def __init__(
        self, hass: HomeAssistant, entry: MeterReportConfigEntry, journal: WaterJournal
    ) -> None:
        """Bind to the entry."""
        self.hass = hass
        self.entry = entry
        self.journal = journal
        self._cancel: CALLBACK_TYPE = lambda: None

    @property
    def schedule(self) -> ReportSchedule:
        """Return the entry's schedule."""
        return runtime_of(self.entry).schedule

    @callback
    def async_start(self) -> None:
        """Catch up a missed run and schedule the next one."""
        now = dt_util.utcnow()
        tz = dt_util.get_default_time_zone()
        start, end = self.schedule.period_for_run(now, tz)
        due = self.schedule.next_run(end - timedelta(microseconds=1), tz)
        last = self.journal.last_report_end(self.entry.entry_id)
        if due <= now:
            if last is None:
                # A new entry does not send a report for a period before it existed.
                self.journal.set_last_report_end(self.entry.entry_id, end)
            elif last < end:
                LOGGER.info("Catching up the meter report %s for %s", self.entry.title, end)
                self.entry.async_create_task(
                    self.hass, self._async_run(start, end), "municipal_iot report catch-up"
                )
        self._schedule(now)

    @callback
    def async_stop(self) -> None:
        """Cancel the next run."""
        self._cancel()

    def _schedule(self, after: datetime) -> None:
        when = self.schedule.next_run(after, dt_util.get_default_time_zone())
        self._cancel = async_track_point_in_utc_time(self.hass, self._async_fire, when)

    async def _async_fire(self, now: datetime) -> None:
        start, end = self.schedule.period_for_run(now, dt_util.get_default_time_zone())
        self._schedule(now)
        await self._async_run(start, end)

    async def _async_run(self, start: datetime, end: datetime) -> None:
        runtime = runtime_of(self.entry)
        try:
            await async_create_report(
                self.hass,
                entry_meters(self.hass, self.entry.data),
                start,
                end,
                runtime.settings,
                notify=True,
            )
        except HomeAssistantError:
            LOGGER.exception("Scheduled meter report %s failed", self.entry.title)
            return
        self.journal.set_last_report_end(self.entry.entry_id, end)
