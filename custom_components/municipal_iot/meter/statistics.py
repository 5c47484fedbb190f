"""Meter history into long-term statistics (see docs/design/meter-statistics.md).

Each decoded uplink of one of our water meters (the network wing's
:data:`..signals.SIGNAL_DECODED`) carries register readings (the
current value at the meter clock plus the hourly or daily history). They become
hourly rows of the external statistic ``municipal_iot:water_<dev_eui>`` through
:func:`.water.history.build_hourly_rows`, continuing from the last row imported
for that meter. Rows are never re-emitted, so repeated and overlapping uplinks
add nothing; a gap stays a gap.

Exactly once. The last imported row is never taken from our own ``Store``: after
every start it is read back from the recorder (``get_last_statistics``) before the
meter's first import, so the position is always the recorder's committed one. A
crash before the recorder committed some rows makes the next uplink import them
again (its history still holds them); a crash after never imports them twice. The
``Store`` keeps only the newest reading (for interpolation with the next uplink) and
each meter's first uplink (for the clock check of :mod:`.water.clock`).

Recorded meter replacements are applied with :mod:`.water.replacement`: ``sum``
follows the continuous register (so consumption stays continuous across a
swap), ``state`` is the real register of the meter installed at the time.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import probatio as vol
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_add_external_statistics
from homeassistant.const import UnitOfVolume
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.signal_type import SignalType
from homeassistant.util.unit_conversion import VolumeConverter

from ..const import DOMAIN, LOGGER
from ..decoders.base import Decoded, DeviceKind
from ..lorawan.guards import RejectionLog
from ..signals import DecodedUplink
from ..store import (
    StoreSchema,
    async_load_once,
    async_load_validated,
    domain_store,
    iso_datetime,
    loaded,
)
from ..texts import cached_texts
from ..water.clock import clock_plausible, not_in_future
from ..water.history import build_hourly_rows
from ..water.leak import FlowSample
from ..water.model import HOUR, Reading, RegisterReading, StatRow, round_volume
from ..water.replacement import Replacement, continuous_readings, continuous_register, segment_of
from .journal import WaterJournal, async_get_journal
from .recorder import RecorderUnavailableError, async_run, last_row, recorder_loaded
from .sources import external_statistic_id

SAVE_DELAY = 10  # seconds
CLOCK_LOG_INTERVAL = 3600  # seconds between two warnings about one meter's clock
STATISTIC_NAME = "statistic_name"  # common text: the external statistic's name

_DATA: HassKey[asyncio.Task[MeterStatistics]] = HassKey(f"{DOMAIN}_meter_statistics")

_NUMBER = vol.Any(int, float)
# Per meter: the last imported row and the newest reading (extra keys are kept).
STORE_SCHEMA = StoreSchema(
    maps={
        "meters": vol.Schema(
            {
                # "last" (the import position) of older versions is no longer read:
                # the position comes from the recorder (allowed as an extra key).
                vol.Optional("first"): vol.Any(None, iso_datetime),
                vol.Optional("reading"): vol.Any(
                    None,
                    vol.Schema({vol.Required("at"): iso_datetime, vol.Required("m3"): _NUMBER}),
                ),
            },
            extra=vol.ALLOW_EXTRA,
        )
    }
)


@dataclass(frozen=True, slots=True)
class MeterUplink:
    """What one of our meters reported, for the leak rules (volumes in m³, continuous)."""

    dev_eui: str
    statistic_id: str
    rows: tuple[StatRow, ...]
    readings: tuple[Reading, ...]
    flow: FlowSample | None
    alarm_codes: frozenset[str] | None


# Sent after one of our meters reported (the leak monitors evaluate it).
SIGNAL_METER_UPLINK: SignalType[MeterUplink] = SignalType(f"{DOMAIN}_meter_uplink")


def statistic_metadata(statistic_id: str, name: str) -> StatisticMetaData:
    """Return the metadata of a meter's external statistic (HA 2026.11 fields set)."""
    return StatisticMetaData(
        has_sum=True,
        mean_type=StatisticMeanType.NONE,
        name=name,
        source=DOMAIN,
        statistic_id=statistic_id,
        unit_class=VolumeConverter.UNIT_CLASS,
        unit_of_measurement=UnitOfVolume.CUBIC_METERS,
    )


def _offset_before(at: datetime, swaps: tuple[Replacement, ...], meter_id: str | None) -> float:
    """Return what the continuous register adds to the raw register at ``at``."""
    return sum(swap.offset_m3 for swap in swaps[: segment_of(at, swaps, meter_id)])


