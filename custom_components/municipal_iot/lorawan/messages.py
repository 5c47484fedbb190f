"""Typed messages produced from network-server webhook bodies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Server(StrEnum):
    """Supported LoRaWAN network servers."""

    CHIRPSTACK = "chirpstack"
    TTS = "tts"


class SchemaError(ValueError):
    """The body is JSON but does not follow the network server's schema.

    The message is a short reason that is safe to return to the sender.
    """


class UnsupportedEncodingError(ValueError):
    """The body is not JSON (for example ChirpStack's protobuf encoding)."""


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """Who sent a message. ``dev_eui`` is normalised to lower-case hex."""

    dev_eui: str
    name: str | None = None
    application: str | None = None
    profile_name: str | None = None
    brand_id: str | None = None
    model_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Uplink:
    """One application uplink."""

    device: DeviceIdentity
    received_at: datetime
    f_port: int | None
    f_cnt: int
    payload: bytes
    server_object: Mapping[str, Any] | None = None
    rssi: float | None = None
    snr: float | None = None
    gateway_count: int = 0
    deduplication_id: str | None = None
    encrypted: bool = False  # ChirpStack without AppSKey (joinServerContext set)
    location: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """ChirpStack ``status`` event: battery and link margin."""

    device: DeviceIdentity
    received_at: datetime
    battery: float | None
    margin: int | None
    external_power: bool


@dataclass(frozen=True, slots=True)
class Join:
    """A (re)join: frame counters restart."""

    device: DeviceIdentity
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Ignored:
    """A known message type the integration does not use."""

    kind: str


class DownlinkStatus(StrEnum):
    """What a network server reports about a downlink."""

    SENT = "sent"  # a gateway took it for transmission (ChirpStack txack, TTS downlink_sent)
    ACKNOWLEDGED = "acknowledged"  # a confirmed downlink, acknowledged by the device
    NOT_ACKNOWLEDGED = "not_acknowledged"  # not acknowledged, or timed out (ChirpStack ack)
    FAILED = "failed"  # the server could not send it


@dataclass(frozen=True, slots=True)
class DownlinkReport(Ignored):
    """A server's report on a downlink: the hub ignores it, the downlink log records it."""

    device: DeviceIdentity
    received_at: datetime
    status: DownlinkStatus
    f_port: int | None = None
    reference: str | None = None  # ChirpStack's queue item id: which downlink it is about


type Message = Uplink | DeviceStatus | Join | Ignored
