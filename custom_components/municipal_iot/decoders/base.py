"""Types shared by every device decoder.

Decoders are pure Python: they turn one LoRaWAN FRMPayload into typed, normalised
measurements. They never import Home Assistant and never raise anything but
:class:`DecodeError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class DecodeError(ValueError):
    """The payload cannot be decoded by this decoder."""


class DeviceKind(StrEnum):
    """What a device is for; selects the expected reporting interval."""

    MOTION = "motion"
    WATER_METER = "water_meter"


class Alarm(StrEnum):
    """Normalised alarm flags reported by a device itself."""

    LOW_BATTERY = "low_battery"
    PERMANENT_ERROR = "permanent_error"
    TEMPORARY_ERROR = "temporary_error"
    DRY = "dry"
    LEAK = "leak"
    BACKFLOW = "backflow"
    BURST = "burst"
    FREEZE = "freeze"
    TAMPER = "tamper"
    HIGH_TEMPERATURE = "high_temperature"


@dataclass(frozen=True, slots=True)
class VolumeReading:
    """A meter register value at a meter-clock time (UTC)."""

    at: datetime
    volume_m3: float


@dataclass(frozen=True, slots=True)
class Decoded:
    """Normalised result of one uplink.

    ``None`` means "not reported in this uplink". Times are timezone-aware UTC.
    """

    # Motion sensors
    motion: bool | None = None  # motion seen in the interval ending at this uplink
    motion_count: int | None = None
    motion_at: datetime | None = None  # device-side time of the motion, when known
    occupancy: bool | None = None
    temperature: float | None = None  # °C
    humidity: float | None = None  # %RH
    illuminance: float | None = None  # lx
    daylight: bool | None = None  # coarse light level where no lux value exists
    battery: float | None = None  # %
    battery_voltage: float | None = None  # V
    # Water meters
    volume_m3: float | None = None
    flow_m3h: float | None = None
    meter_time: datetime | None = None
    history: tuple[VolumeReading, ...] = ()  # past register values, oldest first
    meter_id: str | None = None
    # Both
    alarms: frozenset[Alarm] | None = None  # None: the frame carries no alarm status
    raw: Mapping[str, Any] = field(default_factory=dict)  # vendor keys, for diagnostics
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class DecodeContext:
    """Per-device input a decoder may need besides the payload.

    ``state`` is a small JSON-serialisable dict the decoder may read and update
    (for example a Kamstrup meter id remembered from a long-header frame); the
    caller persists it between uplinks.
    """

    received_at: datetime
    key: bytes | None = None  # per-device decryption key (Kamstrup DEK)
    state: dict[str, Any] = field(default_factory=dict)


class Decoder(Protocol):
    """A payload decoder for one device model or family."""

    model_id: str  # stable id, stored in config (for example "elsys_ers")
    manufacturer: str
    model: str  # human readable model name
    kind: DeviceKind

    def decode(self, payload: bytes, f_port: int | None, ctx: DecodeContext) -> Decoded:
        """Decode one FRMPayload; raise DecodeError when it cannot."""
        ...
