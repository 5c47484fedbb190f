"""One unit-level technical fault when many sensors go offline together (a network outage).

The rule itself is :mod:`..supervision.network_outage`. Here, after every engine
call with a sensor problem or recovery, the unit's offline sensors are gathered
from the apartments' engines and the rule evaluated:

* An apartment's technical-fault push is *held* for 10 minutes: when
  an outage covering its sensor starts meanwhile, it is never sent. So with a
  failed gateway staff get one push ("Sensors offline in 12 of 20 apartments:
  gateway or network server?") instead of twenty. The cost: a lone sensor's
  fault push comes 10 minutes later (only in units where an outage is possible).
* The outage is journaled (unit level), logged, fired as an event (logbook),
  pushed to the staff (persistent notification when no phone took it; a failing
  phone is retried after 30 s and 2 min, then the escalation phones get it) and shown
  by the unit's "network outage" problem sensor. The apartments still show
  ``not_supervised``.
* When every sensor of the outage reports again it ends: journaled, logbook,
  and the push and persistent notification are taken away.

The outage and the held pushes are stored, so a restart neither repeats the
push nor loses a held one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later, async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..supervision.delivery import RETRY_AFTER
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
from .apartment import Apartment
from .const import (
    EVENT_SUPERVISION,
    JOURNAL_DELIVERY_GAVE_UP,
    JOURNAL_NETWORK_OUTAGE,
    JOURNAL_NETWORK_RESTORED,
)
from .push import format_time, panel_path, unique_targets, urgent
from .store import CoalescedStore
from .unit_push import UnitParts, async_clear, async_push, persist, unit_data, unit_tag

KIND = "network_outage"


def network_store_key(entry_id: str) -> str:
    """Return the storage key of a care unit's network outage state."""
    return f"care.{entry_id}.network_outage"


