"""Helpers for the water-meter Home Assistant tests (imported as a plain module)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_import_statistics,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.municipal_iot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_METER_REPORT
from custom_components.municipal_iot.decoders.base import Decoded
from custom_components.municipal_iot.network.device import DeviceData
from custom_components.municipal_iot.signals import DecodedUplink

# The meters of the meter report fixture: a third-party sensor without a device, and
# the volume sensor of our own Kamstrup meter "vm-12".
THIRD_PARTY = "sensor.flat_1"
OURS = "sensor.vm_12_volume"

# The Kamstrup vector kamstrup-oms-04 was read at 2023-08-29 12:00 by the meter's clock; it
# is posted as received a few minutes later (a meter clock days away is refused).
KAMSTRUP_04_RECEIVED = "2023-08-29T12:05:00+00:00"

WATER_ATTRS = {
    "device_class": "water",
    "state_class": "total_increasing",
    "unit_of_measurement": "m³",
}


def utc(text: str) -> datetime:
    """Parse an ISO time as UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


def set_water_sensor(hass: HomeAssistant, entity_id: str, value: float, **attrs: Any) -> None:
    """Write the state of a third-party water meter (as wmbusmeters over MQTT would)."""
    hass.states.async_set(
        entity_id, str(value), WATER_ATTRS | {"friendly_name": entity_id.split(".")[1]} | attrs
    )


async def import_entity_statistics(
    hass: HomeAssistant,
    entity_id: str,
    rows: Iterable[tuple[datetime, float, float]],
    unit: str = "m³",
) -> None:
    """Store hourly statistics (start, state, sum) for an entity, as HA's compiler does."""
    async_import_statistics(
        hass,
        StatisticMetaData(
            has_sum=True,
            mean_type=StatisticMeanType.NONE,
            name=None,
            source="recorder",
            statistic_id=entity_id,
            unit_class="volume",
            unit_of_measurement=unit,
        ),
        [StatisticData(start=start, state=state, sum=total) for start, state, total in rows],
    )
    await async_wait_recording_done(hass)


async def hourly_rows(
    hass: HomeAssistant, statistic_id: str, start: datetime
) -> list[dict[str, Any]]:
    """Return the hourly rows of a statistic since ``start``."""
    # The first import of a meter waits for the recorder's last row (a background task).
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        start,
        None,
        {statistic_id},
        "hour",
        None,
        {"state", "sum"},
    )
    return list(stats.get(statistic_id, []))


def report_entry(
    title: str = "Kv Eken", *, entry_id: str | None = None, **data: Any
) -> MockConfigEntry:
    """Build a meter report entry (not yet added)."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title=title,
        unique_id=f"meter_report_{title.lower().replace(' ', '_')}",
        data={
            CONF_ENTRY_TYPE: ENTRY_METER_REPORT,
            "meters": [],
            "areas": [],
            "labels": [],
            "frequency": "monthly",
            "day": "1",
            "weekday": "0",
            "time": "06:00:00",
            "recipients": [],
            "separator": "semicolon",
            "decimal_comma": True,
        }
        | data,
    )


def uplink_of(device: DeviceData, decoded: Decoded, *, late: bool = False) -> DecodedUplink:
    """Return what the hub sends for one decoded uplink of ``device``.

    The uplink is received when the meter clock says it was sent (a meter whose clock is
    right), whatever HA's clock says.
    """
    times = [reading.at for reading in decoded.history]
    if decoded.meter_time is not None:
        times.append(decoded.meter_time)
    received = max(times, default=None)
    return DecodedUplink(device.dev_eui, device.name, device.kind, decoded, received, late=late)
