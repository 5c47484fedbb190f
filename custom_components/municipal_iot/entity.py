"""The base of every entity of this integration: pushed to, never polled.

Each wing's owner (the LoRaWAN hub, a care unit, a leak monitor) sends a
dispatcher signal when something changed; the entity then writes its state only
when what it shows (``_shown()`` and availability) changed, unless its
description asks it to write on every update (a heartbeat such as "last seen").
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass

from homeassistant.core import Context, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.util.signal_type import SignalType

_NOTHING_WRITTEN = object()


@dataclass(frozen=True, kw_only=True)
class PushEntityDescription(EntityDescription):
    """What every description of ours can say besides Home Assistant's fields."""

    always_write: bool = False  # write on every update, even when nothing changed


class PushEntity(Entity):
    """An entity refreshed by a dispatcher signal of its owner."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: PushEntityDescription
    _written: object = _NOTHING_WRITTEN

    @abstractmethod
    def _shown(self) -> object:
        """Return what the entity shows (state and attributes); a change is written."""

    def _listen(self, signal: SignalType[Context | None]) -> None:
        """Refresh on ``signal`` until the entity is removed (call in async_added_to_hass)."""
        self.async_on_remove(async_dispatcher_connect(self.hass, signal, self._refresh))

    async def async_added_to_hass(self) -> None:
        """Remember what Home Assistant writes when the entity is added."""
        await super().async_added_to_hass()
        self._remember_written()

    def _remember_written(self) -> None:
        """Take what is shown now as written (again after restoring a last state)."""
        self._written = (self._shown(), self.available)

    def _always_write(self) -> bool:
        """Return True to write even when nothing shown changed (a heartbeat state)."""
        return self.entity_description.always_write

    @callback
    def _refresh(self, context: Context | None = None) -> None:
        shown = (self._shown(), self.available)
        if shown != self._written or self._always_write():
            self._write(shown, context)

    def _write(self, shown: tuple[object, bool], context: Context | None) -> None:
        """Write the state, in ``context`` (the change that caused it) when given."""
        self._written = shown
        if context is not None:
            self.async_set_context(context)
        self.async_write_ha_state()
