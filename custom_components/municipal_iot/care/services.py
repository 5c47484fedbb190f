"""Actions for care units: pause, resume, acknowledge, resolve, export the journal.

A pause needs a reason and an end; only an administrator can pause without an
end, and must ask for it (``indefinite``). Closing an alarm needs an outcome;
the old outcomes ``ok`` and ``visited`` of automations still work.
"""

from __future__ import annotations

from datetime import date, datetime
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

from ..const import DOMAIN
from ..supervision.journal import LEGACY_OUTCOMES, OUTCOMES, Episode
from ..supervision.timeutil import iso_or_none
from .apartment import Apartment
from .const import EXPORT_DIR, NOTE_MAX_LENGTH, OUTCOME_ALL_OK, PAUSE_REASONS
from .export import CONTENT_ENTRIES, CONTENTS, async_export_journal
from .privacy import refuse_personal_number
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
ATTR_NOTE = "note"
ATTR_INDEFINITE = "indefinite"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_START = "start"
ATTR_END = "end"
ATTR_EXCEL = "excel_sv"
ATTR_CONTENT = "content"
ATTR_LANGUAGE = "language"

APARTMENT_SCHEMA = vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string})
PAUSE_SCHEMA = APARTMENT_SCHEMA.extend(
    {
        vol.Optional(ATTR_UNTIL): cv.datetime,
        vol.Required(ATTR_REASON): vol.In(PAUSE_REASONS),
        vol.Optional(ATTR_INDEFINITE, default=False): cv.boolean,
    }
)
RESOLVE_SCHEMA = APARTMENT_SCHEMA.extend(
    {
        vol.Optional(ATTR_OUTCOME, default=OUTCOME_ALL_OK): vol.All(
            vol.In([*OUTCOMES, *LEGACY_OUTCOMES]), lambda value: LEGACY_OUTCOMES.get(value, value)
        ),
        vol.Optional(ATTR_NOTE, default=""): vol.All(cv.string, vol.Length(max=NOTE_MAX_LENGTH)),
    }
)
EXPORT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_START): cv.date,
        vol.Required(ATTR_END): cv.date,
        vol.Optional(ATTR_EXCEL, default=False): cv.boolean,
        vol.Optional(ATTR_CONTENT, default=CONTENT_ENTRIES): vol.In(CONTENTS),
        vol.Optional(ATTR_LANGUAGE): vol.In(["en", "sv"]),
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


def loaded_unit(entry: ConfigEntry[Any] | None) -> CareUnit | None:
    """Return the care unit of a loaded care-unit entry, else None."""
    if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
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
        "closed_without_motion": episode.closed_without_motion,
        "note": episode.note,
        "response_minutes": episode.response_minutes,
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


async def _async_require_admin(hass: HomeAssistant, call: ServiceCall) -> None:
    """Only administrators may do this (calls without a user are internal)."""
    user_id = call.context.user_id
    if user_id is None:
        return
    user = await hass.auth.async_get_user(user_id)
    if user is None or not user.is_admin:
        raise Unauthorized(context=call.context)


async def _pause(call: ServiceCall) -> None:
    unit, apartment = _apartment(call.hass, call)
    until: datetime | None = call.data.get(ATTR_UNTIL)
    if until is None:
        if not call.data[ATTR_INDEFINITE]:
            raise _error("pause_needs_end")
        await _async_require_admin(call.hass, call)
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


def _open_alarm(call: ServiceCall, *, state_lost: bool = False) -> tuple[CareUnit, Apartment]:
    """Return the apartment with an open alarm (or, with ``state_lost``, lost state)."""
    unit, apartment = _apartment(call.hass, call)
    supervisor = apartment.supervisor
    if supervisor.episode is None and not (state_lost and supervisor.state_lost_at):
        raise _error("no_open_alarm", apartment=apartment.config.label)
    return unit, apartment


@callback
def _acknowledge(call: ServiceCall) -> None:
    unit, apartment = _open_alarm(call)
    unit.acknowledge(apartment.apartment_id, context=call.context)


@callback
def _resolve(call: ServiceCall) -> None:
    unit, apartment = _open_alarm(call, state_lost=True)
    note = call.data[ATTR_NOTE].strip()
    refuse_personal_number(note, ATTR_NOTE)
    unit.resolve(
        apartment.apartment_id,
        outcome=call.data[ATTR_OUTCOME],
        note=note,
        context=call.context,
    )


async def _export_journal(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    await _async_require_admin(hass, call)
    entry = service.async_get_config_entry(hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID])
    if (unit := loaded_unit(entry)) is None:
        raise _error("not_a_care_unit", entry=entry.title)
    first: date = call.data[ATTR_START]
    last: date = call.data[ATTR_END]
    if last < first:
        raise _error("invalid_journal_period")
    export = await async_export_journal(
        hass,
        unit,
        first,
        last,
        content=call.data[ATTR_CONTENT],
        excel=call.data[ATTR_EXCEL],
        language=call.data.get(ATTR_LANGUAGE),
    )
    path = Path(hass.config.path(*EXPORT_DIR, export.filename))
    try:
        await hass.async_add_executor_job(_write, path, export.text)
    except OSError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="export_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    return {
        "file": str(path),
        "rows": export.rows,
        "episodes": [_episode_summary(episode) for episode in export.episodes],
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
