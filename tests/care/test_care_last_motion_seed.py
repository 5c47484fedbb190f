"""Last motion of a new apartment whose sensor reported just before it was added.

Regression tests written to reproduce a bug seen in the demo; they pass on the
unchanged code (the care wing seeds last motion from last_changed correctly).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant

from tests.care import LAST_MOTION, MOTION, apartment_data, care_entry, setup_care, state

SEVEN = "binary_sensor.apt7_motion"

pytestmark = pytest.mark.usefixtures("stockholm")


@pytest.mark.parametrize("value", ["on", "off"])
async def test_last_motion_seeded_from_a_recent_report(
    hass: HomeAssistant, clock: Any, value: str
) -> None:
    """Motion reported a few seconds before the apartment exists is shown as last motion."""
    hass.states.async_set(MOTION, "off", {"device_class": "motion"})
    clock.tick(600)
    hass.states.async_set(MOTION, "on", {"device_class": "motion"})
    clock.tick(2)
    if value == "off":
        hass.states.async_set(MOTION, "off", {"device_class": "motion"})
        clock.tick(1)
    await setup_care(hass, care_entry())
    assert state(hass, LAST_MOTION) not in {"unknown", "unavailable"}


async def test_last_motion_of_an_added_apartment(hass: HomeAssistant, clock: Any) -> None:
    """An apartment added to a running unit shows its sensor's motion from just before."""
    hass.states.async_set(MOTION, "off", {"device_class": "motion"})
    entry = await setup_care(hass, care_entry())
    hass.states.async_set(SEVEN, "off", {"device_class": "motion"})
    clock.tick(600)
    hass.states.async_set(SEVEN, "on", {"device_class": "motion"})
    await hass.async_block_till_done()
    clock.tick(1)
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType(apartment_data(motion_sensors=[SEVEN])),
            subentry_type="apartment",
            title="Lägenhet 7",
            unique_id=None,
        ),
    )
    await hass.async_block_till_done()
    assert state(hass, "sensor.lagenhet_7_last_motion") not in {"unknown", "unavailable"}
