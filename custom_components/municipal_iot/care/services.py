"""Actions for care units: pause, resume, acknowledge, resolve, export the journal."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import service
from homeassistant.util import dt as dt_util
from homeassistant.util import slugify

from ..const import DOMAIN
from ..supervision.journal import Episode, episodes_to_csv, to_csv
from ..supervision.timeutil import iso_or_none
from .apartment import Apartment
from .const import EXPORT_DIR, OUTCOME_OK, OUTCOMES, PAUSE_REASONS
from .unit import CareUnit

SERVICE_PAUSE = "pause_supervision"
SERVICE_RESUME = "resume_supervision"
SERVICE_ACKNOWLEDGE = "acknowledge_alarm"
SERVICE_RESOLVE = "resolve_alarm"
SERVICE_EXPORT = "export_journal"

ATTR_DEVICE_ID = "device_id"
ATTR_UNTIL = "until"
ATTR_REASON = "reason"
ATTR_OUTCOME = "outcome"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_START = "start"
ATTR_END = "end"
ATTR_EXCEL = "excel_sv"
ATTR_CONTENT = "content"
CONTENT_ENTRIES = "entries"
CONTENT_EPISODES = "episodes"

APARTMENT_SCHEMA = vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string})
PAUSE_SCHEMA = APARTMENT_SCHEMA.extend(
    {
        vol.Optional(ATTR_UNTIL): cv.datetime,
        vol.Required(ATTR_REASON): vol.In(PAUSE_REASONS),
    }
)
RESOLVE_SCHEMA = APARTMENT_SCHEMA.extend(
    {vol.Optional(ATTR_OUTCOME, default=OUTCOME_OK): vol.In(OUTCOMES)}
)
EXPORT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_START): cv.date,
        vol.Required(ATTR_END): cv.date,
        vol.Optional(ATTR_EXCEL, default=False): cv.boolean,
        vol.Optional(ATTR_CONTENT, default=CONTENT_ENTRIES): vol.In(
            [CONTENT_ENTRIES, CONTENT_EPISODES]
        ),
    }
)


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _apartment(hass: HomeAssistant, call: ServiceCall) -> tuple[CareUnit, Apartment]:
    """Return the care unit and apartment of the call's device, or raise."""
    device_id: str = call.data[ATTR_DEVICE_ID]
    device = dr.async_get(hass).async_get(device_id)
    entry = None if device is None else hass.config_entries.async_get_entry(device.config_entry_id)
    unit = None if entry is None else loaded_unit(entry)
    if unit is not None and (apartment := unit.apartment_by_device(device_id)) is not None:
        return unit, apartment
    raise _error("not_an_apartment")


def loaded_unit(entry: ConfigEntry[Any]) -> CareUnit | None:
    """Return the care unit of a loaded care-unit entry, else None."""
    if entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
        return None
    unit = entry.runtime_data
    return unit if isinstance(unit, CareUnit) else None


