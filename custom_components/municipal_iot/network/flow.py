"""Config flow steps of a LoRaWAN network-server connection, and its options flow.

:class:`NetworkServerFlow` is mixed into the integration's config flow: the user
menu offers ``network_server``, which names the connection, picks the server
and shows exactly what to paste into it. Reconfigure rotates the token and
shows the settings again.
"""

from __future__ import annotations

import secrets
from typing import Any

import probatio as vol
from homeassistant.components import webhook
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_NAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import slugify

from ..const import CONF_ENTRY_TYPE, ENTRY_NETWORK_SERVER
from ..decoders.registry import decoder_choices
from ..lorawan.messages import Server
from ..lorawan.topics import subscriptions, valid_prefix, valid_segment
from ..texts import async_get_texts
from .const import (
    CONF_APPLICATION,
    CONF_AUTO_ADD,
    CONF_DECODERS,
    CONF_INTERVAL_MOTION,
    CONF_INTERVAL_WATER,
    CONF_METER_KEYS,
    CONF_MISSED_INTERVALS,
    CONF_SERVER,
    CONF_TENANT,
    CONF_TOKEN,
    CONF_TOPIC_PREFIX,
    CONF_TRANSPORT,
    DEFAULT_AUTO_ADD,
    DEFAULT_INTERVAL_MOTION,
    DEFAULT_INTERVAL_WATER,
    DEFAULT_MISSED_INTERVALS,
    DEFAULT_TENANT,
    MODEL_SERVER_OBJECT,
    TRANSPORT_MQTT,
    is_mqtt,
    topic_prefix,
)
from .downlink_flow import ChirpStackApiOptions, downlink_menu
from .hub import LoRaWANHub
from .storage_flow import StorageOptionsFlow

CONF_DEVICE = "device"
CONF_KEY = "key"
CONF_MODEL = "model"
PLACEHOLDER_URL = "http://<home-assistant-address>:8123"

NETWORK_SERVER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Required(CONF_SERVER, default=Server.CHIRPSTACK.value): SelectSelector(
            SelectSelectorConfig(
                options=[server.value for server in Server],
                translation_key=CONF_SERVER,
                mode=SelectSelectorMode.LIST,
            )
        ),
    }
)


DEFAULT_OPTIONS: dict[str, Any] = {
    CONF_AUTO_ADD: DEFAULT_AUTO_ADD,
    CONF_INTERVAL_MOTION: DEFAULT_INTERVAL_MOTION,
    CONF_INTERVAL_WATER: DEFAULT_INTERVAL_WATER,
    CONF_MISSED_INTERVALS: DEFAULT_MISSED_INTERVALS,
    CONF_DECODERS: {},
}


def _mqtt_errors(user_input: dict[str, Any]) -> dict[str, str]:
    """Return the MQTT form's errors: ids are one topic level, the prefix has no wildcard."""
    errors: dict[str, str] = {
        key: "invalid_topic_level"
        for key in (CONF_APPLICATION, CONF_TENANT)
        if key in user_input and not valid_segment(user_input[key].strip())
    }
    prefix = user_input.get(CONF_TOPIC_PREFIX, "").strip().strip("/")
    if prefix and not valid_prefix(prefix):
        errors[CONF_TOPIC_PREFIX] = "invalid_topic_prefix"
    return errors


def webhook_url(hass: HomeAssistant, webhook_id: str) -> tuple[str, bool]:
    """Return the webhook URL and whether it is reachable from outside HA's network."""
    path = webhook.async_generate_path(webhook_id)
    try:
        return get_url(hass, allow_internal=False, allow_cloud=False) + path, True
    except NoURLAvailableError:
        pass
    try:
        return get_url(hass, allow_external=False) + path, False
    except NoURLAvailableError:
        return PLACEHOLDER_URL + path, False


def _minutes(minimum: int, maximum: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum, max=maximum, step=1, unit_of_measurement="min", mode=NumberSelectorMode.BOX
        )
    )


