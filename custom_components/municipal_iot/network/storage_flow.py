"""Options step of a The Things Stack connection: the Storage Integration for backfill.

The admin enters the cluster address, the application id and an API key with the
right to read application traffic. The step tries the key at once (one stored
uplink of the last minute); a refused key is a translated form error. An empty
address turns the backfill off; an empty key field keeps the stored key.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
from homeassistant.util import dt as dt_util

from ..lorawan.storage_api import (
    Limits,
    StorageAccess,
    StorageAuthError,
    StorageClient,
    StorageError,
    StorageNotFoundError,
    normalise_cluster_url,
    rfc3339,
)
from ..lorawan.topics import valid_segment
from .const import CONF_APPLICATION, CONF_STORAGE_APPLICATION, CONF_STORAGE_KEY, CONF_STORAGE_URL

STORAGE_KEYS = (CONF_STORAGE_URL, CONF_STORAGE_APPLICATION, CONF_STORAGE_KEY)
VALIDATION_TIMEOUT = 10.0  # seconds: the admin waits for the form


class StorageOptionsFlow(OptionsFlow):
    """The ``storage`` options step (a mixin of the network-server options flow)."""

    async def async_step_storage(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set, change or remove the Storage Integration the backfill reads."""
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            unchanged = {key: value for key, value in options.items() if key not in STORAGE_KEYS}
            url_text = user_input.get(CONF_STORAGE_URL, "").strip()
            if not url_text:
                return self.async_create_entry(data=unchanged)
            url = normalise_cluster_url(url_text)
            application = user_input.get(CONF_STORAGE_APPLICATION, "").strip()
            key = user_input.get(CONF_STORAGE_KEY, "").strip() or options.get(CONF_STORAGE_KEY)
            if url is None:
                errors[CONF_STORAGE_URL] = "invalid_url"
            if not application or not valid_segment(application):
                errors[CONF_STORAGE_APPLICATION] = "invalid_application"
            if not key:
                errors[CONF_STORAGE_KEY] = "key_required"
            if not errors and url is not None and key:
                errors = await self._async_try(url, application, key)
            if not errors:
                storage = {
                    CONF_STORAGE_URL: url,
                    CONF_STORAGE_APPLICATION: application,
                    CONF_STORAGE_KEY: key,
                }
                return self.async_create_entry(data=unchanged | storage)
        suggested = {
            CONF_STORAGE_URL: options.get(CONF_STORAGE_URL, ""),
            CONF_STORAGE_APPLICATION: options.get(
                CONF_STORAGE_APPLICATION, self.config_entry.data.get(CONF_APPLICATION, "")
            ),
        }
        if user_input is not None:
            suggested = {k: v for k, v in user_input.items() if k != CONF_STORAGE_KEY}
        schema = vol.Schema(
            {
                vol.Optional(CONF_STORAGE_URL): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.URL)
                ),
                vol.Optional(CONF_STORAGE_APPLICATION): TextSelector(),
                vol.Optional(CONF_STORAGE_KEY): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                ),
            }
        )
        return self.async_show_form(
            step_id="storage",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )

    async def _async_try(self, url: str, application: str, key: str) -> dict[str, str]:
        """Ask for the last minute's uplinks (at most one); map a failure to a form error."""
        client = StorageClient(
            async_get_clientsession(self.hass),
            StorageAccess(url, application, key),
            now=dt_util.utcnow,
            limits=Limits(page=1, timeout=VALIDATION_TIMEOUT, retries=0),
        )
        try:
            await client.fetch(rfc3339(dt_util.utcnow() - timedelta(minutes=1)))
        except StorageAuthError:
            return {CONF_STORAGE_KEY: "storage_key_refused"}
        except StorageNotFoundError:
            return {CONF_STORAGE_APPLICATION: "storage_not_found"}
        except StorageError:
            return {"base": "cannot_connect"}
        return {}
