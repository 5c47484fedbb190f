"""The meter wing: water-meter history, leak detection and meter reports."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN, LOGGER
from ..signals import SIGNAL_DECODED
from .download import MeterReportDownloadView
from .entry import (
    MeterReportConfigEntry,
    MeterReportRuntime,
    ReportScheduler,
    entry_meters,
    report_schedule,
    report_settings,
)
from .journal import async_get_journal
from .leak import LeakMonitor
from .leak_entities import async_setup_leak_sensors
from .services import async_setup_meter_services
from .statistics import async_get_meter_statistics

__all__ = [
    "PLATFORMS",
    "MeterReportConfigEntry",
    "async_setup",
    "async_setup_entry",
    "async_unload_entry",
]

PLATFORMS = {Platform.BINARY_SENSOR: async_setup_leak_sensors}
_IMPORTER_STARTED: HassKey[bool] = HassKey(f"{DOMAIN}_meter_importer_started")


async def async_setup(hass: HomeAssistant) -> None:
    """Register the water actions and import our meters' history from every decoded uplink."""
    async_setup_meter_services(hass)
    hass.http.register_view(MeterReportDownloadView())
    await _async_start_importer(hass)


async def _async_start_importer(hass: HomeAssistant) -> None:
    """Connect the history importer once; a failed load is tried again by the next call.

    One unreadable file must not keep the network-server connections or care units from
    starting: the failure is logged, and a meter report's (re)load tries again.
    """
    if hass.data.get(_IMPORTER_STARTED):
        return
    try:
        importer = await async_get_meter_statistics(hass)
    except Exception:  # noqa: BLE001 - contained, logged, retried
        LOGGER.exception("The meter history importer could not start; meter history waits")
        return
    hass.data[_IMPORTER_STARTED] = True
    async_dispatcher_connect(hass, SIGNAL_DECODED, importer.async_handle_decoded)


async def async_setup_entry(hass: HomeAssistant, entry: MeterReportConfigEntry) -> None:
    """Set up a meter report: its meters' leak monitor, sensors and report schedule."""
    await _async_start_importer(hass)
    journal = await async_get_journal(hass)
    sources = entry_meters(hass, entry.data)
    settings = report_settings(entry)
    monitor = LeakMonitor(
        hass,
        entry.entry_id,
        sources,
        entry.options,
        recipients=list(settings.recipients),
        journal=journal,
    )
    entry.runtime_data = MeterReportRuntime(
        sources=sources,
        monitor=monitor,
        settings=settings,
        schedule=report_schedule(entry.data),
    )
    await hass.config_entries.async_forward_entry_setups(entry, list(PLATFORMS))
    monitor.async_start()
    entry.async_on_unload(monitor.async_stop)
    entry.async_create_task(hass, monitor.async_refresh(), "municipal_iot leak refresh")
    scheduler = ReportScheduler(hass, entry, journal)
    scheduler.async_start()
    entry.async_on_unload(scheduler.async_stop)


async def async_unload_entry(hass: HomeAssistant, entry: MeterReportConfigEntry) -> bool:
    """Unload a meter report entry."""
    return await hass.config_entries.async_unload_platforms(entry, list(PLATFORMS))
