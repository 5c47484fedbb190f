"""Persistence for care units: supervision state and the journal, in HA Stores."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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


async def async_backup(hass: HomeAssistant, key: str, data: object) -> None:
    """Keep unreadable data of the store ``<DOMAIN>.<key>`` in ``<key>.unreadable``."""
    backup = domain_store(hass, f"{key}.unreadable", private=True)
    await backup.async_save(data)  # type: ignore[arg-type]  # kept as read, any JSON


@dataclass(slots=True)
class LoadedState:
    """The stored supervision state, and which of it could not be read.

    ``apartments`` maps an apartment id to its engine state (a dict, not yet
    parsed by the engine). ``all_lost`` says that the file as a whole was
    unreadable (corrupt JSON, which Home Assistant renamed aside, or a wrong
    top-level shape); ``lost`` names apartments whose own part was unreadable.
    """

    apartments: dict[str, dict[str, Any]] = field(default_factory=dict)
    all_lost: bool = False
    lost: set[str] = field(default_factory=set)
    error: str = ""
    raw: object = None  # the stored data as read, for a backup

    def is_lost(self, apartment_id: str) -> bool:
        """Return True when the apartment's state was there but cannot be used."""
        return self.all_lost or apartment_id in self.lost


def validate_state(data: object) -> LoadedState:
    """Check the shape of a stored state: ``{"apartments": {id: {...}}}``.

    The engine parses each apartment's dict itself; here only the shape is
    checked, so one bad apartment does not cost the others.
    """
    if data is None:
        return LoadedState()
    apartments = data.get("apartments") if isinstance(data, Mapping) else None
    if not isinstance(apartments, Mapping):
        error = f"wrong top-level shape ({type(data).__name__})"
        return LoadedState(all_lost=True, error=error, raw=data)
    loaded = LoadedState(raw=data)
    for apartment_id, state in apartments.items():
        if isinstance(state, Mapping):
            loaded.apartments[str(apartment_id)] = dict(state)
        else:
            loaded.lost.add(str(apartment_id))
            loaded.error = f"apartment {apartment_id}: {type(state).__name__} instead of an object"
    return loaded


class SaveSchedule:
    """When to write a store: after ``delay`` seconds, at once when urgent, and on stop.

    The write comes ``delay`` seconds after the first unsaved change:
    ``Store.async_delay_save`` keeps postponing its write while calls keep coming, so
    with steady sensor traffic it might never write. ``write`` hands the data to the
    Store (and may be called again before the last write finished).
    """

    def __init__(
        self,
        hass: HomeAssistant,
        delay: float,
        write: Callable[[], None],
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        """Write with ``write``; while stopping with ``on_stop`` (default: ``write``)."""
        self._hass = hass
        self._delay = delay
        self._write = write
        self._stop_write = on_stop or write
        self._timer: asyncio.TimerHandle | None = None
        self._unsub_stop: CALLBACK_TYPE | None = None

    @callback
    def start(self) -> None:
        """Write when Home Assistant stops."""
        self._unsub_stop = self._hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._on_stop)

    @callback
    def request(self, *, urgent: bool = False) -> None:
        """Write soon: now when ``urgent``, otherwise within ``delay`` seconds."""
        if urgent:
            self._cancel_timer()
            self._write()
        elif self._timer is None:
            self._timer = self._hass.loop.call_later(self._delay, self._fire)

    @callback
    def stop(self) -> None:
        """Forget the pending write and the stop listener (the caller writes itself)."""
        self._cancel_timer()
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None

    @callback
    def _fire(self) -> None:
        self._timer = None
        self._write()

    @callback
    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @callback
    def _on_stop(self, _event: Event) -> None:
        # While stopping, Store defers these writes to its final-write listener.
        self._unsub_stop = None
        self._cancel_timer()
        self._stop_write()


class CoalescedStore:
    """A Store written at most once per ``delay`` seconds, or at once when urgent.

    See :class:`SaveSchedule`; it also flushes when the unit unloads.
    """

    def __init__(self, hass: HomeAssistant, key: str, data_func: DataFunc, *, delay: float) -> None:
        """Create the store ``<DOMAIN>.<key>`` (private, atomic writes)."""
        self._hass = hass
        self._store = domain_store(hass, key, private=True, atomic_writes=True)
        self._data_func = data_func
        self._schedule = SaveSchedule(hass, delay, self._write)

    async def async_load(self) -> dict[str, Any]:
        """Load the stored data ({} when nothing was stored) and start flushing on stop."""
        self._schedule.start()
        return await self._store.async_load() or {}

    async def async_load_state(self) -> LoadedState:
        """Load and shape-check a supervision state (see :func:`validate_state`).

        A file that exists but loads as nothing was corrupt JSON (Home Assistant
        renamed it aside and raised its own repair issue): all is lost.
        """
        existed = await self._hass.async_add_executor_job(os.path.exists, self._store.path)
        self._schedule.start()
        data = await self._store.async_load()
        if data is None and existed:
            return LoadedState(all_lost=True, error="corrupt file (renamed aside)")
        return validate_state(data)

    @property
    def backup_path(self) -> str:
        """Return the path of the ``.unreadable`` backup next to this store."""
        return f"{self._store.path}.unreadable"

    @callback
    def schedule_save(self, *, urgent: bool = False) -> None:
        """Save soon: now when ``urgent``, otherwise within ``delay`` seconds."""
        self._schedule.request(urgent=urgent)

    @callback
    def _write(self) -> None:
        self._store.async_delay_save(self._data_func)

    async def async_backup(self, data: object) -> None:
        """Keep unreadable data in a ``.unreadable`` store next to this one."""
        await async_backup(self._hass, self._store.key.removeprefix(f"{DOMAIN}."), data)

    async def async_flush(self) -> None:
        """Write now and stop listening (the unit unloads)."""
        self._schedule.stop()
        await self._store.async_save(self._data_func())
