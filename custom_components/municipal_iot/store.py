"""Storage shared by the wings: one storage version, one way to load a shared object once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

STORAGE_VERSION: Final = 1


def domain_store(hass: HomeAssistant, key: str, **kwargs: Any) -> Store[dict[str, Any]]:
    """Return the store ``<DOMAIN>.<key>`` (kwargs go to ``Store``)."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{key}", **kwargs)


async def async_load_once[T](
    hass: HomeAssistant,
    key: HassKey[asyncio.Task[T]],
    load: Callable[[HomeAssistant], Coroutine[Any, Any, T]],
) -> T:
    """Return the object kept under ``key``, loading it once (concurrent callers share the load)."""
    if (task := hass.data.get(key)) is None:
        task = hass.data[key] = hass.async_create_task(load(hass), f"{DOMAIN} load {key}")
    return await task


def loaded[T](hass: HomeAssistant, key: HassKey[asyncio.Task[T]]) -> T | None:
    """Return the object kept under ``key`` if it has finished loading."""
    task = hass.data.get(key)
    return task.result() if task is not None and task.done() else None
