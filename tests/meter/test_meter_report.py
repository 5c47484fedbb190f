"""The meter_report action: consumption from long-term statistics, CSV file, notifications."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import label_registry as lr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from tests.conftest import BOTH_DATABASES
from tests.meter import (
    KAMSTRUP_04_RECEIVED,
    import_entity_statistics,
    report_entry,
    set_water_sensor,
    utc,
)
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, load_json, network_entry, setup_entry

pytestmark = [pytest.mark.usefixtures("recorder_mock", "frozen_clock"), BOTH_DATABASES]

HOUR = timedelta(hours=1)
OCT_START = utc("2026-09-30T22:00:00+00:00")  # 1 October 00:00 in Stockholm (CEST)
NOV_START = utc("2026-10-31T23:00:00+00:00")  # 1 November 00:00 in Stockholm (CET)
FIRST_ROW = utc("2026-09-30T12:00:00+00:00")
LAST_ROW = utc("2026-11-01T06:00:00+00:00")


@pytest.fixture(autouse=True)
async def stockholm(hass: HomeAssistant, tmp_path: Path) -> None:
    """Swedish time zone; reports go to a temporary config directory."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "municipal_iot", {})


def _series(
    litres_per_hour: float = 1.0,
    *,
    start: datetime = FIRST_ROW,
    end: datetime = LAST_ROW,
    state: float = 100.0,
    missing: tuple[datetime, datetime] | None = None,
    reset_at: datetime | None = None,
) -> list[tuple[datetime, float, float]]:
    """Rows as HA's compiler writes them for a total_increasing meter."""
    rows = []
    total = 0.0
    at = start
    step = litres_per_hour / 1000
    first = True
    while at <= end:
        if not first:
            if reset_at is not None and at == reset_at:
                state = 0.0  # a new cycle: HA counts the new value from zero
            state += step
            total += step
        first = False
        if missing is None or not missing[0] <= at < missing[1]:
            rows.append((at, round(state, 6), round(total, 6)))
        at += HOUR
    return rows


def _meter(hass: HomeAssistant, object_id: str, area: str | None = None) -> str:
    entity_id = f"sensor.{object_id}"
    entry = er.async_get(hass).async_get_or_create(
        "sensor", "wmbusmeters", object_id, suggested_object_id=object_id
    )
    if area is not None:
        area_entry = ar.async_get(hass).async_get_or_create(area)
        er.async_get(hass).async_update_entity(entry.entity_id, area_id=area_entry.id)
    set_water_sensor(hass, entity_id, 1.0, friendly_name=object_id.replace("_", " ").title())
    return entity_id


