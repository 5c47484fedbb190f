"""Runtime of one care unit: drives one supervision engine per apartment.

Sensor states reach each apartment's
:class:`~..supervision.engine.ApartmentSupervisor` through
:class:`.inputs.SensorInputs`. After every engine call the returned events are
journaled, fired as Home Assistant events and handed to the notifier; the state
is saved; one timer is set at the engine's next deadline (never polling); and
the apartment's entities are signalled. On start every supervisor ticks first,
so an alarm that fell due while Home Assistant was down fires at once.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Context, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_point_in_utc_time, async_track_time_change
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..supervision.engine import ApartmentSupervisor
from ..supervision.events import NOTIFY_KINDS, EventKind
from ..supervision.events import Event as SupervisionEvent
from ..supervision.journal import Journal
from ..texts import Texts, async_get_texts
from .apartment import Apartment, changes_signal, unit_signal
from .config import ApartmentConfig, UnitConfig, apartment_configs
from .const import EVENT_TYPES, JOURNAL_SAVE_DELAY, OUTCOME_ALL_OK, STATE_SAVE_DELAY
from .inputs import SensorInputs
from .journal_store import JournalStore
from .network_outage import NetworkFaults
from .notify import CareNotifier
from .notify_handover import park, take_over
from .outage import Heartbeat, report_outage
from .push import AlarmInfo, Situation, parse_action
from .state_loss import announce_state_lost, withdraw_state_lost
from .store import CoalescedStore, LoadedState, state_store_key
from .test_alarm import AlarmTest
from .users import UserNames

MOBILE_ACTION_EVENT = "mobile_app_notification_action"
# Engine events the notifier acts on (sends, replaces or clears notifications).
NOTIFIER_KINDS = NOTIFY_KINDS | {
    EventKind.ACKNOWLEDGED,
    EventKind.MOTION_RETURNED,
    EventKind.RESOLVED,
    EventKind.SENSOR_RECOVERED,
    EventKind.PAUSED,  # a pause someone made is told to the other phones
}
PRUNE_HOUR = 3
# Logged at INFO: every alarm raised, acknowledged, escalated and closed.
LOGGED = {
    EventKind.ALARM_RAISED: "Alarm raised in %s (%s)",
    EventKind.ACKNOWLEDGED: "Alarm in %s acknowledged (%s)",
    EventKind.ESCALATE: "Alarm in %s escalated (%s)",
    EventKind.RESOLVED: "Alarm in %s closed (%s)",
}

type CareUnitConfigEntry = ConfigEntry[CareUnit]


class CareUnit:
    """All apartments of one care unit entry."""

    def __init__(self, hass: HomeAssistant, entry: CareUnitConfigEntry) -> None:
        """Prepare the unit; :meth:`async_start` loads and starts it."""
        self.hass = hass
        self.entry = entry
        self.config = UnitConfig.from_entry(entry)
        self.tz = ZoneInfo(hass.config.time_zone)
        self.apartments: dict[str, Apartment] = {}
        self.journal = Journal()
        self.device_id = ""
        self.users = UserNames(hass)
        self.notifier = take_over(hass, entry.entry_id) or CareNotifier(
            hass, self.config, Texts({}), self._record, self._spawn, self.users.name
        )
        self.notifier.config, self.notifier.record = self.config, self._record
        self.signal = unit_signal(entry.entry_id)
        self.changes = changes_signal(entry.entry_id)
        self.notifier.on_delivery_change = lambda: async_dispatcher_send(hass, self.signal, None)
        self._inputs = SensorInputs(hass, self._run)
        self._unsubs: list[CALLBACK_TYPE] = []
        self._state_store = CoalescedStore(
            hass, state_store_key(entry.entry_id), self._state_data, delay=STATE_SAVE_DELAY
        )
        self._journal_store = JournalStore(
            hass, entry.entry_id, lambda: self.journal, delay=JOURNAL_SAVE_DELAY
        )
        self._heartbeat = Heartbeat(hass, entry.entry_id)
        self.network, self.test_alarm = NetworkFaults(self), AlarmTest(self)  # unit rules

    # -------------------------------------------------------------- lifecycle

    async def async_start(self) -> None:
        """Load the stores, create the apartments, tick each one, then listen."""
        hass = self.hass
        self.notifier.texts = await async_get_texts(hass)
        await self.users.async_start()
        stored = await self._state_store.async_load_state()
        self.journal = await self._journal_store.async_load()
        dev_reg = dr.async_get(hass)
        self.device_id = dev_reg.async_get_or_create(
            config_entry_id=self.entry.entry_id,
            identifiers={(DOMAIN, self.entry.entry_id)},
            name=self.entry.title,
            entry_type=dr.DeviceEntryType.SERVICE,
        ).id
        if (outage := await self._heartbeat.async_start()) is not None:
            texts = self.notifier.texts
            report_outage(hass, self.config, texts, self.journal, self.device_id, outage)
            self._journal_store.schedule_save(urgent=True)
        # An apartment with journal lines but no saved state has lost its state too.
        journaled = {entry.apartment_id for entry in self.journal.entries}
        lost: list[Apartment] = []
        for apartment_id, config in apartment_configs(self.entry, self.config).items():
            apartment, readable = self._create(config, stored, apartment_id in journaled)
            self.apartments[apartment_id] = apartment
            if not readable:
                lost.append(apartment)
        if lost:
            await self._async_state_lost(lost, stored)
        await self.network.async_load()
        for apartment in self.apartments.values():
            self._run(apartment, apartment.supervisor.tick())
        self.network.start()
        await self.test_alarm.async_start()
        self._inputs.subscribe(self.apartments.values())
        self.notifier.resume()  # notices kept over a reload wait for the start again
        self._unsubs += [
            hass.bus.async_listen(MOBILE_ACTION_EVENT, self._on_action),
            async_track_time_change(hass, self._prune, hour=PRUNE_HOUR, minute=0, second=0),
        ]
        self._prune()

    def _create(
        self, config: ApartmentConfig, stored: LoadedState, journaled: bool
    ) -> tuple[Apartment, bool]:
        """Create an apartment; also return False when its saved state was lost."""
        device = dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.entry.entry_id,
            config_subentry_id=config.apartment_id,
            identifiers={(DOMAIN, config.apartment_id)},
            name=config.label,
        )
        if config.area_id and device.area_id is None:
            dr.async_get(self.hass).async_update_device(device.id, area_id=config.area_id)
        state = stored.apartments.get(config.apartment_id)
        readable = not stored.is_lost(config.apartment_id) and (state is not None or not journaled)
        try:
            supervisor = self._supervisor(config, state if readable else None)
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            stored.error = f"{config.label}: {err!r}"
            readable = False
            supervisor = self._supervisor(config, None)
        return Apartment(config, supervisor, device.id), readable

    async def _async_state_lost(self, lost: list[Apartment], stored: LoadedState) -> None:
        """Start lost apartments in the safe state: journaled, one push, a repair issue."""
        LOGGER.error(
            "Supervision state of care unit %s is unreadable (%s); %d apartments must be checked",
            self.entry.title,
            stored.error or "missing",
            len(lost),
        )
        if stored.raw is not None:
            await self._state_store.async_backup(stored.raw)
        for apartment in lost:
            self._run(apartment, apartment.supervisor.mark_state_lost())
        backup = self._state_store.backup_path if stored.raw is not None else "-"
        configs = [apartment.config for apartment in lost]
        announce_state_lost(self.hass, self.notifier, self.entry.entry_id, configs, backup)

    @callback
    def _state_checked(self) -> None:
        """Clear the unit's state-lost notice once every apartment has been checked."""
        if any(apartment.supervisor.state_lost_at for apartment in self.apartments.values()):
            return
        first = next(iter(self.apartments.values())).config
        withdraw_state_lost(self.hass, self.notifier, self.entry.entry_id, first)

    def _supervisor(
        self, config: ApartmentConfig, state: dict[str, Any] | None
    ) -> ApartmentSupervisor:
        return ApartmentSupervisor(
            config.apartment_id, config.rules, tz=self.tz, clock=dt_util.utcnow, state=state
        )

    async def async_stop(self) -> None:
        """Stop listening and write both stores."""
        park(self.hass, self.entry.entry_id, self.notifier)
        self.users.stop()
        self._inputs.unsubscribe()
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        for apartment in self.apartments.values():
            if apartment.timer is not None:
                apartment.timer()
                apartment.timer = None
        await self.network.async_stop()
        await self.test_alarm.async_stop()
        await self._state_store.async_flush()
        await self._journal_store.async_flush()
        await self._heartbeat.async_stop()

    @callback
    def async_apply_config(self) -> bool:
        """Apply changed settings live; return False when a reload is needed.

        Rule changes go through the engine's ``update_rules`` (thresholds apply
        to the current still time, a new grace runs from now). Added or removed
        apartments need a reload (their entities come and go with it).
        """
        entry = self.entry
        self.config = self.notifier.config = UnitConfig.from_entry(entry)
        dev_reg = dr.async_get(self.hass)
        dev_reg.async_update_device(self.device_id, name=entry.title)
        configs = apartment_configs(entry, self.config)
        if configs.keys() != self.apartments.keys():
            return False
        resubscribe = False
        for apartment_id, config in configs.items():
            apartment = self.apartments[apartment_id]
            old, apartment.config = apartment.config, config
            resubscribe |= old.sensors != config.sensors
            if old.label != config.label:
                dev_reg.async_update_device(apartment.device_id, name=config.label)
            if old.area_id != config.area_id:
                dev_reg.async_update_device(apartment.device_id, area_id=config.area_id)
            events = (
                [] if old.rules == config.rules else apartment.supervisor.update_rules(config.rules)
            )
            self._run(apartment, events)
        if resubscribe:
            self._inputs.unsubscribe()
            self._inputs.subscribe(self.apartments.values())
        self.network.apply_config()
        self.test_alarm.apply_config()
        return True

    # ---------------------------------------------------------------- signals

    def _signal(self, apartment: Apartment, context: Context | None) -> None:
        async_dispatcher_send(self.hass, apartment.signal, context)
        async_dispatcher_send(self.hass, self.changes, apartment.apartment_id)
        status = apartment.supervisor.status
        if status is not apartment.status:
            apartment.status = status
            async_dispatcher_send(self.hass, self.signal, context)

    # ------------------------------------------------------------ staff actions

    def _apartment(self, apartment_id: str) -> Apartment:
        return self.apartments[apartment_id]

    @callback
    def pause(
        self,
        apartment_id: str,
        *,
        until: datetime | None,
        reason: str,
        context: Context | None = None,
    ) -> None:
        """Pause supervision; ValueError if ``until`` is in the past.

        ``until`` None pauses until resumed: only the action offers it, to
        administrators who ask for it explicitly.
        """
        apartment = self._apartment(apartment_id)
        user_id = None if context is None else context.user_id
        events = apartment.supervisor.pause(until=until, reason=reason, user_id=user_id)
        self._run(apartment, events, context)

    @callback
    def resume(self, apartment_id: str, *, context: Context | None = None) -> None:
        """Resume supervision now."""
        apartment = self._apartment(apartment_id)
        user_id = None if context is None else context.user_id
        self._run(apartment, apartment.supervisor.resume(user_id), context)

    @callback
    def acknowledge(self, apartment_id: str, *, context: Context | None = None) -> None:
        """Acknowledge the open alarm ("I'm on it")."""
        apartment = self._apartment(apartment_id)
        user_id = None if context is None else context.user_id
        self._run(apartment, apartment.supervisor.acknowledge(user_id), context)

    @callback
    def resolve(
        self, apartment_id: str, *, outcome: str, note: str = "", context: Context | None = None
    ) -> None:
        """Close the open alarm with an outcome and an optional note (motion or not)."""
        apartment = self._apartment(apartment_id)
        user_id = None if context is None else context.user_id
        self._run(apartment, apartment.supervisor.resolve(user_id, outcome, note), context)

    @callback
    def _on_action(self, event: Event) -> None:
        parsed = parse_action(event.data.get("action"))
        if parsed is None:
            return
        verb, episode_id = parsed
        for apartment in self.apartments.values():
            episode = apartment.supervisor.episode
            if episode is not None and episode.episode_id == episode_id:
                if verb == "acknowledge":
                    self.acknowledge(apartment.apartment_id, context=event.context)
                else:
                    self.resolve(
                        apartment.apartment_id, outcome=OUTCOME_ALL_OK, context=event.context
                    )
                return

    # --------------------------------------------------------- the engine loop

    @callback
    def _run(
        self,
        apartment: Apartment,
        events: list[SupervisionEvent],
        context: Context | None = None,
    ) -> None:
        """Journal, fire and notify ``events``; save; reschedule; refresh entities."""
        if events:
            label = apartment.config.label
            for event in events:
                self.journal.add(event, apartment_label=label)
                self._fire(apartment, event, context)
                self._log(label, event)
            self._journal_store.schedule_save(urgent=True)
            notify = [event for event in events if event.kind in NOTIFIER_KINDS]
            if notify:
                self._notify(apartment, notify)
            if any(event.kind is EventKind.STATE_CHECKED for event in events):
                self._state_checked()
        self._state_store.schedule_save(urgent=bool(events))
        self._schedule(apartment)
        self._signal(apartment, context)

    def _log(self, label: str, event: SupervisionEvent) -> None:
        if (message := LOGGED.get(event.kind)) is not None:
            user_id = event.data.get("user_id")
            detail = (
                self.users.name(user_id)
                if isinstance(user_id, str)
                else str(event.data.get("reason") or event.data.get("episode_id"))
            )
            if event.kind is EventKind.RESOLVED:
                detail = f"{event.data.get('outcome')}, {detail}"
            LOGGER.info(message, label, detail)

    def _fire(self, apartment: Apartment, event: SupervisionEvent, context: Context | None) -> None:
        data = {
            **event.data,
            "device_id": apartment.device_id,
            "apartment": apartment.config.label,
            "type": str(event.kind),
        }
        self.hass.bus.async_fire(EVENT_TYPES[event.kind], data, context=context)

    def _notify(self, apartment: Apartment, events: list[SupervisionEvent]) -> None:
        if events := self.network.screen(apartment, events):  # may hold technical faults
            self.notify_events(apartment, events)

    def notify_events(self, apartment: Apartment, events: list[SupervisionEvent]) -> None:
        """Hand one engine call's events to the notifier, with the apartment's situation."""
        supervisor = apartment.supervisor
        episode = supervisor.episode
        alarm = None
        if episode is not None:
            window = episode.detail.get("window") or episode.detail.get("planned")
            alarm = AlarmInfo(
                episode.episode_id,
                episode.still_since,
                window if isinstance(window, str) else None,
                episode.reason,
                episode.due_at,
            )
        if any(event.kind is EventKind.ALARM_RAISED for event in events):
            # After downtime the alarm can fall due with its reminders: one push is enough.
            events = [event for event in events if event.kind is not EventKind.REMIND]
        situation = Situation(
            alarm=alarm,
            # A reminder due with the escalation itself goes to staff only (one push each).
            escalated=episode is not None
            and episode.escalated_at is not None
            and not any(event.kind is EventKind.ESCALATE for event in events),
            acknowledged_by=None if episode is None else episode.acknowledged_by,
            sensor_problem=any(
                health.problem is not None for health in supervisor.sensors.values()
            ),
        )
        self.notifier.handle(apartment.config, events, situation)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self.entry.async_create_task(self.hass, coro, f"{DOMAIN} notify")

    def _schedule(self, apartment: Apartment) -> None:
        due = apartment.supervisor.next_deadline()
        if due == apartment.timer_at:
            return
        if apartment.timer is not None:
            apartment.timer()
        apartment.timer_at = due
        apartment.timer = (
            None
            if due is None
            else async_track_point_in_utc_time(self.hass, partial(self._deadline, apartment), due)
        )

    @callback
    def _deadline(self, apartment: Apartment, _now: datetime) -> None:
        apartment.timer = None
        apartment.timer_at = None
        self._run(apartment, apartment.supervisor.tick())

    # ----------------------------------------------------------------- journal

    def _record(self, config: ApartmentConfig, kind: str, data: Mapping[str, Any]) -> None:
        """Journal an adapter entry (notifications sent or failed)."""
        self.journal.record(
            at=dt_util.utcnow(),
            apartment_id=config.apartment_id,
            apartment_label=config.label,
            kind=kind,
            data=data,
        )
        self._journal_store.schedule_save(urgent=True)
        async_dispatcher_send(self.hass, self.changes, config.apartment_id)

    def record_unit(self, kind: str, data: Mapping[str, Any], user: str | None = None) -> None:
        """Journal a unit-level entry now (network outage, test alarm) under the unit's title."""
        unit = {"apartment_id": "", "apartment_label": self.config.title}
        self.journal.record(at=dt_util.utcnow(), **unit, kind=kind, user_id=user, data=data)
        self._journal_store.schedule_save(urgent=True)
        async_dispatcher_send(self.hass, self.changes, "")  # the panel: "" is the unit itself

    @callback
    def _prune(self, _now: datetime | None = None) -> None:
        """Retention: whole months older than the unit's retention are removed."""
        if self.journal.prune_months(now=dt_util.utcnow(), retention=self.config.retention):
            self._journal_store.schedule_save()

    def _state_data(self) -> dict[str, Any]:
        return {
            "apartments": {
                apartment_id: apartment.supervisor.to_dict()
                for apartment_id, apartment in self.apartments.items()
            }
        }

    # --------------------------------------------------------------- queries

    @property
    def alarm_count(self) -> int:
        """Return how many apartments have an open alarm (acknowledged or not)."""
        return sum(
            apartment.supervisor.episode is not None for apartment in self.apartments.values()
        )

    @property
    def state_lost_count(self) -> int:
        """Return how many apartments still wait for a check after their state was lost."""
        return sum(
            apartment.supervisor.state_lost_at is not None for apartment in self.apartments.values()
        )

    @property
    def alarm_labels(self) -> list[str]:
        """Return the labels of the apartments with an open alarm."""
        return sorted(
            apartment.config.label
            for apartment in self.apartments.values()
            if apartment.supervisor.episode is not None
        )

    def apartment_by_device(self, device_id: str) -> Apartment | None:
        """Return the apartment whose device is ``device_id``."""
        for apartment in self.apartments.values():
            if apartment.device_id == device_id:
                return apartment
        return None
