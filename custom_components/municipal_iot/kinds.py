"""The table of entry kinds: what each kind of config entry brings, looked up by every hook.

This integration has three kinds of config entry, one per wing: a LoRaWAN
network-server connection (``network/``), a care unit (``care/``) and a meter
report (``meter/``). Every Home Assistant hook at the package root looks the
entry's kind up here and calls what its row names; a new kind is one new row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntry, ConfigSubentryFlow, OptionsFlow
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import care, meter, network
from .care import diagnostics as care_diagnostics
from .care import logbook as care_logbook
from .care import triggers as care_triggers
from .care.apartment_flow import ApartmentSubentryFlow
from .care.const import SUBENTRY_APARTMENT
from .care.flow import CareUnitOptionsFlow
from .const import (
    CONF_ENTRY_TYPE,
    ENTRY_CARE_UNIT,
    ENTRY_METER_REPORT,
    ENTRY_NETWORK_SERVER,
    EventTrigger,
    LogbookDescriber,
)
from .meter import diagnostics as meter_diagnostics
from .meter import logbook as meter_logbook
from .meter.flow import MeterReportOptionsFlow
from .network import diagnostics as network_diagnostics
from .network import downlink_actions as network_downlinks
from .network import triggers as network_triggers
from .network.flow import LoRaWANOptionsFlow
from .network.repairs import UNKNOWN_DEVICE_ISSUE, unknown_device_fix_flow

# Any entry of this integration; its kind's row tells what its runtime data is.
type MunicipalIoTConfigEntry = ConfigEntry[Any]

type PlatformSetup[E] = Callable[
    [HomeAssistant, E, AddConfigEntryEntitiesCallback], Awaitable[None]
]
type Diagnostics[E] = Callable[[HomeAssistant, E], Awaitable[dict[str, Any]]]
type DeviceDiagnostics[E] = Callable[[HomeAssistant, E, dr.DeviceEntry], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, kw_only=True)
class EntryKind[E: ConfigEntry[Any]]:
    """What one kind of config entry brings to each Home Assistant hook."""

    # Set-up, unloading and deletion of an entry, and its entity platforms.
    platforms: Mapping[Platform, PlatformSetup[E]]
    setup: Callable[[HomeAssistant, E], Awaitable[None]]
    unload: Callable[[HomeAssistant, E], Awaitable[bool]]
    remove: Callable[[HomeAssistant, E], Awaitable[None]] | None = None
    # Run once when the integration loads (actions, shared listeners).
    setup_integration: Callable[[HomeAssistant], Awaitable[None]] | None = None
    # Diagnostics of a loaded entry and of one of its devices, and the keys to redact.
    diagnostics: Diagnostics[E] | None = None
    device_diagnostics: DeviceDiagnostics[E] | None = None
    redact: frozenset[str] = frozenset()
    # Flows: the config-flow step that reconfigures an entry, options, subentries.
    reconfigure_step: str
    options_flow: type[OptionsFlow] | None = None
    subentry_flows: Mapping[str, type[ConfigSubentryFlow]] = field(default_factory=dict)
    # Whether (and how) a device may be removed from the UI; None: never.
    remove_device: Callable[[HomeAssistant, E, dr.DeviceEntry], bool] | None = None
    # Device triggers: all the kind has, and those one device offers.
    triggers: Mapping[str, EventTrigger] = field(default_factory=dict)
    device_triggers: Callable[[HomeAssistant, E, dr.DeviceEntry], Iterable[str]] | None = None
    # Logbook texts of the kind's events; the fix flows of its repair issues, by the
    # name in the issue's data (the flow gets the issue's data).
    describe_events: Callable[[HomeAssistant, LogbookDescriber], None] | None = None
    fix_flows: Mapping[str, Callable[[Mapping[str, Any]], RepairsFlow]] = field(
        default_factory=dict
    )


KINDS: dict[str, EntryKind[Any]] = {
    ENTRY_NETWORK_SERVER: EntryKind[network.LoRaWANConfigEntry](
        platforms=network.PLATFORMS,
        setup=network.async_setup_entry,
        unload=network.async_unload_entry,
        remove=network.async_remove_entry,
        setup_integration=network.async_setup,
        diagnostics=network_diagnostics.async_entry_diagnostics,
        device_diagnostics=network_diagnostics.async_device_diagnostics,
        redact=network_diagnostics.TO_REDACT,
        reconfigure_step="network_server_reconfigure",
        options_flow=LoRaWANOptionsFlow,
        remove_device=network.remove_device,
        triggers=network_triggers.TRIGGERS,
        device_triggers=network_triggers.device_triggers,
        fix_flows={UNKNOWN_DEVICE_ISSUE: unknown_device_fix_flow},
        describe_events=network_downlinks.async_describe_events,
    ),
    ENTRY_CARE_UNIT: EntryKind[care.CareUnitConfigEntry](
        platforms=care.PLATFORMS,
        setup=care.async_setup_entry,
        unload=care.async_unload_entry,
        remove=care.async_remove_entry,
        setup_integration=care.async_setup,
        diagnostics=care_diagnostics.async_entry_diagnostics,
        device_diagnostics=care_diagnostics.async_device_diagnostics,
        redact=care_diagnostics.TO_REDACT,
        reconfigure_step="care_reconfigure",
        options_flow=CareUnitOptionsFlow,
        subentry_flows={SUBENTRY_APARTMENT: ApartmentSubentryFlow},
        triggers=care_triggers.TRIGGERS,
        device_triggers=care_triggers.device_triggers,
        describe_events=care_logbook.async_describe_events,
    ),
    ENTRY_METER_REPORT: EntryKind[meter.MeterReportConfigEntry](
        platforms=meter.PLATFORMS,
        setup=meter.async_setup_entry,
        unload=meter.async_unload_entry,
        setup_integration=meter.async_setup,
        diagnostics=meter_diagnostics.async_entry_diagnostics,
        reconfigure_step="meter_report_meters",
        options_flow=MeterReportOptionsFlow,
        describe_events=meter_logbook.async_describe_events,
    ),
}


def kind_of(entry: ConfigEntry[Any]) -> EntryKind[Any]:
    """Return the kind of an entry (entries made before kinds existed are network servers)."""
    return KINDS[str(entry.data.get(CONF_ENTRY_TYPE, ENTRY_NETWORK_SERVER))]


def platform_setup(platform: Platform) -> PlatformSetup[MunicipalIoTConfigEntry]:
    """Return a platform's ``async_setup_entry``: the entry's wing adds the entities."""

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: MunicipalIoTConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        await kind_of(entry).platforms[platform](hass, entry, async_add_entities)

    return async_setup_entry