class MeterStatistics:
    """Imports the history of our water meters into external statistics."""

    def __init__(self, hass: HomeAssistant, journal: WaterJournal) -> None:
        """Create the importer (call :meth:`async_load` before use)."""
        self.hass = hass
        self.journal = journal
        self._store = domain_store(hass, "meter_statistics")
        # Last imported row per meter (continuous register); None: a new series. Read
        # from the recorder on each meter's first uplink after a start, never stored.
        self._last: dict[str, StatRow | None] = {}
        # Newest reading per meter (continuous), for interpolation with the next uplink.
        self._reading: dict[str, Reading] = {}
        # Receive time of each meter's first uplink (meter clocks before it are wrong).
        self._first: dict[str, datetime] = {}
        # Uplinks waiting while the last row is looked up in the recorder.
        self._waiting: dict[str, list[DecodedUplink]] = {}
        self.imported_rows = 0
        self.clock_rejections = RejectionLog(interval=CLOCK_LOG_INTERVAL)

    async def async_load(self) -> None:
        """Load the newest reading and the first uplink of every meter."""
        stored = await async_load_validated(self.hass, self._store, STORE_SCHEMA)
        for dev_eui, item in stored.get("meters", {}).items():
            if item.get("reading") is not None:
                at = dt_util.parse_datetime(item["reading"]["at"], raise_on_error=True)
                self._reading[dev_eui] = Reading(at, item["reading"]["m3"])
            if item.get("first") is not None:
                first = dt_util.parse_datetime(item["first"], raise_on_error=True)
                self._first[dev_eui] = dt_util.as_utc(first)

    def _data_to_save(self) -> dict[str, Any]:
        meters: dict[str, Any] = {}
        for dev_eui in self._first.keys() | self._reading.keys():
            reading = self._reading.get(dev_eui)
            first = self._first.get(dev_eui)
            meters[dev_eui] = {
                "reading": None
                if reading is None
                else {"at": reading.at.isoformat(), "m3": reading.volume_m3},
                "first": None if first is None else first.isoformat(),
            }
        return {"meters": meters}

    def last_row(self, dev_eui: str) -> StatRow | None:
        """Return the last row imported for a meter (continuous register)."""
        return self._last.get(dev_eui)

    # ----- uplinks -------------------------------------------------------------------

    @callback
    def async_handle_decoded(self, uplink: DecodedUplink) -> None:
        """Import the history of one decoded uplink (on the decoded-uplink signal)."""
        if uplink.kind is not DeviceKind.WATER_METER:
            return
        decoded = uplink.decoded
        dev_eui = uplink.dev_eui
        if decoded.alarms is not None and not uplink.late:
            self.journal.update_alarms(
                external_statistic_id(dev_eui),
                frozenset(alarm.value for alarm in decoded.alarms),
                dt_util.utcnow(),
            )
        if dev_eui in self._waiting:
            self._waiting[dev_eui].append(uplink)
            return
        if dev_eui not in self._last and recorder_loaded(self.hass) and _raw(decoded):
            # Unknown series (first uplink, or the store was lost): continue from
            # the recorder's last row, never from zero.
            self._waiting[dev_eui] = [uplink]
            self.hass.async_create_background_task(
                self._async_resume(dev_eui), f"{DOMAIN} statistics {dev_eui}"
            )
            return
        self._import(uplink)

    async def _async_resume(self, dev_eui: str) -> None:
        key = external_statistic_id(dev_eui)
        try:
            row = await async_run(self.hass, last_row, self.hass, key)
        except RecorderUnavailableError:
            row = None
        last = None
        if row is not None and row["sum"] is not None and row["state"] is not None:
            start = datetime.fromtimestamp(float(row["start"] or 0), UTC)
            swaps = self.journal.replacements(key)
            state = continuous_register(start + HOUR, row["state"], swaps)
            last = StatRow(start=start, state=state, sum=row["sum"])
        self._last.setdefault(dev_eui, last)
        for uplink in self._waiting.pop(dev_eui, []):
            self._import(uplink)

    def _statistic_name(self, name: str) -> str:
        """Return the statistic's name in the system language ("vm-12 vatten")."""
        return cached_texts(self.hass).get(STATISTIC_NAME, name=name)  # loaded in async_setup

    def _clock_ok(self, uplink: DecodedUplink, received: datetime) -> bool:
        """Return whether the uplink's meter clock can be trusted (see :mod:`.water.clock`)."""
        meter_time = uplink.decoded.meter_time
        if uplink.dev_eui not in self._first:
            self._first[uplink.dev_eui] = received
            self._store.async_delay_save(self._data_to_save, SAVE_DELAY)
        if meter_time is None or clock_plausible(meter_time, received, self._first[uplink.dev_eui]):
            return True
        if self.clock_rejections.record(uplink.dev_eui, time.monotonic()):
            LOGGER.warning(
                "Water meter %s (%s): meter clock %s is off (received %s); its history is "
                "not imported until the clock is set, volume and alarms still apply",
                uplink.name,
                uplink.dev_eui,
                meter_time.isoformat(),
                received.isoformat(),
            )
        return False

    def _import(self, uplink: DecodedUplink) -> None:
        dev_eui, decoded = uplink.dev_eui, uplink.decoded
        key = external_statistic_id(dev_eui)
        swaps = self.journal.replacements(key)
        received = uplink.received_at or dt_util.utcnow()
        clock_ok = self._clock_ok(uplink, received)
        placed = not_in_future(_raw(decoded), received) if clock_ok else []
        readings = continuous_readings(placed, swaps, decoded.meter_id)
        rows: tuple[StatRow, ...] = ()
        if readings and recorder_loaded(self.hass):
            pending = self._reading.get(dev_eui)
            last = self._last.get(dev_eui)
            result = build_hourly_rows([*([pending] if pending else []), *readings], last)
            rows = result.rows
            if rows:
                async_add_external_statistics(
                    self.hass,
                    statistic_metadata(key, self._statistic_name(uplink.name)),
                    [
                        StatisticData(
                            start=row.start,
                            state=round_volume(
                                row.state - _offset_before(row.end, swaps, decoded.meter_id)
                            ),
                            sum=row.sum,
                        )
                        for row in rows
                    ],
                )
                self._last[dev_eui] = rows[-1]
                self.imported_rows += len(rows)
            if result.resets:
                LOGGER.warning(
                    "Water meter %s (%s): the register went down at %s; record a meter "
                    "replacement with the municipal_iot.replace_meter action if it was swapped",
                    uplink.name,
                    dev_eui,
                    ", ".join(start.isoformat() for start in result.resets),
                )
            newest = max(readings, key=lambda reading: reading.at)
            if pending is None or newest.at > pending.at:
                self._reading[dev_eui] = newest
            self._store.async_delay_save(self._data_to_save, SAVE_DELAY)
        flow = None
        if decoded.flow_m3h is not None and not uplink.late:
            at = decoded.meter_time if clock_ok and decoded.meter_time else received
            flow = FlowSample(at=at, m3h=decoded.flow_m3h)
        async_dispatcher_send(
            self.hass,
            SIGNAL_METER_UPLINK,
            MeterUplink(
                dev_eui=dev_eui,
                statistic_id=key,
                rows=rows,
                readings=tuple(readings),
                flow=flow,
                alarm_codes=None
                if decoded.alarms is None or uplink.late
                else frozenset(alarm.value for alarm in decoded.alarms),
            ),
        )

    # ----- replacements --------------------------------------------------------------

    def apply_replacement(self, dev_eui: str, replacement: Replacement) -> None:
        """Move the stored state of a meter onto the continuous register after a swap.

        Rows imported after the swap time (before the swap was recorded) hold the
        new meter's raw register; later rows must continue from the continuous one.
        """
        last = self._last.get(dev_eui)
        if last is not None and last.end > replacement.at:
            self._last[dev_eui] = StatRow(
                start=last.start,
                state=round_volume(last.state + replacement.offset_m3),
                sum=last.sum,
            )
        reading = self._reading.get(dev_eui)
        if reading is not None and reading.at > replacement.at:
            self._reading[dev_eui] = Reading(
                reading.at, round_volume(reading.volume_m3 + replacement.offset_m3)
            )
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)


def _raw(decoded: Decoded) -> list[RegisterReading]:
    """Return the register readings of an uplink: history plus the current value."""
    readings: list[RegisterReading] = list(decoded.history)
    if decoded.volume_m3 is not None and decoded.meter_time is not None:
        readings.append(Reading(decoded.meter_time, decoded.volume_m3))
    return readings


async def _async_load(hass: HomeAssistant) -> MeterStatistics:
    importer = MeterStatistics(hass, await async_get_journal(hass))
    await importer.async_load()
    return importer


async def async_get_meter_statistics(hass: HomeAssistant) -> MeterStatistics:
    """Return the loaded importer, loading it once (concurrent callers share the load)."""
    return await async_load_once(hass, _DATA, _async_load)


def get_meter_statistics(hass: HomeAssistant) -> MeterStatistics | None:
    """Return the importer if it is loaded."""
    return loaded(hass, _DATA)
