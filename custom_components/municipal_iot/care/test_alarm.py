"""The care unit's test alarm ("provlarm"): a scheduled push that staff answer "received".

The schedule (off, daily or weekly at a local time) is a unit option; the rule
is :mod:`..supervision.test_alarm`. The push goes to the staff phones as an
alarm does (same channel and urgency, so the test proves the real path) with one
action, "received" (``MIOT_TEST_<test id>``). The first tap closes it: the
journal names who took it and the other phones' pushes are taken away. Nobody
within 30 minutes: the escalation targets get "test alarm not answered: check
the staff phones" and a persistent notification says the same. Sent, received
(by whom) and unanswered are journaled and in the logbook. The pending test and
the next instant are stored, so a restart neither forgets nor repeats one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import CALLBACK_TYPE, Context, Event, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..supervision.journal import NOTIFIED
from ..supervision.test_alarm import (
    ANSWER_WITHIN,
    OFF,
    RECEIVED,
    SENT,
    UNANSWERED,
    AlarmTestClock,
    AlarmTestEvent,
)
from ..supervision.timeutil import iso
from .const import EVENT_SUPERVISION
from .push import panel_path, unique_targets, urgent
from .store import CoalescedStore
from .unit_push import UnitParts, async_clear, async_push, persist, unit_data, unit_tag

ACTION_RECEIVED = "MIOT_TEST_"
KIND = "test_alarm"
MOBILE_ACTION_EVENT = "mobile_app_notification_action"


def test_alarm_store_key(entry_id: str) -> str:
    """Return the storage key of a care unit's test alarm state."""
    return f"care.{entry_id}.test_alarm"


def _unanswered(stored: object) -> dict[str, Any] | None:
    """Return the stored unanswered test (``TypeError`` when unreadable)."""
    if stored is None:
        return None
    if not isinstance(stored, dict) or not {"sent_at", "due_at"} <= stored.keys():
        raise TypeError("unanswered must be {sent_at, due_at}")
    return {"sent_at": str(stored["sent_at"]), "due_at": str(stored["due_at"])}


