"""Actions ``municipal_iot.replace_meter`` and ``municipal_iot.meter_report``."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..water.replacement import Replacement
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DATE,
    ATTR_END,
    ATTR_METERS,
    ATTR_NEW_INITIAL,
    ATTR_NEW_METER_ID,
    ATTR_NOTIFY,
    ATTR_OLD_FINAL,
    ATTR_OLD_METER_ID,
    ATTR_START,
    MAX_REPORT_DAYS,
    SERVICE_METER_REPORT,
    SERVICE_REPLACE_METER,
)
from .entry import (
    MeterReportConfigEntry,
    MeterReportRuntime,
    entry_meters,
    report_settings,
    runtime_of,
)
from .journal import async_get_journal
from .report import ReportSettings, async_create_report
from .sources import meter_source, water_meter_problem
from .statistics import get_meter_statistics

REPLACE_METER_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_ENTITY_ID): cv.entity_id,
        vol.Required(ATTR_DATE): cv.datetime,
        vol.Required(ATTR_OLD_FINAL): vol.Coerce(float),
        vol.Required(ATTR_NEW_INITIAL): vol.Coerce(float),
        vol.Optional(ATTR_OLD_METER_ID): cv.string,
        vol.Optional(ATTR_NEW_METER_ID): cv.string,
    }
)

METER_REPORT_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_START): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
        vol.Optional(ATTR_METERS): cv.entity_ids,
        vol.Optional(ATTR_NOTIFY, default=False): cv.boolean,
    }
)


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _aware(value: datetime) -> datetime:
    """Read a naive time as HA's local time; return UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(value)


def _check_meter(hass: HomeAssistant, entity_id: str) -> None:
    if (problem := water_meter_problem(hass, entity_id)) is not None:
        raise _error(problem, entity_id=entity_id)


async def async_record_replacement(  # noqa: PLR0913 - the fields of one replacement
    hass: HomeAssistant,
    entity_id: str,
    at: datetime,
    old_final_m3: float,
    new_initial_m3: float,
    *,
    old_meter_id: str | None = None,
    new_meter_id: str | None = None,
    user_id: str | None = None,
) -> Replacement:
    """Validate and journal a meter replacement; raise ServiceValidationError if invalid."""
    _check_meter(hass, entity_id)
    for value in (old_final_m3, new_initial_m3):
        if not math.isfinite(value) or value < 0:
            raise _error("invalid_reading", value=str(value))
    when = _aware(at)
    if when > dt_util.utcnow():
        raise _error("replacement_in_future", date=when.isoformat())
    source = meter_source(hass, entity_id)
    journal = await async_get_journal(hass)
    if any(swap.at == when for swap in journal.replacements(source.key)):
        raise _error("duplicate_replacement", date=when.isoformat(), entity_id=entity_id)
    replacement = Replacement(
        at=when,
        old_final_m3=old_final_m3,
        new_initial_m3=new_initial_m3,
        old_meter_id=old_meter_id or None,
        new_meter_id=new_meter_id or None,
    )
    await journal.async_add_replacement(source.key, entity_id, replacement, user_id)
    if source.dev_eui is not None and (importer := get_meter_statistics(hass)) is not None:
        importer.apply_replacement(source.dev_eui, replacement)
    return replacement


async def _async_replace_meter(call: ServiceCall) -> None:
    data = call.data
    await async_record_replacement(
        call.hass,
        data[ATTR_ENTITY_ID],
        data[ATTR_DATE],
        data[ATTR_OLD_FINAL],
        data[ATTR_NEW_INITIAL],
        old_meter_id=data.get(ATTR_OLD_METER_ID),
        new_meter_id=data.get(ATTR_NEW_METER_ID),
        user_id=call.context.user_id,
    )


def report_entry(hass: HomeAssistant, entry_id: str) -> MeterReportConfigEntry:
    """Return a loaded meter report entry; errors name the entry by its title."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise _error("not_a_meter_report_entry", entry=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise _error("entry_not_loaded", entry=entry.title)
    if not isinstance(entry.runtime_data, MeterReportRuntime):
        raise _error("not_a_meter_report_entry", entry=entry.title)
    return entry


def _period(call: ServiceCall, entry: MeterReportConfigEntry | None) -> tuple[datetime, datetime]:
    start, end = call.data.get(ATTR_START), call.data.get(ATTR_END)
    if start is None and end is None and entry is not None:
        return runtime_of(entry).schedule.period_for_run(
            dt_util.utcnow(), dt_util.get_default_time_zone()
        )
    if start is None or end is None:
        raise _error("period_required")
    first, last = _aware(start), _aware(end)
    if last <= first:
        raise _error("invalid_period")
    if last - first > timedelta(days=MAX_REPORT_DAYS):
        raise _error("period_too_long", days=str(MAX_REPORT_DAYS))
    if first > dt_util.utcnow():
        raise _error("period_in_future")
    return first, last


async def _async_meter_report(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry_id = call.data.get(ATTR_CONFIG_ENTRY_ID)
    entry = report_entry(hass, entry_id) if entry_id else None
    if meters := call.data.get(ATTR_METERS):
        for entity_id in meters:
            _check_meter(hass, entity_id)
        sources = [meter_source(hass, entity_id) for entity_id in dict.fromkeys(meters)]
    elif entry is not None:
        sources = entry_meters(hass, entry.data)
    else:
        raise _error("no_meters")
    start, end = _period(call, entry)
    settings = report_settings(entry) if entry is not None else ReportSettings()
    response = await async_create_report(
        hass, sources, start, end, settings, notify=call.data[ATTR_NOTIFY]
    )
    return response if call.return_response else None


def async_setup_meter_services(hass: HomeAssistant) -> None:
    """Register the water-meter actions (from the integration's async_setup)."""
    hass.services.async_register(
        DOMAIN, SERVICE_REPLACE_METER, _async_replace_meter, schema=REPLACE_METER_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_METER_REPORT,
        _async_meter_report,
        schema=METER_REPORT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
