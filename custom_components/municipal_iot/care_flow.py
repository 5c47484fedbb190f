"""Config flow steps for care units, and the apartment subentry flow.

:class:`CareUnitFlow` is mixed into the integration's config flow: the user
menu offers ``care_unit``, which asks for the unit's notification settings
(step ``care_unit``) and default rules (step ``care_rules``). Apartments are
config subentries (:class:`ApartmentSubentryFlow`) with their sensors, optional
area, action plan, consent date and optional own rules.

Rules are stored in the dict form of :mod:`.supervision.rules` (``"HH:MM"``
times, whole minutes, weekday ints), so the runtime builds them without
translation. Changes reach the running unit through the entry's update listener
(no reload helpers are used here).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

import probatio as vol
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    AreaSelector,
    BooleanSelector,
    DateSelector,
    EntitySelector,
    EntitySelectorConfig,
    EntityWithDeviceFilterSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    ObjectSelectorConfig,
    ObjectSelectorField,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
from homeassistant.util import slugify

from .care_const import (
    CONF_ACTION_PLAN,
    CONF_AREA,
    CONF_BANDS,
    CONF_CONSENT_DATE,
    CONF_CONTINUOUS,
    CONF_CRITICAL,
    CONF_DECISION_REF,
    CONF_DOOR_SENSORS,
    CONF_ESCALATION_MINUTES,
    CONF_ESCALATION_TARGETS,
    CONF_GRACE,
    CONF_INTERVAL,
    CONF_LABEL,
    CONF_MOTION_SENSORS,
    CONF_REMINDER_MINUTES,
    CONF_RETENTION_MONTHS,
    CONF_RULES,
    CONF_RULES_MODE,
    CONF_STAFF_TARGETS,
    CONF_UNAVAILABLE,
    CONF_WINDOWS,
    DEFAULT_ESCALATION_MINUTES,
    DEFAULT_REMINDER_MINUTES,
    DEFAULT_RETENTION_MONTHS,
    RULES_CUSTOM,
    RULES_UNIT,
    SUBENTRY_APARTMENT,
)
from .const import CONF_ENTRY_TYPE, ENTRY_CARE_UNIT
from .supervision.rules import (
    DEFAULT_GRACE_MINUTES,
    DEFAULT_UNAVAILABLE_MINUTES,
    CheckWindow,
    RulesError,
    TimeBand,
    format_hhmm,
)

NOTIFY_PREFIX = "mobile_app_"
WEEKDAYS = [str(day) for day in range(7)]
ALL_WEEKDAYS = list(range(7))
MOTION_CLASSES = ["motion", "occupancy", "presence"]
DOOR_CLASSES = ["door", "opening", "garage_door"]

DEFAULT_RULES: dict[str, Any] = {
    CONF_BANDS: [],
    CONF_WINDOWS: [],
    CONF_CONTINUOUS: None,
    CONF_GRACE: DEFAULT_GRACE_MINUTES,
    CONF_UNAVAILABLE: DEFAULT_UNAVAILABLE_MINUTES,
    CONF_INTERVAL: None,
}


def _minutes(minimum: int, maximum: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum, max=maximum, step=1, unit_of_measurement="min", mode=NumberSelectorMode.BOX
        )
    )


def _time_field() -> ObjectSelectorField:
    return ObjectSelectorField(selector={"time": {}}, required=True)


def _weekday_field() -> ObjectSelectorField:
    return ObjectSelectorField(
        selector={
            "select": {
                "options": WEEKDAYS,
                "multiple": True,
                "translation_key": "weekday",
                "mode": "list",
            }
        }
    )


BANDS_SELECTOR = ObjectSelector(
    ObjectSelectorConfig(
        multiple=True,
        translation_key="band",
        fields={
            "start": _time_field(),
            "end": _time_field(),
            "minutes": ObjectSelectorField(
                selector={
                    "number": {"min": 1, "max": 1440, "mode": "box", "unit_of_measurement": "min"}
                }
            ),
            "weekdays": _weekday_field(),
        },
    )
)
WINDOWS_SELECTOR = ObjectSelector(
    ObjectSelectorConfig(
        multiple=True,
        translation_key="window",
        fields={"start": _time_field(), "end": _time_field(), "weekdays": _weekday_field()},
    )
)

RULES_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_BANDS): BANDS_SELECTOR,
        vol.Optional(CONF_WINDOWS): WINDOWS_SELECTOR,
        vol.Optional(CONF_CONTINUOUS): _minutes(1, 7 * 1440),
        vol.Required(CONF_GRACE): _minutes(0, 240),
        vol.Required(CONF_UNAVAILABLE): _minutes(1, 1440),
        vol.Optional(CONF_INTERVAL): _minutes(5, 7 * 1440),
    }
)


def notify_targets(hass: HomeAssistant, selected: list[str]) -> list[str]:
    """Return the mobile app notify actions present, plus any already selected."""
    present = {
        service
        for service in hass.services.async_services_for_domain("notify")
        if service.startswith(NOTIFY_PREFIX)
    }
    return sorted(present | set(selected))


def _targets_selector(options: list[str]) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(options=options, multiple=True, mode=SelectSelectorMode.DROPDOWN)
    )


def unit_schema(hass: HomeAssistant, selected: list[str]) -> vol.Schema:
    """Return the care unit settings form."""
    targets = _targets_selector(notify_targets(hass, selected))
    return vol.Schema(
        {
            vol.Required(CONF_NAME): TextSelector(),
            vol.Optional(CONF_STAFF_TARGETS): targets,
            vol.Optional(CONF_ESCALATION_TARGETS): targets,
            vol.Required(CONF_ESCALATION_MINUTES): _minutes(0, 240),
            vol.Required(CONF_REMINDER_MINUTES): _minutes(0, 120),
            vol.Required(CONF_CRITICAL): BooleanSelector(),
            vol.Required(CONF_RETENTION_MONTHS): NumberSelector(
                NumberSelectorConfig(
                    min=1, max=120, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="mo"
                )
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


def _hhmm(value: Any) -> str:
    parsed: time = cv.time(value)
    if parsed.second:
        raise RulesError("times are whole minutes")
    return format_hhmm(parsed)


def _weekdays(value: Any) -> list[int]:
    return sorted({int(day) for day in value}) if value else ALL_WEEKDAYS


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "", 0) else int(value)


def rules_from_input(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the rules form; return the stored rules and per-field errors."""
    errors: dict[str, str] = {}
    bands: list[dict[str, Any]] = []
    windows: list[dict[str, Any]] = []
    try:
        for item in user_input.get(CONF_BANDS) or []:
            band = TimeBand.from_dict(
                {
                    "start": _hhmm(item["start"]),
                    "end": _hhmm(item["end"]),
                    "minutes": _optional_int(item.get("minutes")),
                    "weekdays": _weekdays(item.get("weekdays")),
                }
            )
            bands.append(band.to_dict())
    except RulesError, vol.Invalid:
        errors[CONF_BANDS] = "invalid_band"
    try:
        for item in user_input.get(CONF_WINDOWS) or []:
            window = CheckWindow.from_dict(
                {
                    "start": _hhmm(item["start"]),
                    "end": _hhmm(item["end"]),
                    "weekdays": _weekdays(item.get("weekdays")),
                }
            )
            windows.append(window.to_dict())
    except RulesError, vol.Invalid:
        errors[CONF_WINDOWS] = "invalid_window"
    rules = {
        CONF_BANDS: bands,
        CONF_WINDOWS: windows,
        CONF_CONTINUOUS: _optional_int(user_input.get(CONF_CONTINUOUS)),
        CONF_GRACE: int(user_input[CONF_GRACE]),
        CONF_UNAVAILABLE: int(user_input[CONF_UNAVAILABLE]),
        CONF_INTERVAL: _optional_int(user_input.get(CONF_INTERVAL)),
    }
    return rules, errors


