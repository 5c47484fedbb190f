"""A care unit's journal on disk: one Store per calendar month and a small index.

``<DOMAIN>.care.<entry>.journal`` is the index (``version`` 2: ``next_id`` and
the months); ``<DOMAIN>.care.<entry>.journal.<YYYY-MM>`` holds one month's
entries. A new entry rewrites only its month; retention removes whole month
files. The journal before month segments was one document under the index's
key (``version`` 1 with ``entries``): it is split into months on first load,
months first and the index last, so an interrupted migration simply runs again.

Nothing unreadable is dropped silently: an unreadable index or month is logged
and kept aside as ``.unreadable``; the months found on disk are still read; an
unreadable entry is dropped with a warning naming it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import orjson
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from ..const import DOMAIN, LOGGER
from ..store import domain_store
from ..supervision.journal import JOURNAL_VERSION, Journal
from .store import SaveSchedule, async_backup, journal_store_key

INDEX_VERSION = 2
_MONTH = re.compile(r"\d{4}-\d{2}")


@dataclass(slots=True)
class _Encoded:
    """One month's entries already encoded as JSON, so a save encodes only new ones."""

    count: int = 0
    last_id: int = 0
    body: bytearray = field(default_factory=bytearray)


class JournalStore:
    """Load and save a :class:`Journal` in month segments (see the module docstring)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        journal: Callable[[], Journal],
        *,
        delay: float,
    ) -> None:
        """Bind to a care unit's journal; ``journal`` returns the one in use."""
        self._hass = hass
        self._key = journal_store_key(entry_id)
        self._journal = journal
        self._delay = delay
        self._index = domain_store(hass, self._key, private=True, atomic_writes=True)
        self._segments: dict[str, Store[dict[str, Any]]] = {}
        self._months: set[str] = set()  # the months the index lists
        self._pending: set[str] = set()  # months handed to their Store since the last flush
        self._encoded: dict[str, _Encoded] = {}
        self._schedule = SaveSchedule(hass, delay, self._write, on_stop=self._write_on_stop)

    def _segment(self, month: str) -> Store[dict[str, Any]]:
        if (store := self._segments.get(month)) is None:
            store = self._segments[month] = domain_store(
                self._hass, f"{self._key}.{month}", private=True, atomic_writes=True
            )
        return store

    # ----------------------------------------------------------------- loading

    async def async_load(self) -> Journal:
        """Load every month (migrating the single-document journal), then save on stop."""
        self._schedule.start()
        data = await self._index.async_load()
        next_id = 1
        months = set(await self._hass.async_add_executor_job(self._months_on_disk))
        if isinstance(data, Mapping) and "entries" in data:
            return await self._async_migrate(data)
        if isinstance(data, Mapping) and data.get("version") == INDEX_VERSION:
            next_id = int(data.get("next_id") or 1)
            months |= {str(month) for month in data.get("months") or () if _MONTH.fullmatch(month)}
        elif data is not None:
            LOGGER.error("The supervision journal's index is unreadable; reading its months")
            await async_backup(self._hass, self._key, data)
        segments = [segment for month in sorted(months) if (segment := await self._read(month))]
        journal, warnings = Journal.from_months(segments, next_id=next_id)
        for warning in warnings:
            LOGGER.warning("Dropped an unreadable supervision journal entry: %s", warning)
        journal.take_changes()
        self._months = months
        return journal

    def _months_on_disk(self) -> list[str]:
        prefix = f"{DOMAIN}.{self._key}."
        try:
            names = os.listdir(self._hass.config.path(".storage"))  # noqa: PTH208 - names only
        except OSError:
            return []
        return [
            name.removeprefix(prefix)
            for name in names
            if name.startswith(prefix) and _MONTH.fullmatch(name.removeprefix(prefix))
        ]

    async def _read(self, month: str) -> Mapping[str, Any] | None:
        data = await self._segment(month).async_load()
        if data is None:
            return None
        if isinstance(data, Mapping) and isinstance(data.get("entries"), list):
            return data
        LOGGER.error("Supervision journal month %s is unreadable; it is kept aside", month)
        await async_backup(self._hass, f"{self._key}.{month}", data)
        return None

    async def _async_migrate(self, data: Mapping[str, Any]) -> Journal:
        try:
            journal = Journal.from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            # Supervision must run anyway; keep the unreadable journal aside.
            LOGGER.error("The supervision journal is unreadable (%s); starting a new one", err)
            await async_backup(self._hass, self._key, data)
            journal = Journal()
        months = journal.months()
        for month in months:  # months first: the old document stays until the index replaces it
            await self._segment(month).async_save(journal.month_data(month))
        self._months = set(months)
        await self._index.async_save(self._index_data(journal))
        journal.take_changes()
        LOGGER.info("Supervision journal moved into %d month files", len(months))
        return journal

    # ------------------------------------------------------------------ saving

    def _index_data(self, journal: Journal) -> dict[str, Any]:
        return {
            "version": INDEX_VERSION,
            "next_id": journal.next_id,
            "months": sorted(self._months),
        }

    @callback
    def schedule_save(self, *, urgent: bool = False) -> None:
        """Save the changed months soon: now when ``urgent``, otherwise within ``delay`` s."""
        self._schedule.request(urgent=urgent)

    @callback
    def _write(self) -> None:
        """Hand the changed months (and the index if months came or went) to their Stores."""
        journal = self._journal()
        changed, dropped = journal.take_changes()
        for month in changed:
            self._segment(month).async_delay_save(partial(self._month_payload, month))
        self._pending = (self._pending | changed) - dropped
        for month in dropped:
            self._encoded.pop(month, None)
            store = self._segment(month)
            del self._segments[month]
            self._hass.async_create_task(store.async_remove(), f"{DOMAIN} journal retention")
        months = (self._months | changed) - dropped
        if months != self._months:
            self._months = months
            self._index.async_delay_save(partial(self._index_data, journal))

    def _month_payload(self, month: str) -> dict[str, Any]:
        """Return a month's stored form, encoding only the entries added since the last save.

        The result is pre-encoded JSON (an ``orjson.Fragment``), which the Store's
        encoder writes as it is: a save of the current month costs the new entries
        and one copy of the month, not a re-encoding of every entry in it.
        """
        journal = self._journal()
        cache = self._encoded.get(month)
        tail = None if cache is None else journal.month_tail(month, cache.count, cache.last_id)
        if cache is None or tail is None:
            cache = self._encoded[month] = _Encoded()
            tail = journal.month_entries(month)
        for entry in tail:
            if cache.count:
                cache.body += b","
            cache.body += orjson.dumps(entry.to_dict())
            cache.count += 1
            cache.last_id = entry.id
        head = f'{{"version":{JOURNAL_VERSION},"month":"{month}","entries":['.encode()
        return cast("dict[str, Any]", orjson.Fragment(head + cache.body + b"]}"))

    @callback
    def _write_on_stop(self) -> None:
        self._write()
        self._index.async_delay_save(partial(self._index_data, self._journal()))

    async def async_flush(self) -> None:
        """Write the changed months and the index now and stop listening (the unit unloads)."""
        self._schedule.stop()
        self._write()
        journal = self._journal()
        pending, self._pending = self._pending, set()
        for month in pending:  # replaces the delayed write
            await self._segment(month).async_save(self._month_payload(month))
        await self._index.async_save(self._index_data(journal))
