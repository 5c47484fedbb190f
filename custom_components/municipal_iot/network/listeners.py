"""The entities of each device, refreshed directly after the device changed.

A dispatcher signal per device did the same through HA's job machinery: about 1 µs
per entity and uplink. The hub calls the entities' refresh callbacks itself, all with
one context per change (the logbook and automations see one event), and like the
dispatcher it logs a failing callback and goes on with the others.
"""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import CALLBACK_TYPE, Context

from ..const import LOGGER

type Refresh = Callable[[Context], None]


class DeviceListeners:
    """Refresh callbacks by device EUI."""

    def __init__(self) -> None:
        """Start with no listeners."""
        self._by_device: dict[str, list[Refresh]] = {}

    def add(self, dev_eui: str, refresh: Refresh) -> CALLBACK_TYPE:
        """Call ``refresh`` after each change of the device until the returned callback."""
        listeners = self._by_device.setdefault(dev_eui, [])
        listeners.append(refresh)

        def remove() -> None:
            listeners.remove(refresh)
            if not listeners and self._by_device.get(dev_eui) is listeners:
                del self._by_device[dev_eui]

        return remove

    def notify(self, dev_eui: str) -> None:
        """Refresh the device's entities, with one new context."""
        if not (listeners := self._by_device.get(dev_eui)):
            return
        context = Context()
        for refresh in tuple(listeners):  # a refresh may remove an entity
            try:
                refresh(context)
            except Exception:  # noqa: BLE001 - one broken entity must not stop the rest
                LOGGER.exception("Error refreshing an entity of LoRaWAN device %s", dev_eui)
