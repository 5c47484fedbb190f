"""Options step of a ChirpStack webhook connection: the REST API that takes its downlinks."""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from ..lorawan.messages import Server
from .const import CONF_SERVER, is_mqtt
from .downlink import CONF_CS_API_TOKEN, CONF_CS_API_URL

STEP_CHIRPSTACK_API = "chirpstack_api"


def downlink_menu(data: dict[str, Any]) -> list[str]:
    """Return the downlink options step a connection offers (ChirpStack over webhook)."""
    if data[CONF_SERVER] == Server.CHIRPSTACK and not is_mqtt(data):
        return [STEP_CHIRPSTACK_API]
    return []


class ChirpStackApiOptions(OptionsFlow):
    """The REST API URL and API token; both empty turns ChirpStack downlinks off."""

    async def async_step_chirpstack_api(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the ``chirpstack-rest-api`` URL and an API token."""
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            url = str(user_input.get(CONF_CS_API_URL) or "").strip().rstrip("/")
            token = str(user_input.get(CONF_CS_API_TOKEN) or "").strip()
            if url and not url.startswith(("http://", "https://")):
                errors[CONF_CS_API_URL] = "invalid_api_url"
            elif bool(url) != bool(token):
                errors["base"] = "api_url_and_token"
            else:
                new = {**options, CONF_CS_API_URL: url, CONF_CS_API_TOKEN: token}
                return self.async_create_entry(data=new)
        schema = vol.Schema(
            {
                vol.Optional(CONF_CS_API_URL): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.URL)
                ),
                vol.Optional(CONF_CS_API_TOKEN): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                ),
            }
        )
        suggested = {CONF_CS_API_URL: options.get(CONF_CS_API_URL, "")}
        return self.async_show_form(
            step_id=STEP_CHIRPSTACK_API,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )
