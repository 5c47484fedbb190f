"""Fallback decoder for the object a network-server codec has already decoded.

Used when no Python decoder fits a device but the network server ran a codec: TTS sends it
as ``uplink_message.decoded_payload``, ChirpStack as ``object`` (every number a double, so a
count arrives as ``6.0``). Keys are matched case-insensitively, ignoring ``_``, ``-`` and
spaces, so ``batteryVoltage`` and ``battery_voltage`` are the same key:

* motion: ``motion`` (Elsys PIR count, or a flag), ``pir`` (Milesight ``trigger``/``normal``),
  ``motion_detected``, ``pir_status``;
* occupancy: ``occupancy`` (number ≥ 1, ``occupied``/``vacant``), ``occupied``, ``presence``;
* ``temperature``/``temp`` (else ``temperatureBoard``), ``humidity``/``relativeHumidity``/``rh``,
  ``light``/``lux``/``illuminance``/``lightIntensity``, ``daylight`` (``bright``/``light`` or
  ``dim``/``dark``);
* battery: ``battery``/``batteryLevel`` in %, ``batteryVoltage``/``vdd`` in V, where a value
  above 100 is taken as mV (Elsys ``vdd``); an Elsys ``vdd`` also gives a percentage through
  the Elsys lithium-cell curve;
* Browan TBMS100 objects (recognised by ``temperatureBoard``, or ``status`` with ``count``):
  ``status`` 1/0 sets motion and occupancy, and ``battery`` is in volts.

Values may be numbers, booleans or strings (numeric strings count as numbers). Lists and
nested objects such as WS203 ``history`` are never read as current values. When nothing is
found at the top level, a nested ``data`` object is tried. The whole object is kept in
``raw``. :class:`DecodeError` is raised when no known key has a usable value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .base import Decoded, DecodeError
from .elsys import lithium_battery_percent

_MOTION_KEYS = ("motion", "pir", "motiondetected", "pirstatus")
_OCCUPANCY_KEYS = ("occupancy", "occupied", "presence")
_TEMPERATURE_KEYS = ("temperature", "temp", "temperatureboard")
_HUMIDITY_KEYS = ("humidity", "relativehumidity", "rh")
_ILLUMINANCE_KEYS = ("light", "lux", "illuminance", "lightintensity")
_BATTERY_PERCENT_KEYS = ("battery", "batterylevel", "batterypercent", "batterypercentage")
_BATTERY_VOLTAGE_KEYS = ("batteryvoltage", "vdd")
_MILLIVOLT_ABOVE = 100.0

_ON_WORDS = frozenset(
    {"trigger", "triggered", "detected", "motion", "occupied", "present", "true", "on", "yes"}
)
_OFF_WORDS = frozenset(
    {"normal", "idle", "clear", "vacant", "free", "absent", "unoccupied", "false", "off", "no"}
)
_BRIGHT_WORDS = frozenset({"bright", "light", "day", "true", "on"})
_DARK_WORDS = frozenset({"dim", "dark", "night", "false", "off"})
# label -> flag, built once
_MOTION_LABELS = dict.fromkeys(_ON_WORDS, True) | dict.fromkeys(_OFF_WORDS, False)
_DAYLIGHT_LABELS = dict.fromkeys(_BRIGHT_WORDS, True) | dict.fromkeys(_DARK_WORDS, False)


def _normalised(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "").replace(" ", "")


# The same few key names arrive in every uplink; only short ones are cached, so a hostile
# body cannot pin much memory (at most 512 keys of 40 characters).
_normalised_short = lru_cache(maxsize=512)(_normalised)
_CACHED_KEY_LENGTH = 40


def _normalise_key(key: str) -> str:
    return _normalised_short(key) if len(key) <= _CACHED_KEY_LENGTH else _normalised(key)


def _number(value: object) -> float | None:
    """Return a finite number from a number or numeric string; ``None`` otherwise."""
    if type(value) is float:  # the common case: ChirpStack sends every number as a double
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError, OverflowError:
        return None
    return number if math.isfinite(number) else None


def _state(value: object, labels: Mapping[str, bool]) -> bool | None:
    """Read a flag from a boolean, a number (> 0 is on) or a label."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and (flag := labels.get(value.strip().lower())) is not None:
        return flag
    number = _number(value)
    return None if number is None else number > 0


def _first(flat: Mapping[str, object], keys: tuple[str, ...]) -> object:
    for key in keys:
        if (value := flat.get(key)) is not None:
            return value
    return None


def _count(value: object) -> int | None:
    """Return a PIR count when the value is a whole, non-negative number."""
    if isinstance(value, bool):
        return None
    number = _number(value)
    if number is None or number < 0 or not number.is_integer():
        return None
    return int(number)


def _volts(value: object) -> float | None:
    number = _number(value)
    if number is None or number < 0:
        return None
    return number / 1000 if number > _MILLIVOLT_ABOVE else number


def _percent(value: object) -> float | None:
    number = _number(value)
    return number if number is not None and 0 <= number <= 100 else None


def _battery(flat: Mapping[str, object], browan: bool) -> tuple[float | None, float | None]:
    """Return (percent, volts)."""
    if browan:
        return None, _volts(flat.get("battery"))
    percent = _percent(_first(flat, _BATTERY_PERCENT_KEYS))
    volts = _volts(_first(flat, _BATTERY_VOLTAGE_KEYS))
    if percent is None and volts is not None and flat.get("vdd") is not None:
        percent = lithium_battery_percent(volts)
    return percent, volts


def _motion(flat: Mapping[str, object], browan: bool) -> tuple[bool | None, int | None]:
    value = flat.get("status") if browan else _first(flat, _MOTION_KEYS)
    count = None if browan or flat.get("motion") is None else _count(flat["motion"])
    return _state(value, _MOTION_LABELS), count


def _decode_flat(obj: Mapping[str, Any], raw: Mapping[str, Any]) -> Decoded:
    flat = {_normalise_key(key): value for key, value in obj.items() if isinstance(key, str)}
    browan = "temperatureboard" in flat or ("status" in flat and "count" in flat)
    motion, motion_count = _motion(flat, browan)
    occupancy_value = flat.get("status") if browan else _first(flat, _OCCUPANCY_KEYS)
    battery, battery_voltage = _battery(flat, browan)
    return Decoded(
        motion=motion,
        motion_count=motion_count,
        occupancy=_state(occupancy_value, _MOTION_LABELS),
        temperature=_number(_first(flat, _TEMPERATURE_KEYS)),
        humidity=_number(_first(flat, _HUMIDITY_KEYS)),
        illuminance=_number(_first(flat, _ILLUMINANCE_KEYS)),
        daylight=_state(flat.get("daylight"), _DAYLIGHT_LABELS),
        battery=battery,
        battery_voltage=battery_voltage,
        raw=dict(raw),
    )


def _has_values(decoded: Decoded) -> bool:
    values = (
        decoded.motion,
        decoded.occupancy,
        decoded.temperature,
        decoded.humidity,
        decoded.illuminance,
        decoded.daylight,
        decoded.battery,
        decoded.battery_voltage,
    )
    return any(value is not None for value in values)


def decode_server_object(obj: Mapping[str, Any]) -> Decoded:
    """Map a server-side decoded object to :class:`Decoded` by known key names."""
    decoded = _decode_flat(obj, obj)
    if _has_values(decoded):
        return decoded
    nested = obj.get("data")
    if isinstance(nested, Mapping):
        decoded = _decode_flat(nested, obj)
        if _has_values(decoded):
            return decoded
    raise DecodeError("no known key with a usable value in the decoded object")
