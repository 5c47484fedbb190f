"""Names of Home Assistant users, for the journal, the panel and exports.

The journal stores user ids; people read names. The names are read when the
care unit starts and again whenever a user is added, renamed or removed, so a
callback can look one up without awaiting the auth store.
"""

from __future__ import annotations

from homeassistant.auth import EVENT_USER_ADDED, EVENT_USER_REMOVED, EVENT_USER_UPDATED
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.util import slugify

MOBILE_APP = "mobile_app"


async def async_user_names(hass: HomeAssistant) -> dict[str, str]:
    """Return every user's name by id (system users included: they act for automations)."""
    return {user.id: user.name or user.id for user in await hass.auth.async_get_users()}


def user_services(hass: HomeAssistant) -> dict[str, str]:
    """Map each ``mobile_app_*`` notify action to the HA user whose phone it is."""
    return {
        slugify(f"{MOBILE_APP}_{entry.data['device_name']}"): entry.data["user_id"]
        for entry in hass.config_entries.async_entries(MOBILE_APP)
        if entry.data.get("device_name") and entry.data.get("user_id")
    }


class UserNames:
    """A cached map of user ids to names, refreshed when users change."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start empty; :meth:`async_start` reads the users."""
        self._hass = hass
        self._names: dict[str, str] = {}
        self._unsubs: list[CALLBACK_TYPE] = []

    async def async_start(self) -> None:
        """Read the names and follow changes."""
        self._names = await async_user_names(self._hass)
        bus = self._hass.bus
        self._unsubs = [
            bus.async_listen(kind, self._on_change)
            for kind in (EVENT_USER_ADDED, EVENT_USER_UPDATED, EVENT_USER_REMOVED)
        ]

    @callback
    def stop(self) -> None:
        """Stop following changes."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []

    @callback
    def _on_change(self, _event: Event) -> None:
        self._hass.async_create_task(self._async_refresh(), eager_start=True)

    async def _async_refresh(self) -> None:
        self._names = await async_user_names(self._hass)

    def name(self, user_id: str | None) -> str:
        """Return a user's name ("" for no user; the id for a user that no longer exists)."""
        if user_id is None:
            return ""
        return self._names.get(user_id, user_id)
