"""The water journal: meter replacements, alarm and leak episodes, report runs.

One ``Store`` for the whole integration, loaded once. Meters are keyed by their
*meter key* (:attr:`.meter_sources.MeterSource.key`): the external statistic id
of our own LoRaWAN meters, otherwise the entity id. Episodes are kept per meter
up to :data:`MAX_EPISODES` (the oldest closed ones are dropped first), so the
file stays small with thousands of meters.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import probatio as vol
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..store import StoreSchema, async_load_once, async_load_validated, domain_store, iso_datetime
from ..water.replacement import Replacement, sorted_replacements

SAVE_DELAY = 5  # seconds
MAX_EPISODES = 200

_DATA: HassKey[asyncio.Task[WaterJournal]] = HassKey(f"{DOMAIN}_water_journal")

type Episode = dict[str, Any]

_NUMBER = vol.Any(int, float)
_END = vol.Any(None, iso_datetime)
# Every element is checked on its own: one bad episode does not cost a meter's others.
STORE_SCHEMA = StoreSchema(
    map_lists={
        "replacements": vol.Schema(
            {
                vol.Required("at"): iso_datetime,
                vol.Required("old_final_m3"): _NUMBER,
                vol.Required("new_initial_m3"): _NUMBER,
                vol.Optional("old_meter_id"): vol.Any(None, str),
                vol.Optional("new_meter_id"): vol.Any(None, str),
            },
            extra=vol.ALLOW_EXTRA,
        ),
        "alarms": vol.Schema(
            {vol.Required("code"): str, vol.Required("start"): iso_datetime, "end": _END},
            extra=vol.ALLOW_EXTRA,
        ),
        "leaks": vol.Schema(
            {vol.Required("rule"): str, vol.Required("start"): iso_datetime, "end": _END},
            extra=vol.ALLOW_EXTRA,
        ),
    },
    maps={"leak_status": vol.Schema({str: dict}), "report_runs": iso_datetime},
)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else dt_util.as_utc(value).isoformat()


def _time(value: str) -> datetime:
    return dt_util.parse_datetime(value, raise_on_error=True)


def _overlaps(episode: Episode, start: datetime, end: datetime) -> bool:
    begin = _time(episode["start"])
    finish = episode.get("end")
    return begin < end and (finish is None or _time(finish) > start)


class WaterJournal:
    """Persistent water records shared by every entry of the integration."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the store (call :meth:`async_load` before use)."""
        self._hass = hass
        self._store = domain_store(hass, "water_journal")
        self._data: dict[str, Any] = {}

    async def async_load(self) -> None:
        """Load the journal."""
        self._data = await async_load_validated(self._hass, self._store, STORE_SCHEMA)
        for section in ("replacements", "alarms", "leaks", "leak_status", "report_runs"):
            self._data.setdefault(section, {})

    def _save_later(self) -> None:
        self._store.async_delay_save(lambda: self._data, SAVE_DELAY)

    # ----- replacements ------------------------------------------------------------

    def replacements(self, key: str) -> tuple[Replacement, ...]:
        """Return a meter's replacements in time order."""
        return tuple(
            sorted_replacements(
                Replacement(
                    at=_time(item["at"]),
                    old_final_m3=item["old_final_m3"],
                    new_initial_m3=item["new_initial_m3"],
                    old_meter_id=item.get("old_meter_id"),
                    new_meter_id=item.get("new_meter_id"),
                )
                for item in self._data["replacements"].get(key, ())
            )
        )

    def replacement_records(self, key: str) -> list[dict[str, Any]]:
        """Return a meter's journaled replacement records (for diagnostics and reports)."""
        return [dict(item) for item in self._data["replacements"].get(key, ())]

    async def async_add_replacement(
        self, key: str, entity_id: str, replacement: Replacement, user_id: str | None
    ) -> None:
        """Journal a replacement and write the journal at once."""
        self._data["replacements"].setdefault(key, []).append(
            {
                "at": _iso(replacement.at),
                "old_final_m3": replacement.old_final_m3,
                "new_initial_m3": replacement.new_initial_m3,
                "old_meter_id": replacement.old_meter_id,
                "new_meter_id": replacement.new_meter_id,
                "entity_id": entity_id,
                "recorded_at": _iso(dt_util.utcnow()),
                "user_id": user_id,
            }
        )
        await self._store.async_save(self._data)

    # ----- alarm and leak episodes -----------------------------------------------------

    def _episodes(self, section: str, key: str) -> list[Episode]:
        episodes: list[Episode] = self._data[section].setdefault(key, [])
        return episodes

    def _open(self, section: str, key: str, name_key: str, name: str, at: datetime) -> None:
        episodes = self._episodes(section, key)
        if any(ep[name_key] == name and ep.get("end") is None for ep in episodes):
            return
        episodes.append({name_key: name, "start": _iso(at), "end": None})
        if len(episodes) > MAX_EPISODES:
            closed = next((ep for ep in episodes if ep.get("end") is not None), episodes[0])
            episodes.remove(closed)
        self._save_later()

    def _close(self, section: str, key: str, name_key: str, name: str, at: datetime) -> None:
        for episode in self._episodes(section, key):
            if episode[name_key] == name and episode.get("end") is None:
                episode["end"] = _iso(at)
                self._save_later()

    def update_alarms(self, key: str, codes: frozenset[str], at: datetime) -> None:
        """Record the alarm codes a meter reports now (open new ones, close gone ones)."""
        for episode in list(self._episodes("alarms", key)):
            if episode.get("end") is None and episode["code"] not in codes:
                self._close("alarms", key, "code", episode["code"], at)
        for code in sorted(codes):
            self._open("alarms", key, "code", code, at)

    def alarms_between(self, key: str, start: datetime, end: datetime) -> tuple[str, ...]:
        """Return the alarm codes active at some time in ``[start, end)``."""
        return tuple(
            sorted(
                {
                    ep["code"]
                    for ep in self._data["alarms"].get(key, ())
                    if _overlaps(ep, start, end)
                }
            )
        )

    def set_leak(self, key: str, rule: str, active: bool, at: datetime) -> None:
        """Open or close a leak episode of one rule."""
        if active:
            self._open("leaks", key, "rule", rule, at)
        else:
            self._close("leaks", key, "rule", rule, at)

    def leak_between(self, key: str, start: datetime, end: datetime) -> bool:
        """Return True when a leak rule was active at some time in ``[start, end)``."""
        return any(_overlaps(ep, start, end) for ep in self._data["leaks"].get(key, ()))

    # ----- per-entry state ---------------------------------------------------------------

    def leak_status(self, entry_id: str, entity_id: str) -> dict[str, Any] | None:
        """Return the stored leak rule states of a meter in a report entry."""
        status: dict[str, Any] | None = self._data["leak_status"].get(entry_id, {}).get(entity_id)
        return status

    def set_leak_status(self, entry_id: str, entity_id: str, status: dict[str, Any]) -> None:
        """Store the leak rule states of a meter in a report entry."""
        self._data["leak_status"].setdefault(entry_id, {})[entity_id] = status
        self._save_later()

    def last_report_end(self, entry_id: str) -> datetime | None:
        """Return the end of the last period a scheduled report covered."""
        value = self._data["report_runs"].get(entry_id)
        return None if value is None else _time(value)

    def set_last_report_end(self, entry_id: str, end: datetime) -> None:
        """Remember the end of the period a scheduled report covered."""
        self._data["report_runs"][entry_id] = _iso(end)
        self._save_later()


async def _async_load(hass: HomeAssistant) -> WaterJournal:
    journal = WaterJournal(hass)
    await journal.async_load()
    return journal


async def async_get_journal(hass: HomeAssistant) -> WaterJournal:
    """Return the loaded journal, loading it once (concurrent callers share the load)."""
    return await async_load_once(hass, _DATA, _async_load)
