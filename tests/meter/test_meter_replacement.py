"""Meter replacement: the action, the journal, continuous statistics and reports."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.municipal_iot.decoders.base import Decoded, VolumeReading
from custom_components.municipal_iot.meter.journal import async_get_journal
from custom_components.municipal_iot.meter.statistics import async_get_meter_statistics
from tests.conftest import BOTH_DATABASES
from tests.meter import (
    KAMSTRUP_04_RECEIVED,
    hourly_rows,
    import_entity_statistics,
    set_water_sensor,
    uplink_of,
    utc,
)
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, load_json, network_entry, setup_entry

pytestmark = [pytest.mark.usefixtures("recorder_mock", "frozen_clock"), BOTH_DATABASES]

HOUR = timedelta(hours=1)
METER = "a81758fffe0312ab"
STAT = f"municipal_iot:water_{METER}"


@pytest.fixture(autouse=True)
async def setup(hass: HomeAssistant, tmp_path: Path) -> None:
    """Load the integration (its actions) in Stockholm time, reports to a temp dir."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "municipal_iot", {})


async def _replace(hass: HomeAssistant, **data: Any) -> None:
    await hass.services.async_call("municipal_iot", "replace_meter", data, blocking=True)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"entity_id": "sensor.nothing"}, "unknown_entity"),
        ({"entity_id": "sensor.temp"}, "not_a_water_meter"),
        ({"entity_id": "binary_sensor.x"}, "not_a_water_meter"),
        ({"old_final_m3": -1}, "invalid_reading"),
        ({"new_initial_m3": float("nan")}, "invalid_reading"),
        ({"date": "2027-01-01 00:00:00"}, "replacement_in_future"),
    ],
)
async def test_invalid_replacements_are_refused(
    hass: HomeAssistant, data: dict[str, Any], key: str
) -> None:
    """Each invalid replacement raises a translated validation error; nothing is journaled."""
    set_water_sensor(hass, "sensor.flat_1", 10.0)
    hass.states.async_set("sensor.temp", "20", {"device_class": "temperature"})
    call = {
        "entity_id": "sensor.flat_1",
        "date": "2026-11-20 10:00:00",
        "old_final_m3": 10.0,
        "new_initial_m3": 0.0,
    } | data
    with pytest.raises(ServiceValidationError) as err:
        await _replace(hass, **call)
    assert err.value.translation_key == key
    journal = await async_get_journal(hass)
    assert journal.replacements("sensor.flat_1") == ()


async def test_replacement_is_journaled_once(hass: HomeAssistant) -> None:
    """A replacement is journaled with its readings; the same time again is refused."""
    set_water_sensor(hass, "sensor.flat_1", 10.0)
    call = {
        "entity_id": "sensor.flat_1",
        "date": "2026-11-20 10:00:00",  # local time
        "old_final_m3": 812.345,
        "new_initial_m3": 0.012,
        "old_meter_id": "12345678",
        "new_meter_id": "87654321",
    }
    await _replace(hass, **call)
    journal = await async_get_journal(hass)
    (record,) = journal.replacement_records("sensor.flat_1")
    assert record["at"] == "2026-11-20T09:00:00+00:00"
    assert (record["old_final_m3"], record["new_initial_m3"]) == (812.345, 0.012)
    assert (record["old_meter_id"], record["new_meter_id"]) == ("12345678", "87654321")
    assert record["entity_id"] == "sensor.flat_1"
    assert record["recorded_at"] == "2026-11-26T10:15:00+00:00"
    with pytest.raises(ServiceValidationError) as err:
        await _replace(hass, **call)
    assert err.value.translation_key == "duplicate_replacement"


def _hf_rows(swap_row: int, hours: int) -> list[tuple[Any, float, float]]:
    """Compiled rows of a meter swapped at a row end: HA counts the new meter from zero."""
    start = utc("2026-09-30T12:00:00+00:00")
    rows, state, total = [], 300.0, 0.0
    for k in range(hours):
        if k:
            if k == swap_row + 1:
                state = 0.05 + 0.001  # new meter: initial 0.050, then one litre
                total += state  # HA sees a new cycle from zero
            else:
                state += 0.001
                total += 0.001
        rows.append((start + HOUR * k, round(state, 6), round(total, 6)))
    return rows


async def test_replacement_makes_a_third_party_meter_continuous(hass: HomeAssistant) -> None:
    """The swap looks like a reset (+new initial) until it is recorded; then it is exact."""
    set_water_sensor(hass, "sensor.flat_2", 0.5)
    swap_row = 24 * 15  # row starting 2026-10-15T12:00Z
    rows = _hf_rows(swap_row, 32 * 24 + 1)
    await import_entity_statistics(hass, "sensor.flat_2", rows)
    swap_at = rows[swap_row][0] + HOUR
    old_final = rows[swap_row][1]
    query = {"meters": ["sensor.flat_2"], "start": "2026-10-01", "end": "2026-11-01"}

    before = await hass.services.async_call(
        "municipal_iot", "meter_report", query, blocking=True, return_response=True
    )
    assert before["meters"][0]["consumption_m3"] == pytest.approx(0.745 + 0.05)
    assert before["meters"][0]["flags"] == ["reset"]

    await _replace(
        hass,
        entity_id="sensor.flat_2",
        date=swap_at.isoformat(),
        old_final_m3=old_final,
        new_initial_m3=0.05,
    )
    after = await hass.services.async_call(
        "municipal_iot", "meter_report", query, blocking=True, return_response=True
    )
    line = after["meters"][0]
    assert line["consumption_m3"] == pytest.approx(0.745)
    assert line["flags"] == ["replacement"]
    assert line["replacements"] == [
        {"at": swap_at.isoformat(), "old_final_m3": old_final, "new_initial_m3": 0.05}
    ]
    assert line["start"]["reading_m3"] == pytest.approx(300.009)  # the old meter's register
    assert line["end"]["reading_m3"] == pytest.approx(0.051 + 0.001 * (754 - 361))


