"""Network outage: many of a unit's sensors went offline together (pure).

When a gateway or the network server fails, every sensor behind it goes silent
at about the same time, and each apartment would raise its own technical fault.
This module collapses them into one unit-level fault.

* A sensor is *offline* while its engine reports a sensor problem (unavailable
  too long, or silent beyond its interval). Its *onset* is when it went
  unavailable, or for a silent sensor its last report.
* Offline sensors form a group when their onsets lie within
  :data:`LINK` (10 minutes) of each other, each to the next one in time: a dead
  gateway silences LoRaWAN sensors over one report interval, so the group is a
  chain rather than one fixed 10-minute window.
* An outage starts when a group holds at least ``share_percent`` of the unit's
  sensors, in at least :data:`MIN_APARTMENTS` apartments (a unit of one
  apartment has no network outage: its faults are its own). While it lasts, a
  sensor that goes offline within :data:`LINK` of its latest onset joins it (no
  per-apartment fault for it: the same failure spreading); a sensor that fails
  later, unlinked, is its own fault again, so a long outage cannot hide a new,
  unrelated one. It ends when every sensor in it reports again.

A sensor's own technical fault is *held* for :data:`HOLD` (10 minutes) where an
outage is possible at all: if an outage covering the sensor starts meanwhile,
the fault is never told on its own; when the sensor reports again it is
dropped. The cost is that a lone fault is told 10 minutes later.

Times are passed in: nothing here reads the clock. The adapter calls
:meth:`NetworkOutageWatch.evaluate` after any sensor problem or recovery, with
the unit's offline sensors, then :meth:`~NetworkOutageWatch.screen` for each
new fault, and :meth:`~NetworkOutageWatch.due` at
:meth:`~NetworkOutageWatch.next_deadline`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .timeutil import iso, parse_iso

LINK = timedelta(minutes=10)
HOLD = timedelta(minutes=10)
DEFAULT_SHARE_PERCENT = 50
MIN_SENSORS = 2  # one sensor alone is that apartment's own fault
MIN_APARTMENTS = 2


@dataclass(frozen=True, slots=True)
class Offline:
    """One offline sensor: since when, and the apartments that use it."""

    since: datetime
    apartments: frozenset[str]


@dataclass(frozen=True, slots=True)
class NetworkOutage:
    """An active network outage."""

    since: datetime  # the earliest onset of its sensors
    detected_at: datetime
    sensors: frozenset[str]  # the sensors still offline
    apartments: frozenset[str]  # the apartments of those sensors
    peak_apartments: int  # how many apartments it covered at most
    last_onset: datetime  # the latest onset of a sensor that joined it

    def to_dict(self) -> dict[str, Any]:
        """Return the persisted form."""
        return {
            "since": iso(self.since),
            "detected_at": iso(self.detected_at),
            "sensors": sorted(self.sensors),
            "apartments": sorted(self.apartments),
            "peak_apartments": self.peak_apartments,
            "last_onset": iso(self.last_onset),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NetworkOutage:
        """Parse :meth:`to_dict`'s form (``KeyError``/``TypeError``/``ValueError`` if bad)."""
        sensors, apartments = data["sensors"], data["apartments"]
        if not isinstance(sensors, list) or not isinstance(apartments, list):
            raise TypeError("sensors and apartments must be lists")
        return cls(
            since=parse_iso(data["since"]),
            detected_at=parse_iso(data["detected_at"]),
            sensors=frozenset(str(item) for item in sensors),
            apartments=frozenset(str(item) for item in apartments),
            peak_apartments=int(data["peak_apartments"]),
            last_onset=parse_iso(data["last_onset"]),
        )


@dataclass(frozen=True, slots=True)
class OutageChange:
    """What :meth:`NetworkOutageWatch.evaluate` changed: started, changed or ended."""

    kind: str  # STARTED, CHANGED or ENDED
    outage: NetworkOutage  # for ENDED: the outage as it was
    at: datetime


STARTED = "started"
CHANGED = "changed"
ENDED = "ended"


def threshold(total_sensors: int, share_percent: int) -> int:
    """Return how many sensors must go offline together for an outage."""
    return max(MIN_SENSORS, math.ceil(total_sensors * share_percent / 100))


def largest_group(offline: Mapping[str, Offline]) -> set[str]:
    """Return the largest chain of onsets each within :data:`LINK` of the next (latest wins)."""
    ordered = sorted(offline.items(), key=lambda item: (item[1].since, item[0]))
    best: list[str] = []
    current: list[str] = []
    previous: datetime | None = None
    for sensor_id, item in ordered:
        if previous is not None and item.since - previous > LINK:
            current = []
        current.append(sensor_id)
        previous = item.since
        if len(current) >= len(best):
            best = list(current)
    return set(best)


def _apartments(offline: Mapping[str, Offline], sensors: Iterable[str]) -> frozenset[str]:
    return frozenset(apt for sensor in sensors for apt in offline[sensor].apartments)


