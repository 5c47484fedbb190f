"""Config flow steps of a care unit (the apartments have their own subentry flow).

:class:`CareUnitFlow` is mixed into the integration's config flow: the user
menu offers ``care_unit``, which asks for the unit's notification settings
(step ``care_unit``) and default rules (step ``care_rules``); reconfigure runs
the same two steps (``care_reconfigure``, then ``care_rules``). Changes reach the
running unit through the entry's update listener (no reload helpers here).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import probatio as vol
from homeassistant.components.http.auth import async_sign_path
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
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
)
from homeassistant.util import slugify

from ..const import CONF_ENTRY_TYPE, ENTRY_CARE_UNIT
from ..selectors import notify_label, period_fields, this_month
from ..texts import async_get_texts
from .const import (
    CONF_CRITICAL,
    CONF_ESCALATION_MINUTES,
    CONF_ESCALATION_TARGETS,
    CONF_REMINDER_MINUTES,
    CONF_RETENTION_MONTHS,
    CONF_RULES,
    CONF_STAFF_TARGETS,
    DEFAULT_ESCALATION_MINUTES,
    DEFAULT_REMINDER_MINUTES,
    DEFAULT_RETENTION_MONTHS,
    DOWNLOAD_MINUTES,
    JOURNAL_CSV_URL,
)
from .privacy import FreeTextGuard
from .rules_form import (
    DEFAULT_RULES,
    minutes_selector,
    rules_from_input,
    rules_schema,
    rules_to_form,
)
from .unit_rules_form import unit_rules_form, unit_rules_options, unit_rules_schema

NOTIFY_PREFIX = "mobile_app_"


def notify_targets(hass: HomeAssistant, selected: list[str]) -> list[str]:
    """Return the mobile app notify actions present, plus any already selected."""
    present = {
        service
        for service in hass.services.async_services_for_domain("notify")
        if service.startswith(NOTIFY_PREFIX)
    }
    return sorted(present | set(selected))


def _targets_selector(hass: HomeAssistant, options: list[str]) -> SelectSelector:
    """Phones by their friendly names, the notify action in brackets."""
    return SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(value=service, label=notify_label(hass, service))
                for service in options
            ],
            multiple=True,
            mode=SelectSelectorMode.DROPDOWN,
        )
    )


def unit_schema(hass: HomeAssistant, selected: list[str]) -> vol.Schema:
    """Return the care unit settings form."""
    targets = _targets_selector(hass, notify_targets(hass, selected))
    return vol.Schema(
        {
            vol.Required(CONF_NAME): TextSelector(),
            vol.Optional(CONF_STAFF_TARGETS): targets,
            vol.Optional(CONF_ESCALATION_TARGETS): targets,
            vol.Required(CONF_ESCALATION_MINUTES): minutes_selector(0, 240),
            vol.Required(CONF_REMINDER_MINUTES): minutes_selector(0, 120),
            vol.Required(CONF_CRITICAL): BooleanSelector(),
            vol.Required(CONF_RETENTION_MONTHS): NumberSelector(
                # The unit is in the field's label: selectors do not translate units.
                NumberSelectorConfig(min=1, max=120, step=1, mode=NumberSelectorMode.BOX)
            ),
        }
    )


def unit_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored form of the unit settings step."""
    return {
        CONF_STAFF_TARGETS: list(user_input.get(CONF_STAFF_TARGETS, [])),
        CONF_ESCALATION_TARGETS: list(user_input.get(CONF_ESCALATION_TARGETS, [])),
        CONF_ESCALATION_MINUTES: int(user_input[CONF_ESCALATION_MINUTES]),
        CONF_REMINDER_MINUTES: int(user_input[CONF_REMINDER_MINUTES]),
        CONF_CRITICAL: bool(user_input[CONF_CRITICAL]),
        CONF_RETENTION_MONTHS: int(user_input[CONF_RETENTION_MONTHS]),
    }


def has_text(value: str) -> bool:
    """Return True when a name or label has at least one letter or digit."""
    return any(char.isalnum() for char in value)


