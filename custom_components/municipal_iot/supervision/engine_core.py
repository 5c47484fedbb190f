"""The supervisor's state: its fields, plain queries and persistence.

The bottom layer of :class:`~.engine.ApartmentSupervisor`. Each rule family is
one class on top of the one below it, so every layer may use what the layers
beneath it define, and mypy sees every attribute:

:class:`SupervisorCore` (this module) -> :class:`~.engine_sensors.SensorRules`
-> :class:`~.engine_episodes.EpisodeRules` -> :class:`~.engine_planned.PlannedRules`
-> :class:`~.engine_inactivity.InactivityRules` -> :class:`~.engine_doors.DoorRules`
-> :class:`~.engine_deadlines.DeadlineRules` -> :class:`~.engine.ApartmentSupervisor`
(the public inputs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from . import planned as plan
from .events import Event, EventKind
from .rules import ApartmentRules, CheckWindow
from .schedule import InactivityDue, Occurrence
from .state import (
    AwayInfo,
    EpisodeInfo,
    GraceInfo,
    PauseInfo,
    SensorHealth,
    Status,
)
from .timeutil import iso, iso_or_none, parse_iso, parse_iso_or_none, utc

STATE_VERSION = 1
LOW_BATTERY_REPEAT = timedelta(hours=24)
REASON_INACTIVITY = "inactivity"
REASON_CHECK_WINDOW = "check_window"
REASON_NOT_BACK = "not_back"
REASON_NIGHT_EXIT = "night_exit"


class Due(IntEnum):
    """Kinds of deadline; the value breaks ties between equal instants."""

    PAUSE_END = 0
    SENSOR_UNAVAILABLE = 1
    SENSOR_STALE = 2
    GRACE_END = 3
    ESCALATE = 4
    REMIND = 5
    OUTING = 6
    NOT_BACK = 7
    INACTIVITY = 8
    WINDOW = 9
    PLANNED = 10


# A deadline: its instant, its kind and the sensor it concerns ("" for none).
DueItem = tuple[datetime, Due, str]


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None:
        return second
    if second is None:
        return first
    return max(first, second)


class SupervisorCore:
    """The state of one apartment's supervision, its queries and its stored form."""

    def __init__(
        self,
        apartment_id: str,
        rules: ApartmentRules,
        *,
        tz: ZoneInfo,
        clock: Callable[[], datetime],
        state: Mapping[str, Any] | None,
    ) -> None:
        """Set up a fresh state at the clock's now, then restore ``state`` if given."""
        self._apartment_id = apartment_id
        self._rules = rules
        self._tz = tz
        self._clock = clock
        now = self._now()
        self._last_motion: datetime | None = None
        self._motion_before: datetime | None = None  # seen before supervision (display only)
        self._confirmed_at: datetime | None = None
        self._clock_start = now
        self._window_cursor = now  # window occurrences ending at or before this are done
        self._grace: GraceInfo | None = None
        self._episode: EpisodeInfo | None = None
        self._pause: PauseInfo | None = None
        self._sensors: dict[str, SensorHealth] = {}
        self._door_closed_at: datetime | None = None  # an outing may have begun then
        self._away: AwayInfo | None = None
        self._doors = frozenset(rules.door_ids)
        self._state_lost_at: datetime | None = None
        self._planned = plan.PlannedTracker(now)
        if state is not None:
            self._load(state)
        self._sync_sensors(now)
        self._sensor_ok = self._any_sensor_ok()
        self._inactivity_cache: tuple[datetime, InactivityDue | None] | None = None
        self._window_cache: tuple[datetime, list[tuple[CheckWindow, Occurrence]]] | None = None
        self._grace_floor: datetime | None = None  # set while update_rules settles deadlines
        self._not_back_cache: tuple[datetime, InactivityDue | None] | None = None

    # ---------------------------------------------------------------- queries

    @property
    def apartment_id(self) -> str:
        """Return the apartment id."""
        return self._apartment_id

    @property
    def rules(self) -> ApartmentRules:
        """Return the rules in force."""
        return self._rules

    @property
    def status(self) -> Status:  # noqa: PLR0911 - one return per status, in rank order
        """Return the current status (alarm > grace > state lost > paused > sensor health > ok)."""
        if self._episode is not None:
            return Status.ACKNOWLEDGED if self._episode.acknowledged else Status.ALARM
        if self._grace is not None:
            return Status.GRACE
        if self._state_lost_at is not None:
            return Status.SENSOR_PROBLEM
        if self._pause is not None:
            return Status.PAUSED
        if not self._sensor_ok or not self._rules.has_rules:
            return Status.NOT_SUPERVISED
        if self._away is not None:
            return Status.AWAY
        if any(health.problem is not None for health in self._sensors.values()):
            return Status.SENSOR_PROBLEM
        return Status.OK

    @property
    def last_motion(self) -> datetime | None:
        """Return the last motion of any assigned sensor (seen before supervision too)."""
        return _later(self._last_motion, self._motion_before)

    @property
    def last_activity(self) -> datetime | None:
        """Return the later of the last motion and the last staff confirmation."""
        return _later(self._last_motion, self._confirmed_at)

    @property
    def still_since(self) -> datetime:
        """Return the instant the inactivity clock counts from."""
        activity = self.last_activity
        return self._clock_start if activity is None else max(activity, self._clock_start)

    @property
    def next_planned_check(self) -> datetime | None:
        """Return the next planned check, if the apartment has planned checks."""
        return self._planned.next_due(self._rules.planned, self._tz)

    @property
    def state_lost_at(self) -> datetime | None:
        """Return when the stored state was found unreadable, until staff checked."""
        return self._state_lost_at

    @property
    def grace(self) -> GraceInfo | None:
        """Return the running grace period, if any."""
        return self._grace

    @property
    def episode(self) -> EpisodeInfo | None:
        """Return the open alarm episode, if any."""
        return self._episode

    @property
    def paused(self) -> PauseInfo | None:
        """Return the pause in force, if any."""
        return self._pause

    @property
    def away(self) -> AwayInfo | None:
        """Return the outing in progress, if any."""
        return self._away

    @property
    def sensors(self) -> dict[str, SensorHealth]:
        """Return a snapshot of the assigned sensors' health."""
        return dict(self._sensors)

    # ------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        """Return the complete state as JSON-serialisable data."""
        return {
            "version": STATE_VERSION,
            "apartment_id": self._apartment_id,
            "last_motion": iso_or_none(self._last_motion),
            "motion_before": iso_or_none(self._motion_before),
            "confirmed_at": iso_or_none(self._confirmed_at),
            "clock_start": iso(self._clock_start),
            "window_cursor": iso(self._window_cursor),
            "grace": None if self._grace is None else self._grace.to_dict(),
            "episode": None if self._episode is None else self._episode.to_dict(),
            "pause": None if self._pause is None else self._pause.to_dict(),
            "sensors": {sid: health.to_dict() for sid, health in self._sensors.items()},
            "door_closed_at": iso_or_none(self._door_closed_at),
            "away": None if self._away is None else self._away.to_dict(),
            "state_lost_at": iso_or_none(self._state_lost_at),
            "planned": self._planned.to_dict(),
        }

    def _load(self, state: Mapping[str, Any]) -> None:
        version = state.get("version")
        if version != STATE_VERSION:
            raise ValueError(f"unsupported supervision state version {version!r}")
        self._last_motion = parse_iso_or_none(state.get("last_motion"))
        self._motion_before = parse_iso_or_none(state.get("motion_before"))
        self._confirmed_at = parse_iso_or_none(state.get("confirmed_at"))
        self._clock_start = parse_iso(state["clock_start"])
        self._window_cursor = parse_iso(state["window_cursor"])
        grace, episode, pause = state.get("grace"), state.get("episode"), state.get("pause")
        self._grace = None if grace is None else GraceInfo.from_dict(grace)
        self._episode = None if episode is None else EpisodeInfo.from_dict(episode)
        self._pause = None if pause is None else PauseInfo.from_dict(pause)
        self._sensors = {
            sid: SensorHealth.from_dict(data) for sid, data in state.get("sensors", {}).items()
        }
        self._door_closed_at = parse_iso_or_none(state.get("door_closed_at"))
        away = state.get("away")
        self._away = None if away is None else AwayInfo.from_dict(away)
        self._state_lost_at = parse_iso_or_none(state.get("state_lost_at"))
        if (planned := state.get("planned")) is not None:
            self._planned = plan.PlannedTracker.from_dict(planned)

    # -------------------------------------------------------------- internals

    def _now(self) -> datetime:
        return utc(self._clock())

    def _event(self, kind: EventKind, at: datetime, **data: Any) -> Event:
        return Event(kind, self._apartment_id, at, data)

    # Sensor bookkeeping needed by __init__; the health rules are in engine_sensors.
    def _sync_sensors(self, now: datetime) -> None:
        old = self._sensors
        self._sensors = {
            sid: old[sid] if sid in old else SensorHealth(last_update=now)
            for sid in self._rules.sensor_ids
        }

    def _any_sensor_ok(self) -> bool:
        return any(health.problem is None for health in self._sensors.values())

    def _planned_done(
        self, now: datetime, checks: Iterable[Mapping[str, Any]], outcome: str, **data: Any
    ) -> list[Event]:
        """Document pending planned checks (every family that settles them calls this)."""
        return [
            self._event(EventKind.PLANNED_CHECK, now, **check, outcome=outcome, **data)
            for check in checks
        ]