async def _our_meter(hass: HomeAssistant, post: Poster) -> None:
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    vector = next(
        v
        for v in load_json("vectors_water.json")["lorawan"]["kamstrup"]
        if v["id"] == "kamstrup-oms-04"
    )
    body = chirpstack_up(
        vector["payload_hex"],
        name="vm-12",
        profile="Kamstrup flowIQ 2200",
        time=KAMSTRUP_04_RECEIVED,
    )
    assert await post(WEBHOOK_CS, body, event="up") == (200, "ok")


def _uplink(first: str, values: list[float]) -> Decoded:
    base = utc(first)
    readings = [VolumeReading(base + HOUR * k, value) for k, value in enumerate(values)]
    return Decoded(
        volume_m3=readings[-1].volume_m3,
        meter_time=readings[-1].at,
        history=tuple(readings[:-1]),
    )


async def _feed(hass: HomeAssistant, decoded: Decoded) -> None:
    importer = await async_get_meter_statistics(hass)
    hub = hass.config_entries.async_entries("municipal_iot")[0].runtime_data
    importer.async_handle_decoded(uplink_of(hub.devices[METER], decoded))
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def test_our_meter_swap_recorded_before_new_readings(
    hass: HomeAssistant, post: Poster
) -> None:
    """Recorded first: the new meter's readings continue the sum; states stay real."""
    await _our_meter(hass, post)  # rows up to the reading 7842.497 at 12:00
    await _feed(hass, _uplink("2023-08-29T13:00:00+00:00", [7842.6, 7842.7]))
    await _replace(
        hass,
        entity_id="sensor.vm_12_volume",
        date="2023-08-29T14:30:00+00:00",
        old_final_m3=7842.75,
        new_initial_m3=0.0,
    )
    await _feed(hass, _uplink("2023-08-29T15:00:00+00:00", [0.01, 0.03, 0.06]))
    rows = await hourly_rows(hass, STAT, utc("2023-08-29T11:00:00+00:00"))
    assert [row["state"] for row in rows] == pytest.approx(
        [7842.497, 7842.6, 7842.7, 0.01, 0.03, 0.06]
    )
    base = 7842.497 - 7839.289
    assert [row["sum"] for row in rows] == pytest.approx(
        [base, base + 0.103, base + 0.203, base + 0.263, base + 0.283, base + 0.313]
    )
    response = await hass.services.async_call(
        "municipal_iot",
        "meter_report",
        {
            "meters": ["sensor.vm_12_volume"],
            "start": "2023-08-29T12:00:00+00:00",
            "end": "2023-08-29T17:00:00+00:00",
        },
        blocking=True,
        return_response=True,
    )
    assert response["meters"][0]["consumption_m3"] == pytest.approx(0.313)
    assert response["meters"][0]["flags"] == ["replacement"]


async def test_our_meter_swap_recorded_after_new_readings(
    hass: HomeAssistant, post: Poster
) -> None:
    """Recorded late: later uplinks continue from the continuous register, never jump."""
    await _our_meter(hass, post)
    await _feed(hass, _uplink("2023-08-29T13:00:00+00:00", [7842.6, 7842.7, 0.01, 0.03]))
    await _replace(
        hass,
        entity_id="sensor.vm_12_volume",
        date="2023-08-29T14:30:00+00:00",
        old_final_m3=7842.75,
        new_initial_m3=0.0,
    )
    await _feed(hass, _uplink("2023-08-29T16:00:00+00:00", [0.03, 0.06, 0.1]))
    rows = await hourly_rows(hass, STAT, utc("2023-08-29T11:00:00+00:00"))
    sums = [row["sum"] for row in rows]
    base = 7842.497 - 7839.289
    # The reset hour counted nothing (the swap was not known yet); afterwards it is exact.
    assert sums == pytest.approx(
        [base, base + 0.103, base + 0.203, base + 0.203, base + 0.223, base + 0.253, base + 0.293]
    )
    assert [row["state"] for row in rows][-2:] == pytest.approx([0.06, 0.1])
    # The report uses the recorded readings, so the period is exact.
    response = await hass.services.async_call(
        "municipal_iot",
        "meter_report",
        {
            "meters": ["sensor.vm_12_volume"],
            "start": "2023-08-29T12:00:00+00:00",
            "end": "2023-08-29T18:00:00+00:00",
        },
        blocking=True,
        return_response=True,
    )
    assert response["meters"][0]["consumption_m3"] == pytest.approx(0.353)
