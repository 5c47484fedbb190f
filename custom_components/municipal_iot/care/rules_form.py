"""The rules form of care units and apartments: selectors, validation, stored form.

Rules are stored in the dict form of :mod:`..supervision.rules` (``"HH:MM"``
times, whole minutes, weekday ints), so the runtime builds them without
translation. The form shows weekday names (in Home Assistant's language: the
frontend does not translate options inside an object selector) and times as
``HH:MM`` without seconds (a list of quarter hours; any other minute can be
typed).

The door rules (outing with its optional "not back" band, night exit) are flat
fields in the form and nested dicts in the stored rules; empty fields switch a
rule off. Planned checks are a list of times (with weekdays) and a look-back;
no time switches them off.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

import probatio as vol
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    ObjectSelectorConfig,
    ObjectSelectorField,
)

from ..selectors import hhmm_config, hhmm_selector
from ..supervision.parsing import RulesError, format_hhmm
from ..supervision.planned_rules import (
    DEFAULT_LOOKBACK_MINUTES,
    MAX_LOOKBACK_MINUTES,
    PlannedChecks,
)
from ..supervision.rules import (
    DEFAULT_GRACE_MINUTES,
    DEFAULT_RETURN_MINUTES,
    DEFAULT_UNAVAILABLE_MINUTES,
    CheckWindow,
    NightExitRule,
    OutingRule,
    TimeBand,
)
from ..texts import Texts
from .const import (
    CONF_BANDS,
    CONF_CONTINUOUS,
    CONF_GRACE,
    CONF_INTERVAL,
    CONF_NIGHT_EXIT,
    CONF_NIGHT_EXIT_END,
    CONF_NIGHT_EXIT_START,
    CONF_NOT_BACK_END,
    CONF_NOT_BACK_MINUTES,
    CONF_NOT_BACK_START,
    CONF_OUTING,
    CONF_OUTING_MINUTES,
    CONF_PLANNED,
    CONF_PLANNED_LOOKBACK,
    CONF_RETURN_MINUTES,
    CONF_UNAVAILABLE,
    CONF_WINDOWS,
)

WEEKDAYS = [str(day) for day in range(7)]
ALL_WEEKDAYS = list(range(7))

DEFAULT_RULES: dict[str, Any] = {
    CONF_BANDS: [],
    CONF_WINDOWS: [],
    CONF_CONTINUOUS: None,
    CONF_GRACE: DEFAULT_GRACE_MINUTES,
    CONF_UNAVAILABLE: DEFAULT_UNAVAILABLE_MINUTES,
    CONF_INTERVAL: None,
    CONF_OUTING: None,
    CONF_NIGHT_EXIT: None,
    CONF_PLANNED: None,
}


def minutes_selector(minimum: int, maximum: int) -> NumberSelector:
    """Return a whole-minutes number box."""
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum, max=maximum, step=1, unit_of_measurement="min", mode=NumberSelectorMode.BOX
        )
    )


def _time_field() -> ObjectSelectorField:
    return ObjectSelectorField(selector={"select": hhmm_config()}, required=True)


def _weekday_field(names: list[str]) -> ObjectSelectorField:
    return ObjectSelectorField(
        selector={
            "select": {
                "options": [
                    {"value": value, "label": name}
                    for value, name in zip(WEEKDAYS, names, strict=True)
                ],
                "multiple": True,
                "mode": "list",
            }
        }
    )


def rules_schema(texts: Texts) -> vol.Schema:
    """Return the rules form, with weekday names in the texts' language."""
    names = [texts.get(f"weekday_{day}") for day in WEEKDAYS]
    bands = ObjectSelector(
        ObjectSelectorConfig(
            multiple=True,
            translation_key="band",
            fields={
                "start": _time_field(),
                "end": _time_field(),
                "minutes": ObjectSelectorField(
                    selector={
                        "number": {
                            "min": 1,
                            "max": 1440,
                            "mode": "box",
                            "unit_of_measurement": "min",
                        }
                    }
                ),
                "weekdays": _weekday_field(names),
            },
        )
    )
    windows = ObjectSelector(
        ObjectSelectorConfig(
            multiple=True,
            translation_key="window",
            fields={
                "start": _time_field(),
                "end": _time_field(),
                "weekdays": _weekday_field(names),
            },
        )
    )
    planned = ObjectSelector(
        ObjectSelectorConfig(
            multiple=True,
            translation_key="planned",
            fields={"at": _time_field(), "weekdays": _weekday_field(names)},
        )
    )
    return vol.Schema(
        {
            vol.Optional(CONF_BANDS): bands,
            vol.Optional(CONF_WINDOWS): windows,
            vol.Optional(CONF_CONTINUOUS): minutes_selector(1, 7 * 1440),
            vol.Required(CONF_GRACE): minutes_selector(0, 240),
            vol.Required(CONF_UNAVAILABLE): minutes_selector(1, 1440),
            vol.Optional(CONF_INTERVAL): minutes_selector(5, 7 * 1440),
            vol.Optional(CONF_OUTING_MINUTES): minutes_selector(1, 240),
            vol.Optional(CONF_NOT_BACK_START): hhmm_selector(),
            vol.Optional(CONF_NOT_BACK_END): hhmm_selector(),
            vol.Optional(CONF_NOT_BACK_MINUTES): minutes_selector(1, 1440),
            vol.Optional(CONF_NIGHT_EXIT_START): hhmm_selector(),
            vol.Optional(CONF_NIGHT_EXIT_END): hhmm_selector(),
            vol.Optional(CONF_RETURN_MINUTES): minutes_selector(1, 60),
            vol.Optional(CONF_PLANNED): planned,
            vol.Optional(CONF_PLANNED_LOOKBACK): minutes_selector(1, MAX_LOOKBACK_MINUTES),
        }
    )


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
    outing, outing_error = _outing_from_input(user_input)
    if outing_error:
        errors[CONF_NOT_BACK_START] = outing_error
    night_exit, night_error = _night_exit_from_input(user_input)
    if night_error:
        errors[CONF_NIGHT_EXIT_START] = night_error
    planned = None
    try:
        planned = _planned_from_input(user_input)
    except RulesError, vol.Invalid, KeyError:
        errors[CONF_PLANNED] = "invalid_planned"
    rules = {
        CONF_BANDS: bands,
        CONF_WINDOWS: windows,
        CONF_CONTINUOUS: _optional_int(user_input.get(CONF_CONTINUOUS)),
        CONF_GRACE: int(user_input[CONF_GRACE]),
        CONF_UNAVAILABLE: int(user_input[CONF_UNAVAILABLE]),
        CONF_INTERVAL: _optional_int(user_input.get(CONF_INTERVAL)),
        CONF_OUTING: outing,
        CONF_NIGHT_EXIT: night_exit,
        CONF_PLANNED: planned,
    }
    return rules, errors


