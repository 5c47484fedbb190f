"""Unknown devices waiting for the admin's decision in Repairs (auto-add off).

The queue is bounded (:data:`.const.MAX_PENDING_UNKNOWN`), stored with the hub's devices
so it survives reloads and restarts, and a device whose repair issue the admin ignores
leaves it (HA's ``ignore`` sets the issue's ``dismissed_version``), so that ignored
devices cannot fill the queue for good. An ignored device stays ignored: its uplinks
queue nothing until the admin un-ignores the issue.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import CONF_FIX_FLOW, DOMAIN, LOGGER
from ..lorawan.guards import RejectionLog
from ..lorawan.markdown import inert
from ..lorawan.messages import DeviceIdentity
from .const import MAX_PENDING_UNKNOWN
from .repairs import UNKNOWN_DEVICE_ISSUE


def unknown_issue_id(entry_id: str, dev_eui: str) -> str:
    """Repair issue id for an unknown device."""
    return f"unknown_device_{entry_id}_{dev_eui}"


class PendingDevices:
    """The unknown-device queue of one network-server connection."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        rejections: RejectionLog,
        changed: Callable[[], None],
    ) -> None:
        """Start empty; ``changed`` is called when the queue must be stored."""
        self.hass = hass
        self.entry = entry
        self.items: dict[str, DeviceIdentity] = {}
        self._rejections = rejections
        self._changed = changed

    def restore(self, stored: Iterable[Mapping[str, Any]], known: Mapping[str, object]) -> None:
        """Take back the stored queue and open its issues again (they are not persistent)."""
        for item in stored:
            ident = DeviceIdentity(**item)
            if ident.dev_eui not in known and not self._ignored(ident.dev_eui):
                self.items[ident.dev_eui] = ident
                self._open_issue(ident)

    def as_stored(self) -> list[dict[str, Any]]:
        """Return the queue for the hub's store."""
        return [dataclasses.asdict(ident) for ident in self.items.values()]

    def propose(self, ident: DeviceIdentity) -> None:
        """Ask the admin, through a repair issue, whether to add an unknown device."""
        if ident.dev_eui in self.items or self._ignored(ident.dev_eui):
            return
        if len(self.items) >= MAX_PENDING_UNKNOWN:
            if self._rejections.record("pending_limit", time.monotonic()):
                LOGGER.warning(
                    "Ignoring uplinks from unknown device %s: %s unknown devices already wait "
                    "for a decision in Repairs",
                    ident.dev_eui,
                    MAX_PENDING_UNKNOWN,
                )
            return
        self.items[ident.dev_eui] = ident
        self._open_issue(ident)
        self._changed()

    def added(self, dev_eui: str) -> None:
        """Forget a device that was added (it no longer waits)."""
        self.items.pop(dev_eui, None)
        ir.async_delete_issue(self.hass, DOMAIN, unknown_issue_id(self.entry.entry_id, dev_eui))

    @callback
    def async_issue_updated(self, event: Event[ir.EventIssueRegistryUpdatedData]) -> None:
        """Drop a device from the queue once its repair issue is ignored (frees its place)."""
        prefix = unknown_issue_id(self.entry.entry_id, "")
        issue_id = event.data["issue_id"]
        if event.data["domain"] != DOMAIN or not issue_id.startswith(prefix):
            return
        dev_eui = issue_id.removeprefix(prefix)
        if dev_eui in self.items and self._ignored(dev_eui):
            del self.items[dev_eui]
            self._changed()

    def _ignored(self, dev_eui: str) -> bool:
        """Return whether the admin ignored this device's repair issue."""
        issue = ir.async_get(self.hass).async_get_issue(
            DOMAIN, unknown_issue_id(self.entry.entry_id, dev_eui)
        )
        return issue is not None and issue.dismissed_version is not None

    def _open_issue(self, ident: DeviceIdentity) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            unknown_issue_id(self.entry.entry_id, ident.dev_eui),
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=UNKNOWN_DEVICE_ISSUE,
            translation_placeholders={
                "dev_eui": ident.dev_eui,
                "name": inert(ident.name or ident.dev_eui),
                "entry": self.entry.title,
            },
            data={
                "entry_id": self.entry.entry_id,
                "dev_eui": ident.dev_eui,
                CONF_FIX_FLOW: UNKNOWN_DEVICE_ISSUE,
            },
        )
