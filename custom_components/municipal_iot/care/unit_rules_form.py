"""The care unit's options form for the unit rules: network outage share and test alarm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import probatio as vol
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TimeSelector,
)

from ..supervision.network_outage import DEFAULT_SHARE_PERCENT
from ..supervision.test_alarm import FREQUENCIES, OFF
from .const import (
    CONF_NETWORK_SHARE,
    CONF_TEST_ALARM,
    CONF_TEST_ALARM_TIME,
    CONF_TEST_ALARM_WEEKDAY,
)

DEFAULTS: dict[str, Any] = {
    CONF_NETWORK_SHARE: DEFAULT_SHARE_PERCENT,
    CONF_TEST_ALARM: OFF,
    CONF_TEST_ALARM_TIME: "10:00:00",
    CONF_TEST_ALARM_WEEKDAY: "0",
}


def unit_rules_schema() -> vol.Schema:
    """Return the unit rules form."""
    return vol.Schema(
        {
            vol.Required(CONF_NETWORK_SHARE): NumberSelector(
                NumberSelectorConfig(
                    min=10, max=100, step=5, unit_of_measurement="%", mode=NumberSelectorMode.BOX
                )
            ),
            vol.Required(CONF_TEST_ALARM): SelectSelector(
                SelectSelectorConfig(
                    options=list(FREQUENCIES),
                    translation_key="test_alarm_frequency",
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Required(CONF_TEST_ALARM_TIME): TimeSelector(),
            vol.Required(CONF_TEST_ALARM_WEEKDAY): SelectSelector(
                SelectSelectorConfig(
                    options=[str(day) for day in range(7)],
                    translation_key="weekday",
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
        }
    )


def unit_rules_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored options of the unit rules form."""
    return {
        CONF_NETWORK_SHARE: int(user_input[CONF_NETWORK_SHARE]),
        CONF_TEST_ALARM: str(user_input[CONF_TEST_ALARM]),
        CONF_TEST_ALARM_TIME: str(user_input[CONF_TEST_ALARM_TIME])[:5],
        CONF_TEST_ALARM_WEEKDAY: int(user_input[CONF_TEST_ALARM_WEEKDAY]),
    }


def unit_rules_form(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the form's suggested values from the stored options."""
    values = {**DEFAULTS, **options}
    values[CONF_TEST_ALARM_WEEKDAY] = str(values[CONF_TEST_ALARM_WEEKDAY])
    return values
