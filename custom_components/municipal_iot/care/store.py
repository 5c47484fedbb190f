"""Persistence for care units: supervision state and the journal, in HA Stores."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback

from ..const import DOMAIN
from ..store import domain_store

type DataFunc = Callable[[], dict[str, Any]]


def state_store_key(entry_id: str) -> str:
    """Return the storage key of a care unit's supervision state."""
    return f"care.{entry_id}.state"


def journal_store_key(entry_id: str) -> str:
    """Return the storage key of a care unit's journal."""
    return f"care.{entry_id}.journal"


class CoalescedStore:
    """A Store written at most once per ``delay`` seconds, or at once when urgent.

    ``Store.async_delay_save`` keeps postponing its write while calls keep
    coming; with steady sensor traffic it might never write. This wrapper
    schedules one write ``delay`` seconds after the first unsaved change instead,
    and flushes when Home Assistant stops or the unit unloads.
    """

    def __init__(self, hass: HomeAssistant, key: str, data_func: DataFunc, *, delay: float) -> None:
        """Create the store ``<DOMAIN>.<key>`` (private, atomic writes)."""
        self._hass = hass
        self._store = domain_store(hass, key, private=True, atomic_writes=True)
        self._data_func = data_func
        self._delay = delay
        self._timer: asyncio.TimerHandle | None = None
        self._unsub_stop: CALLBACK_TYPE | None = None

    async def async_load(self) -> dict[str, Any]:
        """Load the stored data ({} when nothing was stored) and start flushing on stop."""
        self._unsub_stop = self._hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._on_stop)
        return await self._store.async_load() or {}

    @callback
    def schedule_save(self, *, urgent: bool = False) -> None:
        """Save soon: now when ``urgent``, otherwise within ``delay`` seconds."""
        if urgent:
            self._cancel_timer()
            self._store.async_delay_save(self._data_func)
        elif self._timer is None:
            self._timer = self._hass.loop.call_later(self._delay, self._write)

    @callback
    def _write(self) -> None:
        self._timer = None
        self._store.async_delay_save(self._data_func)

    @callback
    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @callback
    def _on_stop(self, _event: Event) -> None:
        # While stopping, Store defers this write to its final-write listener.
        self._unsub_stop = None
        self._cancel_timer()
        self._store.async_delay_save(self._data_func)

    async def async_backup(self, data: dict[str, Any]) -> None:
        """Keep unreadable data in a ``.unreadable`` store next to this one."""
        key = self._store.key.removeprefix(f"{DOMAIN}.")
        backup = domain_store(self._hass, f"{key}.unreadable", private=True)
        await backup.async_save(data)

    async def async_flush(self) -> None:
        """Write now and stop listening (the unit unloads)."""
        self._cancel_timer()
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None
        await self._store.async_save(self._data_func())