def rules_to_form(rules: Mapping[str, Any]) -> dict[str, Any]:
    """Return stored rules as suggested form values (weekdays as option strings)."""

    def form_days(item: Mapping[str, Any]) -> list[str]:
        return [str(day) for day in item.get("weekdays", ALL_WEEKDAYS)]

    bands = [
        {
            "start": band["start"],
            "end": band["end"],
            "weekdays": form_days(band),
            **({"minutes": band["minutes"]} if band.get("minutes") else {}),
        }
        for band in rules.get(CONF_BANDS, [])
    ]
    windows = [
        {"start": window["start"], "end": window["end"], "weekdays": form_days(window)}
        for window in rules.get(CONF_WINDOWS, [])
    ]
    form: dict[str, Any] = {
        CONF_BANDS: bands,
        CONF_WINDOWS: windows,
        CONF_GRACE: rules.get(CONF_GRACE, DEFAULT_GRACE_MINUTES),
        CONF_UNAVAILABLE: rules.get(CONF_UNAVAILABLE, DEFAULT_UNAVAILABLE_MINUTES),
    }
    for key in (CONF_CONTINUOUS, CONF_INTERVAL):
        if rules.get(key):
            form[key] = rules[key]
    return form


def _has_text(value: str) -> bool:
    return any(char.isalnum() for char in value)


class CareUnitFlow(ConfigFlow):
    """Care unit steps of the integration's config flow (a mixin; no domain here)."""

    _care_title: str = ""
    _care_data: dict[str, Any] = {}  # noqa: RUF012 - replaced per flow, never mutated

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Care units have apartments; other entry kinds ask the next class."""
        if config_entry.data.get(CONF_ENTRY_TYPE) == ENTRY_CARE_UNIT:
            return {SUBENTRY_APARTMENT: ApartmentSubentryFlow}
        return super().async_get_supported_subentry_types(config_entry)

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Care units are edited with reconfigure, not with options."""
        if config_entry.data.get(CONF_ENTRY_TYPE) == ENTRY_CARE_UNIT:
            return False
        return super().async_supports_options_flow(config_entry)

    async def async_step_care_unit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the care unit and choose who is notified."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            if not _has_text(name):
                errors[CONF_NAME] = "invalid_name"
            else:
                await self.async_set_unique_id(f"{ENTRY_CARE_UNIT}_{slugify(name)}")
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
            if not _has_text(name):
                errors[CONF_NAME] = "invalid_name"
            elif any(
                other.unique_id == unique_id and other.entry_id != entry.entry_id
                for other in self._async_current_entries(include_ignore=False)
            ):
                errors[CONF_NAME] = "name_in_use"
            else:
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
                RULES_SCHEMA, user_input or rules_to_form(stored)
            ),
            errors=errors,
            last_step=True,
        )


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
            vol.Required(CONF_CONSENT_DATE): DateSelector(),
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

    @property
    def _is_new(self) -> bool:
        return self.source == SOURCE_USER

    def _stored(self) -> Mapping[str, Any]:
        return {} if self._is_new else self._get_reconfigure_subentry().data

    def _validate(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        label = user_input[CONF_LABEL].strip()
        if not _has_text(label):
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
        return {}

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
                RULES_SCHEMA, user_input or rules_to_form(stored or DEFAULT_RULES)
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
