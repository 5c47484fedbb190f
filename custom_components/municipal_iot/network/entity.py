"""Base entity of the network wing: one measurement of one LoRaWAN device."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..const import DOMAIN
from ..entity import PushEntity, PushEntityDescription
from .device import DeviceData
from .hub import LoRaWANConfigEntry, LoRaWANHub


@dataclass(frozen=True, kw_only=True)
class LoRaWANEntityDescription(PushEntityDescription):
    """Which device value an entity shows, and when the device gets the entity."""

    value_key: str | None = None  # the key in DeviceData.values (default: the description key)
    # Whether a device that reported these value keys has the entity (default:
    # once it reported the entity's own value).
    exists_fn: Callable[[set[str]], bool] | None = None

    @property
    def source(self) -> str:
        """Return the device value the entity shows."""
        return self.value_key or self.key

    def exists(self, keys: set[str]) -> bool:
        """Return True when a device that reported ``keys`` has this entity."""
        return self.exists_fn(keys) if self.exists_fn is not None else self.source in keys


def unique_id(dev_eui: str, key: str) -> str:
    """Return the unique id of a device's entity."""
    return f"{dev_eui}_{key}"


def register_device(
    hass: HomeAssistant, entry: LoRaWANConfigEntry, device: DeviceData
) -> dr.DeviceEntry:
    """Create or update the device in the registry (once per device, not once per entity).

    A device that is registered as it is now is only looked up: at start-up each
    platform asks for every device, and the full create-or-update is ten times dearer.
    """
    registry = dr.async_get(hass)
    shown: dict[str, Any] = {
        "manufacturer": device.manufacturer,
        "model": device.model,  # the vendor's model name
        "model_id": None,  # not our decoder's id (older versions showed it as "(elsys_ers)")
        "name": device.name,
        "serial_number": device.dev_eui.upper(),
    }
    known = registry.async_get_device_by_identifier((DOMAIN, device.dev_eui), entry.entry_id)
    if known is not None and all(getattr(known, key) == value for key, value in shown.items()):
        return known
    return registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, device.dev_eui)}, **shown
    )


class LoRaWANEntity(PushEntity):
    """An entity fed by the uplinks of one LoRaWAN device."""

    entity_description: LoRaWANEntityDescription
    added_context: Context  # shared by the entities added together (set by the platform)

    def __init__(
        self,
        hub: LoRaWANHub,
        device: DeviceData,
        description: LoRaWANEntityDescription,
        device_entry: dr.DeviceEntry,
    ) -> None:
        """Bind the entity to its device (registered already, see :func:`register_device`)."""
        self.hub = hub
        self.device = device
        self.entity_description = description
        self.device_entry = device_entry
        self._value_key = description.source
        self._attr_unique_id = unique_id(device.dev_eui, description.key)

    @property
    def available(self) -> bool:
        """Unavailable when the device missed its expected uplinks."""
        return self.device.available

    @callback
    def device_changed(self, context: Context) -> None:
        """Write a change; a heartbeat state for every live uplink, never for stored or late ones.

        The base class's refresh with fewer calls: it runs for every entity of every uplink.
        """
        device = self.device
        shown = (self._shown(), device.available)
        if shown != self._written or (
            self.entity_description.always_write and not device.replaying
        ):
            self._write(shown, context)

    async def async_added_to_hass(self) -> None:
        """Listen to the device's changes; the first state shares the context of its batch."""
        await super().async_added_to_hass()
        # The entity itself listens and leaves in async_will_remove_from_hass: no bound
        # method or remover per entity (each lives as long as the entity; start-up cost).
        self.hub.listeners.join(self.device.dev_eui, self)
        # HA writes the state once added; without a context each write makes its own,
        # one object more per entity.
        self.async_set_context(self.added_context)

    async def async_will_remove_from_hass(self) -> None:
        """Stop listening to the device."""
        self.hub.listeners.leave(self.device.dev_eui, self)
        await super().async_will_remove_from_hass()


type PlatformSetup = Callable[
    [HomeAssistant, LoRaWANConfigEntry, AddConfigEntryEntitiesCallback], Awaitable[None]
]


def device_platform[D: LoRaWANEntityDescription](
    domain: Platform,
    descriptions: Sequence[D],
    entity: Callable[[LoRaWANHub, DeviceData, D, dr.DeviceEntry], LoRaWANEntity],
) -> PlatformSetup:
    """Return a platform's set-up: entities for known devices, and as devices report new values.

    Start-up cost grows with thousands of devices, so the device is registered once
    (not once per entity), all known devices' entities are added in one call, and an
    entity the user left disabled is not built at all (HA reloads the entry when one
    is enabled).
    """

    async def async_setup(
        hass: HomeAssistant,
        entry: LoRaWANConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        hub = entry.runtime_data
        registry = er.async_get(hass)

        def disabled(dev_eui: str, key: str) -> bool:
            entity_id = registry.async_get_entity_id(domain, DOMAIN, unique_id(dev_eui, key))
            return entity_id is not None and registry.entities[entity_id].disabled_by is not None

        def build(device: DeviceData, keys: set[str], context: Context) -> list[LoRaWANEntity]:
            wanted = [
                description
                for description in descriptions
                if description.exists(keys) and not disabled(device.dev_eui, description.key)
            ]
            if not wanted:
                return []
            device_entry = register_device(hass, entry, device)
            entities = [entity(hub, device, description, device_entry) for description in wanted]
            for item in entities:
                item.added_context = context
            return entities

        @callback
        def add(device: DeviceData, keys: set[str]) -> None:
            if new := build(device, keys, Context()):
                async_add_entities(new)

        context = Context()
        async_add_entities(
            [item for dev in hub.devices.values() for item in build(dev, dev.keys, context)]
        )
        entry.async_on_unload(async_dispatcher_connect(hass, hub.new_keys_signal, add))

    return async_setup
