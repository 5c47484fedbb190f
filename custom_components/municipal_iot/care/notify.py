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
notifications are the channel. A failed alarm, reminder, escalation or
technical-fault push is retried after 30 s and 2 min (see
:mod:`..supervision.delivery`); when the last retry fails, the escalation
targets get it at once (``delivery_gave_up``), without waiting for the
escalation delay. :attr:`CareNotifier.failing` names the targets whose last
call failed (the unit's "alarm delivery failing" problem sensor). An alarm's
persistent notification links to the panel, says who acknowledged it and goes
away when the alarm is closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components import persistent_notification
from homeassistant.core import CALLBACK_TYPE, CoreState, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..supervision.delivery import DeliveryTracker, PendingRetry
from ..supervision.events import Event, EventKind
from ..supervision.journal import NOTIFIED
from ..supervision.timeutil import parse_iso
from ..texts import Texts
from .config import ApartmentConfig, UnitConfig
from .const import JOURNAL_DELIVERY_GAVE_UP, JOURNAL_NOTIFY_FAILED
from .push import (
    ACTION_RESOLVE,
    ALARM,
    CHANNEL_INFO,
    CLEAR,
    ESCALATION,
    REMINDER,
    SENSOR,
    AlarmInfo,
    JournalRecorder,
    Resend,
    Situation,
    Spawner,
    UserName,
    alarm_actions,
    alarm_message,
    format_time,
    panel_path,
    payload_data,
    push_tag,
    unique_targets,
    urgent,
)
from .users import user_services


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
        self.record = record
        self._spawn = spawn
        self._user_name = user_name
        self._persistent: dict[str, tuple[str, str]] = {}  # id -> (title, message) shown
        self._lock = asyncio.Lock()  # keep sends in order (a clear never overtakes its alarm)
        self._tz = ZoneInfo(hass.config.time_zone)
        self._pending: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._unsub_started: CALLBACK_TYPE | None = None
        self._delivery = DeliveryTracker()
        self._retry_timer: CALLBACK_TYPE | None = None
        self._retry_at: datetime | None = None
        self.on_delivery_change: Callable[[], None] = lambda: None

    @property
    def failing(self) -> dict[str, datetime]:
        """Return the notify targets whose last call failed, and since when."""
        return self._delivery.failing

    # ------------------------------------------------------------ public API

    @callback
    def handle(self, apartment: ApartmentConfig, events: list[Event], situation: Situation) -> None:
        """Notify staff about one engine call's events, in order.

        Until Home Assistant has started (the mobile app may load after this
        integration), notifications wait and then go out in order.
        """
        self.queue(partial(self._async_handle, apartment, events, situation))

    @callback
    def queue(self, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run a notification job now, or in order once Home Assistant has started."""
        if self._hass.state is CoreState.running:
            self._spawn(job())
            return
        self._pending.append(job)
        self.resume()

    @callback
    def resume(self) -> None:
        """Wait for the start (again, for a notifier kept over a reload)."""
        if self._pending and self._unsub_started is None:
            self._unsub_started = async_at_started(self._hass, self._async_started)

    @callback
    def stop(self, *, keep_notices: bool = False) -> None:
        """Drop what waits for the start; ``keep_notices`` keeps engine notices for a reload."""
        if self._unsub_started is not None:
            self._unsub_started()
            self._unsub_started = None
        self._pending = [job for job in self._pending if keep_notices and self._is_notice(job)]
        if self._retry_timer is not None:
            self._retry_timer()
            self._retry_timer = None

    def _is_notice(self, job: Callable[[], Coroutine[Any, Any, None]]) -> bool:
        # Only engine notices need nothing but the notifier; other jobs use the stopped unit.
        return isinstance(job, partial) and job.func == self._async_handle

    async def _async_started(self, _hass: HomeAssistant) -> None:
        self._unsub_started = None
        pending, self._pending = self._pending, []
        for job in pending:
            await job()

    async def _async_handle(
        self, apartment: ApartmentConfig, events: list[Event], situation: Situation
    ) -> None:
        async with self._lock:
            failing = set(self._delivery.failing)
            for event in events:
                await self._async_handle_event(apartment, event, situation)
        self._after_delivery(failing)

    # --------------------------------------------------------------- retries

    def _after_delivery(self, failing_before: set[str]) -> None:
        """Set the retry timer; tell the unit when the failing targets changed."""
        due = self._delivery.next_deadline()
        if due != self._retry_at:
            if self._retry_timer is not None:
                self._retry_timer()
            self._retry_at = due
            self._retry_timer = (
                None
                if due is None
                else async_track_point_in_utc_time(self._hass, self._on_retry_due, due)
            )
        if set(self._delivery.failing) != failing_before:
            self.on_delivery_change()

    @callback
    def _on_retry_due(self, _now: datetime) -> None:
        self._retry_timer = None
        self._retry_at = None
        self._spawn(self._async_retries())

    async def _async_retries(self) -> None:
        async with self._lock:
            failing = set(self._delivery.failing)
            for retry in self._delivery.due(dt_util.utcnow()):
                resend: Resend = retry.payload
                if await self._async_call(
                    resend.apartment, retry.target, resend.payload, episode_id=resend.episode_id
                ):
                    self._delivery.succeeded(retry.target, retry.key)
                elif not self._delivery.retry_failed(retry, dt_util.utcnow()):
                    await self._async_give_up(retry, resend)
        self._after_delivery(failing)

    async def _async_give_up(self, retry: PendingRetry, resend: Resend) -> None:
        """Every retry failed: escalate at once and show it in Home Assistant."""
        apartment, payload = resend.apartment, resend.payload
        title = self.texts.get("undelivered_title", apartment=apartment.label)
        others = [] if resend.kind == ESCALATION else unique_targets(self.config.escalation_targets)
        others = [target for target in others if target != retry.target]
        self.record(
            apartment,
            JOURNAL_DELIVERY_GAVE_UP,
            {
                "target": retry.target,
                "notification": resend.kind,
                "escalated_to": others,
                **({"episode_id": resend.episode_id} if resend.episode_id else {}),
            },
        )
        await self._async_send(
            apartment,
            others,
            title,
            payload["message"],
            dict(payload["data"]),
            episode_id=resend.episode_id,
            resend_kind=ESCALATION,
        )
        self._persist(payload["data"]["tag"], title, payload["message"], payload["data"]["url"])

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
                await self._async_alarm(apartment, alarm, REMINDER, unique_targets(targets))
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

    async def async_send_locked(
        self, apartment: ApartmentConfig, title: str, message: str, data: dict[str, Any]
    ) -> list[str]:
        """Send a notice of the whole unit to the staff in turn with the others."""
        async with self._lock:
            return await self._async_send(
                apartment, list(self.config.staff_targets), title, message, data
            )

    async def async_clear_tag(self, apartment: ApartmentConfig, tag: str) -> None:
        """Take a unit notice away from the staff phones and the persistent notifications."""
        async with self._lock:
            for target in unique_targets(self.config.staff_targets):
                await self._async_call(apartment, target, {"message": CLEAR, "data": {"tag": tag}})
        self._persistent.pop(tag, None)
        persistent_notification.async_dismiss(self._hass, tag)

    # -------------------------------------------------------------- messages

    def _data(self, apartment: ApartmentConfig, kind: str) -> dict[str, Any]:
        return payload_data(apartment, kind, self.config.title)

    async def _async_alarm(
        self, apartment: ApartmentConfig, alarm: AlarmInfo, kind: str, targets: list[str]
    ) -> None:
        now = dt_util.utcnow()
        title = self.texts.get(f"{kind}_title", apartment=apartment.label)
        message = alarm_message(self.texts, apartment, alarm, now, self._tz)
        data = urgent(self._data(apartment, "alarm"), critical=self.config.critical)
        data["actions"] = alarm_actions(self.texts, alarm.episode_id)
        sent = await self._async_send(
            apartment, targets, title, message, data, episode_id=alarm.episode_id, resend_kind=kind
        )
        self.record(
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
        shown = self._persistent.get(push_tag(apartment, "alarm"))
        if shown is not None:
            title, message = shown
            now = dt_util.utcnow()
            taken = self.texts.get(
                "acknowledged_by",
                user=self._user_name(user_id) or "-",
                time=format_time(now, now, self._tz),
            )
            url = panel_path(apartment.apartment_id)
            self._persist(push_tag(apartment, "alarm"), title, f"{taken}\n\n{message}", url)
        if mine:
            data = self._data(apartment, "alarm")
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
        data = urgent(self._data(apartment, "sensor"), critical=self.config.critical)
        await self._async_send(
            apartment,
            list(self.config.staff_targets),
            self.texts.get("sensor_title", apartment=apartment.label),
            self.texts.get(
                "sensor_message",
                since=format_time(parse_iso(since) if since else event.at, now, self._tz),
            ),
            data,
            resend_kind=SENSOR,
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
        data = self._data(apartment, "pause")
        data |= {"push": {"interruption-level": "active"}, "channel": CHANNEL_INFO}
        others = [
            target
            for target in unique_targets(self.config.staff_targets)
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
        data = self._data(apartment, "battery")
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
        targets = unique_targets(self.config.staff_targets + self.config.escalation_targets)
        return [target for target in targets if owners.get(target) == user_id]

    async def _async_clear(
        self, apartment: ApartmentConfig, kind: str, *, exclude: Iterable[str]
    ) -> None:
        skip = set(exclude)
        self._delivery.drop(push_tag(apartment, kind))  # no retry of what is withdrawn
        targets = unique_targets(self.config.staff_targets + self.config.escalation_targets)
        for target in targets:
            if target not in skip:
                await self._async_call(
                    apartment,
                    target,
                    {"message": CLEAR, "data": {"tag": push_tag(apartment, kind)}},
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
        resend_kind: str | None = None,
    ) -> list[str]:
        """Send to each target; return the targets reached.

        Falls back to a persistent notification when no target is configured or
        a call failed (unless ``fallback`` is off). With ``resend_kind`` a failed
        call is retried (see the module docstring).
        """
        payload = {"title": title, "message": message, "data": data}
        sent = []
        for target in targets:
            if await self._async_call(apartment, target, payload, episode_id=episode_id):
                sent.append(target)
                self._delivery.succeeded(target, data["tag"])
            elif resend_kind is not None:
                resend = Resend(apartment, resend_kind, payload, episode_id)
                self._delivery.failed(data["tag"], target, resend, dt_util.utcnow())
        if fallback and (not targets or len(sent) < len(targets)):
            self._persist(data["tag"], title, message, data["url"])
        return sent

    def _persist(self, tag: str, title: str, message: str, url: str) -> None:
        """Show (or replace) a persistent notification with a link (``url``) to the panel."""
        self._persistent[tag] = (title, message)
        link = self.texts.get("open_panel", url=url)
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
            self._delivery.mark_failing(target, dt_util.utcnow())
            data: dict[str, Any] = {"target": target, "error": type(err).__name__}
            if episode_id is not None:
                data["episode_id"] = episode_id
            self.record(apartment, JOURNAL_NOTIFY_FAILED, data)
            return False
        self._delivery.succeeded(target)
        return True

    def _dismiss(self, apartment: ApartmentConfig, kind: str) -> None:
        tag = push_tag(apartment, kind)
        self._persistent.pop(tag, None)
        persistent_notification.async_dismiss(self._hass, tag)
