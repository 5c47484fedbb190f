"""Smaller parts of the water glue: journal, meter sources, recorder access, notifications."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, patch

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)

from custom_components.municipal_iot.decoders.base import Decoded, VolumeReading
from custom_components.municipal_iot.meter.diagnostics import async_entry_diagnostics
from custom_components.municipal_iot.meter.journal import (
    MAX_EPISODES,
    WaterJournal,
    async_get_journal,
)
from custom_components.municipal_iot.meter.notify import async_notify
from custom_components.municipal_iot.meter.recorder import RecorderUnavailableError, async_run
from custom_components.municipal_iot.meter.sources import (
    meter_source,
    resolve_meter_ids,
    water_meter_problem,
)
from custom_components.municipal_iot.meter.statistics import (
    MeterStatistics,
    async_get_meter_statistics,
)
from custom_components.municipal_iot.network.device import DeviceData
from tests.meter import report_entry, set_water_sensor, uplink_of, utc

HOUR = timedelta(hours=1)
pytestmark = pytest.mark.usefixtures("frozen_clock")


async def test_journal_episodes_and_persistence(hass: HomeAssistant) -> None:
    """Alarm and leak episodes open, close, stay bounded and survive a reload."""
    journal = await async_get_journal(hass)
    t0 = utc("2026-11-01T00:00:00+00:00")
    journal.update_alarms("m", frozenset({"leak", "burst"}), t0)
    journal.update_alarms("m", frozenset({"leak", "burst"}), t0 + HOUR)  # still on: no new episode
    journal.update_alarms("m", frozenset({"leak"}), t0 + 2 * HOUR)
    journal.update_alarms("m", frozenset(), t0 + 3 * HOUR)
    assert journal.alarms_between("m", t0 + 2 * HOUR, t0 + 3 * HOUR) == ("leak",)
    assert journal.alarms_between("m", t0, t0 + HOUR) == ("burst", "leak")
    assert journal.alarms_between("m", t0 + 3 * HOUR, t0 + 4 * HOUR) == ()

    journal.set_leak("m", "night_flow", True, t0)
    journal.set_leak("m", "night_flow", False, t0 + HOUR)
    journal.set_leak("m", "continuous_flow", False, t0 + HOUR)  # not open: nothing happens
    assert journal.leak_between("m", t0 + 30 * timedelta(minutes=1), t0 + 2 * HOUR)
    assert not journal.leak_between("m", t0 + HOUR, t0 + 2 * HOUR)

    for k in range(MAX_EPISODES + 5):
        journal.set_leak("n", "burst", True, t0 + HOUR * k)
        journal.set_leak("n", "burst", False, t0 + HOUR * k + timedelta(minutes=30))
    episodes = journal._data["leaks"]["n"]
    assert len(episodes) == MAX_EPISODES
    assert episodes[0]["start"] == (t0 + HOUR * 5).isoformat()  # the oldest were dropped

    await journal._store.async_save(journal._data)
    again = WaterJournal(hass)
    await again.async_load()
    assert again.alarms_between("m", t0, t0 + HOUR) == ("burst", "leak")


async def test_journal_and_importer_are_loaded_once(hass: HomeAssistant) -> None:
    """Concurrent first users share one journal and one importer."""
    journals = await asyncio.gather(async_get_journal(hass), async_get_journal(hass))
    assert journals[0] is journals[1]
    importers = await asyncio.gather(
        async_get_meter_statistics(hass), async_get_meter_statistics(hass)
    )
    assert importers[0] is importers[1]


async def test_meter_sources_from_the_registry(hass: HomeAssistant) -> None:
    """Without a state (startup), the registry decides; names, areas and units follow."""
    other = MockConfigEntry(domain="mqtt")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("mqtt", "m1")}, name="Tvättstuga"
    )
    ent_reg = er.async_get(hass)
    litres = ent_reg.async_get_or_create(
        "sensor",
        "mqtt",
        "m1-total",
        device_id=device.id,
        original_device_class="water",
        original_name="Total",
        has_entity_name=True,
        capabilities={"state_class": "total"},
        unit_of_measurement="L",
    )
    unnamed = ent_reg.async_get_or_create(
        "sensor",
        "mqtt",
        "m1-raw",
        device_id=device.id,
        original_device_class="water",
        has_entity_name=True,
        capabilities={"state_class": "total_increasing"},
    )
    legacy = ent_reg.async_get_or_create(
        "sensor",
        "mqtt",
        "m2",
        original_device_class="water",
        original_name="Old meter",
        capabilities={"state_class": "total_increasing"},
        unit_of_measurement="kWh",
    )
    assert water_meter_problem(hass, litres.entity_id) is None
    assert water_meter_problem(hass, unnamed.entity_id) is None
    assert water_meter_problem(hass, legacy.entity_id) == "not_a_water_meter"  # not a volume
    assert water_meter_problem(hass, "sensor.none") == "unknown_entity"

    source = meter_source(hass, litres.entity_id)
    assert (source.name, source.unit, source.m3_factor) == ("Tvättstuga Total", "L", 0.001)
    assert source.key == litres.entity_id
    assert source.external_statistic_id is None
    assert meter_source(hass, unnamed.entity_id).name == "Tvättstuga"
    assert meter_source(hass, unnamed.entity_id).m3_factor == 1.0  # unit unknown
    assert meter_source(hass, legacy.entity_id).name == "Old meter"
    assert meter_source(hass, "sensor.none").name == "sensor.none"

    ent_reg.async_update_entity(litres.entity_id, disabled_by=er.RegistryEntryDisabler.USER)
    assert resolve_meter_ids(hass, [], [], ["nothing"]) == []


async def test_recorder_missing(hass: HomeAssistant, tmp_path: Path) -> None:
    """Without the recorder there are no statistics: a clear error, and no imports."""
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "municipal_iot", {})
    set_water_sensor(hass, "sensor.flat_1", 1.0)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "municipal_iot",
            "meter_report",
            {"meters": ["sensor.flat_1"], "start": "2026-10-01", "end": "2026-10-02"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "recorder_unavailable"

    importer = await async_get_meter_statistics(hass)
    device = DeviceData(dev_eui="0102030405060708", name="m", model_id="axioma_w1")
    importer.async_handle_decoded(
        uplink_of(
            device,
            Decoded(
                volume_m3=1.0,
                meter_time=utc("2026-11-26T10:00:00+00:00"),
                history=(VolumeReading(utc("2026-11-26T09:00:00+00:00"), 0.9),),
            ),
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert importer.imported_rows == 0

    # Leak sensors still work from live readings.
    entry = report_entry(meters=["sensor.flat_1"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.flat_1_leak_any_rule_or_meter_alarm").state == "off"


@pytest.mark.usefixtures("recorder_mock")
async def test_database_not_ready(hass: HomeAssistant) -> None:
    """A recorder whose database failed is treated as missing."""
    instance = MagicMock()
    instance.async_db_ready = hass.loop.create_future()
    instance.async_db_ready.set_result(False)
    with (
        patch("custom_components.municipal_iot.meter.recorder.get_instance", return_value=instance),
        pytest.raises(RecorderUnavailableError),
    ):
        await async_run(hass, lambda: None)


@pytest.mark.usefixtures("recorder_mock")
async def test_resume_without_database_starts_a_new_series(hass: HomeAssistant) -> None:
    """If the last row cannot be read, the series starts from the first reading."""
    importer = MeterStatistics(hass, await async_get_journal(hass))
    device = DeviceData(dev_eui="0102030405060708", name="m", model_id="axioma_w1")
    decoded = Decoded(
        volume_m3=1.0,
        meter_time=utc("2026-11-26T10:00:00+00:00"),
        history=(VolumeReading(utc("2026-11-26T09:00:00+00:00"), 0.9),),
    )
    with patch(
        "custom_components.municipal_iot.meter.statistics.async_run",
        side_effect=RecorderUnavailableError,
    ):
        importer.async_handle_decoded(uplink_of(device, decoded))
        await hass.async_block_till_done(wait_background_tasks=True)
    last = importer.last_row("0102030405060708")
    assert last is not None
    assert (last.start, last.sum) == (utc("2026-11-26T09:00:00+00:00"), pytest.approx(0.1))


@pytest.mark.usefixtures("recorder_mock")
async def test_flow_from_our_meter_drives_the_burst_rule(hass: HomeAssistant) -> None:
    """Flow values in uplinks feed the burst rule of that meter only."""
    ent_reg = er.async_get(hass)
    ours = ent_reg.async_get_or_create(
        "sensor", "municipal_iot", "0102030405060708_volume", suggested_object_id="vm_1_volume"
    )
    set_water_sensor(hass, ours.entity_id, 3.0)
    set_water_sensor(hass, "sensor.flat_1", 3.0)
    entry = report_entry(meters=[ours.entity_id, "sensor.flat_1"])
    entry.add_to_hass(hass)
    # Batches of one meter: the refresh yields between meters.
    with patch("custom_components.municipal_iot.meter.leak.EVALUATE_BATCH", 1):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    events = async_capture_events(hass, "municipal_iot_leak")
    importer = await async_get_meter_statistics(hass)
    device = DeviceData(dev_eui="0102030405060708", name="vm 1", model_id="kamstrup_flowiq2200")
    for minutes in range(0, 35, 5):
        at = utc("2026-11-26T09:40:00+00:00") + timedelta(minutes=minutes)
        importer.async_handle_decoded(uplink_of(device, Decoded(flow_m3h=0.9, meter_time=at)))
    set_water_sensor(hass, ours.entity_id, 3.5)  # our meters ignore live states
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("binary_sensor.vm_1_volume_leak_flow_rule_burst").state == "on"
    assert hass.states.get("binary_sensor.flat_1_leak_flow_rule_burst").state == "off"
    assert [event.data["type"] for event in events] == ["burst"]
    set_water_sensor(hass, "sensor.flat_1", "garbage")
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.flat_1_leak_flow_rule_burst").state == "off"


async def test_notify_errors_are_logged(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing notify action does not stop the others."""

    async def broken(call: Any) -> None:
        raise HomeAssistantError("offline")

    hass.services.async_register("notify", "broken", broken)
    calls = async_mock_service(hass, "notify", "works")
    await async_notify(hass, ["notify.broken", "light.nope", "notify.works"], "t", "m")
    assert "Could not notify notify.broken: offline" in caplog.text
    assert "light.nope does not exist" in caplog.text
    assert len(calls) == 1


