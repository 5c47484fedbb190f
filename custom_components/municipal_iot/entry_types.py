"""The config entry kinds of this integration and their typed aliases."""

from __future__ import annotations

from typing import cast

from .care_unit import CareUnitConfigEntry
from .const import CONF_ENTRY_TYPE, ENTRY_CARE_UNIT, ENTRY_METER_REPORT, ENTRY_NETWORK_SERVER
from .coordinator import LoRaWANConfigEntry
from .meter_entry import MeterReportConfigEntry

# Any entry of this integration; `entry.data["entry_type"]` tells which kind it is.
type MunicipalIoTConfigEntry = LoRaWANConfigEntry | CareUnitConfigEntry | MeterReportConfigEntry


def entry_kind(entry: MunicipalIoTConfigEntry) -> str:
    """Return the kind of an entry (entries made before kinds existed are network servers)."""
    return str(entry.data.get(CONF_ENTRY_TYPE, ENTRY_NETWORK_SERVER))


def as_care_unit(entry: MunicipalIoTConfigEntry) -> CareUnitConfigEntry:
    """Narrow a care-unit entry (checked by kind)."""
    assert entry_kind(entry) == ENTRY_CARE_UNIT  # noqa: S101 - callers dispatch on the kind
    return cast("CareUnitConfigEntry", entry)


def as_meter_report(entry: MunicipalIoTConfigEntry) -> MeterReportConfigEntry:
    """Narrow a meter-report entry (checked by kind)."""
    assert entry_kind(entry) == ENTRY_METER_REPORT  # noqa: S101 - callers dispatch on the kind
    return cast("MeterReportConfigEntry", entry)


def as_network_server(entry: MunicipalIoTConfigEntry) -> LoRaWANConfigEntry:
    """Narrow a network-server entry (checked by kind)."""
    assert entry_kind(entry) == ENTRY_NETWORK_SERVER  # noqa: S101 - callers dispatch on the kind
    return cast("LoRaWANConfigEntry", entry)
