"""Every root hook, for every kind of entry, loaded and not loaded (the kinds table)."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.repairs import ConfirmRepairFlow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.municipal_iot import (
    async_remove_config_entry_device,
)
from custom_components.municipal_iot.config_flow import MunicipalIoTConfigFlow
from custom_components.municipal_iot.const import (
    DOMAIN,
    ENTRY_CARE_UNIT,
    ENTRY_METER_REPORT,
    ENTRY_NETWORK_SERVER,
)
from custom_components.municipal_iot.device_trigger import async_get_triggers
from custom_components.municipal_iot.kinds import KINDS
from custom_components.municipal_iot.logbook import async_describe_events
from custom_components.municipal_iot.repairs import async_create_fix_flow
from tests.care import MOTION, care_entry
from tests.meter import report_entry, set_water_sensor
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, network_entry

pytestmark = pytest.mark.usefixtures("frozen_clock")

# Devices each kind's entry has once set up (and keeps in the registry when unloaded).
DEVICES = {ENTRY_NETWORK_SERVER: 1, ENTRY_CARE_UNIT: 2, ENTRY_METER_REPORT: 0}


async def _entry(hass: HomeAssistant, post: Poster, kind: str, *, loaded: bool) -> MockConfigEntry:
    """Set up an entry of ``kind`` with its devices; unload it again unless ``loaded``."""
    if kind == ENTRY_NETWORK_SERVER:
        entry = network_entry("chirpstack", WEBHOOK_CS)
    elif kind == ENTRY_CARE_UNIT:
        hass.states.async_set(MOTION, "off", {"device_class": "motion"})
        entry = care_entry()
    else:
        set_water_sensor(hass, "sensor.flat_1", 4.0)
        entry = report_entry(meters=["sensor.flat_1"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    if kind == ENTRY_NETWORK_SERVER:
        assert (await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up"))[0] == 200
    if not loaded:
        assert await hass.config_entries.async_unload(entry.entry_id)
        assert entry.state is ConfigEntryState.NOT_LOADED
    return entry


def _devices(hass: HomeAssistant, entry: MockConfigEntry) -> list[dr.DeviceEntry]:
    return dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)


def test_every_kind_is_in_the_table() -> None:
    assert set(KINDS) == {ENTRY_NETWORK_SERVER, ENTRY_CARE_UNIT, ENTRY_METER_REPORT}


@pytest.mark.parametrize("loaded", [True, False], ids=["loaded", "not_loaded"])
@pytest.mark.parametrize("kind", list(KINDS))
async def test_every_hook(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    post: Poster,
    kind: str,
    loaded: bool,
) -> None:
    """Diagnostics, device removal, options, subentries and triggers answer for every kind."""
    assert await async_setup_component(hass, "diagnostics", {})
    entry = await _entry(hass, post, kind, loaded=loaded)
    row = KINDS[kind]

    # Config entry diagnostics: the settings always, the wing's part while loaded.
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert result["entry"]["title"] == entry.title
    assert ("state" in result) is not loaded

    devices = _devices(hass, entry)
    assert len(devices) == DEVICES[kind]
    for device in devices:
        # Device diagnostics (an apartment's device once answered 500).
        device_result = await get_diagnostics_for_device(hass, hass_client, entry, device)
        assert device_result["entry_title"] == entry.title
        assert ("state" in device_result) is not loaded
        # Device triggers are a list for every device.
        triggers = await async_get_triggers(hass, device.id)
        assert all(trigger["domain"] == DOMAIN for trigger in triggers)
        # Removal: only a loaded network hub may forget a device.
        removed = await async_remove_config_entry_device(hass, entry, device)
        assert removed is (kind == ENTRY_NETWORK_SERVER and loaded)

    # Options: every step the menu offers opens (the network decoder step once crashed
    # on an entry that was not loaded).
    supports = MunicipalIoTConfigFlow.async_supports_options_flow(entry)
    assert supports is (row.options_flow is not None)
    if supports:
        await _open_every_option(hass, entry)

    # Subentries: only care units have apartments.
    subentries = MunicipalIoTConfigFlow.async_get_supported_subentry_types(entry)
    assert set(subentries) == ({"apartment"} if kind == ENTRY_CARE_UNIT else set())

    # Reconfigure opens the kind's own first form.
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM

    if loaded:
        assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.config_entries.async_remove(entry.entry_id)
    assert hass.config_entries.async_get_entry(entry.entry_id) is None


async def _open_every_option(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    if result["type"] is FlowResultType.ABORT:
        assert result["reason"] == "not_loaded"
        return
    if result["type"] is FlowResultType.FORM:  # a care unit's only option: the download
        assert result["step_id"] == "download_journal"
        hass.config_entries.options.async_abort(result["flow_id"])
        return
    assert result["type"] is FlowResultType.MENU
    options = result["menu_options"]
    if entry.state is not ConfigEntryState.LOADED:
        # The per-device steps need the loaded hub (the ChirpStack API step does not).
        assert "settings" in options
        assert not {"decoder", "meter_key"} & set(options)
    for option in options:
        flow = await hass.config_entries.options.async_init(entry.entry_id)
        step = await hass.config_entries.options.async_configure(
            flow["flow_id"], {"next_step_id": option}
        )
        assert step["type"] in {FlowResultType.FORM, FlowResultType.ABORT}, option
        if step["type"] is FlowResultType.FORM:
            hass.config_entries.options.async_abort(flow["flow_id"])


async def test_logbook_describes_every_kinds_events(hass: HomeAssistant) -> None:
    """The logbook hook registers each kind's events."""
    described: dict[str, Any] = {}
    async_describe_events(hass, lambda _domain, event, fn: described.setdefault(event, fn))
    assert set(described) == {
        "municipal_iot_alarm",
        "municipal_iot_sensor",
        "municipal_iot_supervision",
        "municipal_iot_leak",
        "municipal_iot_downlink",
    }


async def test_repairs_pick_the_flow_the_issue_names(hass: HomeAssistant) -> None:
    """A fix flow is chosen by the name in the issue's data; anything else just confirms."""
    data: dict[str, str | int | float | None] = {
        "entry_id": "gone",
        "dev_eui": "x",
        "fix_flow": "unknown_device",
    }
    flow = await async_create_fix_flow(hass, "issue", data)
    flow.hass = hass
    assert (await flow.async_step_init())["reason"] == "entry_not_loaded"
    assert isinstance(await async_create_fix_flow(hass, "issue", None), ConfirmRepairFlow)
    assert isinstance(
        await async_create_fix_flow(hass, "issue", {"fix_flow": "nope"}), ConfirmRepairFlow
    )
