"""Storage shared by the wings: one storage version, validated loads, one way to load once.

Every store of the integration is loaded through :func:`async_load_validated` with a
:class:`StoreSchema`: the file's top level must have the schema's shape, and each item
of its collections is checked with the item schema (``probatio``, the voluptuous that
Home Assistant uses). An invalid item is dropped with a warning naming it and the rest
is kept; a wrong top-level shape (or a file Home Assistant cannot read at all) gives a
repair issue and a backup copy of the file, and the store starts empty. Nothing is ever
reset silently.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import probatio as vol
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER

STORAGE_VERSION: Final = 1
type Validator = Callable[[Any], Any]  # a probatio schema or a validator function
STORE_ISSUE: Final = "store_unreadable"  # the repair issue's translation key
BACKUP_SUFFIX: Final = ".invalid"


def domain_store(hass: HomeAssistant, key: str, **kwargs: Any) -> Store[dict[str, Any]]:
    """Return the store ``<DOMAIN>.<key>`` (kwargs go to ``Store``)."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{key}", **kwargs)


@dataclass(frozen=True, kw_only=True)
class StoreSchema:
    """The shape of one store's data, for :data:`STORAGE_VERSION`.

    ``lists`` and ``maps`` name the top-level collections (a JSON array, or an object
    keyed by id) with the schema of one item; ``map_lists`` names objects keyed by id
    whose values are arrays, with the schema of one array element; ``values`` names
    other top-level keys with their schema. Missing collections are empty; unknown
    top-level keys are kept.
    """

    lists: Mapping[str, Validator] = field(default_factory=dict)
    maps: Mapping[str, Validator] = field(default_factory=dict)
    map_lists: Mapping[str, Validator] = field(default_factory=dict)
    values: Mapping[str, Validator] = field(default_factory=dict)


def iso_datetime(value: object) -> str:
    """Validate an ISO 8601 time with its offset (kept as the string)."""
    try:
        parsed = dt_util.parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise vol.Invalid(f"not a time with an offset: {str(value)[:40]!r}")
    return str(value)


class ShapeError(Exception):
    """The stored data does not have the schema's top-level shape."""


def validate_items(
    name: str, data: object, schema: StoreSchema
) -> tuple[dict[str, Any], list[str]]:
    """Return the valid part of ``data`` and a line per dropped item (pure, no I/O).

    Raises :class:`ShapeError` when the top level has the wrong shape.
    """
    if not isinstance(data, dict):
        raise ShapeError(f"the stored data is {type(data).__name__}, not an object")
    valid: dict[str, Any] = dict(data)
    dropped: list[str] = []
    for key, item_schema in schema.lists.items():
        section = _section(name, data, key, list, dropped)
        valid[key] = _valid_list(f"{name} {key}", section, item_schema, dropped)
    for key, item_schema in schema.maps.items():
        valid[key] = _valid_map(
            f"{name} {key}", _section(name, data, key, dict, dropped), item_schema, dropped
        )
    for key, item_schema in schema.map_lists.items():
        lists: dict[str, Any] = {}
        for item_id, items in _section(name, data, key, dict, dropped).items():
            where = f"{name} {key}[{item_id!r}]"
            if isinstance(items, list):
                lists[item_id] = _valid_list(where, items, item_schema, dropped)
            else:
                dropped.append(f"{where}: {type(items).__name__}, not a list")
        valid[key] = lists
    for key, value_schema in schema.values.items():
        if key in data:
            try:
                valid[key] = value_schema(data[key])
            except vol.Invalid as err:
                dropped.append(f"{name} {key}: {err}")
                del valid[key]
    return valid, dropped


def _section[C: (list[Any], dict[str, Any])](
    name: str, data: dict[str, Any], key: str, kind: type[C], dropped: list[str]
) -> C:
    """Return a top-level collection (empty when missing).

    A section of the wrong type (a water journal's ``alarms: []``) is dropped as one
    item, with its line: the other sections are kept.
    """
    section = data.get(key, kind())
    if not isinstance(section, kind):
        expected = "a list" if kind is list else "an object"
        dropped.append(f'{name} "{key}": {type(section).__name__}, not {expected}; started empty')
        return kind()
    return section


