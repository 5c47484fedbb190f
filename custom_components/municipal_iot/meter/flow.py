"""Config flow steps of the "Meter report" entry, and its options flow.

:class:`MeterReportFlowMixin` is inherited by the integration's config flow: the
user menu offers ``meter_report``, which asks for the meters (explicit entities,
or all water meters in areas or with labels), the schedule and the delivery
(notify recipients, CSV separator, decimal comma). Reconfigure runs the same
steps with the current values. The options flow sets the leak rules (defaults
and per meter) and records a meter replacement (the same as the
``municipal_iot.replace_meter`` action).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import probatio as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_NAME
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    AreaSelector,
    AreaSelectorConfig,
    BooleanSelector,
    DateTimeSelector,
    EntitySelector,
    EntitySelectorConfig,
    LabelSelector,
    LabelSelectorConfig,
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

from ..const import CONF_ENTRY_TYPE, ENTRY_METER_REPORT
from ..selectors import hhmm_selector, notify_label
from ..water.leak import ALL_RULES
from ..water.schedule import LAST_DAY, Frequency
from .const import (
    ATTR_DATE,
    ATTR_NEW_INITIAL,
    ATTR_NEW_METER_ID,
    ATTR_OLD_FINAL,
    ATTR_OLD_METER_ID,
    CONF_AREAS,
    CONF_BURST_FLOW,
    CONF_BURST_MINUTES,
    CONF_CONTINUOUS_HOURS,
    CONF_DAY,
    CONF_DECIMAL_COMMA,
    CONF_FREQUENCY,
    CONF_LABELS,
    CONF_LEAK,
    CONF_LEAK_METERS,
    CONF_LEAK_RULES,
    CONF_METERS,
    CONF_NIGHT_END,
    CONF_NIGHT_LITRES,
    CONF_NIGHT_START,
    CONF_RECIPIENTS,
    CONF_SEPARATOR,
    CONF_TIME,
    CONF_WEEKDAY,
    DEFAULT_DAY,
    DEFAULT_FREQUENCY,
    DEFAULT_SEPARATOR,
    DEFAULT_TIME,
    DEFAULT_WEEKDAY,
    SEPARATORS,
)
from .download import ReportDownloadStep
from .entry import runtime_of
from .leak import leak_settings
from .notify import NOTIFY_DOMAIN
from .services import async_record_replacement
from .sources import water_meter_problem

CONF_METER = "meter"
CONF_USE_DEFAULTS = "use_defaults"
CONF_CONFIRM_ZERO = "confirm_zero"
# Notify actions that need an entity target rather than a message to a service.
_NOT_RECIPIENTS = frozenset({"send_message"})


def _meters_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Optional(CONF_METERS, default=[]): EntitySelector(
                EntitySelectorConfig(domain="sensor", device_class="water", multiple=True)
            ),
            vol.Optional(CONF_AREAS, default=[]): AreaSelector(AreaSelectorConfig(multiple=True)),
            vol.Optional(CONF_LABELS, default=[]): LabelSelector(
                LabelSelectorConfig(multiple=True)
            ),
        }
    )


FREQUENCY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_FREQUENCY): SelectSelector(
            SelectSelectorConfig(
                options=[frequency.value for frequency in Frequency],
                translation_key=CONF_FREQUENCY,
                mode=SelectSelectorMode.LIST,
            )
        )
    }
)


def _when_schema(frequency: str) -> vol.Schema:
    """Return the run day field that fits the frequency (none for daily), and the time."""
    fields: dict[vol.Marker, Any] = {}
    if frequency == Frequency.MONTHLY:
        fields[vol.Required(CONF_DAY)] = SelectSelector(
            SelectSelectorConfig(
                options=[*(str(day) for day in range(1, 29)), LAST_DAY],
                translation_key="report_day",
                mode=SelectSelectorMode.DROPDOWN,
            )
        )
    elif frequency == Frequency.WEEKLY:
        fields[vol.Required(CONF_WEEKDAY)] = SelectSelector(
            SelectSelectorConfig(
                options=[str(day) for day in range(7)],
                translation_key=CONF_WEEKDAY,
                mode=SelectSelectorMode.DROPDOWN,
            )
        )
    fields[vol.Required(CONF_TIME)] = hhmm_selector()
    return vol.Schema(fields)


def _number(minimum: float, maximum: float, step: float, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum,
            max=maximum,
            step=step,
            unit_of_measurement=unit,
            mode=NumberSelectorMode.BOX,
        )
    )


def _leak_fields() -> dict[vol.Marker, Any]:
    return {
        vol.Required(CONF_LEAK_RULES): SelectSelector(
            SelectSelectorConfig(
                options=list(ALL_RULES), multiple=True, translation_key="leak_rule"
            )
        ),
        vol.Required(CONF_NIGHT_START): hhmm_selector(),
        vol.Required(CONF_NIGHT_END): hhmm_selector(),
        vol.Required(CONF_NIGHT_LITRES): _number(0, 10_000, 1, "L"),
        vol.Required(CONF_BURST_FLOW): _number(0.01, 100, 0.01, "m³/h"),
        vol.Required(CONF_BURST_MINUTES): _number(5, 1440, 5, "min"),
        vol.Required(CONF_CONTINUOUS_HOURS): _number(2, 168, 1, "h"),
    }


def _wall(value: str) -> str:
    return cv.time(value).isoformat()


LEAK_KEYS = (
    CONF_LEAK_RULES,
    CONF_NIGHT_START,
    CONF_NIGHT_END,
    CONF_NIGHT_LITRES,
    CONF_BURST_FLOW,
    CONF_BURST_MINUTES,
    CONF_CONTINUOUS_HOURS,
)


def _leak_input(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise leak settings; return them and the form errors."""
    settings = {key: user_input[key] for key in LEAK_KEYS}
    try:
        settings[CONF_NIGHT_START] = _wall(settings[CONF_NIGHT_START])
        settings[CONF_NIGHT_END] = _wall(settings[CONF_NIGHT_END])
    except vol.Invalid:
        return settings, {"base": "invalid_time"}
    settings[CONF_CONTINUOUS_HOURS] = int(settings[CONF_CONTINUOUS_HOURS])
    settings[CONF_BURST_MINUTES] = int(settings[CONF_BURST_MINUTES])
    if settings[CONF_NIGHT_START] == settings[CONF_NIGHT_END]:
        return settings, {"base": "invalid_night_window"}
    return settings, {}


