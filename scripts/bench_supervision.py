"""Benchmark: supervision cost per motion state change, and alarm latency.

Runs an in-process Home Assistant (the test harness from
pytest-homeassistant-custom-component) with a care unit of 200 apartments, one
motion sensor each, and measures:

* the cost of one motion state change written with ``hass.states.async_set``
  to a supervised sensor (HA's state write plus everything supervision does:
  the engine update, the timer reschedule, the coalesced save and the
  ``last_motion`` entity write), against the same bare ``async_set`` to an
  unsupervised entity, in the same run; the difference is supervision's cost;
* with a real event loop and real sleeping, how late alarms fire after their
  deadline (a second unit of 5 apartments whose deadlines fall 2-4 s after
  start; rules are whole minutes, so the stored state starts them 58 s still).
"""

from __future__ import annotations

import asyncio
import gc
import socket
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

import custom_components.municipal_iot  # noqa: F401  - bind the package before HA's loader
from custom_components.municipal_iot.care.config import UnitConfig
from custom_components.municipal_iot.care.const import EVENT_ALARM
from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.supervision.engine import ApartmentSupervisor
from custom_components.municipal_iot.supervision.rules import ApartmentRules

APARTMENTS = 200
CHANGES = 10_000
LATENCY_APARTMENTS = 5
ATTRS = {"device_class": "motion", "friendly_name": "motion"}
UNIT_RULES = {
    "network_outage_percent": 50,
    "test_alarm": "daily",
    "test_alarm_time": "03:00",
    "test_alarm_weekday": 0,
}


def care_entry(title: str, count: int, rules: dict[str, Any], prefix: str) -> MockConfigEntry:
    """A care unit with ``count`` apartments, a motion and a door sensor each, no phones."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data={
            "entry_type": "care_unit",
            "staff_targets": [],
            "escalation_targets": [],
            "escalation_minutes": 0,
            "reminder_minutes": 0,
            "critical": False,
            "retention_months": 13,
            "rules": rules,
        },
        subentries_data=[
            ConfigSubentryDataWithId(
                subentry_id=f"{prefix}{n}",
                subentry_type="apartment",
                title=f"{title} {n}",
                data={
                    "motion_sensors": [f"binary_sensor.{prefix}{n}_motion"],
                    "door_sensors": [f"binary_sensor.{prefix}{n}_door"],
                    "rules_mode": "unit",
                    "consent_date": "2026-01-01",
                },
                unique_id=None,
            )
            for n in range(count)
        ],
    )


def free_port() -> int:
    """Return a TCP port free on the loopback interface now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rules(continuous: int, grace: int) -> dict[str, Any]:
    """Unit rules: a stopwatch, the door rules (outing, not back, night exit), planned checks."""
    return {
        "outing": {"minutes": 10, "not_back": {"start": "22:00", "end": "07:00", "minutes": 30}},
        "night_exit": {"start": "22:00", "end": "06:00", "return_minutes": 2},
        "bands": [],
        "windows": [],
        "continuous_minutes": continuous,
        "grace_minutes": grace,
        "sensor_unavailable_minutes": 15,
        "sensor_interval_minutes": None,
        "planned": {
            "times": [{"at": "23:00"}, {"at": "02:00"}, {"at": "05:00"}],
            "lookback_minutes": 30,
        },
    }


