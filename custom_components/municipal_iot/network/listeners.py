"""The entities of each device, refreshed directly after the device changed.

A dispatcher signal per device did the same through HA's job machinery: about 1 µs
per entity and uplink. The hub calls the entities' refresh callbacks itself, all with
one context per change (the logbook and automations see one event), and like the
dispatcher it logs a failing callback and goes on with the others.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from homeassistant.core import CALLBACK_TYPE, Context

from ..const import LOGGER

type Refresh = Callable[[Context], None]


class DeviceListeners:
    """Refresh callbacks by device EUI, each under a key (an entity, for entities)."""

    def __init__(self) -> None:
        """Start with no listeners."""
        self._by_device: dict[str, dict[object, Refresh]] = {}

    def add(self, dev_eui: str, refresh: Refresh) -> CALLBACK_TYPE:
        """Call ``refresh`` after each change of the device until the returned callback."""
        key = object()
        self.join(dev_eui, key, refresh)
        return partial(self.leave, dev_eui, key)

    def join(self, dev_eui: str, key: object, refresh: Refresh) -> None:
        """Call ``refresh`` after each change of the device until :meth:`leave` with ``key``.

        Unlike :meth:`add` this builds no remover per call: at start-up tens of
        thousands of entities join, and each closure (with its cells) is kept for
        the entity's life and walked by the garbage collector.
        """
        if (listeners := self._by_device.get(dev_eui)) is None:
            listeners = self._by_device[dev_eui] = {}
        listeners[key] = refresh

    def leave(self, dev_eui: str, key: object) -> None:
        """Stop calling the callback that joined under ``key`` (nothing if none did)."""
        if (listeners := self._by_device.get(dev_eui)) is not None:
            listeners.pop(key, None)
            if not listeners:
                del self._by_device[dev_eui]

    def notify(self, dev_eui: str) -> None:
        """Refresh the device's entities, with one new context."""
        if not (listeners := self._by_device.get(dev_eui)):
            return
        context = Context()
        for refresh in tuple(listeners.values()):  # a refresh may remove an entity
            try:
                refresh(context)
            except Exception:  # noqa: BLE001 - one broken entity must not stop the rest
                LOGGER.exception("Error refreshing an entity of LoRaWAN device %s", dev_eui)