class NetworkServerFlow(ConfigFlow):
    """Network-server steps of the integration's config flow (a mixin; no domain here)."""

    _name = ""
    _server = Server.CHIRPSTACK
    _webhook_id = ""
    _token = ""
    _mqtt: dict[str, str]

    async def async_step_network_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the connection and pick the network server."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            if not any(char.isalnum() for char in name):
                errors[CONF_NAME] = "invalid_name"
            else:
                await self.async_set_unique_id(f"{ENTRY_NETWORK_SERVER}_{slugify(name)}")
                self._abort_if_unique_id_configured()
                self._name = name
                self._server = Server(user_input[CONF_SERVER])
                return await self.async_step_network_transport()
        return self.async_show_form(
            step_id="network_server",
            data_schema=self.add_suggested_values_to_schema(NETWORK_SERVER_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_network_transport(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose how uplinks arrive: webhook or MQTT."""
        return self.async_show_menu(
            step_id="network_transport",
            menu_options=["network_webhook", "network_mqtt"],
            description_placeholders={"name": self._name},
        )

    async def async_step_network_webhook(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Uplinks by webhook: a new webhook and token, then the instructions."""
        self._webhook_id = webhook.async_generate_id()
        self._token = secrets.token_urlsafe(32)
        return await self.async_step_instructions()

    async def async_step_network_mqtt(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Uplinks over HA's MQTT connection: the application (and tenant) the topics name."""
        if not self.hass.config_entries.async_loaded_entries(TRANSPORT_MQTT):
            return self.async_abort(reason="mqtt_not_set_up")
        reconfiguring = self.source == SOURCE_RECONFIGURE
        if reconfiguring:
            entry = self._get_reconfigure_entry()
            self._name = entry.title
            self._server = Server(entry.data[CONF_SERVER])
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _mqtt_errors(user_input)
            if not errors:
                self._mqtt = {
                    CONF_APPLICATION: user_input[CONF_APPLICATION].strip(),
                    CONF_TOPIC_PREFIX: user_input.get(CONF_TOPIC_PREFIX, "").strip().strip("/"),
                }
                if self._server is Server.TTS:
                    self._mqtt[CONF_TENANT] = user_input[CONF_TENANT].strip()
                if reconfiguring:
                    return self.async_update_reload_and_abort(
                        self._get_reconfigure_entry(),
                        data_updates=self._mqtt,
                        reason="mqtt_updated",
                    )
                return await self.async_step_mqtt_instructions()
        schema: dict[Any, Any] = {vol.Required(CONF_APPLICATION): TextSelector()}
        if self._server is Server.TTS:
            schema[vol.Required(CONF_TENANT, default=DEFAULT_TENANT)] = TextSelector()
        schema[vol.Optional(CONF_TOPIC_PREFIX)] = TextSelector()
        suggested = user_input or (
            dict(self._get_reconfigure_entry().data) if reconfiguring else {}
        )
        return self.async_show_form(
            step_id=f"network_mqtt_{self._server.value}",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(schema), suggested),
            errors=errors,
        )

    # Each network server has its own MQTT form text; both are handled the same way.
    async_step_network_mqtt_chirpstack = async_step_network_mqtt
    async_step_network_mqtt_tts = async_step_network_mqtt

    async def async_step_mqtt_instructions(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the topics Home Assistant will subscribe to; finish."""
        data = {CONF_SERVER: self._server.value, **self._mqtt}
        if user_input is not None:
            return self.async_create_entry(
                title=self._name,
                data={
                    CONF_ENTRY_TYPE: ENTRY_NETWORK_SERVER,
                    CONF_TRANSPORT: TRANSPORT_MQTT,
                    **data,
                },
                options=DEFAULT_OPTIONS,
            )
        return self.async_show_form(
            step_id="mqtt_instructions",
            description_placeholders={
                "topics": ", ".join(
                    f"`{topic}`" for topic in subscriptions(self._server, topic_prefix(data))
                )
            },
            last_step=True,
        )

    async def async_step_network_server_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Rotate the token and show the network-server settings again (form "reconfigure")."""
        entry = self._get_reconfigure_entry()
        if is_mqtt(entry.data):
            return await self.async_step_network_mqtt(user_input)
        if user_input is None:
            return self.async_show_form(
                step_id="reconfigure", description_placeholders={"name": entry.title}
            )
        self._name = entry.title
        self._server = Server(entry.data[CONF_SERVER])
        self._webhook_id = entry.data[CONF_WEBHOOK_ID]
        self._token = secrets.token_urlsafe(32)
        return await self.async_step_instructions()

    async def async_step_instructions(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show exactly what to paste into the network server."""
        if user_input is not None:
            if self.source == "reconfigure":
                return self.async_update_reload_and_abort(
                    self._get_reconfigure_entry(), data_updates={CONF_TOKEN: self._token}
                )
            return self.async_create_entry(
                title=self._name,
                data={
                    CONF_ENTRY_TYPE: ENTRY_NETWORK_SERVER,
                    CONF_SERVER: self._server.value,
                    CONF_WEBHOOK_ID: self._webhook_id,
                    CONF_TOKEN: self._token,
                },
                options=DEFAULT_OPTIONS,
            )
        url, external = webhook_url(self.hass, self._webhook_id)
        # A hint in the instructions, after the address it is about (not an error).
        note = "" if external else (await async_get_texts(self.hass)).get("no_external_url")
        return self.async_show_form(
            step_id=f"instructions_{self._server.value}",
            description_placeholders={
                "url": url,
                "header_name": "Authorization",
                "header_value": f"Bearer {self._token}",
                "url_note": note,
            },
            last_step=True,
        )

    # Each network server has its own instructions text; both finish the same way.
    async_step_instructions_chirpstack = async_step_instructions
    async_step_instructions_tts = async_step_instructions


class LoRaWANOptionsFlow(StorageOptionsFlow, ChirpStackApiOptions, OptionsFlowWithReload):
    """Availability, auto-add, per-device decoders, (TTS) the backfill, (ChirpStack) downlinks."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to change (the per-device steps need the loaded hub)."""
        per_device = ["decoder", "meter_key"] if self._hub() is not None else []
        storage = ["storage"] if self.config_entry.data[CONF_SERVER] == Server.TTS else []
        downlinks = downlink_menu(dict(self.config_entry.data))
        return self.async_show_menu(
            step_id="init", menu_options=["settings", *per_device, *storage, *downlinks]
        )

    def _hub(self) -> LoRaWANHub | None:
        """Return the hub of the entry, or None when the entry is not loaded."""
        entry = self.config_entry
        return entry.runtime_data if entry.state is ConfigEntryState.LOADED else None

    def _no_devices(self) -> ConfigFlowResult | None:
        """Return why a per-device step cannot run (not loaded, no devices), or None."""
        if (hub := self._hub()) is None:
            return self.async_abort(reason="not_loaded")
        return None if hub.devices else self.async_abort(reason="no_devices")

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set the reporting intervals and auto-add."""
        options = self.config_entry.options
        if user_input is not None:
            return self.async_create_entry(data={**options, **user_input})
        schema = vol.Schema(
            {
                vol.Required(CONF_AUTO_ADD): BooleanSelector(),
                vol.Required(CONF_INTERVAL_MOTION): _minutes(5, 1440),
                vol.Required(CONF_INTERVAL_WATER): _minutes(15, 10080),
                vol.Required(CONF_MISSED_INTERVALS): NumberSelector(
                    NumberSelectorConfig(min=1, max=10, step=1, mode=NumberSelectorMode.BOX)
                ),
            }
        )
        defaults = {
            CONF_AUTO_ADD: options.get(CONF_AUTO_ADD, DEFAULT_AUTO_ADD),
            CONF_INTERVAL_MOTION: options.get(CONF_INTERVAL_MOTION, DEFAULT_INTERVAL_MOTION),
            CONF_INTERVAL_WATER: options.get(CONF_INTERVAL_WATER, DEFAULT_INTERVAL_WATER),
            CONF_MISSED_INTERVALS: options.get(CONF_MISSED_INTERVALS, DEFAULT_MISSED_INTERVALS),
        }
        return self.async_show_form(
            step_id="settings", data_schema=self.add_suggested_values_to_schema(schema, defaults)
        )

    async def async_step_decoder(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the decoder for a device whose model cannot be detected."""
        if (refused := self._no_devices()) is not None:
            return refused
        hub = self.config_entry.runtime_data
        options = self.config_entry.options
        if user_input is not None:
            decoders = {**options.get(CONF_DECODERS, {})}
            decoders[user_input[CONF_DEVICE]] = user_input[CONF_MODEL]
            return self.async_create_entry(data={**options, CONF_DECODERS: decoders})
        devices = _device_options(hub)
        models = [MODEL_SERVER_OBJECT, *(value for value, _label in decoder_choices())]
        schema = vol.Schema(
            {
                vol.Required(CONF_DEVICE): SelectSelector(SelectSelectorConfig(options=devices)),
                vol.Required(CONF_MODEL): SelectSelector(
                    SelectSelectorConfig(
                        options=models, translation_key=CONF_MODEL, mode=SelectSelectorMode.DROPDOWN
                    )
                ),
            }
        )
        return self.async_show_form(step_id="decoder", data_schema=schema)

    async def async_step_meter_key(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Enter the decryption key (DEK) of a meter that sends encrypted frames."""
        if (refused := self._no_devices()) is not None:
            return refused
        hub = self.config_entry.runtime_data
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            key = user_input[CONF_KEY].strip().replace(" ", "").lower()
            if len(key) != 32 or any(char not in "0123456789abcdef" for char in key):
                errors[CONF_KEY] = "invalid_key"
            else:
                keys = {**options.get(CONF_METER_KEYS, {}), user_input[CONF_DEVICE]: key}
                return self.async_create_entry(data={**options, CONF_METER_KEYS: keys})
        schema = vol.Schema(
            {
                vol.Required(CONF_DEVICE): SelectSelector(
                    SelectSelectorConfig(options=_device_options(hub))
                ),
                vol.Required(CONF_KEY): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                ),
            }
        )
        return self.async_show_form(step_id="meter_key", data_schema=schema, errors=errors)


def _device_options(hub: LoRaWANHub) -> list[SelectOptionDict]:
    return [
        SelectOptionDict(value=dev_eui, label=f"{device.name} ({dev_eui})")
        for dev_eui, device in sorted(hub.devices.items(), key=lambda item: item[1].name)
    ]
