"""Staff notifications for care units: mobile app pushes with actions, and fallbacks.

Each selected ``notify.mobile_app_*`` action gets an actionable notification
with a per-apartment ``tag`` (a newer one replaces the older one). Action ids
carry the alarm episode id, so a tap maps to exactly one alarm:
``MIOT_ACK_<episode>`` acknowledges, ``MIOT_OK_<episode>`` resolves it. Texts
come from the ``common`` section of the translation files in Home Assistant's
language and never contain personal names: only the apartment label, how long
it has been still and the action plan.

Every push carries the Companion app's ``url`` (iOS) and ``clickAction``
(Android): a tap opens the Tillsyn panel at that apartment. A manual pause is
told to the unit's other phones.

A failed notify call is logged, journaled (``notify_failed``) and replaced by a
persistent notification; with no staff target configured, persistent
notifications are the channel. An alarm's persistent notification links to the
panel, says who acknowledged it and goes away when the alarm is closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components import persistent_notification
from homeassistant.core import CALLBACK_TYPE, CoreState, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util
from homeassistant.util import slugify

from ..const import DOMAIN, LOGGER
from ..supervision.engine import REASON_INACTIVITY, REASON_NIGHT_EXIT, REASON_NOT_BACK
from ..supervision.events import Event, EventKind
from ..supervision.journal import NOTIFIED
from ..supervision.timeutil import parse_iso
from ..texts import Texts
from .config import ApartmentConfig, UnitConfig
from .const import JOURNAL_NOTIFY_FAILED, PANEL_URL_PATH

ACTION_ACK = "MIOT_ACK_"
ACTION_RESOLVE = "MIOT_OK_"
CHANNEL_ALARM = "municipal_iot_alarm"
CHANNEL_INFO = "municipal_iot_info"
CLEAR = "clear_notification"
MOBILE_APP = "mobile_app"

# Alarm kinds: how the title reads and who gets it.
ALARM = "alarm"
ESCALATION = "escalation"
REMINDER = "reminder"


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


def user_services(hass: HomeAssistant) -> dict[str, str]:
    """Map each ``mobile_app_*`` notify action to the HA user whose phone it is."""
    return {
        slugify(f"{MOBILE_APP}_{entry.data['device_name']}"): entry.data["user_id"]
        for entry in hass.config_entries.async_entries(MOBILE_APP)
        if entry.data.get("device_name") and entry.data.get("user_id")
    }


@dataclass(frozen=True, slots=True)
class AlarmInfo:
    """What an alarm notification says."""

    episode_id: str
    still_since: datetime
    window: str | None  # the check window that was missed, if that raised it
    reason: str = REASON_INACTIVITY
    due_at: datetime | None = None  # when the rule fired (a night exit: the door opened)


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


class CareNotifier:
    """Send, replace and clear staff notifications for one care unit."""

    def __init__(  # noqa: PLR0913, PLR0917 - the unit's parts the notifier works with
        self,
        hass: HomeAssistant,
        config: UnitConfig,
        texts: Texts,
        record: JournalRecorder,
        spawn: Spawner,
        user_name: UserName,
    ) -> None:
        """Bind to the unit's settings.

        ``record`` journals an adapter entry; ``spawn`` runs a coroutine as a task
        of the care unit's config entry; ``user_name`` names a user id.
        """
        self._hass = hass
        self.config = config
        self.texts = texts
        self._record = record
        self._spawn = spawn
        self._user_name = user_name
        self._persistent: dict[str, tuple[str, str]] = {}  # id -> (title, message) shown
        self._lock = asyncio.Lock()  # keep sends in order (a clear never overtakes its alarm)
        self._tz = ZoneInfo(hass.config.time_zone)
        self._pending: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._unsub_started: CALLBACK_TYPE | None = None

    # ------------------------------------------------------------ public API

    @callback
    def handle(self, apartment: ApartmentConfig, events: list[Event], situation: Situation) -> None:
        """Notify staff about one engine call's events, in order.

        Until Home Assistant has started (the mobile app may load after this
        integration), notifications wait and then go out in order.
        """
        job = partial(self._async_handle, apartment, events, situation)
        if self._hass.state is CoreState.running:
            self._spawn(job())
            return
        self._pending.append(job)
        if self._unsub_started is None:
            self._unsub_started = async_at_started(self._hass, self._async_started)

    @callback
    def stop(self) -> None:
        """Drop notifications still waiting for the start (the unit unloads)."""
        if self._unsub_started is not None:
            self._unsub_started()
            self._unsub_started = None
        self._pending.clear()

    async def _async_started(self, _hass: HomeAssistant) -> None:
        self._unsub_started = None
        pending, self._pending = self._pending, []
        for job in pending:
            await job()

    async def _async_handle(
        self, apartment: ApartmentConfig, events: list[Event], situation: Situation
    ) -> None:
        async with self._lock:
            for event in events:
                await self._async_handle_event(apartment, event, situation)

    # -------------------------------------------------------------- dispatch

    async def _async_handle_event(
        self, apartment: ApartmentConfig, event: Event, situation: Situation
    ) -> None:
        alarm = situation.alarm  # None: the alarm was already resolved in the same call
        staff = list(self.config.staff_targets)
        escalation = list(self.config.escalation_targets)
        match event.kind:
            case EventKind.ALARM_RAISED if alarm is not None:
                await self._async_alarm(apartment, alarm, ALARM, staff)
            case EventKind.ESCALATE if alarm is not None:
                await self._async_alarm(apartment, alarm, ESCALATION, escalation)
            case EventKind.REMIND if alarm is not None:
                targets = staff + escalation if situation.escalated else staff
                await self._async_alarm(apartment, alarm, REMINDER, _unique(targets))
            case EventKind.ACKNOWLEDGED:
                await self._async_acknowledged(apartment, event)
            case EventKind.MOTION_RETURNED:
                keep = self._services_of(situation.acknowledged_by)
                await self._async_clear(apartment, "alarm", exclude=keep)
            case EventKind.RESOLVED:
                await self._async_clear(apartment, "alarm", exclude=())
                self._dismiss(apartment, "alarm")
            case EventKind.SENSOR_PROBLEM:
                await self._async_sensor_problem(apartment, event)
            case EventKind.SENSOR_RECOVERED if not situation.sensor_problem:
                await self._async_clear(apartment, "sensor", exclude=())
                self._dismiss(apartment, "sensor")
            case _:
                await self._async_notice(apartment, event)

    async def _async_notice(self, apartment: ApartmentConfig, event: Event) -> None:
        """Send the low-priority notices: a low battery, a pause made by someone."""
        if event.kind is EventKind.LOW_BATTERY:
            await self._async_low_battery(apartment)
        elif event.kind is EventKind.PAUSED and event.data.get("user_id"):
            await self._async_paused(apartment, event)

    # -------------------------------------------------------------- messages

    def _payload_data(self, apartment: ApartmentConfig, kind: str) -> dict[str, Any]:
        """Return the mobile app ``data`` common to one apartment's notifications."""
        path = panel_path(apartment.apartment_id)
        return {
            "tag": _tag(apartment, kind),
            "group": f"{DOMAIN}_{slugify(self.config.title)}",
            "visibility": "private",
            "url": path,
            "clickAction": path,
        }

    def _urgent(self, data: dict[str, Any]) -> dict[str, Any]:
        push: dict[str, Any] = {"interruption-level": "time-sensitive"}
        if self.config.critical:
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

    def _alarm_message(self, apartment: ApartmentConfig, alarm: AlarmInfo, now: datetime) -> str:
        texts = self.texts
        lines = []
        since = format_time(alarm.still_since, now, self._tz)
        duration = format_duration(texts, now - alarm.still_since)
        if alarm.reason == REASON_NIGHT_EXIT:
            opened = alarm.due_at or alarm.still_since
            lines.append(texts.get("night_exit_message", time=format_time(opened, now, self._tz)))
        elif alarm.reason == REASON_NOT_BACK:
            lines.append(texts.get("not_back_message", since=since, duration=duration))
        else:
            if alarm.window is not None:
                lines.append(texts.get("window_message", window=alarm.window))
            lines.append(texts.get("still_message", duration=duration, since=since))
        if apartment.action_plan:
            lines.append(texts.get("action_plan", plan=apartment.action_plan))
        return "\n".join(lines)

    async def _async_alarm(
        self, apartment: ApartmentConfig, alarm: AlarmInfo, kind: str, targets: list[str]
    ) -> None:
        now = dt_util.utcnow()
        title = self.texts.get(f"{kind}_title", apartment=apartment.label)
        message = self._alarm_message(apartment, alarm, now)
        data = self._urgent(self._payload_data(apartment, "alarm"))
        data["actions"] = [
            {
                "action": f"{ACTION_ACK}{alarm.episode_id}",
                "title": self.texts.get("action_acknowledge"),
            },
            {
                "action": f"{ACTION_RESOLVE}{alarm.episode_id}",
                "title": self.texts.get("action_resolve"),
            },
        ]
        sent = await self._async_send(
            apartment, targets, title, message, data, episode_id=alarm.episode_id
        )
        self._record(
            apartment,
            NOTIFIED,
            {
                "episode_id": alarm.episode_id,
                "notification": kind,
                "targets": sent,
                "persistent": len(sent) < len(targets),
            },
        )

    async def _async_acknowledged(self, apartment: ApartmentConfig, event: Event) -> None:
        user_id = event.data.get("user_id")
        user_id = user_id if isinstance(user_id, str) else None
        mine = self._services_of(user_id)
        await self._async_clear(apartment, "alarm", exclude=mine)
        shown = self._persistent.get(_tag(apartment, "alarm"))
        if shown is not None:
            title, message = shown
            now = dt_util.utcnow()
            taken = self.texts.get(
                "acknowledged_by",
                user=self._user_name(user_id) or "-",
                time=format_time(now, now, self._tz),
            )
            self._persist(_tag(apartment, "alarm"), title, f"{taken}\n\n{message}", apartment)
        if mine:
            data = self._payload_data(apartment, "alarm")
            data["actions"] = [
                {
                    "action": f"{ACTION_RESOLVE}{event.data['episode_id']}",
                    "title": self.texts.get("action_resolve"),
                }
            ]
            data["push"] = {"interruption-level": "active"}
            data["channel"] = CHANNEL_INFO
            await self._async_send(
                apartment,
                mine,
                self.texts.get("acknowledged_title", apartment=apartment.label),
                self.texts.get("acknowledged_message"),
                data,
                episode_id=str(event.data["episode_id"]),
                fallback=False,
            )

    async def _async_sensor_problem(self, apartment: ApartmentConfig, event: Event) -> None:
        now = dt_util.utcnow()
        since = event.data.get("since")
        data = self._urgent(self._payload_data(apartment, "sensor"))
        await self._async_send(
            apartment,
            list(self.config.staff_targets),
            self.texts.get("sensor_title", apartment=apartment.label),
            self.texts.get(
                "sensor_message",
                since=format_time(parse_iso(since) if since else event.at, now, self._tz),
            ),
            data,
        )

    async def _async_paused(self, apartment: ApartmentConfig, event: Event) -> None:
        user_id = str(event.data["user_id"])
        until = event.data.get("until")
        now = dt_util.utcnow()
        reason = str(event.data.get("reason"))
        message = self.texts.get(
            "paused_message",
            user=self._user_name(user_id),
            until=format_time(parse_iso(until), now, self._tz) if until else "-",
            reason=self.texts.get(f"pause_reason_{reason}")
            if self.texts.has(f"pause_reason_{reason}")
            else reason,
        )
        data = self._payload_data(apartment, "pause")
        data |= {"push": {"interruption-level": "active"}, "channel": CHANNEL_INFO}
        others = [
            target
            for target in _unique(self.config.staff_targets)
            if target not in self._services_of(user_id)
        ]
        await self._async_send(
            apartment,
            others,
            self.texts.get("paused_title", apartment=apartment.label),
            message,
            data,
            fallback=False,
        )

    async def _async_low_battery(self, apartment: ApartmentConfig) -> None:
        data = self._payload_data(apartment, "battery")
        data |= {"push": {"interruption-level": "passive"}, "channel": CHANNEL_INFO}
        await self._async_send(
            apartment,
            list(self.config.staff_targets),
            self.texts.get("battery_title", apartment=apartment.label),
            self.texts.get("battery_message", apartment=apartment.label),
            data,
        )

    # ---------------------------------------------------------------- sending

    def _services_of(self, user_id: str | None) -> list[str]:
        """Return the unit's targets that are phones of ``user_id``."""
        if user_id is None:
            return []
        owners = user_services(self._hass)
        targets = _unique(self.config.staff_targets + self.config.escalation_targets)
        return [target for target in targets if owners.get(target) == user_id]

    async def _async_clear(
        self, apartment: ApartmentConfig, kind: str, *, exclude: Iterable[str]
    ) -> None:
        skip = set(exclude)
        targets = _unique(self.config.staff_targets + self.config.escalation_targets)
        for target in targets:
            if target not in skip:
                await self._async_call(
                    apartment, target, {"message": CLEAR, "data": {"tag": _tag(apartment, kind)}}
                )

    async def _async_send(  # noqa: PLR0913 - one notification and where it goes
        self,
        apartment: ApartmentConfig,
        targets: list[str],
        title: str,
        message: str,
        data: dict[str, Any],
        *,
        episode_id: str | None = None,
        fallback: bool = True,
    ) -> list[str]:
        """Send to each target; return the targets reached.

        Falls back to a persistent notification when no target is configured or
        a call failed (unless ``fallback`` is off).
        """
        payload = {"title": title, "message": message, "data": data}
        sent = [
            target
            for target in targets
            if await self._async_call(apartment, target, payload, episode_id=episode_id)
        ]
        if fallback and (not targets or len(sent) < len(targets)):
            self._persist(data["tag"], title, message, apartment)
        return sent

    def _persist(self, tag: str, title: str, message: str, apartment: ApartmentConfig) -> None:
        """Show (or replace) a persistent notification with a link to the panel."""
        self._persistent[tag] = (title, message)
        link = self.texts.get("open_panel", url=panel_path(apartment.apartment_id))
        persistent_notification.async_create(
            self._hass, f"{message}\n\n{link}", title=title, notification_id=tag
        )

    async def _async_call(
        self,
        apartment: ApartmentConfig,
        target: str,
        payload: dict[str, Any],
        *,
        episode_id: str | None = None,
    ) -> bool:
        try:
            await self._hass.services.async_call("notify", target, payload, blocking=True)
        except HomeAssistantError as err:
            LOGGER.warning("Notification to notify.%s failed: %s", target, err)
            data: dict[str, Any] = {"target": target, "error": type(err).__name__}
            if episode_id is not None:
                data["episode_id"] = episode_id
            self._record(apartment, JOURNAL_NOTIFY_FAILED, data)
            return False
        return True

    def _dismiss(self, apartment: ApartmentConfig, kind: str) -> None:
        tag = _tag(apartment, kind)
        self._persistent.pop(tag, None)
        persistent_notification.async_dismiss(self._hass, tag)


def _tag(apartment: ApartmentConfig, kind: str) -> str:
    return f"{DOMAIN}_{apartment.apartment_id}_{kind}"


def _unique(targets: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(targets))
