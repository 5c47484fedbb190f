"""The live decoder types, so that reference and live results are the same classes."""

from custom_components.municipal_iot.decoders.base import (
    Alarm,
    DecodeContext,
    Decoded,
    DecodeError,
    Decoder,
    DeviceKind,
    VolumeReading,
)

__all__ = [
    "Alarm",
    "DecodeContext",
    "DecodeError",
    "Decoded",
    "Decoder",
    "DeviceKind",
    "VolumeReading",
]
