"""Unit-level pushes (not one apartment's): a network outage, a test alarm.

Each goes to the given notify targets with one tag per kind and unit (a newer
push replaces it, ``clear_notification`` takes it away); a failed call is
logged, and the caller decides about the persistent fallback.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import slugify

from ..const import DOMAIN, LOGGER
from ..supervision.test_alarm import RECEIVED, SENT, UNANSWERED
from .const import JOURNAL_NETWORK_OUTAGE, JOURNAL_NETWORK_RESTORED
from .push import CLEAR, panel_path, unique_targets

# The unit rules' journal kinds (the export translates them).
UNIT_RULE_KINDS = (JOURNAL_NETWORK_OUTAGE, JOURNAL_NETWORK_RESTORED, SENT, RECEIVED, UNANSWERED)


def unit_tag(entry_id: str, kind: str) -> str:
    """Return the tag (and persistent notification id) of one kind of unit push."""
    return f"{DOMAIN}_{entry_id}_{kind}"


def unit_data(entry_id: str, unit_title: str, kind: str) -> dict[str, Any]:
    """Return the mobile app ``data`` of a unit push (a tap opens the panel)."""
    path = panel_path()
    return {
        "tag": unit_tag(entry_id, kind),
        "group": f"{DOMAIN}_{slugify(unit_title)}",
        "visibility": "private",
        "url": path,
        "clickAction": path,
    }


async def async_push(
    hass: HomeAssistant, targets: list[str], title: str, message: str, data: dict[str, Any]
) -> list[str]:
    """Send one push to each target; return the targets reached."""
    return await _async_send(hass, targets, {"title": title, "message": message, "data": data})


async def _async_send(
    hass: HomeAssistant, targets: list[str], payload: dict[str, Any]
) -> list[str]:
    reached = []
    for target in unique_targets(targets):
        try:
            await hass.services.async_call("notify", target, payload, blocking=True)
        except HomeAssistantError as err:
            LOGGER.warning("Notification to notify.%s failed: %s", target, err)
        else:
            reached.append(target)
    return reached


async def async_clear(hass: HomeAssistant, targets: list[str], tag: str) -> None:
    """Take a unit push away from the phones and its persistent notification."""
    await _async_send(hass, targets, {"message": CLEAR, "data": {"tag": tag}})
    persistent_notification.async_dismiss(hass, tag)


def persist(hass: HomeAssistant, tag: str, title: str, message: str, link: str) -> None:
    """Show (or replace) the unit push's persistent notification."""
    persistent_notification.async_create(
        hass, f"{message}\n\n{link}", title=title, notification_id=tag
    )
