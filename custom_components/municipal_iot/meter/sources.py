"""Which entities are water meters, and what reports and leak rules need to know of them.

Any sensor with device class ``water`` and state class ``total`` or
``total_increasing`` qualifies: our LoRaWAN meters, wmbusmeters meters over MQTT,
or any other integration. The state is checked when it exists, otherwise the
entity registry (at startup, other integrations' states may not be written yet).

Our own LoRaWAN meters (volume sensors with unique id ``<dev_eui>_volume``) also
have the external statistic ``municipal_iot:water_<dev_eui>`` built from the
meter's own hourly history; reports and leak rules prefer it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT, UnitOfVolume
from homeassistant.core import HomeAssistant, split_entity_id
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util.unit_conversion import VolumeConverter

from ..const import DOMAIN, EXTERNAL_STATISTIC_PREFIX
from .const import VOLUME_UNIQUE_ID_SUFFIX

ATTR_STATE_CLASS = "state_class"
METER_STATE_CLASSES = frozenset({SensorStateClass.TOTAL, SensorStateClass.TOTAL_INCREASING})


@dataclass(frozen=True, slots=True)
class MeterSource:
    """A water meter entity and what it belongs to."""

    entity_id: str
    name: str
    area: str | None = None
    device_id: str | None = None
    dev_eui: str | None = None  # set for our own LoRaWAN meters
    unit: str | None = UnitOfVolume.CUBIC_METERS

    @property
    def external_statistic_id(self) -> str | None:
        """Return the external statistic id of our own meters."""
        return None if self.dev_eui is None else f"{EXTERNAL_STATISTIC_PREFIX}{self.dev_eui}"

    @property
    def key(self) -> str:
        """Return the stable key of the meter in the journal."""
        return self.external_statistic_id or self.entity_id

    @property
    def m3_factor(self) -> float:
        """Return the factor turning the entity's unit into m³."""
        return to_m3_factor(self.unit)


def to_m3_factor(unit: str | None) -> float:
    """Return the factor turning a volume unit into m³ (1 when unknown)."""
    if unit in VolumeConverter.VALID_UNITS:
        return VolumeConverter.convert(1.0, unit, UnitOfVolume.CUBIC_METERS)
    return 1.0


def external_statistic_id(dev_eui: str) -> str:
    """Return the external statistic id of one of our meters."""
    return f"{EXTERNAL_STATISTIC_PREFIX}{dev_eui}"


def water_meter_problem(hass: HomeAssistant, entity_id: str) -> str | None:
    """Return why an entity is not a usable water meter (a translation key), or None."""
    if split_entity_id(entity_id)[0] != "sensor":
        return "not_a_water_meter"
    if (state := hass.states.get(entity_id)) is not None:
        device_class = state.attributes.get(ATTR_DEVICE_CLASS)
        state_class = state.attributes.get(ATTR_STATE_CLASS)
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    elif (entry := er.async_get(hass).async_get(entity_id)) is not None:
        device_class = entry.device_class or entry.original_device_class
        state_class = (entry.capabilities or {}).get(ATTR_STATE_CLASS)
        unit = entry.unit_of_measurement
    else:
        return "unknown_entity"
    if device_class != SensorDeviceClass.WATER or state_class not in METER_STATE_CLASSES:
        return "not_a_water_meter"
    if unit is not None and unit not in VolumeConverter.VALID_UNITS:
        return "not_a_water_meter"
    return None


def meter_source(hass: HomeAssistant, entity_id: str) -> MeterSource:
    """Describe one meter entity."""
    ent_reg = er.async_get(hass)
    dev_reg = dr.async_get(hass)
    entry = ent_reg.async_get(entity_id)
    state = hass.states.get(entity_id)
    device = dev_reg.async_get(entry.device_id) if entry and entry.device_id else None
    area_id = (entry.area_id if entry else None) or (device.area_id if device else None)
    area = ar.async_get(hass).async_get_area(area_id) if area_id else None
    dev_eui = None
    if (
        entry is not None
        and entry.platform == DOMAIN
        and entry.unique_id.endswith(VOLUME_UNIQUE_ID_SUFFIX)
    ):
        dev_eui = entry.unique_id.removesuffix(VOLUME_UNIQUE_ID_SUFFIX)
    if state is not None:
        name = state.name
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    else:
        name = _registry_name(entry, device) or entity_id
        unit = entry.unit_of_measurement if entry else None
    return MeterSource(
        entity_id=entity_id,
        name=name,
        area=area.name if area else None,
        device_id=device.id if device else None,
        dev_eui=dev_eui,
        unit=unit,
    )


def _registry_name(entry: er.RegistryEntry | None, device: dr.AnyDeviceEntry | None) -> str | None:
    if entry is None:
        return None
    own = entry.name or entry.original_name
    device_name = (device.name_by_user or device.name) if device else None
    if entry.has_entity_name and device_name:
        return f"{device_name} {own}" if own else device_name
    return own


def resolve_meter_ids(
    hass: HomeAssistant,
    entities: Iterable[str],
    areas: Iterable[str] = (),
    labels: Iterable[str] = (),
) -> list[str]:
    """Return the meters chosen explicitly, then those found in the areas and labels."""
    chosen = list(dict.fromkeys(entities))
    area_ids, label_ids = set(areas), set(labels)
    if area_ids or label_ids:
        dev_reg = dr.async_get(hass)
        found: list[str] = []
        for entry in er.async_get(hass).entities.values():
            if entry.domain != "sensor" or entry.disabled_by is not None:
                continue
            device = dev_reg.async_get(entry.device_id) if entry.device_id else None
            area_id = entry.area_id or (device.area_id if device else None)
            entry_labels = entry.labels | (device.labels if device else set())
            if area_id in area_ids or entry_labels & label_ids:
                found.append(entry.entity_id)
        chosen.extend(
            entity_id
            for entity_id in sorted(found)
            if entity_id not in chosen and water_meter_problem(hass, entity_id) is None
        )
    return chosen


def resolve_meters(
    hass: HomeAssistant,
    entities: Iterable[str],
    areas: Iterable[str] = (),
    labels: Iterable[str] = (),
) -> list[MeterSource]:
    """Return the meter sources for a selection."""
    return [
        meter_source(hass, entity_id)
        for entity_id in resolve_meter_ids(hass, entities, areas, labels)
    ]
