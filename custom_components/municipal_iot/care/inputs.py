"""Sensor inputs of a care unit: watched sensor states and their devices' batteries.

Sensor states reach each apartment's engine through state-changed and
state-reported events (a sensor that rewrites an unchanged "off" counts as
alive). Battery entities of the same devices are followed for low-battery
notices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)

from ..supervision.events import Event as SupervisionEvent
from .apartment import Apartment
from .const import LOW_BATTERY_PERCENT

NO_STATE = frozenset({STATE_UNAVAILABLE, STATE_UNKNOWN})
MOTION_STATES = frozenset({STATE_ON, STATE_OFF})

type Runner = Callable[[Apartment, list[SupervisionEvent]], None]


def battery_low(state: State | None) -> bool | None:
    """Return whether a battery entity reports low, or None when it does not tell."""
    if state is None or state.state in NO_STATE:
        return None
    if state.domain == "binary_sensor":
        return state.state == STATE_ON
    try:
        return float(state.state) < LOW_BATTERY_PERCENT
    except ValueError:
        return None


class SensorInputs:
    """Feeds the watched sensors' states into the apartments' engines."""

    def __init__(self, hass: HomeAssistant, run: Runner) -> None:
        """``run`` hands an engine call's events to the care unit."""
        self._hass = hass
        self._run = run
        self._sensor_index: dict[str, list[Apartment]] = {}
        self._battery_index: dict[str, list[tuple[Apartment, str]]] = {}
        self._motion_ids: set[str] = set()
        self._unsubs: list[CALLBACK_TYPE] = []

    def subscribe(self, apartments: Iterable[Apartment]) -> None:
        """Follow the apartments' sensors and feed what is known now."""
        hass = self._hass
        self._sensor_index = {}
        self._battery_index = {}
        self._motion_ids = set()
        for apartment in apartments:
            self._motion_ids.update(apartment.config.motion_sensors)
            for sensor_id in apartment.config.sensors:
                self._sensor_index.setdefault(sensor_id, []).append(apartment)
                for battery_id in self._battery_entities(sensor_id):
                    self._battery_index.setdefault(battery_id, []).append((apartment, sensor_id))
        sensors = list(self._sensor_index)
        self._unsubs = [
            async_track_state_change_event(hass, sensors, self._on_state),
            async_track_state_report_event(hass, sensors, self._on_state),
            async_track_state_change_event(hass, list(self._battery_index), self._on_battery),
        ]
        # Only unavailability is fed at start: restored states are not fresh reports.
        # A sensor's last change still tells when it last saw motion (shown, not counted).
        for sensor_id, watching in self._sensor_index.items():
            state = hass.states.get(sensor_id)
            if state is None or state.state in NO_STATE:
                for apartment in watching:
                    self._feed(apartment, sensor_id, None)
            elif state.state in MOTION_STATES and sensor_id in self._motion_ids:
                for apartment in watching:
                    apartment.supervisor.seed_last_motion(state.last_changed)
        for battery_id in self._battery_index:
            self._feed_battery(battery_id, hass.states.get(battery_id))

    def unsubscribe(self) -> None:
        """Stop following the sensors."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []

    def _battery_entities(self, sensor_id: str) -> list[str]:
        """Return the battery entities of the device that holds ``sensor_id``."""
        ent_reg = er.async_get(self._hass)
        entry = ent_reg.async_get(sensor_id)
        if entry is None or entry.device_id is None:
            return []
        return [
            item.entity_id
            for item in er.async_entries_for_device(ent_reg, entry.device_id)
            if item.domain in {"sensor", "binary_sensor"}
            and (item.device_class or item.original_device_class) == "battery"
        ]

    @callback
    def _on_state(
        self, event: Event[EventStateChangedData] | Event[EventStateReportedData]
    ) -> None:
        entity_id = event.data["entity_id"]
        for apartment in self._sensor_index.get(entity_id, ()):
            self._feed(apartment, entity_id, event.data["new_state"])

    def _feed(self, apartment: Apartment, sensor_id: str, state: State | None) -> None:
        supervisor = apartment.supervisor
        if state is None or state.state in NO_STATE:
            events = supervisor.sensor_update(sensor_id, motion=None, available=False)
        else:
            value = state.state
            motion = True if value == STATE_ON else False if value == STATE_OFF else None
            events = supervisor.sensor_update(sensor_id, motion=motion, available=True)
        self._run(apartment, events)

    @callback
    def _on_battery(self, event: Event[EventStateChangedData]) -> None:
        self._feed_battery(event.data["entity_id"], event.data["new_state"])

    def _feed_battery(self, battery_id: str, state: State | None) -> None:
        low = battery_low(state)
        if low is None:
            return
        for apartment, sensor_id in self._battery_index.get(battery_id, ()):
            self._run(apartment, apartment.supervisor.battery_update(sensor_id, low=low))