def _valid_list(where: str, items: list[Any], schema: Validator, dropped: list[str]) -> list[Any]:
    kept = []
    for index, item in enumerate(items):
        try:
            kept.append(schema(item))
        except vol.Invalid as err:
            dropped.append(f"{where}[{index}] {_item_name(item)}: {err}")
    return kept


def _valid_map(
    where: str, items: dict[str, Any], schema: Validator, dropped: list[str]
) -> dict[str, Any]:
    kept = {}
    for item_id, item in items.items():
        try:
            kept[item_id] = schema(item)
        except vol.Invalid as err:
            dropped.append(f"{where}[{item_id!r}]: {err}")
    return kept


def _item_name(item: object) -> str:
    """Name a list item by its id where it has one."""
    if isinstance(item, dict):
        for key in ("dev_eui", "id", "key"):
            if isinstance(item.get(key), str):
                return f"({key} {item[key][:40]!r})"
    return f"({type(item).__name__})"


async def async_load_validated(
    hass: HomeAssistant, store: Store[dict[str, Any]], schema: StoreSchema
) -> dict[str, Any]:
    """Load ``store`` and validate it; ``{}`` when nothing was stored (see the module doc).

    A file Home Assistant renames aside as corrupt JSON is reported by Home Assistant
    itself (its own repair issue and ``.corrupt`` copy).
    """
    name = store.key
    try:
        data = await store.async_load()
    except (HomeAssistantError, KeyError, TypeError, ValueError, OSError) as err:
        # Unreadable for Store itself: a top-level list, no "data" key, a newer version.
        await _async_unreadable(hass, store, f"{type(err).__name__}: {err}")
        return {}
    if data is None:
        return {}
    try:
        valid, dropped = validate_items(name, data, schema)
    except ShapeError as err:
        await _async_unreadable(hass, store, str(err))
        return {}
    if dropped:
        backup = await _async_backup(hass, store)
        for line in dropped:
            LOGGER.warning(
                "Dropped an invalid item from storage: %s (the file as it was is kept as %s)",
                line,
                backup,
            )
    return valid


def store_issue_id(key: str) -> str:
    """Return the repair issue id of an unreadable store."""
    return f"{STORE_ISSUE}_{key}"


async def _async_backup(hass: HomeAssistant, store: Store[dict[str, Any]]) -> str:
    """Copy the store's file next to it (``<file>.invalid.<time>``); return the copy's path."""
    stamp = dt_util.utcnow().strftime("%Y%m%dT%H%M%S")
    target = f"{store.path}{BACKUP_SUFFIX}.{stamp}"

    def copy() -> None:
        if Path(store.path).exists():
            shutil.copy2(store.path, target)

    await hass.async_add_executor_job(copy)
    return target


async def _async_unreadable(hass: HomeAssistant, store: Store[dict[str, Any]], error: str) -> None:
    """Keep a copy of an unreadable store, log it and open a repair issue."""
    backup = await _async_backup(hass, store)
    LOGGER.error(
        "Storage %s cannot be read (%s); it starts empty and the file as it was is kept as %s",
        store.key,
        error,
        backup,
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        store_issue_id(store.key),
        is_fixable=True,  # confirmed away by the admin (ConfirmRepairFlow), never by us
        is_persistent=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key=STORE_ISSUE,
        translation_placeholders={"store": store.key, "error": error[:200], "backup": backup},
    )


async def async_load_once[T](
    hass: HomeAssistant,
    key: HassKey[asyncio.Task[T]],
    load: Callable[[HomeAssistant], Coroutine[Any, Any, T]],
) -> T:
    """Return the object kept under ``key``, loading it once (concurrent callers share the load).

    A load that failed is forgotten, so the next caller (a reload) tries again.
    """
    if (task := hass.data.get(key)) is None:
        task = hass.data[key] = hass.async_create_task(load(hass), f"{DOMAIN} load {key}")
    try:
        return await task
    except Exception:
        if hass.data.get(key) is task:
            del hass.data[key]
        raise


def loaded[T](hass: HomeAssistant, key: HassKey[asyncio.Task[T]]) -> T | None:
    """Return the object kept under ``key`` if it has finished loading."""
    task = hass.data.get(key)
    if task is None or not task.done() or task.cancelled() or task.exception() is not None:
        return None
    return task.result()
