"""Config flow: one menu of entry kinds; each kind's steps come from its wing.

The steps of a network-server connection, a care unit and a meter report are
mixins from ``network/flow.py``, ``care/flow.py`` and ``meter/flow.py``. The
menu, reconfigure, options and subentries are looked up in the kinds table.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.core import callback

from .care.flow import CareUnitFlow
from .const import DOMAIN
from .kinds import KINDS, kind_of
from .meter.flow import MeterReportFlow
from .network.flow import NetworkServerFlow


class MunicipalIoTConfigFlow(
    NetworkServerFlow, CareUnitFlow, MeterReportFlow, ConfigFlow, domain=DOMAIN
):
    """Set up a network-server connection, a care unit or a meter report."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to set up (each kind's first step has the kind's name)."""
        return self.async_show_menu(step_id="user", menu_options=list(KINDS))

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reconfigure with the entry's kind's own step."""
        step = kind_of(self._get_reconfigure_entry()).reconfigure_step
        result: ConfigFlowResult = await getattr(self, f"async_step_{step}")(user_input)
        return result

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow of the entry's kind."""
        flow = kind_of(config_entry).options_flow
        assert flow is not None  # noqa: S101 - HA asks only when async_supports_options_flow
        return flow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Return whether the entry's kind has options (care units use reconfigure)."""
        return kind_of(config_entry).options_flow is not None

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry flows of the entry's kind (care units have apartments)."""
        return dict(kind_of(config_entry).subentry_flows)
