"""Sensor health: unavailable and silent sensors, recovery and low batteries.

A sensor problem is its own alert and is never read as "no motion": while every
sensor has a problem the inactivity rules are suspended (``_sensor_ok``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from .engine_core import LOW_BATTERY_REPEAT, Due, DueItem, SupervisorCore
from .events import Event, EventKind
from .state import SensorProblem
from .timeutil import iso, iso_or_none


class SensorRules(SupervisorCore):
    """Sensor health deadlines and events."""

    def _refresh_sensor_ok(self, at: datetime) -> None:
        ok = self._any_sensor_ok()
        if ok and not self._sensor_ok:
            # Supervision is back: nothing could be seen before, so count from now.
            self._clock_start = max(self._clock_start, at)
        self._sensor_ok = ok

    def _sensor_deadlines(self, items: list[DueItem]) -> None:
        unavailable = timedelta(minutes=self._rules.sensor_unavailable_minutes)
        interval = self._rules.sensor_interval_minutes
        for sid, health in self._sensors.items():
            if health.problem is not None:
                continue
            if health.unavailable_since is not None:
                items.append((health.unavailable_since + unavailable, Due.SENSOR_UNAVAILABLE, sid))
            if interval is not None:
                items.append(
                    (health.last_update + timedelta(minutes=interval), Due.SENSOR_STALE, sid)
                )

    def _sensor_problem(self, sensor_id: str, kind: Due, at: datetime, now: datetime) -> Event:
        health = self._sensors[sensor_id]
        if kind is Due.SENSOR_UNAVAILABLE:
            problem, since = SensorProblem.UNAVAILABLE, health.unavailable_since
        else:
            problem, since = SensorProblem.STALE, health.last_update
        self._sensors[sensor_id] = replace(health, problem=problem, problem_since=now)
        self._refresh_sensor_ok(at)
        return self._event(
            EventKind.SENSOR_PROBLEM,
            now,
            sensor_id=sensor_id,
            problem=str(problem),
            since=iso_or_none(since),
            due_at=iso(at),
            paused=self._pause is not None,
        )

    def _battery(self, sensor_id: str, low: bool, now: datetime) -> list[Event]:
        health = self._sensors.get(sensor_id)
        if health is None:
            return []
        last = health.low_battery_notified_at
        notify = low and (last is None or now - last >= LOW_BATTERY_REPEAT)
        self._sensors[sensor_id] = replace(
            health, battery_low=low, low_battery_notified_at=now if notify else last
        )
        if notify:
            return [self._event(EventKind.LOW_BATTERY, now, sensor_id=sensor_id)]
        return []
