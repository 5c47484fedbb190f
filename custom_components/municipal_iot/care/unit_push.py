"""Unit-level pushes (not one apartment's): a network outage, a test alarm.

Each goes to the given notify targets with one tag per kind and unit (a newer
push replaces it, ``clear_notification`` takes it away); a failed call is
logged, and the caller decides about the persistent fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import slugify
from homeassistant.util.signal_type import SignalType

from ..const import DOMAIN, LOGGER
from ..supervision.events import Event
from ..supervision.test_alarm import RECEIVED, SENT, UNANSWERED
from .apartment import Apartment
from .config import UnitConfig
from .const import JOURNAL_NETWORK_OUTAGE, JOURNAL_NETWORK_RESTORED
from .notify import CareNotifier
from .push import CLEAR, panel_path, unique_targets
from .users import UserNames

# The unit rules' journal kinds (the export translates them).
UNIT_RULE_KINDS = (JOURNAL_NETWORK_OUTAGE, JOURNAL_NETWORK_RESTORED, SENT, RECEIVED, UNANSWERED)


class UnitParts(Protocol):
    """What the unit rules use of their care unit (:class:`.unit.CareUnit`)."""

    @property
    def hass(self) -> HomeAssistant:
        """Home Assistant."""

    @property
    def entry(self) -> ConfigEntry[Any]:
        """The care unit's config entry."""

    @property
    def config(self) -> UnitConfig:
        """The unit's settings."""

    @property
    def tz(self) -> ZoneInfo:
        """The local time zone."""

    @property
    def apartments(self) -> dict[str, Apartment]:
        """The apartments by id."""

    @property
    def notifier(self) -> CareNotifier:
        """The unit's notifier (its texts and its queue)."""

    @property
    def users(self) -> UserNames:
        """User names."""

    @property
    def device_id(self) -> str:
        """The unit's device."""

    @property
    def signal(self) -> SignalType[Context | None]:
        """The signal that refreshes the unit's entities."""

    @property
    def changes(self) -> SignalType[str]:
        """The signal that tells the panel what changed ("" for the unit itself)."""

    def record_unit(self, kind: str, data: Mapping[str, Any], user: str | None = None) -> None:
        """Journal a unit-level entry now."""

    def notify_events(self, apartment: Apartment, events: list[Event]) -> None:
        """Notify one apartment's events."""


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
