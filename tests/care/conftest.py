"""Fixtures for the care unit tests."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceCall
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.municipal_iot import care
from tests.care import ALL_PHONES, MOTION, care_entry, mock_phones
from tests.network import setup_entry


@pytest.fixture
async def stockholm(hass: HomeAssistant) -> None:
    """Run Home Assistant in Swedish local time."""
    await hass.config.async_set_time_zone("Europe/Stockholm")


@pytest.fixture
def phones(hass: HomeAssistant) -> dict[str, list[ServiceCall]]:
    """Mock notify actions for the staff phones and the night phone."""
    return mock_phones(hass, *ALL_PHONES)


@pytest.fixture
def sensor_off(hass: HomeAssistant) -> None:
    """The apartment's motion sensor exists and shows no motion."""
    hass.states.async_set(MOTION, "off", {"device_class": "motion"})


@pytest.fixture
async def staff_user(hass: HomeAssistant) -> MockUser:
    """A staff member: a regular (non-admin) Home Assistant user."""
    group = await hass.auth.async_get_group("system-users")
    assert group is not None
    return MockUser(name="Staff", groups=[group]).add_to_hass(hass)


@pytest.fixture
def clock(frozen_clock: Any) -> Any:
    """The frozen clock (2026-11-26 10:15 UTC, a Thursday)."""
    return frozen_clock


@pytest.fixture
def platforms() -> list[Platform]:
    """The platforms to set up (parametrize to snapshot one at a time)."""
    return list(care.PLATFORMS)


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """The care unit "Solrosen" with one apartment, not yet added to hass."""
    return care_entry(entry_id="solrosen_entry")


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, platforms: list[Platform]
) -> MockConfigEntry:
    """The care unit, set up with the chosen platforms."""
    return await setup_entry(hass, mock_config_entry, platforms, care)
