"""One unit-level technical fault when many sensors go offline together (a network outage).

The rule itself is :mod:`..supervision.network_outage`. Here, after every engine
call with a sensor problem or recovery, the unit's offline sensors are gathered
from the apartments' engines and the rule evaluated:

* An apartment's technical-fault push is *held* for :data:`HOLD` (10 min): when
  an outage covering its sensor starts meanwhile, it is never sent. So with a
  failed gateway staff get one push ("Sensors offline in 12 of 20 apartments:
  gateway or network server?") instead of twenty. The cost: a lone sensor's
  fault push comes 10 minutes later (only in units where an outage is possible).
* The outage is journaled (unit level), logged, fired as an event (logbook),
  pushed to the staff (persistent notification when no phone took it) and shown
  by the unit's "network outage" problem sensor. The apartments still show
  ``sensor_problem`` (not supervised).
* When every sensor of the outage reports again it ends: journaled, logbook,
  and the push and persistent notification are taken away.

The outage and the held pushes are stored, so a restart neither repeats the
push nor loses a held one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..supervision.events import Event, EventKind
from ..supervision.journal import NOTIFIED
from ..supervision.network_outage import (
    ENDED,
    STARTED,
    NetworkOutage,
    NetworkOutageWatch,
    Offline,
    OutageChange,
)
from ..supervision.state import SensorProblem
from ..supervision.timeutil import iso, parse_iso
from .const import EVENT_SUPERVISION, JOURNAL_NETWORK_OUTAGE, JOURNAL_NETWORK_RESTORED
from .push import format_time, panel_path, urgent
from .store import CoalescedStore
from .unit_push import async_clear, async_push, persist, unit_data, unit_tag

if TYPE_CHECKING:
    from .apartment import Apartment
    from .unit import CareUnit

HOLD = timedelta(minutes=10)
KIND = "network_outage"


def network_store_key(entry_id: str) -> str:
    """Return the storage key of a care unit's network outage state."""
    return f"care.{entry_id}.network_outage"


def offline_sensors(apartments: Mapping[str, Apartment]) -> dict[str, Offline]:
    """Return the unit's sensors with a problem, since when they went offline."""
    offline: dict[str, Offline] = {}
    for apartment_id, apartment in apartments.items():
        for sensor_id, health in apartment.supervisor.sensors.items():
            if health.problem is None:
                continue
            since = health.last_update
            if health.problem is SensorProblem.UNAVAILABLE and health.unavailable_since:
                since = health.unavailable_since
            seen = offline.get(sensor_id)
            users = frozenset({apartment_id}) | (seen.apartments if seen else frozenset())
            offline[sensor_id] = Offline(since if seen is None else min(since, seen.since), users)
    return offline


