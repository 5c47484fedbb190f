"""Meter clocks that are off, and uplinks that arrive out of order (issue 10, defects 4 and 7b)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from custom_components.municipal_iot.lorawan.messages import DeviceIdentity
from custom_components.municipal_iot.meter.statistics import async_get_meter_statistics
from tests.meter import KAMSTRUP_04_RECEIVED, hourly_rows, utc
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

METER = "a81758fffe0312ab"
STAT = f"municipal_iot:water_{METER}"
VECTORS = {v["id"]: v for v in load_json("vectors_water.json")["lorawan"]["kamstrup"]}
# kamstrup-oms-00 (meter clock 2024-07-24 19:00, 32 hourly values) and the same frame
# with its type F date changed as the audit did: the year-hundreds bits set (2124), or
# the year bits (2064).
OMS_00 = VECTORS["kamstrup-oms-00"]["payload_hex"]
DATE_00 = "6d00331837"
OMS_00_2124 = OMS_00.replace(DATE_00, "6d00531837")
OMS_00_2064 = OMS_00.replace(DATE_00, "6d00331887")
RECEIVED_00 = "2024-07-24T19:05:00+00:00"

pytestmark = pytest.mark.usefixtures("recorder_mock")


async def _post(
    hass: HomeAssistant, post: Poster, payload: str, f_cnt: int, time: str, answer: str = "ok"
) -> None:
    body = chirpstack_up(
        payload, name="vm-12", profile="Kamstrup flowIQ 2200", f_cnt=f_cnt, time=time
    )
    assert await post(WEBHOOK_CS, body, event="up") == (200, answer)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize("payload", [OMS_00_2124, OMS_00_2064], ids=["2124", "2064"])
async def test_future_meter_clock_costs_the_history_only(
    hass: HomeAssistant, post: Poster, freezer: Any, caplog: pytest.LogCaptureFixture, payload: str
) -> None:
    """Defect 4: a frame from 2124 (or 2064) writes no row and does not block later imports."""
    freezer.move_to("2024-07-24T19:06:00+00:00")
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    with caplog.at_level(logging.WARNING):
        await _post(hass, post, payload, 1, RECEIVED_00)
        await _post(hass, post, payload, 2, "2024-07-24T19:05:30+00:00")
    importer = await async_get_meter_statistics(hass)
    assert importer.imported_rows == 0
    assert await hourly_rows(hass, STAT, utc("2000-01-01T00:00:00+00:00")) == []
    # Counted every time, logged once.
    assert importer.clock_rejections.counts[METER] == 2
    assert caplog.text.count("meter clock") == 1
    # The rest of the frame applies.
    assert float(hass.states.get("sensor.vm_12_volume").state) == pytest.approx(0.003)
    # The clock is set again: the real hourly log imports all its rows.
    await _post(hass, post, OMS_00, 3, "2024-07-24T19:06:00+00:00")
    rows = await hourly_rows(hass, STAT, utc("2024-07-23T00:00:00+00:00"))
    assert len(rows) == 33  # 32 hourly values and the current one at 19:00
    assert rows[-1]["start"] == utc("2024-07-24T18:00:00+00:00").timestamp()


async def test_meter_clock_before_the_first_uplink_is_refused(
    hass: HomeAssistant, post: Poster, freezer: Any
) -> None:
    """A meter first heard in 2024 cannot send a 2023 clock: no rows, the volume applies."""
    freezer.move_to("2024-07-24T19:06:00+00:00")
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await _post(hass, post, OMS_00, 1, RECEIVED_00)
    importer = await async_get_meter_statistics(hass)
    assert importer.imported_rows == 33
    freezer.move_to("2024-07-25T12:00:00+00:00")
    await _post(
        hass, post, VECTORS["kamstrup-oms-04"]["payload_hex"], 2, "2024-07-25T11:59:00+00:00"
    )
    assert importer.imported_rows == 33
    assert importer.clock_rejections.counts[METER] == 1
    assert float(hass.states.get("sensor.vm_12_volume").state) == pytest.approx(7842.497)


async def test_axioma_alarm_with_a_clock_years_behind_keeps_the_alarm(
    hass: HomeAssistant, post: Poster, freezer: Any
) -> None:
    """Defect 4: an empty-pipe alarm whose meter clock is 5.5 years behind still shows."""
    freezer.move_to("2026-11-26T13:12:00+00:00")
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    body = tts_uplink(
        "dd48ae6010",  # meter clock 2021-05-26T13:10:53Z, status 0x10: empty pipe
        f_port=103,
        device_id="vm-7",
        brand="axioma",
        model="qalcosonic-w1",
        received_at="2026-11-26T13:11:00Z",
    )
    assert (await post(WEBHOOK_TTS, body)) == (200, "ok")
    assert hass.states.get("binary_sensor.vm_7_dry_pipe").state == "on"


async def test_late_uplink_imports_its_missing_history(
    hass: HomeAssistant, post: Poster, freezer: Any
) -> None:
    """Defect 7b: an uplink older than the newest still brings its 12 h of history.

    ChirpStack posts each event on its own: the meter's status event (12:10) can arrive
    before the uplink it followed (12:05). The late uplink used to be dropped whole.
    """
    freezer.move_to("2023-08-29T12:15:00+00:00")
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    hub = entry.runtime_data
    hub.add_device(DeviceIdentity(dev_eui=METER, name="vm-12"), "kamstrup_flowiq2200")
    status = load_json("network/chirpstack_status.json")
    status["deviceInfo"]["devEui"] = METER
    status["time"] = "2023-08-29T12:10:00+00:00"
    assert (await post(WEBHOOK_CS, status, event="status"))[0] == 200
    late = "ignored: older than the newest uplink"
    await _post(
        hass, post, VECTORS["kamstrup-oms-04"]["payload_hex"], 1, KAMSTRUP_04_RECEIVED, late
    )
    assert hub.counters["out_of_order"] == 1
    rows = await hourly_rows(hass, STAT, utc("2023-08-28T00:00:00+00:00"))
    assert len(rows) == 12
    assert rows[-1]["state"] == pytest.approx(7842.497)
    # No state moves back: the late uplink sets no entity value.
    assert hass.states.get("sensor.vm_12_volume") is None