class AlarmTest:
    """Sends the unit's test alarm on schedule and follows its answer."""

    def __init__(self, unit: UnitParts) -> None:
        """Bind to the unit; :meth:`async_start` restores and schedules."""
        self._unit = unit
        self.clock = AlarmTestClock(unit.config.test_alarm, unit.tz, dt_util.utcnow())
        self._timer: CALLBACK_TYPE | None = None
        self._unsub: CALLBACK_TYPE | None = None
        # The last test nobody answered in time, until a test is received (the panel shows it).
        self.unanswered: dict[str, Any] | None = None
        self._store = CoalescedStore(
            unit.hass, test_alarm_store_key(unit.entry.entry_id), self._stored, delay=1.0
        )

    def _stored(self) -> dict[str, Any]:
        return self.clock.to_dict() | {"unanswered": self.unanswered}

    def panel_state(self) -> dict[str, Any]:
        """Return the waiting and the unanswered test alarm, as the panel shows them."""
        pending = self.clock.pending
        return {
            "pending": None
            if pending is None
            else {"sent_at": iso(pending[1]), "answer_by": iso(pending[1] + ANSWER_WITHIN)},
            "unanswered": self.unanswered,
        }

    async def async_start(self) -> None:
        """Restore the stored test, run what fell due, schedule the next, listen to taps."""
        stored = await self._store.async_load()
        try:
            self.clock.load(stored, dt_util.utcnow())
            self.unanswered = _unanswered(stored.get("unanswered"))
        except (TypeError, ValueError) as err:
            LOGGER.warning("The test alarm state is unreadable (%r); scheduling afresh", err)
        self._unsub = self._unit.hass.bus.async_listen(MOBILE_ACTION_EVENT, self._on_action)
        self._tick(dt_util.utcnow())

    async def async_stop(self) -> None:
        """Stop the timer and the listener; write the state."""
        if self._timer is not None:
            self._timer()
            self._timer = None
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        await self._store.async_flush()

    @callback
    def apply_config(self) -> None:
        """Use the unit's test alarm schedule from now on; off forgets an unanswered one."""
        schedule = self._unit.config.test_alarm
        self.clock.reschedule(schedule, dt_util.utcnow())
        if schedule.frequency == OFF and self.unanswered is not None:
            self.unanswered = None
            async_dispatcher_send(self._unit.hass, self._unit.changes, "")  # the panel's banner
        self._save_and_schedule()

    # ---------------------------------------------------------------- timing

    @callback
    def _tick(self, now: datetime) -> None:
        self._timer = None
        for event in self.clock.tick(now):
            self._handle(event, None)
        self._save_and_schedule()

    def _save_and_schedule(self) -> None:
        self._store.schedule_save(urgent=True)
        if self._timer is not None:
            self._timer()
            self._timer = None
        due = self.clock.next_deadline()
        if due is not None:
            self._timer = async_track_point_in_utc_time(self._unit.hass, self._tick, due)

    @callback
    def _on_action(self, event: Event) -> None:
        action = event.data.get("action")
        if not isinstance(action, str) or not action.startswith(ACTION_RECEIVED):
            return
        test_id = action.removeprefix(ACTION_RECEIVED)
        answered = self.clock.received(test_id, event.context.user_id, dt_util.utcnow())
        if answered is not None:
            self._handle(answered, event.context)
            self._save_and_schedule()

    # ------------------------------------------------------------- handling

    def _handle(self, event: AlarmTestEvent, context: Context | None) -> None:
        unit = self._unit
        data: dict[str, Any] = {"test_id": event.test_id, **event.data}
        if event.kind == UNANSWERED:
            data["escalated_to"] = unique_targets(unit.config.escalation_targets)
            self.unanswered = {"sent_at": event.data["sent_at"], "due_at": event.data["due_at"]}
        elif event.kind == RECEIVED:
            self.unanswered = None
        user_id = event.data.get("user_id")
        unit.record_unit(event.kind, data, user_id if isinstance(user_id, str) else None)
        unit.hass.bus.async_fire(
            EVENT_SUPERVISION,
            {
                **data,
                "type": event.kind,
                "device_id": unit.device_id,
                "apartment": unit.config.title,
            },
            context=context,
        )
        if event.kind == SENT:
            unit.notifier.queue(lambda: self._async_send(event.test_id))
        elif event.kind == UNANSWERED:
            LOGGER.warning("Test alarm of care unit %s was not answered", unit.config.title)
            self._unanswered()
        elif event.kind == RECEIVED:
            LOGGER.info("Test alarm of care unit %s received", unit.config.title)
            self._received()

    async def _async_send(self, test_id: str) -> None:
        unit = self._unit
        texts = unit.notifier.texts
        data = urgent(
            unit_data(unit.entry.entry_id, unit.config.title, KIND), critical=unit.config.critical
        )
        data["actions"] = [
            {"action": f"{ACTION_RECEIVED}{test_id}", "title": texts.get("action_received")}
        ]
        targets = list(unit.config.staff_targets)
        reached = await async_push(
            unit.hass,
            targets,
            texts.get("test_alarm_title", unit=unit.config.title),
            texts.get("test_alarm_message"),
            data,
        )
        unit.record_unit(NOTIFIED, {"notification": KIND, "test_id": test_id, "targets": reached})

    def _unanswered(self) -> None:
        unit = self._unit
        texts = unit.notifier.texts
        entry_id = unit.entry.entry_id
        title = texts.get("test_alarm_unanswered_title", unit=unit.config.title)
        message = texts.get("test_alarm_unanswered_message")
        data = urgent(
            unit_data(entry_id, unit.config.title, f"{KIND}_unanswered"),
            critical=unit.config.critical,
        )
        persist(
            unit.hass,
            unit_tag(entry_id, f"{KIND}_unanswered"),
            title,
            message,
            texts.get("open_panel", url=panel_path()),
        )
        targets = list(unit.config.escalation_targets)
        unit.notifier.queue(lambda: self._async_escalate(targets, title, message, data))

    async def _async_escalate(
        self, targets: list[str], title: str, message: str, data: dict[str, Any]
    ) -> None:
        reached = await async_push(self._unit.hass, targets, title, message, data)
        notification = f"{KIND}_unanswered"
        self._unit.record_unit(NOTIFIED, {"notification": notification, "targets": reached})

    def _received(self) -> None:
        """Take the test push away from the other phones.

        A late answer leaves the "not answered" notice: nobody answered in time.
        """
        unit = self._unit
        targets = list(unit.config.staff_targets)
        tag = unit_tag(unit.entry.entry_id, KIND)
        unit.notifier.queue(lambda: async_clear(unit.hass, targets, tag))
