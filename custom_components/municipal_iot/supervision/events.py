"""Events emitted by the supervision engine.

Every public engine call returns the events it caused, in order. ``at`` is the
instant the engine processed the event (the injected clock); an event caused by a
deadline also carries ``data["due_at"]``, which is earlier than ``at`` when the
deadline passed while Home Assistant was down. ``data`` holds only JSON values
(datetimes as ISO 8601 UTC strings) so it can go straight into the journal.

Data keys per kind (all alarm-episode events carry ``episode_id``):

* ``grace_started``: reason (``"inactivity"`` | ``"check_window"``), still_since,
  ends_at, due_at, plus the rule detail (see below).
* ``grace_cancelled``: reason (``"motion"`` | ``"paused"``), grace_reason.
* ``alarm_raised``: episode_id, reason, still_since, still_minutes, due_at,
  grace_started_at (None without grace) and the rule detail: ``band``,
  ``band_start``, ``band_end``, ``threshold_minutes`` for a band;
  ``threshold_minutes`` alone for the continuous rule; ``window``,
  ``window_start``, ``window_end`` for a check window.
* ``escalate``: episode_id, raised_at, due_at.  ``remind``: episode_id, count, due_at.
* ``acknowledged``: episode_id, user_id.  ``motion_returned``: episode_id.
* ``resolved``: episode_id, user_id, outcome, motion_returned (False: closed
  without motion), acknowledged, and ``note`` when staff wrote one.
* ``check_passed`` / ``check_missed`` / ``check_skipped``: window, window_start,
  window_end, due_at, last_activity; ``check_skipped`` adds reason
  ``"sensor_problem"`` (every sensor has a problem: nothing can be concluded).
* ``sensor_problem``: sensor_id, problem (``"unavailable"`` | ``"stale"``), since,
  due_at, paused.  ``sensor_recovered``: sensor_id, problem, problem_since.
* ``low_battery``: sensor_id.
* ``paused``: until (None = indefinitely), reason, user_id.
* ``resumed``: user_id, automatic, paused_since (+ due_at when automatic).
* ``away_started``: since (the door closed), due_at.  ``away_ended``: since,
  minutes, reason (``"motion"`` | ``"resolved"`` | ``"rules"``).
* ``alarm_raised`` with reason ``"not_back"`` carries away_since, band,
  band_start, band_end, threshold_minutes; with reason ``"night_exit"``
  door_opened_at, sensor_id, band, return_minutes.
* ``night_exit_returned``: episode_id, door_opened_at, returned_at (motion
  inside followed the door within the rule's return minutes).
* ``night_door``: sensor_id, band, episode_id - a door opened in the night band
  while an alarm was already open (logged; no second alarm).
* ``planned_check``: planned_at, planned (``"HH:MM"``), outcome (see
  :mod:`.planned`) and evidence_at (``done_*``), pause_reason
  (``not_done_paused``) or away_since (``not_done_away``); closing an alarm
  adds episode_id, user_id and closed_outcome.  ``planned_check_missed``:
  planned_at, planned, lookback_minutes, last_motion (+ episode_id when an
  alarm was already open): no sign of activity, the check waits for an outcome.
* ``state_lost``: the stored state could not be read (see
  :meth:`~.engine.ApartmentSupervisor.mark_state_lost`).
  ``state_checked``: user_id, lost_at, outcome (+ note): staff checked the apartment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What happened."""

    GRACE_STARTED = "grace_started"
    GRACE_CANCELLED = "grace_cancelled"
    ALARM_RAISED = "alarm_raised"
    ESCALATE = "escalate"
    REMIND = "remind"
    ACKNOWLEDGED = "acknowledged"
    MOTION_RETURNED = "motion_returned"
    RESOLVED = "resolved"
    CHECK_PASSED = "check_passed"
    CHECK_MISSED = "check_missed"
    CHECK_SKIPPED = "check_skipped"
    SENSOR_PROBLEM = "sensor_problem"
    SENSOR_RECOVERED = "sensor_recovered"
    LOW_BATTERY = "low_battery"
    PAUSED = "paused"
    RESUMED = "resumed"
    AWAY_STARTED = "away_started"
    AWAY_ENDED = "away_ended"
    NIGHT_EXIT_RETURNED = "night_exit_returned"
    NIGHT_DOOR = "night_door"
    STATE_LOST = "state_lost"
    STATE_CHECKED = "state_checked"
    PLANNED_CHECK = "planned_check"
    PLANNED_CHECK_MISSED = "planned_check_missed"


# Kinds that call for a staff notification (the adapter chooses priority and wording).
NOTIFY_KINDS: frozenset[EventKind] = frozenset(
    {
        EventKind.ALARM_RAISED,
        EventKind.ESCALATE,
        EventKind.REMIND,
        EventKind.SENSOR_PROBLEM,
        EventKind.LOW_BATTERY,
    }
)


@dataclass(frozen=True, slots=True)
class Event:
    """One supervision event for one apartment."""

    kind: EventKind
    apartment_id: str
    at: datetime
    data: Mapping[str, Any]
