"""Supervision rules for one apartment and their plain-dict form.

The dict form is what a Home Assistant config (sub)entry stores: times are
``"HH:MM"`` strings (``"24:00"`` is accepted as an end time and means midnight),
durations are whole minutes and weekdays are ints ``0`` (Monday) to ``6``
(Sunday). Whole-number floats (as number selectors return them) and digit
strings for weekdays are accepted. Every rule is optional and they combine:

* ``bands`` - inactivity by time band: no motion for ``minutes`` inside the band
  (``minutes: null`` switches the band off). A band whose end is not after its
  start crosses midnight; equal start and end is a whole-day band. ``weekdays``
  select the days on which an occurrence *starts*.
* ``windows`` - check windows: motion is expected between ``start`` and ``end``
  (end inclusive) on the selected weekdays.
* ``continuous_minutes`` - a stopwatch: no motion for this long at any time.
* ``doors`` - which of ``sensors`` are door sensors (an opening counts as
  activity, and the two rules below read them).
* ``outing`` - door opened, closed, then no motion for ``minutes``: the
  resident is out (status ``away``, no inactivity alarm). ``not_back`` is a band
  (``start``, ``end``, ``minutes``, ``weekdays``): away longer than its minutes
  inside it raises a "not back" alarm.
* ``night_exit`` - a door opening inside ``start``-``end`` (on ``weekdays``)
  raises an alarm at once; motion inside within ``return_minutes`` marks it
  "returned" (it stays open for staff).
* ``planned`` - planned checks (``times``: ``at`` and ``weekdays``;
  ``lookback_minutes``), see :mod:`.planned`.

Example::

    {
        "sensors": ["sensor-a", "sensor-b"],
        "bands": [
            {"start": "07:00", "end": "22:00", "minutes": 180},
            {"start": "22:00", "end": "07:00", "minutes": None},
        ],
        "windows": [{"start": "07:00", "end": "10:00", "weekdays": [0, 1, 2, 3, 4]}],
        "grace_minutes": 10,
        "sensor_unavailable_minutes": 15,
        "sensor_interval_minutes": 60,
        "policy": {"escalation_minutes": 5, "reminder_minutes": 5},
    }

The escalation policy is a unit-level setting; an adapter may pass it separately
with ``ApartmentRules.from_dict(data, policy=...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from .parsing import (
    ALL_WEEKDAYS,
    RulesError,
    format_hhmm,
    parse_hhmm,
    parse_minutes,
    parse_weekdays,
)
from .planned_rules import PlannedChecks

# The parsers live in parsing.py (planned_rules.py needs them without a cycle); re-exported.
__all__ = [
    "ALL_WEEKDAYS",
    "DEFAULT_GRACE_MINUTES",
    "DEFAULT_OUTING_MINUTES",
    "DEFAULT_RETURN_MINUTES",
    "DEFAULT_UNAVAILABLE_MINUTES",
    "MINUTES_PER_DAY",
    "AlertPolicy",
    "ApartmentRules",
    "CheckWindow",
    "NightExitRule",
    "OutingRule",
    "RulesError",
    "TimeBand",
    "format_hhmm",
    "parse_hhmm",
    "parse_minutes",
    "parse_weekdays",
    "span_minutes",
]

MINUTES_PER_DAY = 24 * 60
DEFAULT_GRACE_MINUTES = 10
DEFAULT_UNAVAILABLE_MINUTES = 15
DEFAULT_OUTING_MINUTES = 10
DEFAULT_RETURN_MINUTES = 2


def _optional_minutes(value: object, name: str) -> int | None:
    return None if value is None else parse_minutes(value, name)


def span_minutes(start: time, end: time) -> int:
    """Return the nominal length of ``start``-``end`` in minutes (crossing midnight)."""
    length = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % MINUTES_PER_DAY
    return length or MINUTES_PER_DAY


def _check_time(value: time, name: str) -> None:
    if value.second or value.microsecond or value.tzinfo is not None:
        raise RulesError(f"{name} must be a naive whole-minute time")


def _check_weekdays(value: frozenset[int]) -> None:
    if not value or not value <= ALL_WEEKDAYS:
        raise RulesError(f"weekdays must be a non-empty subset of 0..6, got {sorted(value)}")


@dataclass(frozen=True, slots=True)
class TimeBand:
    """Inactivity threshold inside a daily local-time band.

    Still time counts only inside the band: the clock starts at the later of the
    last motion and the start of the current band occurrence, so a resident who
    slept through the previous band does not get a "wake-up alarm" when the day
    band starts. If the band ends before the threshold is reached, that band
    occurrence raises nothing.
    """

    start: time
    end: time
    minutes: int | None  # None: the band is off (kept so the UI can show it)
    weekdays: frozenset[int] = ALL_WEEKDAYS

    def __post_init__(self) -> None:
        """Validate the band."""
        _check_time(self.start, "band start")
        _check_time(self.end, "band end")
        _check_weekdays(self.weekdays)
        if self.minutes is not None:
            if isinstance(self.minutes, bool) or self.minutes < 1:
                raise RulesError(f"band minutes must be positive, got {self.minutes!r}")
            if self.minutes > span_minutes(self.start, self.end):
                raise RulesError(f"band {self.label}: {self.minutes} min is longer than the band")

    @property
    def label(self) -> str:
        """Return ``"HH:MM-HH:MM"``."""
        return f"{format_hhmm(self.start)}-{format_hhmm(self.end)}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimeBand:
        """Build a band from its stored dict."""
        return cls(
            start=parse_hhmm(data.get("start")),
            end=parse_hhmm(data.get("end")),
            minutes=_optional_minutes(data.get("minutes"), "band minutes"),
            weekdays=parse_weekdays(data.get("weekdays")),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the stored dict form."""
        return {
            "start": format_hhmm(self.start),
            "end": format_hhmm(self.end),
            "minutes": self.minutes,
            "weekdays": sorted(self.weekdays),
        }


