"""Per-apartment supervision state machine.

:class:`ApartmentSupervisor` is pure and synchronous. It never reads the system
time: ``clock`` returns the current aware UTC time, and every call evaluates the
rules at that instant. It never sleeps or polls either: it tells the caller the
next instant it must be woken (:meth:`ApartmentSupervisor.next_deadline`).

How a Home Assistant adapter drives it:

1. Create one supervisor per apartment with the apartment's
   :class:`~.rules.ApartmentRules`, ``tz=ZoneInfo(hass.config.time_zone)``,
   ``clock=dt_util.utcnow`` and ``state=`` the dict last saved in the Store.
2. Call :meth:`~ApartmentSupervisor.tick` right after creating it, before
   feeding any sensor state: deadlines that passed while Home Assistant was down
   fire now (an alarm that became due is raised at once, never lost).
3. Feed real sensor reports: :meth:`~ApartmentSupervisor.sensor_update` for each
   report or state change (``motion=True`` for every report that contains motion,
   also repeated ones; ``motion=False`` when the motion state clears;
   ``motion=None`` for a report without motion information; ``available=False``
   for unavailable/unknown) and :meth:`~ApartmentSupervisor.battery_update` for
   battery state. Do not replay restored entity states as fresh reports.
4. Map staff actions to :meth:`~ApartmentSupervisor.acknowledge`,
   :meth:`~ApartmentSupervisor.resolve`, :meth:`~ApartmentSupervisor.pause`
   and :meth:`~ApartmentSupervisor.resume`; config changes to
   :meth:`~ApartmentSupervisor.update_rules` (applies live).
5. After *every* call: journal and notify the returned events (see
   :mod:`.events`), save :meth:`~ApartmentSupervisor.to_dict` (it is small),
   then schedule one ``async_track_point_in_utc_time`` callback at
   :meth:`~ApartmentSupervisor.next_deadline` that calls ``tick()`` (cancel the
   previous callback). A callback that fires early or for a deadline that moved
   is harmless: ``tick()`` is idempotent.

Semantics in brief (details in the method docstrings):

* Motion from any assigned sensor counts (two sensors: either one). The *still
  time* starts at the latest of: last motion, the last staff confirmation
  (resolve), the start of supervision, the last resume, and the moment
  supervision regained a working sensor.
* Bands count still time only inside the band, from the later of the still
  time start and the band occurrence start (no "wake-up alarm" when the day
  band begins); a band occurrence that ends before its threshold raises
  nothing. Check windows are evaluated once, at their end, and logged as
  ``check_passed`` / ``check_missed`` / ``check_skipped``.
* ok -> grace -> alarm: a failed rule starts a grace period that motion cancels;
  at its end an alarm *episode* opens. The episode stays open until staff
  resolve it (returning motion only emits ``motion_returned``); rules that fail
  meanwhile are logged but raise no second alarm.
* Event ``at`` is the processing instant; deadline events carry ``due_at``.
  After downtime every missed deadline is processed in time order on the first
  call, so an alarm that fell due is raised at once (grace included, if its end
  also passed); escalation and reminders count from the actual raise.
* Within one call, deadlines before the call's instant are processed first, then
  the input, then deadlines at that instant: motion exactly at a window end
  still counts for the window.
* Escalation and reminders stop when the alarm is acknowledged or motion
  returns (a moving resident does not need a second responder). Reminders after
  downtime are not replayed in a burst: one is sent and the cadence restarts.
* A sensor problem (unavailable too long, or silent beyond its interval) is its
  own alert and is never read as "no motion": while every sensor has a problem
  the inactivity rules are suspended and check windows are logged as skipped.
  Last-update times are persisted, so after long downtime sensors may be
  reported stale until their next report.
* A supervisor whose stored state could not be read is marked *state lost*
  (:meth:`ApartmentSupervisor.mark_state_lost`): it supervises from now on as a
  fresh one, but its status stays ``sensor_problem`` (an alarm may have been
  open) until staff have checked the apartment and call ``resolve``.
* While paused, rules are not evaluated; motion is still recorded, sensor
  health is still tracked and an open episode (with its reminders) continues.
* Doors (``rules.door_ids``): an opening or closing counts as activity. With
  the outing rule, a door that opened and closed followed by no fresh motion
  report for its minutes (and no motion sensor still showing motion) means
  ``away``: no inactivity rule and no check window applies (windows are logged
  as skipped), only the optional "not back" band, which raises an alarm
  without grace. A fresh motion report ends the outing; while away, doors do
  not count as activity (the resident coming home is the door *and* motion).
  Resolving an alarm also ends an outing (staff checked).
* Night exit: a door opening inside the rule's band raises an alarm at once
  (no grace, even while away: a return at night is worth a look too). Fresh
  motion within the return minutes marks it "returned"; motion never clears a
  night-exit alarm's escalation: staff decide.
* Planned checks document themselves at their times (:mod:`.planned`).

Cost: an update touches a handful of fields; the only non-trivial work is
recomputing the next inactivity deadline after motion, a scan of at most a few
band occurrences per configured band (cached until the still time changes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from . import planned as plan
from .events import Event, EventKind
from .rules import DEFAULT_RETURN_MINUTES, ApartmentRules, CheckWindow
from .schedule import (
    InactivityDue,
    Occurrence,
    band_deadline,
    inactivity_deadline,
    next_window_occurrence,
    occurrence_at,
)
from .state import (
    AwayInfo,
    EpisodeInfo,
    GraceInfo,
    PauseInfo,
    SensorHealth,
    SensorProblem,
    Status,
)
from .timeutil import iso, iso_or_none, parse_iso, parse_iso_or_none, utc

STATE_VERSION = 1
LOW_BATTERY_REPEAT = timedelta(hours=24)
REASON_INACTIVITY = "inactivity"
REASON_CHECK_WINDOW = "check_window"
REASON_NOT_BACK = "not_back"
REASON_NIGHT_EXIT = "night_exit"
_MAX_STEPS = 100_000  # guard against a deadline that fails to advance (a bug)


class _Due(IntEnum):
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


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None:
        return second
    if second is None:
        return first
    return max(first, second)


class ApartmentSupervisor:
    """Supervision state machine for one apartment (see the module docstring)."""

    def __init__(
        self,
        apartment_id: str,
        rules: ApartmentRules,
        *,
        tz: ZoneInfo,
        clock: Callable[[], datetime],
        state: Mapping[str, Any] | None = None,
    ) -> None:
        """Create a supervisor, optionally restoring ``state`` from :meth:`to_dict`.

        A fresh supervisor starts its still time and check windows now: a window
        already running counts only motion from now on.
        """
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

    # ----------------------------------------------------------------- inputs

    def sensor_update(self, sensor_id: str, *, motion: bool | None, available: bool) -> list[Event]:
        """Record a report from ``sensor_id``; unassigned sensors are ignored.

        ``available=True`` refreshes the sensor's last-update time and ends a
        sensor problem. ``motion=True``, and ``False`` right after ``True`` (the
        motion lasted until now), count as activity: they cancel a grace period
        and mark an open episode's motion as returned.
        """

        def apply(now: datetime) -> list[Event]:
            health = self._sensors.get(sensor_id)
            if health is None:
                return []
            if available:
                return self._sensor_available(sensor_id, health, motion, now)
            if health.available:
                self._sensors[sensor_id] = replace(
                    health, available=False, unavailable_since=now, motion_on=False
                )
            return []

        return self._input(apply)

    def seed_last_motion(self, at: datetime) -> None:
        """Remember motion a sensor showed before it was supervised (its last change).

        Only :attr:`last_motion` shows it: the still time still counts from the
        start of supervision, since nothing was watched before.
        """
        at = min(utc(at), self._now())
        if self._last_motion is None or at > self._last_motion:
            seen = self._motion_before
            self._motion_before = at if seen is None else max(seen, at)

    def battery_update(self, sensor_id: str, *, low: bool) -> list[Event]:
        """Record a sensor's battery state; a low battery is reported at most once a day."""

        def apply(now: datetime) -> list[Event]:
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

        return self._input(apply)

    def acknowledge(self, user_id: str | None) -> list[Event]:
        """Acknowledge the open alarm (alarm -> acknowledged); no-op otherwise."""

        def apply(now: datetime) -> list[Event]:
            episode = self._episode
            if episode is None or episode.acknowledged:
                return []
            self._episode = replace(
                episode, acknowledged_at=now, acknowledged_by=user_id, next_reminder_at=None
            )
            return [
                self._event(
                    EventKind.ACKNOWLEDGED, now, episode_id=episode.episode_id, user_id=user_id
                )
            ]

        return self._input(apply)

    def resolve(self, user_id: str | None, outcome: str, note: str = "") -> list[Event]:
        """Close the open alarm episode with an outcome (and a note); no-op without one.

        Without an open episode it confirms that staff checked an apartment whose
        state was lost (``state_checked``).

        Closing without motion is allowed (staff were there): the event's
        ``motion_returned`` says which. Resolving counts as a confirmed check:
        the still time restarts now, and a check window running now counts as
        satisfied.
        """

        def apply(now: datetime) -> list[Event]:
            episode = self._episode
            if episode is None:
                return self._state_checked(now, user_id, outcome, note)
            self._episode = None
            self._confirmed_at = now
            self._door_closed_at = None  # staff checked: no outing is concluded from before
            returned = episode.motion_returned_at is not None or "returned_at" in episode.detail
            events = [
                self._event(
                    EventKind.RESOLVED,
                    now,
                    episode_id=episode.episode_id,
                    user_id=user_id,
                    outcome=outcome,
                    motion_returned=returned,
                    acknowledged=episode.acknowledged,
                    **({"note": note} if note else {}),
                )
            ]
            if self._away is not None:
                events.append(self._end_away("resolved", now))
            checks = episode.detail.get("planned_checks") or ()
            visit = {
                "episode_id": episode.episode_id,
                "user_id": user_id,
                "closed_outcome": outcome,
            }
            events.extend(
                self._planned_done(now, checks, plan.DONE_VISIT, evidence_at=iso(now), **visit)
            )
            return events

        return self._input(apply)

    def mark_state_lost(self) -> list[Event]:
        """Mark that the stored state could not be read: staff must check the apartment.

        The status is ``sensor_problem`` until :meth:`resolve` (an alarm and a
        grace still outrank it); supervision itself runs on as for a fresh start.
        """
        now = self._now()
        self._state_lost_at = now
        return [self._event(EventKind.STATE_LOST, now)]

    def _state_checked(
        self, now: datetime, user_id: str | None, outcome: str, note: str
    ) -> list[Event]:
        lost_at = self._state_lost_at
        if lost_at is None:
            return []
        self._state_lost_at = None
        self._confirmed_at = now
        return [
            self._event(
                EventKind.STATE_CHECKED,
                now,
                user_id=user_id,
                lost_at=iso(lost_at),
                outcome=outcome,
                **({"note": note} if note else {}),
            )
        ]

    def pause(self, *, until: datetime | None, reason: str, user_id: str | None) -> list[Event]:
        """Pause supervision until ``until`` (``None``: until :meth:`resume`).

        Cancels a grace period; an open alarm episode stays open. Pausing while
        paused replaces the end time and reason. Raises ``ValueError`` if
        ``until`` is not in the future.
        """
        now = self._now()
        if until is not None:
            until = utc(until)
            if until <= now:
                raise ValueError("pause end must be in the future")  # before any deadline fires

        def apply(now: datetime) -> list[Event]:
            events = [] if self._grace is None else [self._cancel_grace("paused", now)]
            pending = self._planned.take_pending()
            events.extend(
                self._planned_done(now, pending, plan.NOT_DONE_PAUSED, pause_reason=reason)
            )
            self._door_closed_at = None  # no outing is concluded from a paused time
            since = now if self._pause is None else self._pause.since
            self._pause = PauseInfo(since=since, until=until, reason=reason, user_id=user_id)
            events.append(
                self._event(
                    EventKind.PAUSED, now, until=iso_or_none(until), reason=reason, user_id=user_id
                )
            )
            return events

        return self._input(apply, now)

    def resume(self, user_id: str | None) -> list[Event]:
        """Resume a paused apartment now; no-op if not paused.

        The still time restarts now and windows that ended during the pause (or
        exactly now) are not evaluated.
        """

        def apply(now: datetime) -> list[Event]:
            if self._pause is None:
                return []
            return [self._resume(now, now, user_id=user_id, automatic=False)]

        return self._input(apply)

    def update_rules(self, rules: ApartmentRules) -> list[Event]:
        """Apply new rules live.

        Deadlines due up to now are settled under the old rules first. The new
        thresholds then apply to the current still time: a shorter threshold can
        start a grace at once (the grace runs from now, not from the past due
        time). A running grace or episode is kept. Window occurrences that ended
        before now are not evaluated. Newly assigned sensors start healthy;
        removed sensors are forgotten.
        """
        # Not _input: deadlines due exactly now also settle under the old rules.
        now = self._now()
        events = self._advance(now, inclusive=True)
        self._rules = rules
        self._inactivity_cache = None
        self._window_cache = None
        self._not_back_cache = None
        self._doors = frozenset(rules.door_ids)
        if rules.outing is None:
            self._door_closed_at = None
            if self._away is not None:
                events.append(self._end_away("rules", now))
        self._window_cursor = max(self._window_cursor, now)
        self._planned.cursor = max(self._planned.cursor, now)
        self._sync_sensors(now)
        self._refresh_sensor_ok(now)
        episode = self._episode
        if episode is not None and episode.needs_attention:
            interval = rules.policy.reminder_minutes
            if interval is None:
                self._episode = replace(episode, next_reminder_at=None)
            elif episode.next_reminder_at is None:
                self._episode = replace(episode, next_reminder_at=now + timedelta(minutes=interval))
        # A shorter threshold may put a deadline in the past: grace still runs from now.
        self._grace_floor = now
        try:
            events.extend(self._advance(now, inclusive=True))
        finally:
            self._grace_floor = None
        return events

    def tick(self) -> list[Event]:
        """Process every deadline up to now (idempotent; call at :meth:`next_deadline`)."""
        return self._advance(self._now(), inclusive=True)

    def _input(
        self, apply: Callable[[datetime], list[Event]], now: datetime | None = None
    ) -> list[Event]:
        """Apply one input at ``now`` (default: the clock) between the deadlines.

        Deadlines before ``now`` fire first, then ``apply(now)``, then the deadlines
        at ``now``: motion exactly at a window end still counts for the window.
        """
        if now is None:
            now = self._now()
        events = self._advance(now, inclusive=False)
        events.extend(apply(now))
        events.extend(self._advance(now, inclusive=True))
        return events

    # ---------------------------------------------------------------- queries

    def next_deadline(self) -> datetime | None:
        """Return the next instant :meth:`tick` must run, or ``None`` if nothing is pending."""
        due = self._next_due()
        return None if due is None else due[0]

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
    def next_check(self) -> datetime | None:
        """Return when a rule would next fail (grace starts) if nothing moves.

        ``None`` while a grace or alarm is running, while paused, or when no
        rule can fire (no rule, or every sensor has a problem).
        """
        if self._episode or self._grace or self._pause or not self._sensor_ok:
            return None
        if self._away is not None:
            not_back = self._not_back_due()
            return None if not_back is None else not_back.at
        candidates: list[datetime] = []
        due = self._inactivity_due()
        if due is not None:
            candidates.append(due.at)
        activity = self.last_activity
        for window, occ in self._pending_windows():
            if activity is not None and occ.contains(activity):
                candidates.append(next_window_occurrence(window, occ.end, self._tz).end)
            else:
                candidates.append(occ.end)
        return min(candidates, default=None)

    @property
    def next_alarm(self) -> datetime | None:
        """Return when an alarm would be raised if nothing moves (see :attr:`next_check`)."""
        if self._grace is not None:
            return self._grace.ends_at
        check = self.next_check
        if self._away is not None:
            return check  # "not back" raises without grace
        return None if check is None else check + timedelta(minutes=self._rules.grace_minutes)

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

    def _sync_sensors(self, now: datetime) -> None:
        old = self._sensors
        self._sensors = {
            sid: old[sid] if sid in old else SensorHealth(last_update=now)
            for sid in self._rules.sensor_ids
        }

    def _any_sensor_ok(self) -> bool:
        return any(health.problem is None for health in self._sensors.values())

    def _refresh_sensor_ok(self, at: datetime) -> None:
        ok = self._any_sensor_ok()
        if ok and not self._sensor_ok:
            # Supervision is back: nothing could be seen before, so count from now.
            self._clock_start = max(self._clock_start, at)
        self._sensor_ok = ok

    def _inactivity_due(self) -> InactivityDue | None:
        since = self.still_since
        cache = self._inactivity_cache
        if cache is None or cache[0] != since:
            rules = self._rules
            due = inactivity_deadline(since, rules.active_bands, rules.continuous_minutes, self._tz)
            cache = self._inactivity_cache = (since, due)
        return cache[1]

    def _pending_windows(self) -> list[tuple[CheckWindow, Occurrence]]:
        cursor = self._window_cursor
        cache = self._window_cache
        if cache is None or cache[0] != cursor:
            pending = [
                (window, next_window_occurrence(window, cursor, self._tz))
                for window in self._rules.windows
            ]
            cache = self._window_cache = (cursor, pending)
        return cache[1]

    def _next_due(self) -> tuple[datetime, _Due, str] | None:  # noqa: C901 - one line per rule
        items: list[tuple[datetime, _Due, str]] = []
        pause = self._pause
        if pause is not None and pause.until is not None:
            items.append((pause.until, _Due.PAUSE_END, ""))
        self._sensor_deadlines(items)
        if self._grace is not None:
            items.append((self._grace.ends_at, _Due.GRACE_END, ""))
        if self._episode is not None:
            self._episode_deadlines(self._episode, items)
        if pause is None:
            if self._away is not None:
                not_back = self._not_back_due()
                if not_back is not None:
                    items.append((not_back.at, _Due.NOT_BACK, ""))
            elif self._grace is None and self._episode is None and self._sensor_ok:
                due = self._inactivity_due()
                if due is not None:
                    items.append((due.at, _Due.INACTIVITY, ""))
            if (outing := self._outing_due()) is not None:
                items.append((outing, _Due.OUTING, ""))
            items.extend((occ.end, _Due.WINDOW, "") for _, occ in self._pending_windows())
        if (planned := self.next_planned_check) is not None:  # paused too: documented as not done
            items.append((planned, _Due.PLANNED, ""))
        return min(items) if items else None

    def _outing_due(self) -> datetime | None:
        outing, closed = self._rules.outing, self._door_closed_at
        if outing is None or closed is None or self._away is not None or self._episode:
            return None
        sensors = self._sensors.items()
        if not any(health.problem is None for sid, health in sensors if sid not in self._doors):
            return None  # no working motion sensor: "no motion" proves nothing
        return closed + timedelta(minutes=outing.minutes)

    def _not_back_due(self) -> InactivityDue | None:
        away, outing = self._away, self._rules.outing
        if away is None or outing is None or outing.not_back is None:
            return None
        if away.not_back_at is not None or self._episode is not None:
            return None
        cache = self._not_back_cache
        if cache is None or cache[0] != away.since:
            due = band_deadline(outing.not_back, away.since, self._tz)
            cache = self._not_back_cache = (away.since, due)
        return cache[1]

    def _sensor_deadlines(self, items: list[tuple[datetime, _Due, str]]) -> None:
        unavailable = timedelta(minutes=self._rules.sensor_unavailable_minutes)
        interval = self._rules.sensor_interval_minutes
        for sid, health in self._sensors.items():
            if health.problem is not None:
                continue
            if health.unavailable_since is not None:
                items.append((health.unavailable_since + unavailable, _Due.SENSOR_UNAVAILABLE, sid))
            if interval is not None:
                items.append(
                    (health.last_update + timedelta(minutes=interval), _Due.SENSOR_STALE, sid)
                )

    def _episode_deadlines(
        self, episode: EpisodeInfo, items: list[tuple[datetime, _Due, str]]
    ) -> None:
        if not episode.needs_attention:
            return
        escalation = self._rules.policy.escalation_minutes
        if escalation is not None and episode.escalated_at is None:
            items.append((episode.raised_at + timedelta(minutes=escalation), _Due.ESCALATE, ""))
        if episode.next_reminder_at is not None:
            items.append((episode.next_reminder_at, _Due.REMIND, ""))

    def _advance(self, now: datetime, *, inclusive: bool) -> list[Event]:
        """Process due deadlines in time order (before ``now``, or up to it if inclusive)."""
        events: list[Event] = []
        for _ in range(_MAX_STEPS):
            due = self._next_due()
            if due is None or due[0] > now or (due[0] == now and not inclusive):
                return events
            events.extend(self._fire(due[0], due[1], due[2], now))
        raise RuntimeError("supervision deadlines do not advance")  # pragma: no cover

    def _fire(self, at: datetime, kind: _Due, key: str, now: datetime) -> list[Event]:  # noqa: C901
        # One case per kind of deadline.
        match kind:
            case _Due.PAUSE_END:
                event = self._resume(at, now, user_id=None, automatic=True)
            case _Due.SENSOR_UNAVAILABLE | _Due.SENSOR_STALE:
                event = self._sensor_problem(key, kind, at, now)
            case _Due.GRACE_END:
                event = self._raise_from_grace(at, now)
            case _Due.ESCALATE:
                event = self._escalate(at, now)
            case _Due.REMIND:
                event = self._remind(at, now)
            case _Due.OUTING:
                return self._start_away(at, now)
            case _Due.NOT_BACK:
                event = self._not_back(at, now)
            case _Due.INACTIVITY:
                return self._inactivity_failed(at, now)
            case _Due.WINDOW:
                return self._windows_end(at, now)
            case _Due.PLANNED:
                return self._planned_checks(at, now)
        return [event]

    def _resume(
        self, at: datetime, now: datetime, *, user_id: str | None, automatic: bool
    ) -> Event:
        pause = self._pause
        self._pause = None
        self._clock_start = max(self._clock_start, at)
        self._window_cursor = max(self._window_cursor, at)
        data: dict[str, Any] = {
            "user_id": user_id,
            "automatic": automatic,
            "paused_since": None if pause is None else iso(pause.since),
        }
        if automatic:
            data["due_at"] = iso(at)
        return self._event(EventKind.RESUMED, now, **data)

    def _sensor_available(
        self, sensor_id: str, health: SensorHealth, motion: bool | None, now: datetime
    ) -> list[Event]:
        events: list[Event] = []
        moved = motion is True or (motion is False and health.motion_on)
        self._sensors[sensor_id] = replace(
            health,
            last_update=now,
            available=True,
            unavailable_since=None,
            problem=None,
            problem_since=None,
            motion_on=health.motion_on if motion is None else motion,
        )
        if health.problem is not None:
            events.append(
                self._event(
                    EventKind.SENSOR_RECOVERED,
                    now,
                    sensor_id=sensor_id,
                    problem=str(health.problem),
                    problem_since=iso_or_none(health.problem_since),
                )
            )
            self._refresh_sensor_ok(now)
        if sensor_id in self._doors:
            events.extend(self._door(sensor_id, motion, was_open=health.motion_on, now=now))
        elif moved:
            if motion is True:
                events.extend(self._fresh_motion(now))
            events.extend(self._activity(now))
        return events

    def _door(
        self, sensor_id: str, motion: bool | None, *, was_open: bool, now: datetime
    ) -> list[Event]:
        events: list[Event] = []
        if motion is True and not was_open:
            self._door_closed_at = None
            events.extend(self._night_exit(sensor_id, now))
        elif motion is False and was_open and self._rules.outing and self._away is None:
            self._door_closed_at = now
        if self._away is None and (motion is True or (motion is False and was_open)):
            events.extend(self._activity(now))
        return events

    def _fresh_motion(self, now: datetime) -> list[Event]:
        """End an outing, and mark a night exit "returned" (a motion sensor saw motion)."""
        self._door_closed_at = None
        events = [] if self._away is None else [self._end_away("motion", now)]
        episode = self._episode
        if (
            episode is not None
            and episode.reason == REASON_NIGHT_EXIT
            and "returned_at" not in episode.detail
        ):
            minutes = int(episode.detail.get("return_minutes", DEFAULT_RETURN_MINUTES))
            if now - episode.due_at <= timedelta(minutes=minutes):
                self._episode = replace(episode, detail={**episode.detail, "returned_at": iso(now)})
                events.append(
                    self._event(
                        EventKind.NIGHT_EXIT_RETURNED,
                        now,
                        episode_id=episode.episode_id,
                        door_opened_at=iso(episode.due_at),
                        returned_at=iso(now),
                    )
                )
        return events

    def _night_exit(self, sensor_id: str, now: datetime) -> list[Event]:
        rule = self._rules.night_exit
        if rule is None or self._pause is not None:
            return []
        if occurrence_at(rule, now, self._tz) is None:
            return []
        episode = self._episode
        if episode is not None:
            return [
                self._event(
                    EventKind.NIGHT_DOOR,
                    now,
                    sensor_id=sensor_id,
                    band=rule.label,
                    episode_id=episode.episode_id,
                )
            ]
        events = [] if self._grace is None else [self._cancel_grace(REASON_NIGHT_EXIT, now)]
        detail = {
            "door_opened_at": iso(now),
            "sensor_id": sensor_id,
            "band": rule.label,
            "return_minutes": rule.return_minutes,
        }
        still = self.still_since
        events.append(
            self._raise(REASON_NIGHT_EXIT, now, now, still, detail, grace_started_at=None)
        )
        return events

    def _start_away(self, at: datetime, now: datetime) -> list[Event]:
        closed = self._door_closed_at
        self._door_closed_at = None
        if closed is None:  # pragma: no cover - OUTING is only due after a door closed
            raise RuntimeError("outing deadline without a closed door")
        if any(health.motion_on for sid, health in self._sensors.items() if sid not in self._doors):
            return []  # a motion sensor still shows motion: someone is inside
        self._away = AwayInfo(since=closed, detected_at=now)
        events = [] if self._grace is None else [self._cancel_grace("away", now)]
        away = {"away_since": iso(closed)}
        events.extend(
            self._planned_done(now, self._planned.take_pending(), plan.NOT_DONE_AWAY, **away)
        )
        events.append(self._event(EventKind.AWAY_STARTED, now, since=iso(closed), due_at=iso(at)))
        return events

    def _end_away(self, reason: str, now: datetime) -> Event:
        away = self._away
        if away is None:  # pragma: no cover - callers check
            raise RuntimeError("no outing to end")
        self._away = None
        return self._event(
            EventKind.AWAY_ENDED,
            now,
            since=iso(away.since),
            minutes=int((now - away.since).total_seconds() // 60),
            reason=reason,
        )

    def _not_back(self, at: datetime, now: datetime) -> Event:
        due, away = self._not_back_due(), self._away
        if due is None or away is None or due.band is None or due.occurrence is None:
            raise RuntimeError("not-back deadline without an outing")  # pragma: no cover
        self._away = replace(away, not_back_at=now)
        detail = {
            "away_since": iso(away.since),
            "band": due.band.label,
            "band_start": iso(due.occurrence.start),
            "band_end": iso(due.occurrence.end),
            "threshold_minutes": due.minutes,
        }
        return self._raise(REASON_NOT_BACK, at, now, away.since, detail, grace_started_at=None)

    def _activity(self, now: datetime) -> list[Event]:
        self._last_motion = now
        events: list[Event] = []
        if self._grace is not None:
            events.append(self._cancel_grace("motion", now))
        pending = self._planned.take_pending()
        events.extend(self._planned_done(now, pending, plan.DONE_DIGITAL, evidence_at=iso(now)))
        episode = self._episode
        if (
            episode is not None
            and episode.motion_returned_at is None
            and episode.reason != REASON_NIGHT_EXIT  # motion is how a night exit starts
        ):
            self._episode = replace(episode, motion_returned_at=now, next_reminder_at=None)
            events.append(
                self._event(EventKind.MOTION_RETURNED, now, episode_id=episode.episode_id)
            )
        return events

    def _cancel_grace(self, reason: str, now: datetime) -> Event:
        grace = self._grace
        self._grace = None
        return self._event(
            EventKind.GRACE_CANCELLED,
            now,
            reason=reason,
            grace_reason=None if grace is None else grace.reason,
        )

    def _sensor_problem(self, sensor_id: str, kind: _Due, at: datetime, now: datetime) -> Event:
        health = self._sensors[sensor_id]
        if kind is _Due.SENSOR_UNAVAILABLE:
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

    def _inactivity_failed(self, at: datetime, now: datetime) -> list[Event]:
        due = self._inactivity_due()
        if due is None:  # pragma: no cover - INACTIVITY is only due when a rule fires
            raise RuntimeError("inactivity deadline without a rule")
        detail: dict[str, Any] = {}
        if due.band is not None and due.occurrence is not None:
            detail = {
                "band": due.band.label,
                "band_start": iso(due.occurrence.start),
                "band_end": iso(due.occurrence.end),
            }
        detail["threshold_minutes"] = due.minutes
        return self._start_grace(REASON_INACTIVITY, at, now, detail)

    def _windows_end(self, at: datetime, now: datetime) -> list[Event]:
        events: list[Event] = []
        activity = self.last_activity
        for window, occ in self._pending_windows():
            if occ.end != at:
                continue
            detail = {
                "window": window.label,
                "window_start": iso(occ.start),
                "window_end": iso(occ.end),
            }
            data = {**detail, "due_at": iso(at), "last_activity": iso_or_none(activity)}
            if self._away is not None:
                events.append(self._event(EventKind.CHECK_SKIPPED, now, **data, reason="away"))
            elif not self._sensor_ok:
                events.append(
                    self._event(EventKind.CHECK_SKIPPED, now, **data, reason="sensor_problem")
                )
            elif activity is not None and occ.contains(activity):
                events.append(self._event(EventKind.CHECK_PASSED, now, **data))
            else:
                events.append(self._event(EventKind.CHECK_MISSED, now, **data))
                if self._grace is None and self._episode is None:
                    events.extend(self._start_grace(REASON_CHECK_WINDOW, at, now, detail))
        self._window_cursor = at
        return events

    def _start_grace(
        self, reason: str, at: datetime, now: datetime, detail: dict[str, Any]
    ) -> list[Event]:
        still_since = self.still_since
        if self._rules.grace_minutes == 0:
            return [self._raise(reason, at, now, still_since, detail, grace_started_at=None)]
        start = at if self._grace_floor is None else max(at, self._grace_floor)
        ends_at = start + timedelta(minutes=self._rules.grace_minutes)
        self._grace = GraceInfo(reason, now, at, ends_at, still_since, detail)
        return [
            self._event(
                EventKind.GRACE_STARTED,
                now,
                reason=reason,
                still_since=iso(still_since),
                ends_at=iso(ends_at),
                due_at=iso(at),
                **detail,
            )
        ]

    def _raise_from_grace(self, at: datetime, now: datetime) -> Event:
        grace = self._grace
        if grace is None:  # pragma: no cover - GRACE_END is only due while a grace runs
            raise RuntimeError("grace deadline without a grace period")
        self._grace = None
        return self._raise(
            grace.reason,
            at,
            now,
            grace.still_since,
            dict(grace.detail),
            grace_started_at=grace.started_at,
        )

    def _raise(  # noqa: PLR0913 - the alarm record has this many parts
        self,
        reason: str,
        at: datetime,
        now: datetime,
        still_since: datetime,
        detail: dict[str, Any],
        *,
        grace_started_at: datetime | None,
    ) -> Event:
        episode_id = f"{self._apartment_id}-{now:%Y%m%dT%H%M%SZ}"
        if pending := self._planned.take_pending():  # the alarm's closure documents them
            detail = {**detail, "planned_checks": pending}
        interval = self._rules.policy.reminder_minutes
        self._episode = EpisodeInfo(
            episode_id=episode_id,
            reason=reason,
            raised_at=now,
            due_at=at,
            still_since=still_since,
            detail=detail,
            next_reminder_at=None if interval is None else now + timedelta(minutes=interval),
        )
        return self._event(
            EventKind.ALARM_RAISED,
            now,
            episode_id=episode_id,
            reason=reason,
            still_since=iso(still_since),
            still_minutes=int((now - still_since).total_seconds() // 60),
            due_at=iso(at),
            grace_started_at=iso_or_none(grace_started_at),
            **detail,
        )

    def _escalate(self, at: datetime, now: datetime) -> Event:
        episode = self._episode
        if episode is None:  # pragma: no cover - ESCALATE is only due during an episode
            raise RuntimeError("escalation without an episode")
        self._episode = replace(episode, escalated_at=now)
        return self._event(
            EventKind.ESCALATE,
            now,
            episode_id=episode.episode_id,
            raised_at=iso(episode.raised_at),
            due_at=iso(at),
        )

    def _remind(self, at: datetime, now: datetime) -> Event:
        episode = self._episode
        interval = self._rules.policy.reminder_minutes
        if episode is None or interval is None:  # pragma: no cover - see _next_due
            raise RuntimeError("reminder without an episode or interval")
        step = timedelta(minutes=interval)
        following = at + step
        if following <= now:  # late (Home Assistant was down): no burst, restart the cadence
            following = now + step
        count = episode.reminders_sent + 1
        self._episode = replace(episode, reminders_sent=count, next_reminder_at=following)
        return self._event(
            EventKind.REMIND, now, episode_id=episode.episode_id, count=count, due_at=iso(at)
        )

    def _planned_checks(self, at: datetime, now: datetime) -> list[Event]:
        """Document the planned checks due at ``at`` (see :mod:`.planned`)."""
        rule, events = self._rules.planned, []
        if rule is None:  # pragma: no cover - only due while the rule exists
            return []
        pause, away = self._pause, self._away
        situation = plan.Situation(
            pause_reason=None if pause is None else pause.reason,
            away_since=None if away is None else away.since,
            sensor_ok=self._sensor_ok,
            last_motion=self.last_motion,
            confirmed_at=self._confirmed_at,
        )
        for check in self._planned.take_due(rule, at, self._tz):
            if (outcome := plan.conclude(at, rule.lookback, situation)) is not None:
                events.append(self._event(EventKind.PLANNED_CHECK, now, **check, **outcome))
                continue
            missed = {**check, "lookback_minutes": rule.lookback_minutes}
            missed["last_motion"] = iso_or_none(self.last_motion)
            if (episode := self._episode) is not None:  # the open alarm's closure documents it
                attached = [*episode.detail.get("planned_checks", ()), check]
                self._episode = replace(
                    episode, detail={**episode.detail, "planned_checks": attached}
                )
                missed["episode_id"] = episode.episode_id
            else:
                self._planned.pending.append(check)
            events.append(self._event(EventKind.PLANNED_CHECK_MISSED, now, **missed))
            if self._episode is None and self._grace is None:
                events.extend(self._start_grace(plan.REASON_PLANNED, at, now, dict(check)))
        return events

    def _planned_done(
        self, now: datetime, checks: Iterable[Mapping[str, Any]], outcome: str, **data: Any
    ) -> list[Event]:
        return [
            self._event(EventKind.PLANNED_CHECK, now, **check, outcome=outcome, **data)
            for check in checks
        ]