async def _report(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        "municipal_iot", "meter_report", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def _line(response: dict[str, Any], entity_id: str) -> dict[str, Any]:
    return next(line for line in response["meters"] if line["entity_id"] == entity_id)


async def test_report_over_a_dst_month(hass: HomeAssistant, tmp_path: Path) -> None:
    """October 2026 (745 h): full, mid-period, reset, missing days and no data."""
    full = _meter(hass, "flat_1", "Hus A")
    late = _meter(hass, "flat_2", "Hus A")
    reset = _meter(hass, "flat_3", "Hus B")
    gaps = _meter(hass, "flat_4")
    empty = _meter(hass, "flat_5")
    await import_entity_statistics(hass, full, _series())
    await import_entity_statistics(hass, late, _series(2.0, start=utc("2026-10-10T00:00:00+00:00")))
    await import_entity_statistics(
        hass, reset, _series(state=900.0, reset_at=utc("2026-10-20T00:00:00+00:00"))
    )
    await import_entity_statistics(
        hass,
        gaps,
        _series(missing=(utc("2026-10-05T00:00:00+00:00"), utc("2026-10-09T00:00:00+00:00"))),
    )
    response = await _report(
        hass,
        start="2026-10-01 00:00:00",
        end="2026-11-01 00:00:00",
        meters=[full, late, reset, gaps, empty],
    )

    assert response["period"] == {
        "start": OCT_START.isoformat(),
        "end": NOV_START.isoformat(),
        "hours": 745,
    }
    one = _line(response, full)
    assert one["consumption_m3"] == pytest.approx(0.745)
    assert one["start"] == {
        "at": OCT_START.isoformat(),
        "reading_m3": pytest.approx(100.009),
        "estimated": False,
    }
    assert one["end"]["reading_m3"] == pytest.approx(100.754)
    assert (one["hours_with_data"], one["hours_in_period"], one["flags"]) == (745, 745, [])
    assert one["area"] == "Hus A"
    assert one["statistic_id"] == full

    two = _line(response, late)
    assert two["consumption_m3"] == pytest.approx(526 * 0.002)
    assert two["start"]["at"] == "2026-10-10T01:00:00+00:00"
    assert two["hours_with_data"] == 527
    assert two["flags"] == ["incomplete", "partial"]

    three = _line(response, reset)
    assert three["consumption_m3"] == pytest.approx(0.745)
    assert three["flags"] == ["reset"]

    four = _line(response, gaps)
    assert four["consumption_m3"] == pytest.approx(0.745)
    assert four["hours_with_data"] == 745 - 96
    assert four["flags"] == ["incomplete"]

    five = _line(response, empty)
    assert (five["consumption_m3"], five["flags"], five["start"]) == (None, ["no_data"], None)

    areas = {area["area"]: area for area in response["areas"]}
    assert areas["Hus A"]["consumption_m3"] == pytest.approx(1.797)
    assert areas["Hus B"]["consumption_m3"] == pytest.approx(0.745)
    assert areas[None]["meters"] == 2
    assert response["total"]["consumption_m3"] == pytest.approx(3.287)
    assert response["total"]["meters_with_data"] == 4
    assert response["top"][0]["entity_id"] == late
    kinds = {(item["entity_id"], item["kind"]) for item in response["anomalies"]}
    assert kinds == {
        (empty, "no_data"),
        (late, "incomplete"),
        (gaps, "incomplete"),
        (late, "partial"),
        (reset, "reset"),
    }

    path = tmp_path / "municipal_iot" / "reports" / "meter_report_2026-10-01_2026-10-31.csv"
    assert response["csv_file"] == str(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeffrow_type;entity_id;")
    flat_1 = next(line for line in text.splitlines() if ";sensor.flat_1;" in line)
    assert ";2026-10-01 00:00;100,009;no;2026-11-01 00:00;100,754;no;0,745;100,0;745;745;" in flat_1


async def test_boundary_inside_a_gap_is_interpolated(hass: HomeAssistant) -> None:
    """No row at the period start: the reading there is interpolated and flagged."""
    meter = _meter(hass, "flat_6")
    missing = (utc("2026-09-30T18:00:00+00:00"), utc("2026-10-01T03:00:00+00:00"))
    await import_entity_statistics(hass, meter, _series(missing=missing))
    response = await _report(
        hass, start="2026-10-01 00:00:00", end="2026-11-01 00:00:00", meters=[meter]
    )
    line = _line(response, meter)
    assert line["start"]["estimated"] is True
    assert line["start"]["reading_m3"] == pytest.approx(100.009)
    assert line["consumption_m3"] == pytest.approx(0.745)
    assert line["estimated"] is True
    assert line["flags"] == ["estimated"]


async def test_empty_period(hass: HomeAssistant) -> None:
    """A period without any statistics: every meter has no data and the total is zero."""
    meter = _meter(hass, "flat_7")
    await import_entity_statistics(hass, meter, _series())
    response = await _report(
        hass, start="2025-01-01 00:00:00", end="2025-02-01 00:00:00", meters=[meter]
    )
    assert response["period"]["hours"] == 744
    assert _line(response, meter)["flags"] == ["no_data"]
    assert response["total"]["consumption_m3"] == 0
    assert response["top"] == []


async def test_our_meter_uses_its_external_statistic(hass: HomeAssistant, post: Poster) -> None:
    """A LoRaWAN meter is reported from its meter-history statistic, not the live states."""
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
    await hass.async_block_till_done(wait_background_tasks=True)  # the first import
    await async_wait_recording_done(hass)
    response = await _report(
        hass,
        start="2023-08-29T01:00:00+00:00",
        end="2023-08-29T12:00:00+00:00",
        meters=["sensor.vm_12_volume"],
    )
    line = _line(response, "sensor.vm_12_volume")
    assert line["statistic_id"] == "municipal_iot:water_a81758fffe0312ab"
    assert line["start"]["reading_m3"] == pytest.approx(7839.289)
    assert line["end"]["reading_m3"] == pytest.approx(7842.497)
    assert line["consumption_m3"] == pytest.approx(3.208)
    assert (line["hours_with_data"], line["hours_in_period"]) == (11, 11)


async def test_entry_report_with_areas_labels_and_notifications(hass: HomeAssistant) -> None:
    """An entry's meters (area and label), its last period, the summary and the notification."""
    in_area = _meter(hass, "flat_8", "Hus C")
    labelled = _meter(hass, "flat_9")
    label = lr.async_get(hass).async_create("Debiteras")
    er.async_get(hass).async_update_entity(labelled, labels={label.label_id})
    _meter(hass, "flat_10", "Hus D")  # neither in the area nor labelled
    not_water = er.async_get(hass).async_get_or_create(
        "sensor", "other", "temp", suggested_object_id="flat_8_temperature"
    )
    area = ar.async_get(hass).async_get_area_by_name("Hus C")
    assert area is not None
    er.async_get(hass).async_update_entity(not_water.entity_id, area_id=area.id)
    hass.states.async_set(not_water.entity_id, "21.5", {"device_class": "temperature"})
    await import_entity_statistics(hass, in_area, _series())
    await import_entity_statistics(hass, labelled, _series(3.0))
    notify = async_mock_service(hass, "notify", "staff")
    entry = report_entry(
        "Kv Eken",
        areas=[area.id],
        labels=[label.label_id],
        recipients=["notify.staff", "notify.gone"],
        separator="comma",
        decimal_comma=False,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    response = await _report(hass, config_entry_id=entry.entry_id, notify=True)
    assert [line["entity_id"] for line in response["meters"]] == [in_area, labelled]
    assert response["period"]["start"] == OCT_START.isoformat()
    assert response["total"]["consumption_m3"] == pytest.approx(4 * 0.745)
    path = Path(response["csv_file"])
    assert path.name == "Kv_Eken_2026-10-01_2026-10-31.csv"
    text = await hass.async_add_executor_job(path.read_text, "utf-8")
    assert ",2.235," in text  # comma separator, decimal point

    assert len(notify) == 1
    message = notify[0].data["message"]
    assert notify[0].data["title"] == "Meter report Kv Eken: 2026-10-01 00:00 - 2026-11-01 00:00"
    assert "Total 2.980 m³ from 2 of 2 meters" in message
    assert "Largest consumers: Flat 9 2.235 m³, Flat 8 0.745 m³." in message
    notes = persistent_notification._async_get_or_create_notifications(hass)
    note = notes[f"municipal_iot_meter_report_{entry.entry_id}"]
    assert "- Hus C: 0.745 m³ (1 meters)" in note["message"]
    assert "No anomalies." in note["message"]
    # Markdown: a blank line ends the area list, so the next line is not part of its last item.
    lines = note["message"].split("\n")
    after_list = next(
        i
        for i, line in enumerate(lines)
        if i and lines[i - 1].startswith("- ") and not line.startswith("- ")
    )
    assert lines[after_list] == ""


async def test_swedish_csv_and_summary(hass: HomeAssistant) -> None:
    """In a Swedish installation the CSV and the notification are Swedish, decimal comma."""
    hass.config.language = "sv"
    meter = _meter(hass, "flat_11")
    await import_entity_statistics(hass, meter, _series())
    entry = report_entry("Kv Björken", meters=[meter])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    response = await _report(
        hass,
        config_entry_id=entry.entry_id,
        start="2026-10-01 00:00:00",
        end="2026-10-02 00:00:00",
        notify=True,
    )
    path = Path(response["csv_file"])
    text = await hass.async_add_executor_job(path.read_text, "utf-8")
    assert path.name == "Kv_Bjorken_2026-10-01.csv"
    assert text.startswith("\ufeffRadtyp;Entitets-id;Namn;")
    assert ";0,024;" in text
    notes = persistent_notification._async_get_or_create_notifications(hass)
    note = notes[f"municipal_iot_meter_report_{entry.entry_id}"]
    assert note["title"].startswith("Mätarrapport Kv Björken")
    assert "Totalt 0,024 m³ från 1 av 1 mätare" in note["message"]


async def _loaded_entry(hass: HomeAssistant) -> MockConfigEntry:
    entry = report_entry("Kv Lönnen")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (
            {"meters": ["sensor.nothing"], "start": "2026-10-01", "end": "2026-10-02"},
            "unknown_entity",
        ),
        (
            {"meters": ["sensor.temp"], "start": "2026-10-01", "end": "2026-10-02"},
            "not_a_water_meter",
        ),
        ({"start": "2026-10-01", "end": "2026-10-02"}, "no_meters"),
        ({"meters": ["sensor.flat_12"], "start": "2026-10-01"}, "period_required"),
        (
            {"meters": ["sensor.flat_12"], "start": "2026-10-02", "end": "2026-10-01"},
            "invalid_period",
        ),
        (
            {"meters": ["sensor.flat_12"], "start": "2024-01-01", "end": "2026-01-01"},
            "period_too_long",
        ),
        (
            {"meters": ["sensor.flat_12"], "start": "2027-01-01", "end": "2027-01-02"},
            "period_in_future",
        ),
        ({"config_entry_id": "nope"}, "not_a_meter_report_entry"),
        ({"config_entry_id": "unloaded"}, "entry_not_loaded"),
        ({"config_entry_id": "network"}, "not_a_meter_report_entry"),
    ],
)
async def test_invalid_calls_are_refused(
    hass: HomeAssistant, data: dict[str, Any], key: str
) -> None:
    """Each invalid call raises a translated validation error."""
    _meter(hass, "flat_12")
    hass.states.async_set("sensor.temp", "20", {"device_class": "temperature"})
    entry_title = None
    if data.get("config_entry_id") == "unloaded":
        entry = report_entry("Kv Aspen")
        entry.add_to_hass(hass)
        data, entry_title = {"config_entry_id": entry.entry_id}, "Kv Aspen"
    if data.get("config_entry_id") == "network":
        entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
        data, entry_title = {"config_entry_id": entry.entry_id}, entry.title
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "municipal_iot", "meter_report", data, blocking=True, return_response=True
        )
    assert err.value.translation_key == key
    assert err.value.translation_domain == "municipal_iot"
    if key in {"not_a_meter_report_entry", "entry_not_loaded"} and entry_title is not None:
        # A wrong entry is named by its title, not by its id.
        assert err.value.translation_placeholders == {"entry": entry_title}


async def test_action_without_response_returns_nothing(hass: HomeAssistant, tmp_path: Path) -> None:
    """Called without wanting a response, the action still writes the CSV."""
    meter = _meter(hass, "flat_13")
    await import_entity_statistics(hass, meter, _series())
    result = await hass.services.async_call(
        "municipal_iot",
        "meter_report",
        {"meters": [meter], "start": "2026-10-01", "end": "2026-10-02"},
        blocking=True,
    )
    assert result is None
    assert (tmp_path / "municipal_iot" / "reports" / "meter_report_2026-10-01.csv").exists()
