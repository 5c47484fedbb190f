"""Websocket commands of the Tillsyn panel and the care card.

``municipal_iot/subscribe`` sends every loaded care unit with its apartments'
tiles, its unit banner (network outage, test alarm) and today's journal, then
each change as it happens (no polling): an apartment's tile or the unit banner
when what it shows changed, and new journal entries. A care
unit that loads or unloads sends the whole picture again.

The staff actions (acknowledge, close with an outcome, pause with a reason and
an end, resume) and the signed download link are commands too. Staff are
non-admin users, so none of these needs an administrator. Misuse (closing an
alarm that is not open, a pause end in the past) is answered with a translated
error, and logged at debug level only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import probatio as vol
from homeassistant.components import websocket_api
from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.websocket_api import messages
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import (
    ERR_SERVICE_VALIDATION_ERROR,
    WebSocketCommandHandler,
)
from homeassistant.components.websocket_api.decorators import websocket_command
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..supervision.journal import OUTCOMES, JournalEntry, entry_kind_label, outcome_of
from ..supervision.timeutil import iso_or_none
from .apartment import SIGNAL_CARE_UNITS
from .const import (
    DOWNLOAD_MINUTES,
    JOURNAL_CSV_URL,
    NOTE_MAX_LENGTH,
    PAUSE_REASONS,
)
from .export import CONTENT_ENTRIES, CONTENTS
from .notices import unit_notices
from .privacy import refuse_personal_number
from .unit import CareUnit
from .view import apartment_tile

JOURNAL_TODAY_MAX = 300  # entries of today sent at subscribe (newest)
DATA_UNITS = "municipal_iot_care_units"  # hass.data: the running care units by entry id


def loaded_units(hass: HomeAssistant) -> list[CareUnit]:
    """Return the running care units, by title."""
    units: dict[str, CareUnit] = hass.data.get(DATA_UNITS, {})
    return sorted(units.values(), key=lambda unit: unit.config.title.casefold())


def journal_item(unit: CareUnit, entry: JournalEntry) -> dict[str, Any]:
    """Return one journal entry as the panel shows it (user names, not ids)."""
    data = entry.data
    return {
        "id": entry.id,
        "at": iso_or_none(entry.at),
        "apartment_id": entry.apartment_id,
        "apartment": entry.apartment_label,
        "kind": entry_kind_label(entry),
        "user": unit.users.name(entry.user_id) or None,
        "outcome": outcome_of(data.get("outcome")),
        "note": data.get("note"),
        "reason": data.get("reason"),
        "until": data.get("until"),
        "sensor_id": data.get("sensor_id"),
    }


def today(unit: CareUnit) -> list[JournalEntry]:
    """Return today's journal entries (local day), at most the newest few hundred."""
    start = dt_util.start_of_local_day()
    entries = unit.journal.between(start, start + timedelta(days=2))
    return entries[-JOURNAL_TODAY_MAX:]


def unit_payload(unit: CareUnit) -> dict[str, Any]:
    """Return a care unit with every apartment's tile and today's journal."""
    return {
        "entry_id": unit.entry.entry_id,
        "title": unit.config.title,
        "notices": unit_notices(unit),
        "apartments": [apartment_tile(unit, apartment) for apartment in unit.apartments.values()],
        "journal": [journal_item(unit, entry) for entry in today(unit)],
    }


class _Subscription:
    """What one subscriber was last sent, so that only changes go out."""

    def __init__(self, hass: HomeAssistant, connection: ActiveConnection, msg_id: int) -> None:
        self.hass = hass
        self.connection = connection
        self.msg_id = msg_id
        self.tiles: dict[str, dict[str, Any]] = {}
        self.notices: dict[str, dict[str, Any]] = {}
        self.last_entry: dict[str, int] = {}
        self.unsubs: list[CALLBACK_TYPE] = []

    def send(self, event: dict[str, Any]) -> None:
        self.connection.send_message(messages.event_message(self.msg_id, event))

    @callback
    def snapshot(self) -> None:
        """Send every unit and follow each one's changes."""
        self.stop_units()
        units = loaded_units(self.hass)
        payloads = [unit_payload(unit) for unit in units]
        for unit, payload in zip(units, payloads, strict=True):
            self.tiles |= {tile["id"]: tile for tile in payload["apartments"]}
            self.notices[unit.entry.entry_id] = payload["notices"]
            self.last_entry[unit.entry.entry_id] = max(
                (item["id"] for item in payload["journal"]), default=0
            )
            self.unsubs.append(
                async_dispatcher_connect(self.hass, unit.changes, partial(self.changed, unit))
            )
        self.send({"type": "snapshot", "units": payloads})

    @callback
    def changed(self, unit: CareUnit, apartment_id: str) -> None:
        """Send the apartment's tile and the unit banner if they changed, and new journal entries.

        ``apartment_id`` is "" for a change of the unit itself (a unit rule).
        """
        apartment = unit.apartments.get(apartment_id)
        unit_id = unit.entry.entry_id
        if apartment is not None:
            tile = apartment_tile(unit, apartment)
            if self.tiles.get(apartment_id) != tile:
                self.tiles[apartment_id] = tile
                self.send({"type": "apartment", "unit_id": unit_id, "apartment": tile})
        notices = unit_notices(unit)
        if self.notices.get(unit_id) != notices:
            self.notices[unit_id] = notices
            self.send({"type": "unit", "unit_id": unit_id, "notices": notices})
        last = self.last_entry.get(unit_id, 0)
        new = [entry for entry in today(unit) if entry.id > last]
        if new:
            self.last_entry[unit_id] = new[-1].id
            items = [journal_item(unit, entry) for entry in new]
            self.send({"type": "journal", "unit_id": unit_id, "entries": items})

    def stop_units(self) -> None:
        for unsub in self.unsubs:
            unsub()
        self.unsubs = []

    @callback
    def stop(self) -> None:
        self.stop_units()