def _reading_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Both readings are required; 0 and 0 only when confirmed (a new meter starts at 0)."""
    for key in (ATTR_OLD_FINAL, ATTR_NEW_INITIAL):
        if user_input.get(key) is None:
            return {key: "reading_required"}
    both_zero = float(user_input[ATTR_OLD_FINAL]) == 0 == float(user_input[ATTR_NEW_INITIAL])
    if both_zero and not user_input.get(CONF_CONFIRM_ZERO):
        return {"base": "confirm_zero_readings"}
    return {}


def _user_id(value: object) -> str | None:
    return value if isinstance(value, str) else None


class MeterReportFlow(ConfigFlow):
    """Config flow steps for a meter report entry (inherited by the integration's flow)."""

    _report_data: dict[str, Any]

    def _notify_options(self) -> list[SelectOptionDict]:
        services = self.hass.services.async_services_for_domain(NOTIFY_DOMAIN)
        return [
            SelectOptionDict(value=f"{NOTIFY_DOMAIN}.{name}", label=notify_label(self.hass, name))
            for name in sorted(services)
            if name not in _NOT_RECIPIENTS
        ]

    def _meter_errors(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        if not (user_input[CONF_METERS] or user_input[CONF_AREAS] or user_input[CONF_LABELS]):
            return {"base": "no_meters"}
        if any(water_meter_problem(self.hass, meter) for meter in user_input[CONF_METERS]):
            return {CONF_METERS: "not_a_water_meter"}
        return {}

    async def async_step_meter_report(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the report and choose its meters."""
        schema = vol.Schema({vol.Required(CONF_NAME): TextSelector()}).extend(
            _meters_schema().schema
        )
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            errors = self._meter_errors(user_input)
            if not any(char.isalnum() for char in name):
                errors = {CONF_NAME: "invalid_name"}
            if not errors:
                # An abandoned flow must not block the name: checked again at the end.
                await self.async_set_unique_id(
                    f"{ENTRY_METER_REPORT}_{slugify(name)}", raise_on_progress=False
                )
                self._abort_if_unique_id_configured()
                self._report_data = {
                    CONF_NAME: name,
                    CONF_FREQUENCY: DEFAULT_FREQUENCY,
                    CONF_DAY: DEFAULT_DAY,
                    CONF_WEEKDAY: DEFAULT_WEEKDAY,
                    CONF_TIME: DEFAULT_TIME,
                    CONF_RECIPIENTS: [],
                    CONF_SEPARATOR: DEFAULT_SEPARATOR,
                    CONF_DECIMAL_COMMA: True,
                    **{key: user_input[key] for key in (CONF_METERS, CONF_AREAS, CONF_LABELS)},
                }
                return await self.async_step_meter_report_schedule()
        return self.async_show_form(
            step_id="meter_report",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_meter_report_meters(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the meters of an existing report (reconfigure)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._meter_errors(user_input)
            if not errors:
                self._report_data = {**entry.data, **user_input}
                return await self.async_step_meter_report_schedule()
        return self.async_show_form(
            step_id="meter_report_meters",
            data_schema=self.add_suggested_values_to_schema(
                _meters_schema(), user_input or entry.data
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_meter_report_schedule(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose how often the report runs."""
        if user_input is not None:
            self._report_data.update(user_input)
            return await self.async_step_meter_report_when()
        return self.async_show_form(
            step_id="meter_report_schedule",
            data_schema=self.add_suggested_values_to_schema(FREQUENCY_SCHEMA, self._report_data),
        )

    async def async_step_meter_report_when(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the run day that fits the frequency, and the time."""
        schema = _when_schema(self._report_data[CONF_FREQUENCY])
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                self._report_data.update(user_input, **{CONF_TIME: _wall(user_input[CONF_TIME])})
            except vol.Invalid:
                errors[CONF_TIME] = "invalid_time"
            else:
                return await self.async_step_meter_report_output()
        shown = {**self._report_data, CONF_TIME: self._report_data[CONF_TIME][:5]}
        return self.async_show_form(
            step_id="meter_report_when",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or shown),
            errors=errors,
        )

    async def async_step_meter_report_output(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the recipients and the CSV format; finish."""
        if user_input is not None:
            data = {**self._report_data, **user_input}
            name = data.pop(CONF_NAME, None)
            data[CONF_ENTRY_TYPE] = ENTRY_METER_REPORT
            if self.source == SOURCE_RECONFIGURE:
                return self.async_update_reload_and_abort(
                    self._get_reconfigure_entry(), data=data, reason="meter_report_updated"
                )
            self._abort_if_unique_id_configured()
            return self.async_create_entry(title=str(name), data=data)
        schema = vol.Schema(
            {
                vol.Optional(CONF_RECIPIENTS, default=[]): SelectSelector(
                    SelectSelectorConfig(options=self._notify_options(), multiple=True)
                ),
                vol.Required(CONF_SEPARATOR): SelectSelector(
                    SelectSelectorConfig(
                        options=list(SEPARATORS),
                        translation_key=CONF_SEPARATOR,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Required(CONF_DECIMAL_COMMA): BooleanSelector(),
            }
        )
        return self.async_show_form(
            step_id="meter_report_output",
            data_schema=self.add_suggested_values_to_schema(schema, self._report_data),
            last_step=True,
        )


class MeterReportOptionsFlow(ReportDownloadStep, OptionsFlowWithReload):
    """Leak rule settings and meter replacements of a meter report entry."""

    _meter: str

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to change."""
        if self.config_entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        return self.async_show_menu(
            step_id="init",
            menu_options=["leak_defaults", "leak_meter", "replace_meter", "download_report"],
        )

    def _meter_options(self) -> list[SelectOptionDict]:
        return [
            SelectOptionDict(value=source.entity_id, label=f"{source.name} ({source.entity_id})")
            for source in runtime_of(self.config_entry).sources
        ]

    async def async_step_leak_defaults(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set the leak rules of every meter without settings of its own."""
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = _leak_input(user_input)
            if not errors:
                return self.async_create_entry(data={**options, CONF_LEAK: settings})
        current = user_input or leak_settings(options, "")
        return self.async_show_form(
            step_id="leak_defaults",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(_leak_fields()), current),
            errors=errors,
        )

    async def async_step_leak_meter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the meter whose leak rules to set."""
        meters = self._meter_options()
        if not meters:
            return self.async_abort(reason="no_meters")
        if user_input is not None:
            self._meter = user_input[CONF_METER]
            return await self.async_step_leak_meter_settings()
        schema = vol.Schema(
            {vol.Required(CONF_METER): SelectSelector(SelectSelectorConfig(options=meters))}
        )
        return self.async_show_form(step_id="leak_meter", data_schema=schema)

    async def async_step_leak_meter_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set one meter's leak rules, or let it follow the defaults."""
        options = self.config_entry.options
        overrides = dict(options.get(CONF_LEAK_METERS, {}))
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_USE_DEFAULTS]:
                overrides.pop(self._meter, None)
                return self.async_create_entry(data={**options, CONF_LEAK_METERS: overrides})
            settings, errors = _leak_input(user_input)
            if not errors:
                overrides[self._meter] = settings
                return self.async_create_entry(data={**options, CONF_LEAK_METERS: overrides})
        current = user_input or {
            CONF_USE_DEFAULTS: self._meter not in overrides,
            **leak_settings(options, self._meter),
        }
        schema = vol.Schema({vol.Required(CONF_USE_DEFAULTS): BooleanSelector(), **_leak_fields()})
        return self.async_show_form(
            step_id="leak_meter_settings",
            data_schema=self.add_suggested_values_to_schema(schema, current),
            errors=errors,
            description_placeholders={"meter": self._meter},
        )

    async def async_step_replace_meter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Record a meter replacement."""
        meters = self._meter_options()
        if not meters:
            return self.async_abort(reason="no_meters")
        errors: dict[str, str] = {}
        if user_input is not None and not (errors := _reading_errors(user_input)):
            try:
                await async_record_replacement(
                    self.hass,
                    user_input[CONF_METER],
                    cv.datetime(user_input[ATTR_DATE]),  # validated by the selector
                    float(user_input[ATTR_OLD_FINAL]),
                    float(user_input[ATTR_NEW_INITIAL]),
                    old_meter_id=user_input.get(ATTR_OLD_METER_ID),
                    new_meter_id=user_input.get(ATTR_NEW_METER_ID),
                    user_id=_user_id(self.context.get("user_id")),
                )
            except ServiceValidationError as err:
                errors["base"] = str(err.translation_key)
            else:
                return self.async_abort(reason="replacement_recorded")
        schema = vol.Schema(
            {
                vol.Required(CONF_METER): SelectSelector(SelectSelectorConfig(options=meters)),
                vol.Required(ATTR_DATE): DateTimeSelector(),
                # Optional for the frontend, which fills a required number with 0:
                # both readings must be entered (_reading_errors).
                vol.Optional(ATTR_OLD_FINAL): _number(0, 10_000_000, 0.001, "m³"),
                vol.Optional(ATTR_NEW_INITIAL): _number(0, 10_000_000, 0.001, "m³"),
                vol.Optional(ATTR_OLD_METER_ID): TextSelector(),
                vol.Optional(ATTR_NEW_METER_ID): TextSelector(),
                vol.Optional(CONF_CONFIRM_ZERO, default=False): BooleanSelector(),
            }
        )
        return self.async_show_form(
            step_id="replace_meter",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )
