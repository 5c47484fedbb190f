"""Meter history into long-term statistics: real uplinks in, external statistics out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from homeassistant.components.energy import data as energy_data
from homeassistant.components.energy import validate as energy_validate
from homeassistant.components.recorder.statistics import get_metadata
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.storage import Store
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.municipal_iot.decoders.base import (
    Alarm,
    DecodeContext,
    Decoded,
    VolumeReading,
)
from custom_components.municipal_iot.decoders.registry import DECODERS
from custom_components.municipal_iot.meter.journal import async_get_journal
from custom_components.municipal_iot.meter.statistics import (
    MeterStatistics,
    async_get_meter_statistics,
)
from custom_components.municipal_iot.network.device import DeviceData
from tests.conftest import BOTH_DATABASES
from tests.meter import hourly_rows, uplink_of, utc
from tests.network import (
    WEBHOOK_CS,
    WEBHOOK_TTS,
    Poster,
    chirpstack_up,
    load_json,
    network_entry,
    setup_entry,
    tts_uplink,
)

VECTORS = {
    v["id"]: v for vendor in load_json("vectors_water.json")["lorawan"].values() for v in vendor
}
METER = "a81758fffe0312ab"
STAT = f"municipal_iot:water_{METER}"
HOUR = timedelta(hours=1)

pytestmark = [pytest.mark.usefixtures("recorder_mock"), BOTH_DATABASES]


def _ts(text: str) -> float:
    return utc(text).timestamp()


def _kamstrup_readings(vector_id: str) -> list[tuple[datetime, float]]:
    values = VECTORS[vector_id]["expected"]["data"]["values"]
    return sorted(
        (utc(value["Timestamp"]), value["Value"]) for value in values if value["Type"] == "Volume"
    )


async def _post_kamstrup(post: Poster, vector_id: str, f_cnt: int, time: str) -> None:
    vector = VECTORS[vector_id]
    body = chirpstack_up(
        vector["payload_hex"],
        f_port=vector["fPort"],
        name="vm-12",
        profile="Kamstrup flowIQ 2200",
        f_cnt=f_cnt,
        time=time,
    )
    assert await post(WEBHOOK_CS, body, event="up") == (200, "ok")


@pytest.mark.usefixtures("frozen_clock")
async def test_kamstrup_history_becomes_hourly_rows(hass: HomeAssistant, post: Poster) -> None:
    """A Kamstrup frame's hourly profile becomes one external row per hour, sum from zero."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await _post_kamstrup(post, "kamstrup-oms-04", 1, "2023-08-29T12:05:00+00:00")
    rows = await hourly_rows(hass, STAT, utc("2023-08-28T00:00:00+00:00"))
    readings = _kamstrup_readings("kamstrup-oms-04")
    assert len(readings) == 12
    # A row starting at S holds the register read at S + 1 h.
    assert [row["start"] for row in rows] == [(at - HOUR).timestamp() for at, _ in readings]
    assert [row["state"] for row in rows] == pytest.approx([value for _, value in readings])
    first = readings[0][1]
    assert [row["sum"] for row in rows] == pytest.approx([value - first for _, value in readings])
    assert rows[-1]["sum"] == pytest.approx(7842.497 - 7839.289)

    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids={STAT})
    )
    meta = metadata[STAT][1]
    assert meta["source"] == "municipal_iot"
    assert meta["unit_of_measurement"] == "m³"
    assert meta["unit_class"] == "volume"
    assert meta["mean_type"] == 0
    assert meta["has_sum"] is True
    assert meta["name"] == "vm-12 water"