def _episode_summary(episode: Episode) -> dict[str, Any]:
    return {
        "episode_id": episode.episode_id,
        "apartment": episode.apartment_label,
        "reason": episode.reason,
        "raised_at": iso_or_none(episode.raised_at),
        "notified_at": iso_or_none(episode.notified_at),
        "escalated_at": iso_or_none(episode.escalated_at),
        "reminders": episode.reminders,
        "acknowledged_at": iso_or_none(episode.acknowledged_at),
        "acknowledged_by": episode.acknowledged_by,
        "motion_returned_at": iso_or_none(episode.motion_returned_at),
        "resolved_at": iso_or_none(episode.resolved_at),
        "resolved_by": episode.resolved_by,
        "outcome": episode.outcome,
        "response_minutes": episode.response_minutes,
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


async def _async_require_admin(hass: HomeAssistant, call: ServiceCall) -> None:
    """Only administrators may read the journal (calls without a user are internal)."""
    user_id = call.context.user_id
    if user_id is None:
        return
    user = await hass.auth.async_get_user(user_id)
    if user is None or not user.is_admin:
        raise Unauthorized(context=call.context)


@callback
def _pause(call: ServiceCall) -> None:
    unit, apartment = _apartment(call.hass, call)
    until: datetime | None = call.data.get(ATTR_UNTIL)
    try:
        unit.pause(
            apartment.apartment_id,
            until=None if until is None else dt_util.as_utc(until),
            reason=call.data[ATTR_REASON],
            context=call.context,
        )
    except ValueError as err:
        raise _error("pause_in_past") from err


@callback
def _resume(call: ServiceCall) -> None:
    unit, apartment = _apartment(call.hass, call)
    unit.resume(apartment.apartment_id, context=call.context)


def _open_alarm(call: ServiceCall) -> tuple[CareUnit, Apartment]:
    unit, apartment = _apartment(call.hass, call)
    if apartment.supervisor.episode is None:
        raise _error("no_open_alarm", apartment=apartment.config.label)
    return unit, apartment


@callback
def _acknowledge(call: ServiceCall) -> None:
    unit, apartment = _open_alarm(call)
    unit.acknowledge(apartment.apartment_id, context=call.context)


@callback
def _resolve(call: ServiceCall) -> None:
    unit, apartment = _open_alarm(call)
    unit.resolve(apartment.apartment_id, outcome=call.data[ATTR_OUTCOME], context=call.context)


def _export_text(
    unit: CareUnit, start: datetime, end: datetime, *, content: str, excel: bool
) -> tuple[str, int, list[Episode]]:
    """Return the CSV text, its row count and the episodes touching the period."""
    episodes = unit.journal.episodes(start, end)
    if content == CONTENT_EPISODES:
        return episodes_to_csv(episodes, tz=unit.tz, excel_sv=excel), len(episodes), episodes
    # Whole episodes: entries of an episode that began before the period come along.
    wanted = {episode.episode_id for episode in episodes}
    entries = [
        item for item in unit.journal.entries if start <= item.at < end or item.episode_id in wanted
    ]
    return to_csv(entries, tz=unit.tz, excel_sv=excel), len(entries), episodes


async def _export_journal(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    await _async_require_admin(hass, call)
    entry = service.async_get_config_entry(hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID])
    if (unit := loaded_unit(entry)) is None:
        raise _error("not_a_care_unit")
    first: date = call.data[ATTR_START]
    last: date = call.data[ATTR_END]
    if last < first:
        raise _error("invalid_journal_period")
    content: str = call.data[ATTR_CONTENT]
    text, rows, episodes = _export_text(
        unit,
        dt_util.start_of_local_day(first),
        dt_util.start_of_local_day(last + timedelta(days=1)),
        content=content,
        excel=call.data[ATTR_EXCEL],
    )
    name = f"{slugify(unit.config.title)}_{content}_{first.isoformat()}_{last.isoformat()}.csv"
    path = Path(hass.config.path(*EXPORT_DIR, name))
    try:
        await hass.async_add_executor_job(_write, path, text)
    except OSError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="export_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    return {
        "file": str(path),
        "rows": rows,
        "episodes": [_episode_summary(episode) for episode in episodes],
    }


@callback
def async_setup_care_services(hass: HomeAssistant) -> None:
    """Register the care unit actions (from the integration's ``async_setup``)."""
    register = hass.services.async_register
    register(DOMAIN, SERVICE_PAUSE, _pause, schema=PAUSE_SCHEMA)
    register(DOMAIN, SERVICE_RESUME, _resume, schema=APARTMENT_SCHEMA)
    register(DOMAIN, SERVICE_ACKNOWLEDGE, _acknowledge, schema=APARTMENT_SCHEMA)
    register(DOMAIN, SERVICE_RESOLVE, _resolve, schema=RESOLVE_SCHEMA)
    register(
        DOMAIN,
        SERVICE_EXPORT,
        _export_journal,
        schema=EXPORT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
