"""The parts of care unit pushes: action ids, kinds, times, targets, tags and records."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.util import slugify

from ..const import DOMAIN
from ..supervision.engine import REASON_INACTIVITY, REASON_NIGHT_EXIT, REASON_NOT_BACK
from ..supervision.planned import REASON_PLANNED
from ..texts import Texts
from .config import ApartmentConfig
from .const import PANEL_URL_PATH

ACTION_ACK = "MIOT_ACK_"
ACTION_RESOLVE = "MIOT_OK_"
CHANNEL_ALARM = "municipal_iot_alarm"
CHANNEL_INFO = "municipal_iot_info"
CLEAR = "clear_notification"

# Alarm kinds: how the title reads and who gets it.
ALARM = "alarm"
ESCALATION = "escalation"
REMINDER = "reminder"
SENSOR = "sensor"


def parse_action(action: object) -> tuple[str, str] | None:
    """Return (``"acknowledge"`` | ``"resolve"``, episode id) for one of our action ids."""
    if not isinstance(action, str):
        return None
    for prefix, verb in ((ACTION_ACK, "acknowledge"), (ACTION_RESOLVE, "resolve")):
        if action.startswith(prefix) and len(action) > len(prefix):
            return verb, action.removeprefix(prefix)
    return None


def format_duration(texts: Texts, delta: timedelta) -> str:
    """Return ``"3 h 10 min"`` or ``"25 min"``."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return texts.get("duration_minutes", minutes=minutes)
    return texts.get("duration_hours", hours=minutes // 60, minutes=minutes % 60)


def format_time(value: datetime, now: datetime, tz: ZoneInfo) -> str:
    """Return local ``HH:MM``, with the date when it is not today."""
    local = value.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class AlarmInfo:
    """What an alarm notification says."""

    episode_id: str
    still_since: datetime
    window: str | None  # the check window missed, or the planned check's HH:MM
    reason: str = REASON_INACTIVITY
    due_at: datetime | None = None  # when the rule fired (a night exit: the door opened)


@dataclass(frozen=True, slots=True)
class Resend:
    """What a retry of a failed push sends again."""

    apartment: ApartmentConfig
    kind: str  # ALARM, ESCALATION, REMINDER or SENSOR
    payload: dict[str, Any]
    episode_id: str | None


@dataclass(frozen=True, slots=True)
class Situation:
    """The apartment's state after the engine call whose events are notified."""

    alarm: AlarmInfo | None  # the open episode, if any
    escalated: bool
    acknowledged_by: str | None
    sensor_problem: bool  # a sensor still has a problem


type JournalRecorder = Callable[[ApartmentConfig, str, Mapping[str, Any]], None]
type Spawner = Callable[[Coroutine[Any, Any, None]], None]
type UserName = Callable[[str | None], str]


def panel_path(apartment_id: str | None = None) -> str:
    """Return the path of the Tillsyn panel, at one apartment when given."""
    path = f"/{PANEL_URL_PATH}"
    return path if apartment_id is None else f"{path}?apartment={apartment_id}"


def push_tag(apartment: ApartmentConfig, kind: str) -> str:
    """Return the tag of one kind of push of an apartment (a newer one replaces it)."""
    return f"{DOMAIN}_{apartment.apartment_id}_{kind}"


def unique_targets(targets: Iterable[str]) -> list[str]:
    """Return the targets without repeats, in order."""
    return list(dict.fromkeys(targets))


def alarm_actions(texts: Texts, episode_id: str) -> list[dict[str, str]]:
    """Return an alarm push's two actions: acknowledge, and resolve as all OK."""
    return [
        {"action": f"{ACTION_ACK}{episode_id}", "title": texts.get("action_acknowledge")},
        {"action": f"{ACTION_RESOLVE}{episode_id}", "title": texts.get("action_resolve")},
    ]


def alarm_message(
    texts: Texts, apartment: ApartmentConfig, alarm: AlarmInfo, now: datetime, tz: ZoneInfo
) -> str:
    """Return an alarm push's text: what happened, since when, and the action plan."""
    lines = []
    since = format_time(alarm.still_since, now, tz)
    duration = format_duration(texts, now - alarm.still_since)
    if alarm.reason == REASON_NIGHT_EXIT:
        opened = alarm.due_at or alarm.still_since
        lines.append(texts.get("night_exit_message", time=format_time(opened, now, tz)))
    elif alarm.reason == REASON_NOT_BACK:
        lines.append(texts.get("not_back_message", since=since, duration=duration))
    else:
        if alarm.reason == REASON_PLANNED:
            lines.append(texts.get("planned_message", time=alarm.window))
        elif alarm.window is not None:
            lines.append(texts.get("window_message", window=alarm.window))
        lines.append(texts.get("still_message", duration=duration, since=since))
    if apartment.action_plan:
        lines.append(texts.get("action_plan", plan=apartment.action_plan))
    return "\n".join(lines)


def payload_data(apartment: ApartmentConfig, kind: str, unit_title: str) -> dict[str, Any]:
    """Return the mobile app ``data`` common to one apartment's notifications."""
    path = panel_path(apartment.apartment_id)
    return {
        "tag": push_tag(apartment, kind),
        "group": f"{DOMAIN}_{slugify(unit_title)}",
        "visibility": "private",
        "url": path,
        "clickAction": path,
    }


def urgent(data: dict[str, Any], *, critical: bool) -> dict[str, Any]:
    """Return notification ``data`` made urgent (time-sensitive or critical, high priority)."""
    push: dict[str, Any] = {"interruption-level": "time-sensitive"}
    if critical:
        push = {
            "interruption-level": "critical",
            "sound": {"name": "default", "critical": 1, "volume": 1.0},
        }
    return {
        **data,
        "push": push,
        "priority": "high",
        "ttl": 0,
        "channel": CHANNEL_ALARM,
        "importance": "high",
    }