def _filled(user_input: Mapping[str, Any], *keys: str) -> list[bool]:
    return [user_input.get(key) not in (None, "", 0) for key in keys]


def _outing_from_input(user_input: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """Return the stored outing rule (None: off) and an error key ("" when valid)."""
    minutes = _optional_int(user_input.get(CONF_OUTING_MINUTES))
    band_keys = (CONF_NOT_BACK_START, CONF_NOT_BACK_END, CONF_NOT_BACK_MINUTES)
    filled = _filled(user_input, *band_keys)
    if not any(filled):
        return (None if minutes is None else OutingRule(minutes).to_dict()), ""
    if minutes is None or not all(filled):
        return None, "invalid_not_back"
    try:
        band = TimeBand.from_dict(
            {
                "start": _hhmm(user_input[CONF_NOT_BACK_START]),
                "end": _hhmm(user_input[CONF_NOT_BACK_END]),
                "minutes": int(user_input[CONF_NOT_BACK_MINUTES]),
            }
        )
    except RulesError, vol.Invalid:
        return None, "invalid_not_back"
    return OutingRule(minutes, band).to_dict(), ""


def _night_exit_from_input(user_input: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """Return the stored night-exit rule (None: off) and an error key ("" when valid)."""
    filled = _filled(user_input, CONF_NIGHT_EXIT_START, CONF_NIGHT_EXIT_END)
    if not any(filled):
        return None, ""
    if not all(filled):
        return None, "invalid_night_exit"
    try:
        rule = NightExitRule.from_dict(
            {
                "start": _hhmm(user_input[CONF_NIGHT_EXIT_START]),
                "end": _hhmm(user_input[CONF_NIGHT_EXIT_END]),
                "return_minutes": int(
                    user_input.get(CONF_RETURN_MINUTES) or DEFAULT_RETURN_MINUTES
                ),
            }
        )
    except RulesError, vol.Invalid:
        return None, "invalid_night_exit"
    return rule.to_dict(), ""


def _planned_from_input(user_input: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the stored planned checks (None: no times) or raise if invalid."""
    items = user_input.get(CONF_PLANNED) or []
    if not items:
        return None
    times = [
        {"at": _hhmm(item["at"]), "weekdays": _weekdays(item.get("weekdays"))} for item in items
    ]
    lookback = _optional_int(user_input.get(CONF_PLANNED_LOOKBACK)) or DEFAULT_LOOKBACK_MINUTES
    return PlannedChecks.from_dict({"times": times, "lookback_minutes": lookback}).to_dict()


def _door_rules_to_form(rules: Mapping[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = {}
    if outing := rules.get(CONF_OUTING):
        form[CONF_OUTING_MINUTES] = outing["minutes"]
        if not_back := outing.get("not_back"):
            form[CONF_NOT_BACK_START] = not_back["start"]
            form[CONF_NOT_BACK_END] = not_back["end"]
            form[CONF_NOT_BACK_MINUTES] = not_back["minutes"]
    if night_exit := rules.get(CONF_NIGHT_EXIT):
        form[CONF_NIGHT_EXIT_START] = night_exit["start"]
        form[CONF_NIGHT_EXIT_END] = night_exit["end"]
        form[CONF_RETURN_MINUTES] = night_exit["return_minutes"]
    return form


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
    if planned := rules.get(CONF_PLANNED):
        form[CONF_PLANNED] = [
            {"at": item["at"], "weekdays": form_days(item)} for item in planned["times"]
        ]
        form[CONF_PLANNED_LOOKBACK] = planned["lookback_minutes"]
    return form | _door_rules_to_form(rules)
