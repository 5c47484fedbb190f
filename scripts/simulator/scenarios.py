"""Scenarios: which simulated devices send what, and when.

Time runs ``speed`` times faster for the scenario (residents' daily patterns,
reporting intervals, when a sensor goes silent); the bodies always carry the
real time, as a network server would stamp them, and meter histories are real
hours.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .bodies import Device, join_request, uplink_request
from .world import MOTION_SENSORS, TZ, WATER_METERS, MotionSensor, WaterMeter

MOTION_INTERVAL = timedelta(seconds=60)
METER_INTERVAL = timedelta(hours=1)
SILENT_AFTER = timedelta(minutes=3)
MIN_INTERVAL = timedelta(seconds=2)

SCENARIOS = {
    "moving": "residents of Lgh 1, 2, 3 and 5 move on daily patterns (Lgh 5 on a low battery)",
    "still": "the resident of Lgh 4 moves once, then stays still (an alarm within minutes)",
    "silent": "the sensor of Lgh 6 goes silent after 3 minutes (a technical fault)",
    "history": "two meters report hourly histories with today's dates (Kamstrup, Axioma)",
    "leak": "the meter of Lgh 3 leaks: water every hour, also at night (continuous and night flow)",
}
GROUPS = {
    "care": ("moving", "still", "silent"),
    "water": ("history", "leak"),
    "all": tuple(SCENARIOS),
}


def expand(names: str) -> tuple[str, ...]:
    """Return the scenario names in a comma-separated list of scenarios and groups."""
    chosen: list[str] = []
    for raw in names.split(","):
        name = raw.strip()
        members = GROUPS.get(name, (name,))
        for member in members:
            if member not in SCENARIOS:
                known = ", ".join([*SCENARIOS, *GROUPS])
                raise ValueError(f"unknown scenario {name!r} (known: {known})")
            if member not in chosen:
                chosen.append(member)
    return tuple(chosen)


def _sensors(scenarios: tuple[str, ...]) -> list[MotionSensor]:
    return [sensor for sensor in MOTION_SENSORS if sensor.behaviour in scenarios]


def _meters(scenarios: tuple[str, ...]) -> list[WaterMeter]:
    wanted = {"leak"} if "leak" in scenarios else set()
    if "history" in scenarios:
        wanted.add("history")
    return [meter for meter in WATER_METERS if ("leak" if meter.leak_lph else "history") in wanted]


@dataclass(slots=True)
class Request:
    """One POST to the webhook."""

    device: Device
    query: str
    body: dict[str, object]
    what: str  # for the log: "join", "motion 3", "meter 412.345 m³"


@dataclass(slots=True)
class _Schedule:
    device: Device
    interval: timedelta
    next_at: datetime
    sent: int = 0
    done: bool = False


@dataclass
class Simulation:
    """Produces the requests that are due, scenario by scenario."""

    server: str
    scenarios: tuple[str, ...]
    speed: float = 1.0
    counters: dict[str, int] = field(default_factory=dict)  # dev_eui -> next fCnt
    started: datetime | None = None
    _schedules: list[_Schedule] = field(default_factory=list)
    _sensors: dict[str, MotionSensor] = field(default_factory=dict)
    _meters: dict[str, WaterMeter] = field(default_factory=dict)
    _rngs: dict[str, random.Random] = field(default_factory=dict)

    def start(self, now: datetime) -> None:
        """Schedule every device's first uplink, a second apart."""
        self.started = now
        sensors, meters = _sensors(self.scenarios), _meters(self.scenarios)
        for index, item in enumerate([*sensors, *meters]):
            base = MOTION_INTERVAL if isinstance(item, MotionSensor) else METER_INTERVAL
            interval = max(base / self.speed, MIN_INTERVAL)
            at = now + timedelta(seconds=0.5 * index)
            self._schedules.append(_Schedule(item.device, interval, at))
        self._sensors = {sensor.device.dev_eui: sensor for sensor in sensors}
        self._meters = {meter.device.dev_eui: meter for meter in meters}
        self._rngs = {eui: random.Random(eui) for eui in self._sensors}

    @property
    def devices(self) -> list[Device]:
        """Return the simulated devices."""
        return [schedule.device for schedule in self._schedules]

    @property
    def every_device_reported(self) -> bool:
        """Return True once every device has sent its first uplink (or went silent)."""
        return all(schedule.sent or schedule.done for schedule in self._schedules)

    def next_due(self) -> datetime | None:
        """Return when the next request is due (None: nothing more to send)."""
        due = [s.next_at for s in self._schedules if not s.done]
        return min(due) if due else None

    def due(self, now: datetime) -> list[Request]:
        """Return the requests due at ``now`` and schedule the next ones."""
        requests: list[Request] = []
        for schedule in self._schedules:
            if schedule.done or schedule.next_at > now:
                continue
            eui = schedule.device.dev_eui
            if eui not in self.counters:
                self.counters[eui] = 0
                requests.append(
                    Request(
                        schedule.device, *join_request(self.server, schedule.device, now), "join"
                    )
                )
            request = self._uplink(schedule, now)
            if request is None:
                schedule.done = True
                continue
            requests.append(request)
            schedule.sent += 1
            schedule.next_at += schedule.interval
            if schedule.next_at < now:  # the loop fell behind: do not send a burst
                schedule.next_at = now + schedule.interval
        return requests

    def scenario_time(self, now: datetime) -> datetime:
        """Return the scenario's local time (runs ``speed`` times faster from the start)."""
        assert self.started is not None
        return (self.started + (now - self.started) * self.speed).astimezone(TZ)

    def _uplink(self, schedule: _Schedule, now: datetime) -> Request | None:
        eui = schedule.device.dev_eui
        f_cnt = self.counters[eui]
        if (sensor := self._sensors.get(eui)) is not None:
            local = self.scenario_time(now)
            elapsed = local - self.scenario_time(self.started or now)
            if sensor.behaviour == "silent" and elapsed >= SILENT_AFTER:
                return None
            if sensor.behaviour == "still":
                motion = 4 if schedule.sent == 0 else 0
            else:
                motion = sensor.moves(local, self._rngs[eui]) or (3 if schedule.sent == 0 else 0)
            f_port, payload = sensor.payload(local, motion)
            what = f"motion {motion}" if motion else "no motion"
        else:
            meter = self._meters[eui]
            f_port, payload = meter.payload(now, f_cnt)
            what = "meter reading with hourly history"
        self.counters[eui] = (f_cnt + 1) & 0xFFFFFFFF
        query, body = uplink_request(self.server, schedule.device, f_cnt, f_port, payload, now)
        return Request(schedule.device, query, body, what)