class NetworkFaults:
    """The care unit's network outage rule and its held technical-fault pushes."""

    def __init__(self, unit: CareUnit) -> None:
        """Bind to the unit; :meth:`async_start` restores the stored state."""
        self._unit = unit
        self.watch = NetworkOutageWatch(unit.config.network_share)
        self._held: dict[str, tuple[str, Event, datetime]] = {}  # sensor -> (apt, event, due)
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self._store = CoalescedStore(
            unit.hass, network_store_key(unit.entry.entry_id), self._data, delay=1.0
        )

    @property
    def outage(self) -> NetworkOutage | None:
        """Return the active network outage, if any."""
        return self.watch.outage

    def labels(self) -> list[str]:
        """Return the labels of the apartments the outage covers now."""
        outage = self.watch.outage
        apartments = self._unit.apartments
        covered = () if outage is None else outage.apartments
        return sorted(apartments[apt].config.label for apt in covered if apt in apartments)

    def _total(self) -> int:
        return len({s for apt in self._unit.apartments.values() for s in apt.config.sensors})

    # -------------------------------------------------------------- lifecycle

    async def async_load(self) -> None:
        """Restore the outage and the held pushes (before the apartments tick)."""
        stored = await self._store.async_load()
        try:
            if (outage := stored.get("outage")) is not None:
                self.watch.outage = NetworkOutage.from_dict(outage)
            for sensor_id, item in dict(stored.get("held") or {}).items():
                event = Event(
                    EventKind.SENSOR_PROBLEM,
                    str(item["apartment"]),
                    parse_iso(item["at"]),
                    dict(item["data"]),
                )
                self._held[str(sensor_id)] = (event.apartment_id, event, parse_iso(item["due"]))
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            LOGGER.warning("The network outage state is unreadable (%r); starting afresh", err)
            self.watch.outage = None
            self._held.clear()

    @callback
    def start(self) -> None:
        """Evaluate once the apartments have ticked; restart the held pushes' timers."""
        for sensor_id, (_apt, _event, due) in list(self._held.items()):
            self._timers[sensor_id] = async_track_point_in_utc_time(
                self._unit.hass, partial(self._release, sensor_id), due
            )
        self._evaluate()

    async def async_stop(self) -> None:
        """Cancel the timers and write the state."""
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()
        await self._store.async_flush()

    @callback
    def apply_config(self) -> None:
        """Use the unit's share setting from now on."""
        self.watch.share_percent = self._unit.config.network_share
        self._evaluate()

    def _data(self) -> dict[str, Any]:
        outage = self.watch.outage
        return {
            "outage": None if outage is None else outage.to_dict(),
            "held": {
                sensor_id: {
                    "apartment": apt,
                    "at": iso(event.at),
                    "due": iso(due),
                    "data": dict(event.data),
                }
                for sensor_id, (apt, event, due) in self._held.items()
            },
        }

    # ------------------------------------------------------------- screening

    @callback
    def screen(self, apartment: Apartment, events: list[Event]) -> list[Event]:
        """Return the events to notify now; hold or drop the technical-fault pushes."""
        if not any(
            event.kind in {EventKind.SENSOR_PROBLEM, EventKind.SENSOR_RECOVERED} for event in events
        ):
            return events
        self._evaluate()
        kept = []
        possible = self.watch.possible(self._total())
        for event in events:
            if event.kind is EventKind.SENSOR_PROBLEM:
                sensor_id = str(event.data["sensor_id"])
                if self.watch.covers(sensor_id):
                    continue  # told in the outage's one push
                if possible:
                    self._hold(apartment, sensor_id, event)
                    continue
            kept.append(event)
        return kept

    def _hold(self, apartment: Apartment, sensor_id: str, event: Event) -> None:
        due = dt_util.utcnow() + HOLD
        if (cancel := self._timers.pop(sensor_id, None)) is not None:
            cancel()
        self._held[sensor_id] = (apartment.apartment_id, event, due)
        self._timers[sensor_id] = async_track_point_in_utc_time(
            self._unit.hass, partial(self._release, sensor_id), due
        )
        self._store.schedule_save(urgent=True)

    @callback
    def _release(self, sensor_id: str, _now: datetime) -> None:
        """Send a held push at the end of its hold, unless an outage covers its sensor."""
        self._timers.pop(sensor_id, None)
        held = self._held.pop(sensor_id, None)
        self._store.schedule_save(urgent=True)
        if held is None:
            return
        apartment = self._unit.apartments.get(held[0])
        if apartment is None or self.watch.covers(sensor_id):
            return
        health = apartment.supervisor.sensors.get(sensor_id)
        if health is not None and health.problem is not None:
            self._unit.notify_events(apartment, [held[1]])

    # ------------------------------------------------------------ evaluation

    @callback
    def _evaluate(self) -> None:
        now = dt_util.utcnow()
        offline = offline_sensors(self._unit.apartments)
        for sensor_id in [sensor for sensor in self._held if sensor not in offline]:
            self._held.pop(sensor_id)  # it reports again: nothing to tell
            if (cancel := self._timers.pop(sensor_id, None)) is not None:
                cancel()
        change = self.watch.evaluate(offline, self._total(), now)
        if change is None:
            return
        self._store.schedule_save(urgent=True)
        async_dispatcher_send(self._unit.hass, self._unit.signal, None)
        if change.kind == STARTED:
            self._started(change)
        elif change.kind == ENDED:
            self._ended(change)

    def _started(self, change: OutageChange) -> None:
        unit, outage = self._unit, change.outage
        total = len(unit.apartments)
        labels = self.labels()
        data = {
            "since": iso(outage.since),
            "apartments": labels,
            "count": len(outage.apartments),
            "of": total,
            "sensors": len(outage.sensors),
        }
        unit.record_unit(JOURNAL_NETWORK_OUTAGE, data)
        LOGGER.warning(
            "Network outage in care unit %s: sensors offline in %d of %d apartments since %s",
            unit.config.title,
            len(outage.apartments),
            total,
            outage.since,
        )
        self._fire(JOURNAL_NETWORK_OUTAGE, data)
        texts = unit.notifier.texts
        tz = ZoneInfo(unit.hass.config.time_zone)
        title = texts.get("network_outage_title", unit=unit.config.title)
        message = texts.get(
            "network_outage_message",
            count=len(outage.apartments),
            total=total,
            since=format_time(outage.since, change.at, tz),
            apartments=", ".join(labels),
        )
        entry_id = unit.entry.entry_id
        push = urgent(unit_data(entry_id, unit.config.title, KIND), critical=unit.config.critical)
        targets = list(unit.config.staff_targets)
        link = texts.get("open_panel", url=panel_path())

        async def send() -> None:
            reached = await async_push(unit.hass, targets, title, message, push)
            persistent = len(reached) < len(targets) or not targets
            if persistent:
                persist(unit.hass, unit_tag(entry_id, KIND), title, message, link)
            unit.record_unit(
                NOTIFIED, {"notification": KIND, "targets": reached, "persistent": persistent}
            )

        unit.notifier.queue(send)

    def _ended(self, change: OutageChange) -> None:
        unit, outage = self._unit, change.outage
        minutes = int((change.at - outage.since).total_seconds() // 60)
        data = {
            "since": iso(outage.since),
            "until": iso(change.at),
            "minutes": minutes,
            "apartments": outage.peak_apartments,
        }
        unit.record_unit(JOURNAL_NETWORK_RESTORED, data)
        LOGGER.warning("Network outage in care unit %s is over", unit.config.title)
        self._fire(JOURNAL_NETWORK_RESTORED, data)
        targets = list(unit.config.staff_targets)
        tag = unit_tag(unit.entry.entry_id, KIND)
        unit.notifier.queue(partial(async_clear, unit.hass, targets, tag))

    def _fire(self, kind: str, data: Mapping[str, Any]) -> None:
        unit = self._unit
        unit.hass.bus.async_fire(
            EVENT_SUPERVISION,
            {**data, "type": kind, "device_id": unit.device_id, "apartment": unit.config.title},
        )