def _fault(apartment: Apartment, event: Event) -> dict[str, Any]:
    """Return what a held fault push needs (JSON: it is stored)."""
    return {"apartment": apartment.apartment_id, "at": iso(event.at), "data": dict(event.data)}


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

    def __init__(self, unit: UnitParts) -> None:
        """Bind to the unit; :meth:`async_load` restores the stored state."""
        self._unit = unit
        self.watch = NetworkOutageWatch(unit.config.network_share)
        self._timer: CALLBACK_TYPE | None = None
        self._retry_timer: CALLBACK_TYPE | None = None  # a unit push to a failing phone
        self._store = CoalescedStore(
            unit.hass, network_store_key(unit.entry.entry_id), self.watch.to_dict, delay=1.0
        )

    @property
    def outage(self) -> NetworkOutage | None:
        """Return the active network outage, if any."""
        return self.watch.outage

    def labels(self, outage: NetworkOutage | None = None) -> list[str]:
        """Return the labels of the apartments the outage covers (in the unit's order)."""
        outage = outage or self.watch.outage
        covered = frozenset() if outage is None else outage.apartments
        return [apt.config.label for key, apt in self._unit.apartments.items() if key in covered]

    def _sized(self) -> NetworkOutageWatch:
        apartments = self._unit.apartments.values()
        sensors = {sensor for apt in apartments for sensor in apt.config.sensors}
        self.watch.size = (len(sensors), len(apartments))
        return self.watch

    # -------------------------------------------------------------- lifecycle

    async def async_load(self) -> None:
        """Restore the outage and the held pushes (before the apartments tick)."""
        stored = await self._store.async_load()
        try:
            self.watch.load(stored)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            LOGGER.warning("The network outage state is unreadable (%r); starting afresh", err)
            self.watch = NetworkOutageWatch(self._unit.config.network_share)

    @callback
    def start(self) -> None:
        """Evaluate once the apartments have ticked; hold ends that passed are told now."""
        self._evaluate()
        self._schedule()

    async def async_stop(self) -> None:
        """Cancel the timers and write the state."""
        if self._timer is not None:
            self._timer()
            self._timer = None
        self._cancel_retry()
        await self._store.async_flush()

    def _cancel_retry(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer()
            self._retry_timer = None

    @callback
    def apply_config(self) -> None:
        """Use the unit's share setting from now on."""
        self.watch.share_percent = self._unit.config.network_share
        self._evaluate()
        self._schedule()

    # ------------------------------------------------------------- screening

    @callback
    def screen(self, apartment: Apartment, events: list[Event]) -> list[Event]:
        """Return the events to notify now; hold or drop the technical-fault pushes."""
        if not any(
            event.kind in {EventKind.SENSOR_PROBLEM, EventKind.SENSOR_RECOVERED} for event in events
        ):
            return events
        self._evaluate()
        now = dt_util.utcnow()
        kept = [
            event
            for event in events
            if event.kind is not EventKind.SENSOR_PROBLEM
            or self.watch.screen(
                sensor := str(event.data["sensor_id"]),
                _fault(apartment, event),
                now,
                key=f"{apartment.apartment_id} {sensor}",
            )
        ]
        self._store.schedule_save(urgent=True)
        self._schedule()
        return kept

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None
        if (due := self.watch.next_deadline()) is not None:
            self._timer = async_track_point_in_utc_time(self._unit.hass, self._release, due)

    @callback
    def _release(self, now: datetime) -> None:
        """Send the held pushes whose hold ended (an outage would have dropped them)."""
        self._timer = None
        self._evaluate()
        for fault in self.watch.due(now):
            apartment = self._unit.apartments.get(str(fault["apartment"]))
            if apartment is None:
                continue
            event = Event(
                EventKind.SENSOR_PROBLEM,
                apartment.apartment_id,
                parse_iso(fault["at"]),
                fault["data"],
            )
            self._unit.notify_events(apartment, [event])
        self._store.schedule_save(urgent=True)
        self._schedule()

    # ------------------------------------------------------------ evaluation

    @callback
    def _evaluate(self) -> None:
        now = dt_util.utcnow()
        change = self._sized().evaluate(offline_sensors(self._unit.apartments), now)
        if change is None:
            return
        self._store.schedule_save(urgent=True)
        async_dispatcher_send(self._unit.hass, self._unit.signal, None)
        if change.kind == STARTED:
            self._started(change)
        elif change.kind == ENDED:
            self._ended(change)

    def _started(self, change: OutageChange) -> None:
        """Announce the outage in the notifier's turn (after the faults due at the same instant).

        Sensors whose deadlines fall at the same instant are handled one by one;
        by the time this job runs they have joined, so the push counts them all.
        """
        self._unit.notifier.queue(lambda: self._async_announce(change))

    async def _async_announce(self, change: OutageChange) -> None:
        await asyncio.sleep(0)  # tasks start eagerly: let the other due faults join first
        unit = self._unit
        outage = self.watch.outage or change.outage
        total = len(unit.apartments)
        labels = self.labels(outage)
        data = {
            "since": iso(outage.since),
            "apartments": labels,
            "count": len(labels),
            "of": total,
            "sensors": len(outage.sensors),
        }
        unit.record_unit(JOURNAL_NETWORK_OUTAGE, data)
        LOGGER.warning(
            "Network outage in care unit %s: sensors offline in %d of %d apartments since %s",
            unit.config.title,
            len(labels),
            total,
            outage.since,
        )
        self._fire(JOURNAL_NETWORK_OUTAGE, data)
        texts = unit.notifier.texts
        title = texts.get("network_outage_title", unit=unit.config.title)
        message = texts.get(
            "network_outage_message",
            count=len(labels),
            total=total,
            since=format_time(outage.since, change.at, ZoneInfo(unit.hass.config.time_zone)),
            apartments=", ".join(labels),
        )
        entry_id = unit.entry.entry_id
        push = urgent(unit_data(entry_id, unit.config.title, KIND), critical=unit.config.critical)
        targets = unique_targets(unit.config.staff_targets)
        reached = await async_push(unit.hass, targets, title, message, push)
        persistent = len(reached) < len(targets) or not targets
        if persistent:
            link = texts.get("open_panel", url=panel_path())
            persist(unit.hass, unit_tag(entry_id, KIND), title, message, link)
        unit.record_unit(
            NOTIFIED, {"notification": KIND, "targets": reached, "persistent": persistent}
        )
        self._retry_later([t for t in targets if t not in reached], (title, message, push), 0)

    def _retry_later(
        self, failed: list[str], push: tuple[str, str, dict[str, Any]], made: int
    ) -> None:
        """Retry the phones that failed after 30 s and 2 min, then escalate at once."""
        if not failed or self.watch.outage is None:
            return
        if made == len(RETRY_AFTER):
            self._unit.notifier.queue(lambda: self._async_give_up(failed, push))
            return
        delay = RETRY_AFTER[made] - (RETRY_AFTER[made - 1] if made else timedelta(0))

        @callback
        def retry(_now: datetime) -> None:
            self._retry_timer = None
            self._unit.notifier.queue(lambda: self._async_retry(failed, push, made + 1))

        self._retry_timer = async_call_later(self._unit.hass, delay, retry)

    async def _async_retry(
        self, failed: list[str], push: tuple[str, str, dict[str, Any]], made: int
    ) -> None:
        if self.watch.outage is None:
            return  # it ended meanwhile
        reached = await async_push(self._unit.hass, failed, *push)
        self._retry_later([target for target in failed if target not in reached], push, made)

    async def _async_give_up(
        self, failed: list[str], push: tuple[str, str, dict[str, Any]]
    ) -> None:
        unit = self._unit
        others = [t for t in unique_targets(unit.config.escalation_targets) if t not in failed]
        unit.record_unit(
            JOURNAL_DELIVERY_GAVE_UP,
            {"target": failed, "notification": KIND, "escalated_to": others},
        )
        await async_push(unit.hass, others, *push)

    def _ended(self, change: OutageChange) -> None:
        unit, outage = self._unit, change.outage
        self._cancel_retry()
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
