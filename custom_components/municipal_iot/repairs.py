"""Repair flows: the fix flow an issue names in its data, from the kinds table."""

from __future__ import annotations

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant

from .const import CONF_FIX_FLOW
from .kinds import KINDS

FIX_FLOWS = {name: flow for kind in KINDS.values() for name, flow in kind.fix_flows.items()}


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow of a fixable issue of ours (its data names the flow)."""
    flow = FIX_FLOWS.get(str((data or {}).get(CONF_FIX_FLOW)))
    return ConfirmRepairFlow() if flow is None or data is None else flow(data)