@pytest.mark.usefixtures("frozen_clock")
async def test_repeated_and_overlapping_uplinks_add_nothing(
    hass: HomeAssistant, post: Poster
) -> None:
    """The same history again (new frame counter) neither adds rows nor changes sums."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await _post_kamstrup(post, "kamstrup-oms-04", 1, "2023-08-29T12:05:00+00:00")
    before = await hourly_rows(hass, STAT, utc("2023-08-28T00:00:00+00:00"))
    importer = await async_get_meter_statistics(hass)
    imported = importer.imported_rows
    await _post_kamstrup(post, "kamstrup-oms-04", 2, "2023-08-29T12:10:00+00:00")
    await _post_kamstrup(post, "kamstrup-oms-04", 3, "2023-08-29T12:15:00+00:00")
    assert importer.imported_rows == imported == 12
    assert await hourly_rows(hass, STAT, utc("2023-08-28T00:00:00+00:00")) == before


async def test_kamstrup_entity_and_statistic_are_valid_for_the_energy_dashboard(
    hass: HomeAssistant, post: Poster, freezer: Any
) -> None:
    """Energy validation accepts both the volume sensor and the external statistic as water."""
    freezer.move_to("2023-08-29T12:15:00+00:00")  # the meter was heard 10 minutes ago
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await _post_kamstrup(post, "kamstrup-oms-04", 1, "2023-08-29T12:05:00+00:00")
    await hass.async_block_till_done(wait_background_tasks=True)  # the first import
    await async_wait_recording_done(hass)
    manager = await energy_data.async_get_manager(hass)
    sources: list[Any] = [
        {
            "type": "water",
            "stat_energy_from": stat,
            "stat_cost": None,
            "entity_energy_price": None,
            "number_energy_price": None,
        }
        for stat in (STAT, "sensor.vm_12_volume")
    ]
    await manager.async_update({"energy_sources": sources})
    result = await energy_validate.async_validate(hass)
    issues = result.as_dict()["energy_sources"]
    # The entity has no long-term statistics yet (the compiler runs hourly); nothing else.
    assert issues[0] == []
    assert [issue["type"] for issue in issues[1]] == ["statistics_not_defined"]


async def test_axioma_enhanced_history_via_tts(
    hass: HomeAssistant, post: Poster, freezer: Any
) -> None:
    """Axioma's 23 hourly deltas (TTS) become rows; the 23:09 reading waits for the next one."""
    freezer.move_to("2026-09-02T23:15:00+00:00")
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    vector = VECTORS["axioma-w1-ttn-enhanced24h"]
    body = tts_uplink(
        vector["payload_hex"],
        f_port=100,
        device_id="vm-7",
        brand="axioma",
        model="qalcosonic-w1",
        received_at="2026-09-02T23:10:00Z",
    )
    assert await post(WEBHOOK_TTS, body) == (200, "ok")
    expected = vector["expected"]["data"]
    registers = [expected["log_volume_m3"]]
    for k in range(1, 23):
        registers.append(registers[-1] + expected[f"delta_{k}_m3"])
    rows = await hourly_rows(hass, STAT, utc("2026-09-01T00:00:00+00:00"))
    assert [row["start"] for row in rows] == [
        _ts("2026-09-01T23:00:00+00:00") + 3600 * k for k in range(23)
    ]
    assert [row["state"] for row in rows] == pytest.approx(registers)
    assert rows[-1]["sum"] == pytest.approx(
        expected["current_volume_m3"] - expected["log_volume_m3"]
    )


async def test_sensus_history_off_the_hour_is_interpolated(
    hass: HomeAssistant, post: Poster, freezer: Any
) -> None:
    """Sensus readings at :42 give rows at whole hours by interpolation within one hour."""
    freezer.move_to("2024-06-19T13:50:00+00:00")
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    vector = VECTORS["sensus-iperl-ttn"]
    body = tts_uplink(
        vector["payload_hex"],
        f_port=vector["fPort"],
        device_id="vm-9",
        brand="sensus",
        model="iperl",
        received_at="2024-06-19T13:45:00Z",
    )
    assert await post(WEBHOOK_TTS, body) == (200, "ok")
    hub = hass.config_entries.async_entries("municipal_iot")[0].runtime_data
    assert hub.devices[METER].model_id == "sensus_iperl"
    rows = await hourly_rows(hass, STAT, utc("2024-06-19T00:00:00+00:00"))
    # Readings at 02:42 ... 13:42 give boundaries 03:00 ... 13:00.
    assert [row["start"] for row in rows] == [
        _ts("2024-06-19T02:00:00+00:00") + 3600 * k for k in range(11)
    ]
    state = hass.states.get("sensor.vm_9_volume")
    assert state is not None
    assert float(state.state) == pytest.approx(25041.978)
    # Each boundary lies 18 of 60 minutes after a reading: 18/60 of the way to the next.
    decoded = DECODERS["sensus_iperl"].decode(
        bytes.fromhex(vector["payload_hex"]),
        vector["fPort"],
        DecodeContext(received_at=utc("2024-06-19T13:45:00+00:00")),
    )
    assert decoded.volume_m3 is not None
    volumes = [reading.volume_m3 for reading in decoded.history] + [decoded.volume_m3]
    expected = [a + (b - a) * 18 / 60 for a, b in pairwise(volumes)]
    assert [row["state"] for row in rows] == pytest.approx(expected)
    assert [row["sum"] for row in rows] == pytest.approx([v - expected[0] for v in expected])