class CareUnitFlow(ConfigFlow):
    """Care unit steps of the integration's config flow (a mixin; no domain here)."""

    _care_title: str = ""
    _care_data: dict[str, Any] = {}  # noqa: RUF012 - replaced per flow, never mutated
    _care_free_text: FreeTextGuard | None = None

    def _care_name_errors(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        """Refuse a personal number in the unit's name (a place name: no name warning)."""
        if self._care_free_text is None:
            self._care_free_text = FreeTextGuard()
        return self._care_free_text.errors(user_input, [CONF_NAME], names=False)

    async def async_step_care_unit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the care unit and choose who is notified."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            if not has_text(name):
                errors[CONF_NAME] = "invalid_name"
            elif not (errors := self._care_name_errors(user_input)):
                # A flow left open on its last step must not block the name: the
                # unique id is checked again when the entry is created.
                await self.async_set_unique_id(
                    f"{ENTRY_CARE_UNIT}_{slugify(name)}", raise_on_progress=False
                )
                self._abort_if_unique_id_configured(error="care_unit_exists")
                self._care_title = name
                self._care_data = {CONF_ENTRY_TYPE: ENTRY_CARE_UNIT, **unit_data(user_input)}
                return await self.async_step_care_rules()
        suggested = user_input or {
            CONF_ESCALATION_MINUTES: DEFAULT_ESCALATION_MINUTES,
            CONF_REMINDER_MINUTES: DEFAULT_REMINDER_MINUTES,
            CONF_CRITICAL: False,
            CONF_RETENTION_MONTHS: DEFAULT_RETENTION_MONTHS,
        }
        return self.async_show_form(
            step_id="care_unit",
            data_schema=self.add_suggested_values_to_schema(unit_schema(self.hass, []), suggested),
            errors=errors,
            description_placeholders={"count": str(len(notify_targets(self.hass, [])))},
        )

    async def async_step_care_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the care unit's name and notification settings."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            unique_id = f"{ENTRY_CARE_UNIT}_{slugify(name)}"
            if not has_text(name):
                errors[CONF_NAME] = "invalid_name"
            elif any(
                other.unique_id == unique_id and other.entry_id != entry.entry_id
                for other in self._async_current_entries(include_ignore=False)
            ):
                errors[CONF_NAME] = "name_in_use"
            elif not (errors := self._care_name_errors(user_input)):
                self._care_title = name
                self._care_data = {**entry.data, **unit_data(user_input)}
                return await self.async_step_care_rules()
        selected = [
            *entry.data.get(CONF_STAFF_TARGETS, ()),
            *entry.data.get(CONF_ESCALATION_TARGETS, ()),
        ]
        suggested = user_input or {CONF_NAME: entry.title, **entry.data}
        return self.async_show_form(
            step_id="care_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                unit_schema(self.hass, selected), suggested
            ),
            errors=errors,
            description_placeholders={"count": str(len(notify_targets(self.hass, [])))},
        )

    async def async_step_care_rules(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set the unit's default rules."""
        errors: dict[str, str] = {}
        if user_input is not None:
            rules, errors = rules_from_input(user_input)
            if not errors:
                data = {**self._care_data, CONF_RULES: rules}
                if self.source == SOURCE_USER:
                    self._abort_if_unique_id_configured(error="care_unit_exists")
                    return self.async_create_entry(title=self._care_title, data=data)
                entry = self._get_reconfigure_entry()
                return self.async_update_and_abort(
                    entry,
                    unique_id=f"{ENTRY_CARE_UNIT}_{slugify(self._care_title)}",
                    title=self._care_title,
                    data=data,
                    reason="care_unit_updated",
                )
        stored = self._care_data.get(CONF_RULES) or DEFAULT_RULES
        return self.async_show_form(
            step_id="care_rules",
            data_schema=self.add_suggested_values_to_schema(
                rules_schema(await async_get_texts(self.hass)), user_input or rules_to_form(stored)
            ),
            errors=errors,
            last_step=True,
        )


class CareUnitOptionsFlow(OptionsFlow):
    """The care unit's entry page: the unit rules, and a signed link to download the journal."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the unit rules and the journal download."""
        if self.config_entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        return self.async_show_menu(
            step_id="init", menu_options=["care_unit_rules", "download_journal"]
        )

    async def async_step_care_unit_rules(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set the network outage share and the test alarm (they apply at once)."""
        if user_input is not None:
            options = {**self.config_entry.options, **unit_rules_options(user_input)}
            return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="care_unit_rules",
            data_schema=self.add_suggested_values_to_schema(
                unit_rules_schema(), unit_rules_form(self.config_entry.options)
            ),
        )

    async def async_step_download_journal(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the days, the content and the language; the answer is a link."""
        errors: dict[str, str] = {}
        if user_input is not None:
            start, end = user_input["start"], user_input["end"]
            if end < start:
                errors["base"] = "invalid_download_period"
            else:
                language = user_input["language"]
                path = JOURNAL_CSV_URL.format(entry_id=self.config_entry.entry_id)
                query = (
                    f"start={start}&end={end}&content={user_input['content']}"
                    f"&language={language}&excel_sv={int(language == 'sv')}"
                )
                url = async_sign_path(
                    self.hass, f"{path}?{query}", timedelta(minutes=DOWNLOAD_MINUTES)
                )
                return self.async_abort(
                    reason="download_ready",
                    description_placeholders={"url": url, "minutes": str(DOWNLOAD_MINUTES)},
                )
        schema = vol.Schema(
            {
                **period_fields(),
                vol.Required("content"): SelectSelector(
                    SelectSelectorConfig(
                        options=["entries", "episodes", "planned_checks"],
                        translation_key="journal_content",
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Required("language"): SelectSelector(
                    SelectSelectorConfig(
                        options=["sv", "en"],
                        translation_key="language",
                        mode=SelectSelectorMode.LIST,
                    )
                ),
            }
        )
        suggested = {
            **this_month(),
            "content": "entries",
            "language": "sv" if self.hass.config.language.startswith("sv") else "en",
        }
        return self.async_show_form(
            step_id="download_journal",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or suggested),
            errors=errors,
        )
