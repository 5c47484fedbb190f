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

Code layout: this module holds the public inputs and the actions that span rule
families (resolve, pause, rule changes). The rule families are one class each,
stacked so that each may use the ones below it (see :mod:`.engine_core`): the
state and its persistence (:mod:`.engine_core`), sensor health
(:mod:`.engine_sensors`), grace and alarm episodes (:mod:`.engine_episodes`),
planned checks (:mod:`.engine_planned`), activity, inactivity and check windows
(:mod:`.engine_inactivity`), door rules (:mod:`.engine_doors`) and the deadline
loop (:mod:`.engine_deadlines`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from . import planned as plan
from .engine_core import (
    LOW_BATTERY_REPEAT,
    REASON_CHECK_WINDOW,
    REASON_INACTIVITY,
    REASON_NIGHT_EXIT,
    REASON_NOT_BACK,
    STATE_VERSION,
)
from .engine_deadlines import DeadlineRules
from .events import Event, EventKind
from .rules import ApartmentRules
from .schedule import next_window_occurrence
from .state import PauseInfo, SensorHealth
from .timeutil import iso, iso_or_none, utc

__all__ = [
    "LOW_BATTERY_REPEAT",
    "REASON_CHECK_WINDOW",
    "REASON_INACTIVITY",
    "REASON_NIGHT_EXIT",
    "REASON_NOT_BACK",
    "STATE_VERSION",
    "ApartmentSupervisor",
]


class ApartmentSupervisor(DeadlineRules):
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
        super().__init__(apartment_id, rules, tz=tz, clock=clock, state=state)

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
        return self._input(lambda now: self._battery(sensor_id, low, now))

    def acknowledge(self, user_id: str | None) -> list[Event]:
        """Acknowledge the open alarm (alarm -> acknowledged); no-op otherwise."""
        return self._input(lambda now: self._acknowledge(user_id, now))

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

    # ---------------------------------------------------------------- queries

    def next_deadline(self) -> datetime | None:
        """Return the next instant :meth:`tick` must run, or ``None`` if nothing is pending."""
        due = self._next_due()
        return None if due is None else due[0]

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

    # -------------------------------------------------------------- internals

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
