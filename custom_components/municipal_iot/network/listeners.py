"""The entities of each device, refreshed directly after the device changed.

A dispatcher signal per device did the same through HA's job machinery: about 1 µs
per entity and uplink. The hub calls the entities itself, all with one context per
change (the logbook and automations see one event), and like the dispatcher it logs
a failing entity and goes on with the others.

The listeners are the entities themselves, not callbacks: a bound method or a
remover closure per entity would be one more object that lives as long as the
entity, and at start-up tens of thousands of entities join (the garbage collector
walks every one of them).
"""

from __future__ import annotations

from typing import Protocol

from homeassistant.core import Context

from ..const import LOGGER


class DeviceListener(Protocol):
    """What the hub calls after a change of the listener's device."""

    def device_changed(self, context: Context) -> None:
        """Show the device's change, caused by ``context``."""


class DeviceListeners:
    """The listeners of each device, by device EUI, in the order they joined."""

    def __init__(self) -> None:
        """Start with no listeners."""
        self._by_device: dict[str, dict[DeviceListener, None]] = {}

    def join(self, dev_eui: str, listener: DeviceListener) -> None:
        """Call ``listener`` after each change of the device until :meth:`leave`."""
        if (listeners := self._by_device.get(dev_eui)) is None:
            listeners = self._by_device[dev_eui] = {}
        listeners[listener] = None

    def leave(self, dev_eui: str, listener: DeviceListener) -> None:
        """Stop calling ``listener`` (nothing if it did not join)."""
        if (listeners := self._by_device.get(dev_eui)) is not None:
            listeners.pop(listener, None)
            if not listeners:
                del self._by_device[dev_eui]

    def notify(self, dev_eui: str) -> None:
        """Refresh the device's listeners, with one new context."""
        if not (listeners := self._by_device.get(dev_eui)):
            return
        context = Context()
        for listener in tuple(listeners):  # a refresh may remove an entity
            try:
                listener.device_changed(context)
            except Exception:  # noqa: BLE001 - one broken entity must not stop the rest
                LOGGER.exception("Error refreshing an entity of LoRaWAN device %s", dev_eui)