def _device(dev_eui: str = METER) -> DeviceData:
    return DeviceData(dev_eui=dev_eui, name="apt 3", model_id="kamstrup_flowiq2200")


def _decoded(readings: list[tuple[str, float]], **extra: Any) -> Decoded:
    *history, (last_at, last_value) = readings
    return Decoded(
        volume_m3=last_value,
        meter_time=utc(last_at),
        history=tuple(VolumeReading(utc(at), value) for at, value in history),
        **extra,
    )


def _hours(first: str, count: int, start_value: float, step: float) -> list[tuple[str, float]]:
    base = utc(first)
    return [((base + HOUR * k).isoformat(), round(start_value + step * k, 6)) for k in range(count)]


async def _feed(hass: HomeAssistant, importer: MeterStatistics, decoded: Decoded) -> None:
    importer.async_handle_decoded(uplink_of(_device(), decoded))
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def test_gap_stays_a_gap_and_late_history_changes_nothing(hass: HomeAssistant) -> None:
    """Missing hours get no rows; the next row carries the water; late data is dropped."""
    importer = await async_get_meter_statistics(hass)
    await _feed(hass, importer, _decoded(_hours("2026-03-01T00:00:00+00:00", 6, 10.0, 0.01)))
    await _feed(hass, importer, _decoded(_hours("2026-03-01T09:00:00+00:00", 4, 10.2, 0.01)))
    rows = await hourly_rows(hass, STAT, utc("2026-02-28T00:00:00+00:00"))
    starts = [datetime.fromtimestamp(row["start"], UTC).hour for row in rows]
    # Readings 00:00-05:00 and 09:00-12:00; nothing for the hours ending 06:00-08:00.
    assert starts == [23, 0, 1, 2, 3, 4, 8, 9, 10, 11]
    assert [row["sum"] for row in rows] == pytest.approx(
        [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.2, 0.21, 0.22, 0.23]
    )
    # The missing hours arrive late: already counted in the 08:00 row, so nothing changes.
    await _feed(hass, importer, _decoded(_hours("2026-03-01T05:00:00+00:00", 5, 10.05, 0.0375)))
    assert await hourly_rows(hass, STAT, utc("2026-02-28T00:00:00+00:00")) == rows


async def test_overlapping_history_continues_from_the_last_row(hass: HomeAssistant) -> None:
    """An uplink whose history overlaps imported hours adds only the new hours."""
    importer = await async_get_meter_statistics(hass)
    await _feed(hass, importer, _decoded(_hours("2026-03-01T00:00:00+00:00", 7, 5.0, 0.002)))
    await _feed(hass, importer, _decoded(_hours("2026-03-01T03:00:00+00:00", 8, 5.006, 0.002)))
    rows = await hourly_rows(hass, STAT, utc("2026-02-28T00:00:00+00:00"))
    assert len(rows) == 11  # readings 00:00 ... 10:00
    assert rows[-1]["sum"] == pytest.approx(0.02)
    assert rows[-1]["state"] == pytest.approx(5.02)