@websocket_command({vol.Required("type"): f"{DOMAIN}/subscribe"})
@callback
def ws_subscribe(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Subscribe to every care unit: a snapshot, then each change."""
    subscription = _Subscription(hass, connection, msg["id"])
    unsub_units = async_dispatcher_connect(hass, SIGNAL_CARE_UNITS, subscription.snapshot)

    @callback
    def unsubscribe() -> None:
        unsub_units()
        subscription.stop()

    connection.subscriptions[msg["id"]] = unsubscribe
    connection.send_result(msg["id"])
    subscription.snapshot()


APARTMENT = {vol.Required("entry_id"): str, vol.Required("apartment_id"): str}


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _unit(hass: HomeAssistant, msg: dict[str, Any]) -> CareUnit:
    unit = running_unit(hass, msg["entry_id"])
    if unit is None or msg["apartment_id"] not in unit.apartments:
        raise _error("not_an_apartment")
    return unit


def running_unit(hass: HomeAssistant, entry_id: str) -> CareUnit | None:
    """Return the running care unit of an entry id, else None."""
    units: dict[str, CareUnit] = hass.data.get(DATA_UNITS, {})
    return units.get(entry_id)


type Action = Callable[[HomeAssistant, CareUnit, ActiveConnection, dict[str, Any]], None]


def _staff_action(schema: dict[Any, Any], action: Action) -> WebSocketCommandHandler:
    """Return a command that runs ``action`` on an apartment, answering misuse politely."""

    @websocket_command(schema)
    @callback
    def handler(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
        try:
            action(hass, _unit(hass, msg), connection, msg)
        except ServiceValidationError as err:
            LOGGER.debug("Refused %s: %s", msg["type"], err)
            connection.send_message(
                messages.error_message(
                    msg["id"],
                    ERR_SERVICE_VALIDATION_ERROR,
                    str(err),
                    translation_domain=err.translation_domain,
                    translation_key=err.translation_key,
                    translation_placeholders=err.translation_placeholders,
                )
            )
            return
        connection.send_result(msg["id"])

    return handler


def _open_alarm(unit: CareUnit, apartment_id: str, *, state_lost: bool = False) -> None:
    """Refuse unless an alarm is open (or, with ``state_lost``, the state was lost)."""
    apartment = unit.apartments[apartment_id]
    supervisor = apartment.supervisor
    if supervisor.episode is None and not (state_lost and supervisor.state_lost_at):
        raise _error("no_open_alarm", apartment=apartment.config.label)


def _acknowledge(
    hass: HomeAssistant, unit: CareUnit, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    _open_alarm(unit, msg["apartment_id"])
    unit.acknowledge(msg["apartment_id"], context=connection.context(msg))


def _close(
    hass: HomeAssistant, unit: CareUnit, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    _open_alarm(unit, msg["apartment_id"], state_lost=True)
    note = msg["note"].strip()
    refuse_personal_number(note, "note")
    unit.resolve(
        msg["apartment_id"],
        outcome=msg["outcome"],
        note=note,
        context=connection.context(msg),
    )


def _pause(
    hass: HomeAssistant, unit: CareUnit, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    until: datetime = dt_util.as_utc(msg["until"])
    try:
        unit.pause(
            msg["apartment_id"], until=until, reason=msg["reason"], context=connection.context(msg)
        )
    except ValueError as err:
        raise _error("pause_in_past") from err


def _resume(
    hass: HomeAssistant, unit: CareUnit, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    unit.resume(msg["apartment_id"], context=connection.context(msg))


ws_acknowledge = _staff_action(
    {vol.Required("type"): f"{DOMAIN}/acknowledge", **APARTMENT}, _acknowledge
)
ws_close = _staff_action(
    {
        vol.Required("type"): f"{DOMAIN}/close",
        **APARTMENT,
        vol.Required("outcome"): vol.In(OUTCOMES),
        vol.Optional("note", default=""): vol.All(str, vol.Length(max=NOTE_MAX_LENGTH)),
    },
    _close,
)
ws_pause = _staff_action(
    {
        vol.Required("type"): f"{DOMAIN}/pause",
        **APARTMENT,
        vol.Required("reason"): vol.In(PAUSE_REASONS),
        vol.Required("until"): cv.datetime,
    },
    _pause,
)
ws_resume = _staff_action({vol.Required("type"): f"{DOMAIN}/resume", **APARTMENT}, _resume)


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/journal_url",
        vol.Required("entry_id"): str,
        vol.Required("start"): cv.date,
        vol.Required("end"): cv.date,
        vol.Optional("content", default=CONTENT_ENTRIES): vol.In(CONTENTS),
        vol.Optional("language", default="en"): vol.In(["en", "sv"]),
    }
)
@callback
def ws_journal_url(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Return a signed link (a few minutes) that downloads the journal CSV."""
    language = msg["language"]
    path = JOURNAL_CSV_URL.format(entry_id=msg["entry_id"])
    query = (
        f"start={msg['start'].isoformat()}&end={msg['end'].isoformat()}"
        f"&content={msg['content']}&language={language}&excel_sv={int(language == 'sv')}"
    )
    signed = async_sign_path(hass, f"{path}?{query}", timedelta(minutes=DOWNLOAD_MINUTES))
    connection.send_result(msg["id"], {"url": signed})


@callback
def async_register_commands(hass: HomeAssistant) -> None:
    """Register the panel's websocket commands."""
    for handler in (ws_subscribe, ws_acknowledge, ws_close, ws_pause, ws_resume, ws_journal_url):
        websocket_api.async_register_command(hass, handler)
