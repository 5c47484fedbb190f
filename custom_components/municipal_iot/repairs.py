"""Repair flows: confirm an unknown device that sent uplinks."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant

from .const import DOMAIN


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
        if entry is None or entry.domain != DOMAIN or not hasattr(entry, "runtime_data"):
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
                "name": ident.name or ident.dev_eui,
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow for a repair issue."""
    assert data is not None  # noqa: S101 - every fixable issue of ours carries data
    return AddUnknownDeviceFlow(str(data["entry_id"]), str(data["dev_eui"]))