class NetworkOutageWatch:
    """Whether a unit has a network outage now (see the module docstring)."""

    def __init__(self, share_percent: int = DEFAULT_SHARE_PERCENT) -> None:
        """Start without an outage."""
        self.share_percent = share_percent
        self.outage: NetworkOutage | None = None
        self.size = (0, 0)  # the unit's sensors and apartments (set by the adapter)
        # key -> (sensor, what the adapter tells when the hold ends, when it ends)
        self.held: dict[str, tuple[str, Mapping[str, Any], datetime]] = {}

    def screen(
        self,
        sensor_id: str,
        fault: Mapping[str, Any],
        now: datetime,
        key: str | None = None,
    ) -> bool:
        """Return True when a new sensor fault is to be told now; else hold or drop it.

        ``key`` tells faults of one sensor apart (a sensor two apartments share).
        """
        if self.covers(sensor_id):
            return False  # the outage's one message tells it
        if not self.possible():
            return True
        self.held[key or sensor_id] = (sensor_id, fault, now + HOLD)
        return False

    def due(self, now: datetime) -> list[Mapping[str, Any]]:
        """Return the held faults whose hold ended by ``now`` (removed from the hold)."""
        ended = [key for key, (_sensor, _fault, at) in self.held.items() if at <= now]
        return [self.held.pop(key)[1] for key in ended]

    def next_deadline(self) -> datetime | None:
        """Return when the next hold ends."""
        return min((at for _sensor, _fault, at in self.held.values()), default=None)

    def covers(self, sensor_id: str) -> bool:
        """Return True when ``sensor_id`` is part of the active outage."""
        return self.outage is not None and sensor_id in self.outage.sensors

    def possible(self) -> bool:
        """Return True when the unit is large enough for an outage at all."""
        sensors, apartments = self.size
        return apartments >= MIN_APARTMENTS and sensors >= threshold(sensors, self.share_percent)

    def evaluate(self, offline: Mapping[str, Offline], now: datetime) -> OutageChange | None:
        """Update the outage from the unit's offline sensors now; return what changed.

        Held faults of sensors that report again, or that the outage covers, are dropped.
        """
        change = self._evaluate(offline, now)
        for key, (sensor, _fault, _at) in list(self.held.items()):
            if sensor not in offline or self.covers(sensor):
                del self.held[key]
        return change

    def _evaluate(self, offline: Mapping[str, Offline], now: datetime) -> OutageChange | None:
        outage = self.outage
        if outage is None:
            group = largest_group(offline)
            apartments = _apartments(offline, group)
            enough = len(group) >= threshold(self.size[0], self.share_percent)
            if not enough or len(apartments) < MIN_APARTMENTS:
                return None
            onsets = [offline[sensor].since for sensor in group]
            self.outage = NetworkOutage(
                since=min(onsets),
                detected_at=now,
                sensors=frozenset(group),
                apartments=apartments,
                peak_apartments=len(apartments),
                last_onset=max(onsets),
            )
            return OutageChange(STARTED, self.outage, now)
        last = outage.last_onset
        for sensor, item in sorted(offline.items(), key=lambda pair: pair[1].since):
            if sensor not in outage.sensors and outage.since - LINK <= item.since <= last + LINK:
                last = max(last, item.since)  # the chain goes on
        sensors = frozenset(
            sensor
            for sensor, item in offline.items()
            if sensor in outage.sensors or outage.since - LINK <= item.since <= last + LINK
        )
        if not sensors:
            self.outage = None
            return OutageChange(ENDED, outage, now)
        if sensors == outage.sensors:
            return None
        apartments = _apartments(offline, sensors)
        self.outage = NetworkOutage(
            since=outage.since,
            detected_at=outage.detected_at,
            sensors=sensors,
            apartments=apartments,
            peak_apartments=max(outage.peak_apartments, len(apartments)),
            last_onset=last,
        )
        return OutageChange(CHANGED, self.outage, now)

    # ------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        """Return the persisted form (the outage and the held faults)."""
        return {
            "outage": None if self.outage is None else self.outage.to_dict(),
            "held": {
                key: {"sensor": sensor, "fault": dict(fault), "until": iso(at)}
                for key, (sensor, fault, at) in self.held.items()
            },
        }

    def load(self, data: Mapping[str, Any]) -> None:
        """Restore :meth:`to_dict`'s form (``KeyError``/``TypeError``/``ValueError`` if bad)."""
        outage = data.get("outage")
        held = data.get("held") or {}
        if not isinstance(held, Mapping):
            raise TypeError("held must be an object")
        self.held = {
            str(key): (str(item["sensor"]), dict(item["fault"]), parse_iso(item["until"]))
            for key, item in held.items()
        }
        self.outage = None if outage is None else NetworkOutage.from_dict(outage)
