"""Fixtures for the water-meter Home Assistant tests."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import RecorderInstanceContextManager

from tests.meter import KAMSTRUP_04_RECEIVED, OURS, THIRD_PARTY, report_entry, set_water_sensor
from tests.network import (
    WEBHOOK_CS,
    Poster,
    chirpstack_up,
    load_json,
    network_entry,
    setup_entry,
)


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: RecorderInstanceContextManager) -> None:
    """Prepare the recorder database before the hass fixture (needed by recorder_mock)."""


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """A meter report over one third-party meter (no device) and our Kamstrup meter."""
    return report_entry(meters=[THIRD_PARTY, OURS], entry_id="kv_eken_entry")


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, post: Poster
) -> MockConfigEntry:
    """Both meters reporting, then the meter report set up."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    vector = next(
        v
        for v in load_json("vectors_water.json")["lorawan"]["kamstrup"]
        if v["id"] == "kamstrup-oms-04"
    )
    body = chirpstack_up(
        vector["payload_hex"],
        f_port=vector["fPort"],
        name="vm-12",
        profile="Kamstrup flowIQ 2200",
        time=KAMSTRUP_04_RECEIVED,
    )
    assert (await post(WEBHOOK_CS, body, event="up")) == (200, "ok")
    set_water_sensor(hass, THIRD_PARTY, 4.0)
    return await setup_entry(hass, mock_config_entry)
