"""Repair flow of the network wing: confirm an unknown device that sent uplinks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState

from ..const import DOMAIN
from ..lorawan.markdown import inert

# The "unknown device" issue: its translation key, and its fix flow's name.
UNKNOWN_DEVICE_ISSUE = "unknown_device"


class AddUnknownDeviceFlow(RepairsFlow):
    """Add a device that the network server reported but auto-add skipped."""

    def __init__(self, entry_id: str, dev_eui: str) -> None:
        """Remember which device the issue is about."""
        self._entry_id = entry_id
        self._dev_eui = dev_eui

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Ask, then add the device to its network-server entry."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        hub = entry.runtime_data
        ident = hub.pending_unknown.get(self._dev_eui)
        if ident is None:
            return self.async_abort(reason="device_gone")
        if user_input is not None:
            hub.add_device(ident)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            description_placeholders={
                "dev_eui": ident.dev_eui,
                "name": inert(ident.name or ident.dev_eui),  # a form renders markdown too
            },
        )


def unknown_device_fix_flow(data: Mapping[str, Any]) -> RepairsFlow:
    """Return the fix flow of an "unknown device" issue (its data names entry and device)."""
    return AddUnknownDeviceFlow(str(data["entry_id"]), str(data["dev_eui"]))
