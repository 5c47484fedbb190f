"""The care unit's heartbeat, and the "supervision was off" report after a gap.

The heartbeat store is written once a minute and when the unit stops (see
:mod:`..supervision.outage`). After a gap staff phones get one unit-level push
("Supervision was off 02:10-02:45 (35 min)"), a persistent notification when no
phone takes it, a journal entry and a logbook entry. Apartments whose deadlines
fell in the gap are then handled as after any restart (their alarms fire).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components import persistent_notification
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..supervision.journal import Journal
from ..supervision.outage import HEARTBEAT_EVERY, Outage, outage_since
from ..supervision.timeutil import iso, parse_iso_or_none
from ..texts import Texts
from .config import UnitConfig
from .const import EVENT_SUPERVISION, JOURNAL_OUTAGE
from .push import CHANNEL_ALARM, format_duration, format_time, panel_path
from .store import CoalescedStore


def heartbeat_store_key(entry_id: str) -> str:
    """Return the storage key of a care unit's heartbeat."""
    return f"care.{entry_id}.heartbeat"


class Heartbeat:
    """Writes the unit's heartbeat once a minute; tells the last one at start."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the store; :meth:`async_start` reads it and starts beating."""
        self._hass = hass
        self._store = CoalescedStore(
            hass, heartbeat_store_key(entry_id), self._data, delay=HEARTBEAT_EVERY.seconds
        )
        self._unsub: CALLBACK_TYPE | None = None

    def _data(self) -> dict[str, Any]:
        return {"at": iso(dt_util.utcnow())}

    async def async_start(self) -> Outage | None:
        """Return the outage since the last heartbeat (None: none), then beat."""
        stored = await self._store.async_load()
        try:
            last = parse_iso_or_none(stored.get("at"))
        except TypeError, ValueError:
            LOGGER.warning("The supervision heartbeat is unreadable; no outage check this time")
            last = None
        outage = outage_since(last, dt_util.utcnow())
        self._store.schedule_save(urgent=True)
        self._unsub = async_track_time_interval(self._hass, self._beat, HEARTBEAT_EVERY)
        return outage

    @callback
    def _beat(self, _now: datetime) -> None:
        self._store.schedule_save(urgent=True)

    async def async_stop(self) -> None:
        """Stop beating and write the last heartbeat."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        await self._store.async_flush()


@callback
def report_outage(  # noqa: PLR0913, PLR0917 - the unit's parts the report goes through
    hass: HomeAssistant,
    config: UnitConfig,
    texts: Texts,
    journal: Journal,
    device_id: str,
    outage: Outage,
) -> None:
    """Journal and log the outage now; push it to the staff phones once HA runs."""
    tz = ZoneInfo(hass.config.time_zone)
    now = outage.end
    span = f"{format_time(outage.start, now, tz)}-{format_time(outage.end, now, tz)}"
    duration = format_duration(texts, outage.end - outage.start)
    data = {"since": iso(outage.start), "until": iso(outage.end), "minutes": outage.minutes}
    journal.record(
        at=now, apartment_id="", apartment_label=config.title, kind=JOURNAL_OUTAGE, data=data
    )
    LOGGER.warning("Supervision of %s was off %s (%s)", config.title, span, duration)
    hass.bus.async_fire(
        EVENT_SUPERVISION,
        {**data, "type": JOURNAL_OUTAGE, "device_id": device_id, "apartment": config.title},
    )
    title = texts.get("outage_title", unit=config.title)
    message = texts.get("outage_message", span=span, duration=duration)

    async def send(_hass: HomeAssistant) -> None:
        payload = {
            "title": title,
            "message": message,
            "data": {
                "tag": f"{DOMAIN}_{device_id}_outage",
                "url": panel_path(),
                "clickAction": panel_path(),
                "channel": CHANNEL_ALARM,
                "priority": "high",
                "push": {"interruption-level": "time-sensitive"},
            },
        }
        reached = 0
        for target in config.staff_targets:
            try:
                await hass.services.async_call("notify", target, payload, blocking=True)
                reached += 1
            except HomeAssistantError as err:
                LOGGER.warning("Notification to notify.%s failed: %s", target, err)
        if reached < len(config.staff_targets) or not config.staff_targets:
            persistent_notification.async_create(
                hass, message, title=title, notification_id=f"{DOMAIN}_{device_id}_outage"
            )

    async_at_started(hass, send)
