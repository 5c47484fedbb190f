"""Form pieces shared by the wings' flows: times without seconds, phones by name, periods."""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    DateSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
from homeassistant.util import dt as dt_util
from homeassistant.util import slugify

MOBILE_APP_PREFIX = "mobile_app_"
# Home Assistant's time selector always asks for seconds; these forms take HH:MM.
QUARTER_HOURS = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(0, 1440, 15)]


def hhmm_config() -> dict[str, Any]:
    """Return a select of quarter hours where any other HH:MM can be typed."""
    return {"options": QUARTER_HOURS, "custom_value": True, "mode": "dropdown"}


def hhmm_selector() -> SelectSelector:
    """Return the HH:MM selector (validate the value with ``cv.time``)."""
    return SelectSelector(
        SelectSelectorConfig(
            options=QUARTER_HOURS, custom_value=True, mode=SelectSelectorMode.DROPDOWN
        )
    )


@callback
def notify_label(hass: HomeAssistant, service: str) -> str:
    """Return a notify action as people know it: "Annas iPhone (notify.mobile_app_annas_iphone)".

    A mobile app's action is named by the phone's name as the app registered it;
    any other action by its name without underscores.
    """
    name = service.removeprefix("notify.")
    for entry in hass.config_entries.async_entries("mobile_app"):
        device = entry.data.get("device_name")
        if device and slugify(f"{MOBILE_APP_PREFIX}{device}") == name:
            return f"{device} (notify.{name})"
    return f"{name.removeprefix(MOBILE_APP_PREFIX).replace('_', ' ')} (notify.{name})"


def period_fields() -> dict[vol.Marker, Any]:
    """Return the first and last day of a download."""
    return {vol.Required("start"): DateSelector(), vol.Required("end"): DateSelector()}


def this_month() -> dict[str, str]:
    """Return the days from the first of this month to today (a download's suggestion)."""
    today = dt_util.now().date()
    return {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
