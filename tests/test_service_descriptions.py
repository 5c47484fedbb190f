"""Home Assistant can load our services.yaml and icons.json, and both match the actions."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.icon import async_get_icons
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component

from custom_components.municipal_iot.const import DOMAIN

ACTIONS = {
    "pause_supervision",
    "resume_supervision",
    "acknowledge_alarm",
    "resolve_alarm",
    "export_journal",
    "replace_meter",
    "meter_report",
    "send_downlink",
    "set_reporting_interval",
    "reboot_device",
}


async def test_every_action_is_described_with_an_icon(hass: HomeAssistant) -> None:
    """Each registered action has a description (fields) and an icon."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert set(hass.services.async_services_for_domain(DOMAIN)) == ACTIONS
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    assert set(descriptions) == ACTIONS
    for action, description in descriptions.items():
        assert description["fields"], action
    icons = (await async_get_icons(hass, "services", [DOMAIN]))[DOMAIN]
    assert set(icons) == ACTIONS
    for action, icon in icons.items():
        assert icon["service"].startswith("mdi:"), action