@dataclass(frozen=True, slots=True)
class CheckWindow:
    """Motion is expected between ``start`` and ``end`` (inclusive) on ``weekdays``.

    A window whose end is before its start crosses midnight; ``weekdays`` select
    the day on which the window starts.
    """

    start: time
    end: time
    weekdays: frozenset[int] = ALL_WEEKDAYS

    def __post_init__(self) -> None:
        """Validate the window."""
        _check_time(self.start, "window start")
        _check_time(self.end, "window end")
        _check_weekdays(self.weekdays)
        if self.start == self.end:
            raise RulesError(f"window {self.label} has no length")

    @property
    def label(self) -> str:
        """Return ``"HH:MM-HH:MM"``."""
        return f"{format_hhmm(self.start)}-{format_hhmm(self.end)}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckWindow:
        """Build a window from its stored dict."""
        return cls(
            start=parse_hhmm(data.get("start")),
            end=parse_hhmm(data.get("end")),
            weekdays=parse_weekdays(data.get("weekdays")),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the stored dict form."""
        return {
            "start": format_hhmm(self.start),
            "end": format_hhmm(self.end),
            "weekdays": sorted(self.weekdays),
        }


@dataclass(frozen=True, slots=True)
class OutingRule:
    """Door opened, closed, then no motion for ``minutes``: the resident is out."""

    minutes: int = DEFAULT_OUTING_MINUTES
    not_back: TimeBand | None = None  # away longer than its minutes inside it -> alarm

    def __post_init__(self) -> None:
        """Validate the rule."""
        parse_minutes(self.minutes, "outing minutes")
        if self.not_back is not None and self.not_back.minutes is None:
            raise RulesError("the not-back band needs its minutes")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutingRule:
        """Build the rule from its stored dict."""
        not_back = data.get("not_back")
        return cls(
            minutes=parse_minutes(data.get("minutes", DEFAULT_OUTING_MINUTES), "outing minutes"),
            not_back=None if not not_back else TimeBand.from_dict(not_back),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the stored dict form."""
        return {
            "minutes": self.minutes,
            "not_back": None if self.not_back is None else self.not_back.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class NightExitRule:
    """A door opening between ``start`` and ``end`` on ``weekdays`` is an alarm."""

    start: time
    end: time
    weekdays: frozenset[int] = ALL_WEEKDAYS
    return_minutes: int = DEFAULT_RETURN_MINUTES  # motion inside this soon: "returned"

    def __post_init__(self) -> None:
        """Validate the rule."""
        _check_time(self.start, "night exit start")
        _check_time(self.end, "night exit end")
        _check_weekdays(self.weekdays)
        parse_minutes(self.return_minutes, "return minutes")
        if self.start == self.end:
            raise RulesError(f"night exit {self.label} has no length")

    @property
    def label(self) -> str:
        """Return ``"HH:MM-HH:MM"``."""
        return f"{format_hhmm(self.start)}-{format_hhmm(self.end)}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NightExitRule:
        """Build the rule from its stored dict."""
        return cls(
            start=parse_hhmm(data.get("start")),
            end=parse_hhmm(data.get("end")),
            weekdays=parse_weekdays(data.get("weekdays")),
            return_minutes=parse_minutes(
                data.get("return_minutes", DEFAULT_RETURN_MINUTES), "return minutes"
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the stored dict form."""
        return {
            "start": format_hhmm(self.start),
            "end": format_hhmm(self.end),
            "weekdays": sorted(self.weekdays),
            "return_minutes": self.return_minutes,
        }


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """Unit-level alarm handling: escalation and reminders (``None`` = off)."""

    escalation_minutes: int | None = None  # escalate once if not acknowledged by then
    reminder_minutes: int | None = None  # remind every N minutes until acknowledged

    def __post_init__(self) -> None:
        """Validate the policy."""
        for name in ("escalation_minutes", "reminder_minutes"):
            value = getattr(self, name)
            if value is not None:
                parse_minutes(value, name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertPolicy:
        """Build a policy from its stored dict."""
        return cls(
            escalation_minutes=_optional_minutes(
                data.get("escalation_minutes"), "escalation_minutes"
            ),
            reminder_minutes=_optional_minutes(data.get("reminder_minutes"), "reminder_minutes"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the stored dict form."""
        return {
            "escalation_minutes": self.escalation_minutes,
            "reminder_minutes": self.reminder_minutes,
        }


@dataclass(frozen=True, slots=True)
class ApartmentRules:
    """Everything the engine needs to supervise one apartment."""

    sensor_ids: tuple[str, ...] = ()
    bands: tuple[TimeBand, ...] = ()
    windows: tuple[CheckWindow, ...] = ()
    continuous_minutes: int | None = None
    grace_minutes: int = DEFAULT_GRACE_MINUTES  # 0: alarm without grace
    sensor_unavailable_minutes: int = DEFAULT_UNAVAILABLE_MINUTES
    sensor_interval_minutes: int | None = None  # expected max time between sensor updates
    policy: AlertPolicy = field(default_factory=AlertPolicy)
    door_ids: tuple[str, ...] = ()  # which of sensor_ids are doors
    outing: OutingRule | None = None
    night_exit: NightExitRule | None = None
    planned: PlannedChecks | None = None

    def __post_init__(self) -> None:
        """Validate the scalar settings."""
        if not set(self.door_ids) <= set(self.sensor_ids):
            raise RulesError("a door sensor must also be an assigned sensor")
        if self.continuous_minutes is not None:
            parse_minutes(self.continuous_minutes, "continuous_minutes")
        parse_minutes(self.grace_minutes, "grace_minutes", minimum=0)
        parse_minutes(self.sensor_unavailable_minutes, "sensor_unavailable_minutes")
        if self.sensor_interval_minutes is not None:
            parse_minutes(self.sensor_interval_minutes, "sensor_interval_minutes")
        if len(set(self.sensor_ids)) != len(self.sensor_ids):
            raise RulesError("a sensor is assigned twice")

    @property
    def active_bands(self) -> tuple[TimeBand, ...]:
        """Return the bands that are switched on."""
        return tuple(band for band in self.bands if band.minutes is not None)

    @property
    def has_rules(self) -> bool:
        """Return True when at least one inactivity rule or check window is active."""
        not_back = self.outing is not None and self.outing.not_back is not None
        return bool(
            self.active_bands
            or self.windows
            or self.continuous_minutes
            or self.night_exit
            or not_back
            or self.planned
        )

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, policy: AlertPolicy | None = None
    ) -> ApartmentRules:
        """Build rules from a stored dict; ``policy`` overrides ``data["policy"]``."""
        sensors = data.get("sensors", ())
        if isinstance(sensors, str) or not all(isinstance(s, str) and s for s in sensors):
            raise RulesError("sensors must be a list of sensor ids")
        doors = data.get("doors", ())
        if isinstance(doors, str) or not all(isinstance(s, str) and s for s in doors):
            raise RulesError("doors must be a list of sensor ids")
        outing, night_exit = data.get("outing"), data.get("night_exit")
        planned = data.get("planned")
        return cls(
            sensor_ids=tuple(sensors),
            bands=tuple(TimeBand.from_dict(item) for item in data.get("bands", ())),
            windows=tuple(CheckWindow.from_dict(item) for item in data.get("windows", ())),
            continuous_minutes=_optional_minutes(
                data.get("continuous_minutes"), "continuous_minutes"
            ),
            grace_minutes=parse_minutes(
                data.get("grace_minutes", DEFAULT_GRACE_MINUTES), "grace_minutes", minimum=0
            ),
            sensor_unavailable_minutes=parse_minutes(
                data.get("sensor_unavailable_minutes", DEFAULT_UNAVAILABLE_MINUTES),
                "sensor_unavailable_minutes",
            ),
            sensor_interval_minutes=_optional_minutes(
                data.get("sensor_interval_minutes"), "sensor_interval_minutes"
            ),
            policy=policy or AlertPolicy.from_dict(data.get("policy") or {}),
            door_ids=tuple(doors),
            outing=None if not outing else OutingRule.from_dict(outing),
            night_exit=None if not night_exit else NightExitRule.from_dict(night_exit),
            planned=None if not planned else PlannedChecks.from_dict(planned),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the stored dict form (JSON-serialisable)."""
        return {
            "sensors": list(self.sensor_ids),
            "bands": [band.to_dict() for band in self.bands],
            "windows": [window.to_dict() for window in self.windows],
            "continuous_minutes": self.continuous_minutes,
            "grace_minutes": self.grace_minutes,
            "sensor_unavailable_minutes": self.sensor_unavailable_minutes,
            "sensor_interval_minutes": self.sensor_interval_minutes,
            "policy": self.policy.to_dict(),
            "doors": list(self.door_ids),
            "outing": None if self.outing is None else self.outing.to_dict(),
            "night_exit": None if self.night_exit is None else self.night_exit.to_dict(),
            "planned": None if self.planned is None else self.planned.to_dict(),
        }
