"""The meter report CSV from the entry's page: a signed link, an authenticated view."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.municipal_iot.meter.recorder import RecorderUnavailableError
from tests.meter import report_entry, set_water_sensor

pytestmark = pytest.mark.usefixtures("recorder_mock")


async def _loaded(hass: HomeAssistant) -> MockConfigEntry:
    set_water_sensor(hass, "sensor.flat_1", 12.5)
    entry = report_entry("Kv Eken", meters=["sensor.flat_1"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_download_link_from_the_options(
    hass: HomeAssistant, frozen_clock: Any, hass_client_no_auth: Any
) -> None:
    """The options hand out a signed link; it downloads the CSV; the period is checked."""
    entry = await _loaded(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert "download_report" in result["menu_options"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "download_report"}
    )
    assert result["step_id"] == "download_report"
    flow_id = result["flow_id"]
    result = await hass.config_entries.options.async_configure(
        flow_id, {"start": "2026-11-20", "end": "2026-11-01"}
    )
    assert result["errors"] == {"base": "invalid_download_period"}
    result = await hass.config_entries.options.async_configure(
        flow_id, {"start": "2026-11-01", "end": "2026-11-25"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "download_ready"
    url = result["description_placeholders"]["url"]
    assert url.startswith(f"/api/municipal_iot/meter_report/{entry.entry_id}?start=2026-11-01")
    client = await hass_client_no_auth()
    response = await client.get(url)
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    text = await response.text()
    assert "sensor.flat_1" in text
    unsigned = await client.get(url.split("&authSig")[0])
    assert unsigned.status == 401


async def test_download_view_rejects_bad_requests(
    hass: HomeAssistant, frozen_clock: Any, hass_client: Any
) -> None:
    """A wrong entry is 404 with its reason; a bad period is 400."""
    entry = await _loaded(hass)
    client = await hass_client()
    base = f"/api/municipal_iot/meter_report/{entry.entry_id}"
    bad = await client.get(f"{base}?start=2026-11-02&end=2026-11-01")
    assert bad.status == 400
    assert "the end not before the start" in (await bad.json())["message"]
    assert (await client.get(f"{base}?start=soon&end=2026-11-01")).status == 400
    missing = await client.get(
        "/api/municipal_iot/meter_report/nope?start=2026-11-01&end=2026-11-02"
    )
    assert missing.status == 404
    assert "nope is not a meter report entry" in (await missing.json())["message"]


async def test_download_without_recorder_says_why(
    hass: HomeAssistant, frozen_clock: Any, hass_client: Any
) -> None:
    """No recorder, no statistics: 503 with the reason, not a server error."""
    entry = await _loaded(hass)
    client = await hass_client()
    with patch(
        "custom_components.municipal_iot.meter.download.async_build_report",
        side_effect=RecorderUnavailableError,
    ):
        response = await client.get(
            f"/api/municipal_iot/meter_report/{entry.entry_id}?start=2026-11-01&end=2026-11-02"
        )
    assert response.status == 503
    assert "recorder is not running" in (await response.json())["message"]
