"""Flatten a decoded uplink into entity values keyed by entity description key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .base import Alarm, Decoded

# Alarm flags that get a binary sensor of their own.
ALARM_KEYS: dict[Alarm, str] = {
    Alarm.LEAK: "leak",
    Alarm.BURST: "burst",
    Alarm.BACKFLOW: "backflow",
    Alarm.DRY: "dry",
    Alarm.TAMPER: "tamper",
    Alarm.FREEZE: "freeze",
    Alarm.LOW_BATTERY: "low_battery",
    Alarm.PERMANENT_ERROR: "meter_error",
}

_PLAIN_FIELDS = (
    "motion",
    "occupancy",
    "temperature",
    "humidity",
    "illuminance",
    "daylight",
    "battery",
    "battery_voltage",
    "flow_m3h",
    "meter_time",
    "volume_m3",
)


def decoded_values(decoded: Decoded, received_at: datetime) -> dict[str, Any]:
    """Return the entity values an uplink reports; absent fields are left out."""
    values: dict[str, Any] = {}
    for name in _PLAIN_FIELDS:
        value = getattr(decoded, name)
        if value is not None:
            values[name] = value
    if decoded.motion_count is not None:
        values["motion_count"] = decoded.motion_count
    if decoded.motion:
        values["last_motion"] = decoded.motion_at or received_at
    if decoded.alarms is not None:
        for alarm, key in ALARM_KEYS.items():
            values[key] = alarm in decoded.alarms
    return values