@pytest.mark.usefixtures("recorder_mock")
async def test_schedule_before_todays_run(hass: HomeAssistant, freezer: Any) -> None:
    """Set up on the run day before the run time: nothing is marked done or caught up."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to("2026-12-01T04:00:00+00:00")  # 05:00, the run is at 06:00
    entry = report_entry(meters=[])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    journal = await async_get_journal(hass)
    assert journal.last_report_end(entry.entry_id) is None


async def test_actions_are_described_and_translated(hass: HomeAssistant) -> None:
    """services.yaml loads in HA, and every field has a name in both languages."""
    import json  # noqa: PLC0415

    from homeassistant.helpers.service import async_get_all_descriptions  # noqa: PLC0415

    assert await async_setup_component(hass, "municipal_iot", {})
    descriptions = (await async_get_all_descriptions(hass))["municipal_iot"]
    package = Path(__file__).parent.parent.parent / "custom_components" / "municipal_iot"
    for language in ("en", "sv"):
        translations = json.loads(
            (package / "translations" / f"{language}.json").read_text(encoding="utf-8")
        )
        for action in ("replace_meter", "meter_report"):
            fields = set(descriptions[action]["fields"])
            assert fields == set(translations["services"][action]["fields"]), action
        for kind in ("water_leak", "continuous_flow", "night_flow", "burst_flow"):
            names = translations["entity"]["binary_sensor"]
            assert names[kind]["name"]
            assert "{meter}" in names[f"meter_{kind}"]["name"]
    assert set(descriptions["replace_meter"]["fields"]) == {
        "entity_id",
        "date",
        "old_final_m3",
        "new_initial_m3",
        "old_meter_id",
        "new_meter_id",
    }


@pytest.mark.usefixtures("recorder_mock")
async def test_diagnostics_of_a_report_entry(hass: HomeAssistant) -> None:
    """Diagnostics list the meters, their statistic, rules and replacements."""
    assert await async_setup_component(hass, "municipal_iot", {})
    set_water_sensor(hass, "sensor.flat_1", 4.0)
    await hass.services.async_call(
        "municipal_iot",
        "replace_meter",
        {
            "entity_id": "sensor.flat_1",
            "date": "2026-11-01T00:00:00+00:00",
            "old_final_m3": 3.5,
            "new_initial_m3": 0.0,
        },
        blocking=True,
    )
    entry = report_entry(meters=["sensor.flat_1"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await async_entry_diagnostics(hass, entry)
    (meter,) = diagnostics["meters"]
    assert meter["statistic_id"] == "sensor.flat_1"
    assert meter["active"] == []
    assert meter["rules"] == sorted(
        ["continuous_flow", "night_flow", "burst", "meter_leak", "meter_burst"]
    )
    assert meter["replacements"][0]["old_final_m3"] == 3.5
    assert diagnostics["last_report_end"] == "2026-11-01T07:00:00+00:00"  # marked done at setup
