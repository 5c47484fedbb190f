"""Diagnostics of a meter report entry (no secrets in it)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .entry import MeterReportConfigEntry
from .journal import async_get_journal
from .statistics import get_meter_statistics


async def async_entry_diagnostics(
    hass: HomeAssistant, entry: MeterReportConfigEntry
) -> dict[str, Any]:
    """Return each meter's leak rules and inputs, the last report run, the importer's counters."""
    journal = await async_get_journal(hass)
    importer = get_meter_statistics(hass)
    last_end = journal.last_report_end(entry.entry_id)
    return {
        "meters": [
            {
                "entity_id": meter.source.entity_id,
                "statistic_id": meter.statistic_id,
                "area": meter.source.area,
                "device_id": meter.source.device_id,
                "rules": sorted(meter.rules),
                "hours_loaded": len(meter.sums),
                "active": []
                if meter.status is None
                else [name for name, result in meter.status.rules.items() if result.active],
                "replacements": journal.replacement_records(meter.source.key),
            }
            for meter in entry.runtime_data.monitor.meters.values()
        ],
        "last_report_end": None if last_end is None else last_end.isoformat(),
        "statistics": None
        if importer is None
        else {
            "imported_rows": importer.imported_rows,
            # Uplinks whose meter clock was refused, per meter (DevEUI).
            "clock_rejections": dict(sorted(importer.clock_rejections.counts.items())),
        },
    }
