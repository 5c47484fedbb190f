"""A care unit's journal on disk: one append-only file per calendar month and an index.

``<DOMAIN>.care.<entry>.journal`` is the index (a Store, ``version`` 3:
``next_id`` and the months); ``<DOMAIN>.care.<entry>.journal.<YYYY-MM>.jsonl``
holds one month's entries as JSON lines (see :mod:`.journal_log`). A new entry is
appended to its month in the executor: written at once (it survives a crash of
Home Assistant) and forced to the disk (fsync) within ``fsync_interval`` seconds
(it survives a power cut after that). Retention removes whole month files.

Migrations run on load and may be interrupted at any point: the single-document
journal (``version`` 1 with ``entries`` under the index's key) is split into month
files and only then replaced by the index; month Stores (index ``version`` 2)
are rewritten as month files, and a month Store is removed once its month file
exists (which is written whole, atomically, before anything is appended to it).

Nothing unreadable is dropped silently: an unreadable index or month Store is
logged and kept aside as ``.unreadable``; an unreadable line of a month file is
dropped with a warning naming it and the file kept aside first.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from ..const import DOMAIN, LOGGER
from ..store import domain_store
from ..supervision.journal import Journal, JournalEntry, month_of
from .journal_log import MonthFiles, MonthRead, encode, read_month, write_month
from .store import SaveSchedule, async_backup, journal_store_key

INDEX_VERSION = 3  # 2: the months were Stores; 3: they are month files
FSYNC_INTERVAL = 1.0  # seconds an appended entry may wait for its fsync
RETRY_DELAY = 10.0  # seconds before a failed write is tried again
_MONTH = re.compile(r"\d{4}-\d{2}")


class JournalStore:
    """Load and save a :class:`Journal` in month files (see the module docstring)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        journal: Callable[[], Journal],
        *,
        delay: float,
        fsync_interval: float = FSYNC_INTERVAL,
    ) -> None:
        """Bind to a care unit's journal; ``journal`` returns the one in use.

        ``fsync_interval`` 0 forces every batch of appends to the disk before the
        next batch is written.
        """
        self._hass = hass
        self._key = journal_store_key(entry_id)
        self._journal = journal
        self._fsync_interval = fsync_interval
        self._index = domain_store(hass, self._key, private=True, atomic_writes=True)
        directory = Path(hass.config.path(".storage"))
        self._files = MonthFiles(directory, f"{DOMAIN}.{self._key}.")
        self._months: set[str] = set()  # the months the index lists
        self._appends: dict[str, bytearray] = {}  # lines not yet handed to the executor
        self._removals: set[str] = set()
        self._sync_due = False
        self._sync_timer: asyncio.TimerHandle | None = None
        self._retry_timer: asyncio.TimerHandle | None = None
        self._failing = False
        self._task: asyncio.Task[None] | None = None
        self._schedule = SaveSchedule(hass, delay, self._write, on_stop=self._write_on_stop)

    def _store_month(self, month: str) -> Store[dict[str, Any]]:
        return domain_store(self._hass, f"{self._key}.{month}", private=True, atomic_writes=True)

    # ----------------------------------------------------------------- loading

    async def async_load(self) -> Journal:
        """Load every month (migrating older layouts), then save on stop."""
        self._schedule.start()
        data = await self._index.async_load()
        if isinstance(data, Mapping) and "entries" in data:
            return await self._async_migrate(data)
        next_id = 1
        months = set(await self._hass.async_add_executor_job(self._files.months))
        stores = set(await self._hass.async_add_executor_job(self._store_months_on_disk))
        if isinstance(data, Mapping) and data.get("version") in (2, INDEX_VERSION):
            next_id = data["next_id"] if isinstance(data.get("next_id"), int) else 1
            names = data.get("months")
            listed = {
                month
                for month in (names if isinstance(names, list) else ())
                if isinstance(month, str) and _MONTH.fullmatch(month)
            }
            months |= listed if data["version"] == INDEX_VERSION else set()
            stores |= listed if data["version"] == 2 else set()
        elif data is not None:
            LOGGER.error("The supervision journal's index is unreadable; reading its months")
            await async_backup(self._hass, self._key, data)
        for month in sorted(stores):
            if await self._async_month_from_store(month, month in months):
                months.add(month)
        entries: list[JournalEntry] = []
        for month in sorted(months):
            read = await self._hass.async_add_executor_job(
                read_month, self._files.path(month), month
            )
            entries += self._checked(month, read)
        journal = Journal(_unique(entries), next_id=next_id)
        self._months = set(journal.months())
        current = isinstance(data, Mapping) and data.get("version") == INDEX_VERSION
        if self._months != months or not current:
            await self._index.async_save(self._index_data(journal))
        journal.take_changes()
        journal.take_added()
        return journal

    def _checked(self, month: str, read: MonthRead | None) -> list[JournalEntry]:
        if read is None:
            # Benign after a crash between a month's removal (retention) and the index's save.
            LOGGER.warning("Supervision journal month %s is in the index but has no file", month)
            return []
        for reason in read.dropped:
            LOGGER.warning("Dropped an unreadable supervision journal line: %s", reason)
        if read.backup is not None:
            LOGGER.warning("The month file as it was is kept as %s", read.backup.name)
        return read.entries

    def _store_months_on_disk(self) -> list[str]:
        """Return the months kept as Stores (the layout before month files)."""
        prefix = f"{DOMAIN}.{self._key}."
        try:
            names = os.listdir(self._hass.config.path(".storage"))  # noqa: PTH208 - names only
        except OSError:
            return []
        return [
            month
            for name in names
            if name.startswith(prefix) and _MONTH.fullmatch(month := name.removeprefix(prefix))
        ]

    async def _async_month_from_store(self, month: str, has_file: bool) -> bool:
        """Rewrite a month Store as a month file (kept when it exists); True if there is one."""
        store = self._store_month(month)
        if has_file:
            await store.async_remove()  # its file was written whole from it
            return True
        data = await store.async_load()
        if data is None:
            return False
        if not isinstance(data, Mapping) or not isinstance(data.get("entries"), list):
            LOGGER.error("Supervision journal month %s is unreadable; it is kept aside", month)
            await async_backup(self._hass, f"{self._key}.{month}", data)
            await store.async_remove()
            return False
        journal, warnings = Journal.from_months([data])
        for warning in warnings:
            LOGGER.warning("Dropped an unreadable supervision journal entry: %s", warning)
        await self._async_write_months(journal, [month])
        await store.async_remove()
        return True

    async def _async_write_months(self, journal: Journal, months: list[str]) -> None:
        for month in months:
            lines = [encode(entry) for entry in journal.month_entries(month)]
            await self._hass.async_add_executor_job(
                write_month, self._files.path(month), month, lines
            )

    async def _async_migrate(self, data: Mapping[str, Any]) -> Journal:
        try:
            journal = Journal.from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            # Supervision must run anyway; keep the unreadable journal aside.
            LOGGER.error("The supervision journal is unreadable (%s); starting a new one", err)
            await async_backup(self._hass, self._key, data)
            journal = Journal()
        months = journal.months()
        # Months first: the old document stays until the index replaces it.
        await self._async_write_months(journal, months)
        self._months = set(months)
        await self._index.async_save(self._index_data(journal))
        journal.take_changes()
        journal.take_added()
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
        """Save the new entries soon: now when ``urgent``, otherwise within ``delay`` s."""
        self._schedule.request(urgent=urgent)

    @callback
    def _write(self) -> None:
        """Encode the new entries and hand them, and removed months, to the writer."""
        journal = self._journal()
        changed, dropped = journal.take_changes()
        for entry in journal.take_added():
            month = month_of(entry.at)
            if month not in dropped:
                self._appends.setdefault(month, bytearray()).extend(encode(entry))
        for month in dropped:
            self._appends.pop(month, None)
        self._removals |= dropped
        months = (self._months | changed) - dropped
        if months != self._months:
            self._months = months
            self._index.async_delay_save(lambda: self._index_data(journal))
        self._kick()

    @callback
    def _kick(self) -> None:
        if (self._appends or self._removals or self._sync_due) and (
            self._task is None or self._task.done()
        ):
            self._task = self._hass.async_create_task(self._drain(), f"{DOMAIN} journal write")

    async def _drain(self) -> None:
        """Write batches one at a time until nothing is left; sync as the policy says."""
        while self._appends or self._removals or self._sync_due:
            appends, self._appends = self._appends, {}
            removals, self._removals = self._removals, set()
            sync = self._sync_due or self._fsync_interval <= 0
            self._sync_due = False
            failed, error = await self._hass.async_add_executor_job(
                partial(self._files.write, appends, removals, sync=sync)
            )
            if failed or error:
                self._failed(failed, error)
                return
            if self._failing:
                self._failing = False
                LOGGER.warning("The supervision journal is written again")
            if not sync and appends:
                self._arm_sync()

    @callback
    def _failed(self, failed: Mapping[str, bytes | bytearray], error: str) -> None:
        """Keep what failed first in line and try again later; log once per streak."""
        if not self._failing:
            self._failing = True
            LOGGER.error("The supervision journal cannot be written (%s); retrying", error)
        for month, data in failed.items():
            self._appends[month] = bytearray(data) + self._appends.get(month, b"")
        self._sync_due = True
        if self._retry_timer is None:
            self._retry_timer = self._hass.loop.call_later(RETRY_DELAY, self._retry)

    @callback
    def _retry(self) -> None:
        self._retry_timer = None
        self._kick()

    @callback
    def _arm_sync(self) -> None:
        if self._sync_timer is None:
            self._sync_timer = self._hass.loop.call_later(self._fsync_interval, self._sync_now)

    @callback
    def _sync_now(self) -> None:
        self._sync_timer = None
        self._sync_due = True
        self._kick()

    @callback
    def _write_on_stop(self) -> None:
        self._sync_due = True
        self._write()

    async def async_flush(self) -> None:
        """Write and sync everything now, close the files and the index (the unit unloads)."""
        self._schedule.stop()
        self._write_on_stop()
        while self._task is not None and not self._task.done():
            await self._task
        for timer in (self._sync_timer, self._retry_timer):
            if timer is not None:
                timer.cancel()
        self._sync_timer = self._retry_timer = None
        if lost := sum(data.count(b"\n") for data in self._appends.values()):
            LOGGER.error("%d supervision journal entries could not be written", lost)
        try:
            await self._hass.async_add_executor_job(self._files.close)
        except OSError as err:
            LOGGER.error("The supervision journal's last lines could not be synced: %s", err)
        await self._index.async_save(self._index_data(self._journal()))


def _unique(entries: list[JournalEntry]) -> list[JournalEntry]:
    """Drop repeated ids (a batch appended twice); the first copy is kept."""
    seen: set[int] = set()
    unique = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            unique.append(entry)
    return unique
