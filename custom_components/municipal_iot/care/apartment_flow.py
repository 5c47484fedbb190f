"""The apartment subentry flow of a care unit: label, sensors, plan, consent, own rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import probatio as vol
from homeassistant.config_entries import SOURCE_USER, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.helpers.selector import (
    AreaSelector,
    DateSelector,
    EntitySelector,
    EntitySelectorConfig,
    EntityWithDeviceFilterSelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
from homeassistant.util import slugify

from ..texts import async_get_texts
from .const import (
    CONF_ACTION_PLAN,
    CONF_AREA,
    CONF_CONSENT_DATE,
    CONF_DECISION_REF,
    CONF_DOOR_SENSORS,
    CONF_LABEL,
    CONF_MOTION_SENSORS,
    CONF_RULES,
    CONF_RULES_MODE,
    RULES_CUSTOM,
    RULES_UNIT,
)
from .flow import has_text
from .privacy import FreeTextGuard
from .rules_form import DEFAULT_RULES, rules_from_input, rules_schema, rules_to_form

FREE_TEXT = (CONF_LABEL, CONF_ACTION_PLAN, CONF_DECISION_REF)
MOTION_CLASSES = ["motion", "occupancy", "presence"]
DOOR_CLASSES = ["door", "opening", "garage_door"]


def apartment_schema() -> vol.Schema:
    """Return the apartment form."""
    return vol.Schema(
        {
            vol.Required(CONF_LABEL): TextSelector(),
            vol.Required(CONF_MOTION_SENSORS): EntitySelector(
                EntitySelectorConfig(
                    filter=EntityWithDeviceFilterSelectorConfig(
                        domain="binary_sensor", device_class=MOTION_CLASSES
                    ),
                    multiple=True,
                )
            ),
            vol.Optional(CONF_DOOR_SENSORS): EntitySelector(
                EntitySelectorConfig(
                    filter=EntityWithDeviceFilterSelectorConfig(
                        domain="binary_sensor", device_class=DOOR_CLASSES
                    ),
                    multiple=True,
                )
            ),
            vol.Optional(CONF_AREA): AreaSelector(),
            vol.Optional(CONF_ACTION_PLAN): TextSelector(TextSelectorConfig(multiline=True)),
            # Optional for the frontend, which would fill a required date with today:
            # the date must be entered, and _validate requires it.
            vol.Optional(CONF_CONSENT_DATE): DateSelector(),
            vol.Optional(CONF_DECISION_REF): TextSelector(),
            vol.Required(CONF_RULES_MODE): SelectSelector(
                SelectSelectorConfig(
                    options=[RULES_UNIT, RULES_CUSTOM],
                    translation_key=CONF_RULES_MODE,
                    mode=SelectSelectorMode.LIST,
                )
            ),
        }
    )


class ApartmentSubentryFlow(ConfigSubentryFlow):
    """Add or edit one supervised apartment of a care unit."""

    def __init__(self) -> None:
        """Initialise the flow state."""
        self._title = ""
        self._data: dict[str, Any] = {}
        self._free_text = FreeTextGuard()

    @property
    def _is_new(self) -> bool:
        return self.source == SOURCE_USER

    def _stored(self) -> Mapping[str, Any]:
        return {} if self._is_new else self._get_reconfigure_subentry().data

    def _validate(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        label = user_input[CONF_LABEL].strip()
        if not has_text(label):
            return {CONF_LABEL: "invalid_label"}
        current = None if self._is_new else self._get_reconfigure_subentry().subentry_id
        if any(
            slugify(subentry.title) == slugify(label) and subentry.subentry_id != current
            for subentry in self._get_entry().subentries.values()
        ):
            return {CONF_LABEL: "label_in_use"}
        doors = user_input.get(CONF_DOOR_SENSORS) or []
        if set(doors) & set(user_input[CONF_MOTION_SENSORS]):
            return {CONF_DOOR_SENSORS: "sensor_twice"}
        if not user_input.get(CONF_CONSENT_DATE):
            return {CONF_CONSENT_DATE: "consent_required"}
        return self._free_text.errors(user_input, FREE_TEXT)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Describe the apartment and choose its sensors."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._validate(user_input)
            if not errors:
                self._title = user_input[CONF_LABEL].strip()
                self._data = {
                    CONF_MOTION_SENSORS: list(user_input[CONF_MOTION_SENSORS]),
                    CONF_DOOR_SENSORS: list(user_input.get(CONF_DOOR_SENSORS) or []),
                    CONF_AREA: user_input.get(CONF_AREA),
                    CONF_ACTION_PLAN: (user_input.get(CONF_ACTION_PLAN) or "").strip(),
                    CONF_CONSENT_DATE: user_input[CONF_CONSENT_DATE],
                    CONF_DECISION_REF: (user_input.get(CONF_DECISION_REF) or "").strip(),
                    CONF_RULES_MODE: user_input[CONF_RULES_MODE],
                    CONF_RULES: None,
                }
                if user_input[CONF_RULES_MODE] == RULES_CUSTOM:
                    return await self.async_step_rules()
                return self._finish()
        if user_input is None:
            stored = self._stored()
            user_input = {CONF_RULES_MODE: RULES_UNIT, **stored}
            if not self._is_new:
                user_input[CONF_LABEL] = self._get_reconfigure_subentry().title
        return self.async_show_form(
            step_id=self.source,
            data_schema=self.add_suggested_values_to_schema(apartment_schema(), user_input),
            errors=errors,
        )

    async_step_reconfigure = async_step_user

    async def async_step_rules(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Set the apartment's own rules."""
        errors: dict[str, str] = {}
        if user_input is not None:
            rules, errors = rules_from_input(user_input)
            if not errors:
                self._data[CONF_RULES] = rules
                return self._finish()
        stored = self._stored().get(CONF_RULES) or self._get_entry().data.get(CONF_RULES)
        return self.async_show_form(
            step_id="rules",
            data_schema=self.add_suggested_values_to_schema(
                rules_schema(await async_get_texts(self.hass)),
                user_input or rules_to_form(stored or DEFAULT_RULES),
            ),
            errors=errors,
            last_step=True,
        )

    def _finish(self) -> SubentryFlowResult:
        if self._is_new:
            return self.async_create_entry(title=self._title, data=self._data)
        return self.async_update_and_abort(
            self._get_entry(), self._get_reconfigure_subentry(), title=self._title, data=self._data
        )
