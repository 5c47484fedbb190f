"""What staff see of an apartment: the status sensor's attributes and the panel's tiles.

Both read the same engine state. User ids are shown as the users' names; the
panel's tiles also carry the rank that sorts them by urgency.
"""

from __future__ import annotations

from typing import Any

from ..supervision.engine import ApartmentSupervisor
from ..supervision.state import Status
from ..supervision.timeutil import iso_or_none
from .apartment import Apartment
from .unit import CareUnit

STATE_LOST = "state_lost"  # the status attribute ``problem`` after the state was lost
# Tiles sort by urgency: alarm first, ok last.
URGENCY: tuple[Status, ...] = (
    Status.ALARM,
    Status.GRACE,
    Status.SENSOR_PROBLEM,
    Status.NOT_SUPERVISED,
    Status.ACKNOWLEDGED,
    Status.PAUSED,
    Status.AWAY,
    Status.OK,
)


def rules_summary(supervisor: ApartmentSupervisor) -> dict[str, Any]:
    """Return the rules in force, without the sensors (they are listed apart)."""
    rules = supervisor.rules.to_dict()
    rules.pop("sensors")
    rules.pop("doors")
    return rules


def status_attributes(unit: CareUnit, apartment: Apartment) -> dict[str, Any]:
    """Return the status sensor's attributes: who acted, what is watched, rules, plan."""
    supervisor = apartment.supervisor
    pause = supervisor.paused
    episode = supervisor.episode
    config = apartment.config
    return {
        "paused_until": None if pause is None else iso_or_none(pause.until),
        "pause_reason": None if pause is None else pause.reason,
        "paused_by": None if pause is None else unit.users.name(pause.user_id) or None,
        "acknowledged_by": None
        if episode is None
        else unit.users.name(episode.acknowledged_by) or None,
        "acknowledged_at": None if episode is None else iso_or_none(episode.acknowledged_at),
        "watched_sensors": list(config.motion_sensors),
        "door_sensors": list(config.door_sensors),
        "action_plan": config.action_plan or None,
        "rules": rules_summary(supervisor),
        "problem": STATE_LOST if supervisor.state_lost_at is not None else None,
    }


def apartment_tile(unit: CareUnit, apartment: Apartment) -> dict[str, Any]:
    """Return one apartment as the panel shows it."""
    supervisor = apartment.supervisor
    status = supervisor.status
    episode = supervisor.episode
    pause = supervisor.paused
    grace = supervisor.grace
    names = unit.users.name
    return {
        "id": apartment.apartment_id,
        "device_id": apartment.device_id,
        "label": apartment.config.label,
        "status": status.value,
        "rank": URGENCY.index(status),
        "still_since": iso_or_none(supervisor.still_since),
        "last_motion": iso_or_none(supervisor.last_motion),
        "next_alarm": iso_or_none(supervisor.next_alarm),
        "next_planned_check": iso_or_none(supervisor.next_planned_check),
        "action_plan": apartment.config.action_plan,
        "state_lost_at": iso_or_none(supervisor.state_lost_at),
        "sensors": [
            {
                "entity_id": sensor_id,
                "problem": None if health.problem is None else health.problem.value,
                "battery_low": health.battery_low,
            }
            for sensor_id, health in supervisor.sensors.items()
        ],
        "rules": rules_summary(supervisor),
        "grace_ends_at": None if grace is None else iso_or_none(grace.ends_at),
        "away_since": None if supervisor.away is None else iso_or_none(supervisor.away.since),
        "alarm": None
        if episode is None
        else {
            "episode_id": episode.episode_id,
            "reason": episode.reason,
            "raised_at": iso_or_none(episode.raised_at),
            "still_since": iso_or_none(episode.still_since),
            "window": episode.detail.get("window"),
            "door_opened_at": episode.detail.get("door_opened_at"),
            "returned_at": episode.detail.get("returned_at"),
            "acknowledged_at": iso_or_none(episode.acknowledged_at),
            "acknowledged_by": names(episode.acknowledged_by) or None,
            "motion_returned_at": iso_or_none(episode.motion_returned_at),
            "escalated_at": iso_or_none(episode.escalated_at),
        },
        "pause": None
        if pause is None
        else {
            "since": iso_or_none(pause.since),
            "until": iso_or_none(pause.until),
            "reason": pause.reason,
            "by": names(pause.user_id) or None,
        },
    }