async def bench_motion(hass: HomeAssistant) -> dict[str, float]:
    """Time supervised motion state changes against bare state writes."""
    for n in range(APARTMENTS):
        hass.states.async_set(f"binary_sensor.apt{n}_motion", "off", ATTRS)
        hass.states.async_set(f"binary_sensor.apt{n}_door", "off", {"device_class": "door"})
        hass.states.async_set(f"binary_sensor.bare{n}_motion", "off", ATTRS)
    entry = care_entry("Bench", APARTMENTS, rules(600, 10), "apt")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options=UNIT_RULES)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    unit = entry.runtime_data
    assert len(unit.apartments) == APARTMENTS
    # The unit rules are on: the network outage rule and a daily test alarm.
    assert unit.network.watch.share_percent == UNIT_RULES["network_outage_percent"]
    assert unit.test_alarm.clock.next_deadline() is not None

    supervised = [f"binary_sensor.apt{n % APARTMENTS}_motion" for n in range(CHANGES)]
    bare = [f"binary_sensor.bare{n % APARTMENTS}_motion" for n in range(CHANGES)]
    values = ["on" if (n // APARTMENTS) % 2 == 0 else "off" for n in range(CHANGES)]

    async def timed(entity_ids: list[str]) -> float:
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        for entity_id, value in zip(entity_ids, values, strict=True):
            hass.states.async_set(entity_id, value, ATTRS)
        elapsed = time.perf_counter() - start
        gc.enable()
        await hass.async_block_till_done()
        # Reset to "off" untimed, so the next round changes state again.
        for entity_id in set(entity_ids):
            hass.states.async_set(entity_id, "off", ATTRS)
        await hass.async_block_till_done()
        return elapsed / len(entity_ids)

    rounds = [(await timed(supervised), await timed(bare)) for _ in range(5)]
    supervised_s = statistics.median(first for first, _ in rounds)
    bare_s = statistics.median(second for _, second in rounds)
    moved = sum(
        apartment.supervisor.last_motion is not None for apartment in unit.apartments.values()
    )
    assert moved == APARTMENTS, "supervision did not see the motion"
    planned = sum(
        apartment.supervisor.next_planned_check is not None
        for apartment in unit.apartments.values()
    )
    assert planned == APARTMENTS, "planned checks are not on"
    assert await hass.config_entries.async_unload(entry.entry_id)
    return {
        "supervised_ms": supervised_s * 1000,
        "bare_ms": bare_s * 1000,
        "handling_ms": (supervised_s - bare_s) * 1000,
        "ratio": supervised_s / bare_s,
    }


async def bench_latency(hass: HomeAssistant) -> list[float]:
    """Return how late each alarm fired after its deadline, in seconds (real time)."""
    entry = care_entry("Latency", LATENCY_APARTMENTS, rules(1, 0), "lat")
    now = dt_util.utcnow()
    tz = ZoneInfo(hass.config.time_zone)
    unit_config = UnitConfig.from_entry(entry)
    states: dict[str, Any] = {}
    for n in range(LATENCY_APARTMENTS):
        sensor = f"binary_sensor.lat{n}_motion"
        hass.states.async_set(sensor, "off", ATTRS)
        # Still for 58 s already (0.5 s more per apartment): the 1 min rule falls due in 2-4 s.
        start = now - timedelta(seconds=58 - n * 0.5)
        rules_n = ApartmentRules.from_dict(
            {**unit_config.rules, "sensors": [sensor]}, policy=unit_config.policy
        )
        states[f"lat{n}"] = ApartmentSupervisor(
            f"lat{n}", rules_n, tz=tz, clock=lambda start=start: start
        ).to_dict()
    store: Store[dict[str, Any]] = Store(
        hass, 1, f"{DOMAIN}.care.{entry.entry_id}.state", private=True
    )
    await store.async_save({"apartments": states})

    lateness: list[float] = []
    done = asyncio.Event()

    @callback
    def raised(event: Event[Any]) -> None:
        if event.data["type"] != "alarm_raised":
            return
        due = dt_util.parse_datetime(event.data["due_at"])
        assert due is not None
        lateness.append(time.time() - due.timestamp())
        if len(lateness) == LATENCY_APARTMENTS:
            done.set()

    unsub = hass.bus.async_listen(EVENT_ALARM, raised)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await asyncio.wait_for(done.wait(), timeout=30)
    unsub()
    assert await hass.config_entries.async_unload(entry.entry_id)
    return lateness


async def main() -> None:
    """Run both measurements in a test HA instance with a throw-away config folder."""
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            # The test harness hides custom integrations; this bench needs ours.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            await hass.config.async_set_time_zone("Europe/Stockholm")
            # A free loopback port: HA's default 8123 may be taken on a shared machine.
            http = {"server_host": ["127.0.0.1"], "server_port": free_port()}
            assert await async_setup_component(hass, "http", {"http": http})
            motion = await bench_motion(hass)
            started = time.perf_counter()
            lateness = await bench_latency(hass)
            elapsed = time.perf_counter() - started
            await hass.async_stop(force=True)
    print(
        f"== Supervision benchmark ({APARTMENTS} apartments, motion + door sensors, "
        "door rules, unit rules, planned checks)"
    )
    print(f"motion change, supervised sensor:  {motion['supervised_ms']:.4f} ms")
    print(f"bare async_set, same change:       {motion['bare_ms']:.4f} ms")
    print(f"supervision's handling cost:       {motion['handling_ms']:.4f} ms  (target < 0.2)")
    print(f"ratio supervised / bare:           {motion['ratio']:.2f}")
    print(f"== Alarm latency, real event loop ({LATENCY_APARTMENTS} alarms, {elapsed:.1f} s)")
    print(
        f"late after deadline: max {max(lateness) * 1000:.1f} ms, "
        f"median {statistics.median(lateness) * 1000:.1f} ms  (target < 1000)"
    )


if __name__ == "__main__":
    asyncio.run(main())