async def test_lost_store_continues_from_the_recorder(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Without a stored last row, the next import continues the recorder's series."""
    importer = await async_get_meter_statistics(hass)
    await _feed(hass, importer, _decoded(_hours("2026-03-01T00:00:00+00:00", 4, 1.0, 0.1)))
    fresh = MeterStatistics(hass, await async_get_journal(hass))
    hass_storage.pop("municipal_iot.meter_statistics", None)
    await fresh.async_load()
    assert fresh.last_row(METER) is None
    # Two uplinks before the lookup finishes are both applied, in order.
    fresh.async_handle_decoded(
        uplink_of(_device(), _decoded(_hours("2026-03-01T04:00:00+00:00", 2, 1.4, 0.1)))
    )
    fresh.async_handle_decoded(
        uplink_of(_device(), _decoded(_hours("2026-03-01T06:00:00+00:00", 2, 1.6, 0.1)))
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    rows = await hourly_rows(hass, STAT, utc("2026-02-28T00:00:00+00:00"))
    assert [row["sum"] for row in rows] == pytest.approx([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    last = fresh.last_row(METER)
    assert last is not None
    assert last.sum == pytest.approx(0.7)


async def test_reading_and_position_survive_a_restart(hass: HomeAssistant) -> None:
    """After a restart the position comes from the recorder; the waiting reading from the store."""
    importer = await async_get_meter_statistics(hass)
    await _feed(hass, importer, _decoded(_hours("2026-03-01T00:00:00+00:00", 3, 2.0, 0.5)))
    # A second meter has only one reading so far (no row yet).
    importer.async_handle_decoded(
        uplink_of(
            _device("0011223344556677"),
            Decoded(volume_m3=4.0, meter_time=utc("2026-03-01T05:17:00+00:00")),
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    stored = importer._data_to_save()
    assert "last" not in stored["meters"][METER]  # never from our own store
    await Store[dict[str, Any]](hass, 1, "municipal_iot.meter_statistics").async_save(stored)
    again = MeterStatistics(hass, await async_get_journal(hass))
    await again.async_load()
    assert again.last_row(METER) is None  # not known until the recorder was asked
    await _feed(hass, again, _decoded(_hours("2026-03-01T02:00:00+00:00", 2, 3.0, 0.5)))
    last = again.last_row(METER)
    assert last is not None
    assert (last.start, last.state, last.sum) == (utc("2026-03-01T02:00:00+00:00"), 3.5, 1.5)
    # The waiting reading of the second meter gives its first row with the next uplink.
    again.async_handle_decoded(
        uplink_of(
            _device("0011223344556677"),
            Decoded(volume_m3=4.5, meter_time=utc("2026-03-01T06:17:00+00:00")),
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    second = again.last_row("0011223344556677")
    assert second is not None
    assert (second.start, second.state, second.sum) == (
        utc("2026-03-01T05:00:00+00:00"),
        pytest.approx(4.0 + 0.5 * 43 / 60),
        0.0,
    )


async def test_rows_the_recorder_never_committed_are_imported_again(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Defect 3: a crash before the recorder's commit loses no hour, for good.

    The old importer saved its position apart from the recorder's commit: after a kill -9
    its store said 03:00 while the recorder held rows up to 01:00 only, and the hours in
    between were never imported although later uplinks carried them.
    """
    importer = await async_get_meter_statistics(hass)
    await _feed(hass, importer, _decoded(_hours("2026-03-01T00:00:00+00:00", 5, 1.0, 0.1)))
    await hass.async_block_till_done()
    stored = {"version": 1, "minor_version": 1, "key": "municipal_iot.meter_statistics"}
    stored["data"] = importer._data_to_save() | {
        # What the old importer had saved: the position of the last row it had sent.
        "meters": {
            METER: {"last": {"start": "2026-03-01T03:00:00+00:00", "state": 1.4, "sum": 0.4}}
        }
    }
    # The crash: the rows after 01:00 never reached the database.
    get_instance(hass).async_clear_statistics([STAT])
    await async_wait_recording_done(hass)
    committed = MeterStatistics(hass, await async_get_journal(hass))
    await _feed(hass, committed, _decoded(_hours("2026-03-01T00:00:00+00:00", 3, 1.0, 0.1)))
    assert len(await hourly_rows(hass, STAT, utc("2026-02-28T00:00:00+00:00"))) == 3
    hass_storage["municipal_iot.meter_statistics"] = stored
    restarted = MeterStatistics(hass, await async_get_journal(hass))
    await restarted.async_load()
    # The next uplink carries 32 h of history, as real meters do.
    await _feed(hass, restarted, _decoded(_hours("2026-03-01T00:00:00+00:00", 8, 1.0, 0.1)))
    rows = await hourly_rows(hass, STAT, utc("2026-02-28T00:00:00+00:00"))
    starts = [row["start"] for row in rows]
    assert starts == [_ts("2026-02-28T23:00:00+00:00") + 3600 * k for k in range(8)]
    assert [row["sum"] for row in rows] == pytest.approx([0.1 * k for k in range(8)])


async def test_register_reset_keeps_the_sum_and_warns(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A falling register (swap not recorded) never makes the sum go down."""
    importer = await async_get_meter_statistics(hass)
    with caplog.at_level(logging.WARNING):
        await _feed(
            hass,
            importer,
            _decoded(
                [
                    *_hours("2026-03-01T00:00:00+00:00", 3, 50.0, 0.1),
                    *_hours("2026-03-01T03:00:00+00:00", 2, 0.3, 0.1),
                ]
            ),
        )
    rows = await hourly_rows(hass, STAT, utc("2026-02-28T00:00:00+00:00"))
    assert [row["sum"] for row in rows] == pytest.approx([0, 0.1, 0.2, 0.2, 0.3])
    assert "register went down" in caplog.text


async def test_alarm_codes_are_journaled(hass: HomeAssistant) -> None:
    """Meter alarm codes open and close episodes in the journal."""
    importer = await async_get_meter_statistics(hass)
    journal = await async_get_journal(hass)
    importer.async_handle_decoded(uplink_of(_device(), Decoded(alarms=frozenset({Alarm.LEAK}))))
    importer.async_handle_decoded(uplink_of(_device(), Decoded(alarms=frozenset())))
    start, end = utc("2020-01-01T00:00:00+00:00"), utc("2030-01-01T00:00:00+00:00")
    assert journal.alarms_between(STAT, start, end) == ("leak",)
    assert journal.alarms_between(STAT, end, end + HOUR) == ()


async def test_motion_devices_are_ignored(hass: HomeAssistant) -> None:
    """Only water meters are imported."""
    importer = await async_get_meter_statistics(hass)
    sensor = DeviceData(dev_eui="a81758fffe000001", name="pir", model_id="elsys_ers")
    importer.async_handle_decoded(
        uplink_of(sensor, _decoded(_hours("2026-03-01T00:00:00+00:00", 3, 1, 1)))
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert importer.imported_rows == 0
    assert importer.last_row("a81758fffe000001") is None


@pytest.mark.usefixtures("frozen_clock")
async def test_journal_section_of_wrong_type_is_reset_with_a_warning(
    hass: HomeAssistant,
    post: Poster,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A water journal with ``alarms: []`` no longer makes every water uplink answer 500.

    The broken section is started afresh with a warning naming it; the others are kept.
    """
    replacements = {
        "meter-x": [
            {"at": "2026-01-01T00:00:00+00:00", "old_final_m3": 12.5, "new_initial_m3": 0.0}
        ]
    }
    hass_storage["municipal_iot.water_journal"] = {
        "version": 1,
        "key": "municipal_iot.water_journal",
        "data": {"alarms": [], "replacements": replacements},
    }
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await _post_kamstrup(post, "kamstrup-oms-04", 1, "2026-11-26T10:00:00+00:00")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert '"alarms": list, not an object; started empty' in caplog.text
    # Not a repair issue: only that section was dropped, the rest is kept.
    assert not [key for key in ir.async_get(hass).issues if key[1].startswith("store_unreadable")]
    assert "AttributeError" not in caplog.text
    journal = await async_get_journal(hass)
    assert journal.replacement_records("meter-x") == replacements["meter-x"]
