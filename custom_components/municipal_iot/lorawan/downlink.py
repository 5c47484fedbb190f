"""Downlinks: vendor commands and the network servers' downlink message formats.

Pure Python, no Home Assistant. Encoders build the FRMPayload of a documented command;
a value outside the documented (or, where noted, our stricter) range raises
:class:`DownlinkValueError` with a translation key and placeholders.

Sources of the command bytes:

* Elsys: "Sensor downlink payload" v2.1 (``ELSYS_downlink_payload_v2-1.pdf``) and
  "Sensor settings parameter's" v2 (``sensor_settings_parameter_v2.pdf``), copies in
  ``SeppPenner/SensorsPayloadDecoder:doc/Elsys/@3f6cde4ae5090b9166748b9e73d3dc977cbb84cb``.
  Frame ``3E <length> (<type> <value>)...``, sent on the sensor's port + 1 (default 6).
  ``SplPer`` (0x14, 4 bytes, seconds) is the time base; ``SendPer`` (0x1F, 4 bytes) is
  "Value * Timebase = Send time". Reboot is ``3E 01 FE``. Values are big-endian (the Elsys
  downlink generator's ``3E0A14000000461700000002`` sets SplPer 70 s, LightPer 2).
* Milesight: ``Milesight-IoT/SensorDecoders:{ws-series/ws202,ws-series/ws203,
  vs-series/vs340,vs-series/vs341}/<model>-encoder.js@e79c9d8b25ec66b6aad34c9240cfaa2ccd1353e3``.
  WS202 ``FF 03 <uint16 LE seconds>``; WS203, VS340, VS341 ``FF 8E 00 <uint16 LE minutes>``
  (range 1-1440); reboot ``FF 10 FF``. Application port 85, as in the vendor's examples.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

F_PORT_MIN: Final = 1
F_PORT_MAX: Final = 223  # 224 is the LoRaWAN MAC test port, 225-255 are reserved
MAX_PAYLOAD_BYTES: Final = 242  # the largest LoRaWAN application payload (EU868 DR4-DR7)

# Our policy for the reporting interval: at least a minute (duty cycle and fair use),
# at most a day. A model's own limit may be lower (WS202: uint16 seconds).
INTERVAL_MIN_MINUTES: Final = 1
INTERVAL_MAX_MINUTES: Final = 1440

ELSYS_PORT: Final = 6  # the default uplink port 5, plus one
MILESIGHT_PORT: Final = 85

_ELSYS_HEADER = 0x3E
_ELSYS_SPLPER = 0x14
_ELSYS_SENDPER = 0x1F
_ELSYS_REBOOT = 0xFE
_MILESIGHT_REBOOT = bytes.fromhex("ff10ff")


class DownlinkValueError(ValueError):
    """A downlink value outside its range; ``key`` names the translated message."""

    def __init__(self, key: str, **placeholders: str) -> None:
        """Store the translation key and its placeholders."""
        super().__init__(f"{key}: {placeholders}")
        self.key = key
        self.placeholders = placeholders


@dataclass(frozen=True, slots=True)
class Downlink:
    """One application downlink: port, FRMPayload and whether it is confirmed."""

    f_port: int
    payload: bytes
    confirmed: bool = False

    def __post_init__(self) -> None:
        """Refuse a port outside 1-223 or a payload LoRaWAN cannot carry."""
        if not F_PORT_MIN <= self.f_port <= F_PORT_MAX:
            raise DownlinkValueError(
                "downlink_invalid_port", port=str(self.f_port), min=str(F_PORT_MIN),
                max=str(F_PORT_MAX),
            )  # fmt: skip
        if not self.payload or len(self.payload) > MAX_PAYLOAD_BYTES:
            raise DownlinkValueError(
                "downlink_invalid_length", length=str(len(self.payload)),
                max=str(MAX_PAYLOAD_BYTES),
            )  # fmt: skip

    @property
    def base64(self) -> str:
        """The payload as both servers want it in JSON."""
        return base64.b64encode(self.payload).decode("ascii")


def parse_hex(text: str) -> bytes:
    """Read a hex payload; spaces, colons and a ``0x`` prefix are allowed."""
    cleaned = text.strip().lower().removeprefix("0x").replace(" ", "").replace(":", "")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise DownlinkValueError("downlink_invalid_hex", payload=text[:64]) from None


def _check_minutes(minutes: int, maximum: int = INTERVAL_MAX_MINUTES) -> None:
    if not INTERVAL_MIN_MINUTES <= minutes <= maximum:
        raise DownlinkValueError(
            "downlink_invalid_interval", minutes=str(minutes), min=str(INTERVAL_MIN_MINUTES),
            max=str(maximum),
        )  # fmt: skip


def _elsys(*settings: tuple[int, bytes]) -> bytes:
    body = b"".join(bytes([kind]) + value for kind, value in settings)
    return bytes([_ELSYS_HEADER, len(body)]) + body


def elsys_reporting_interval(minutes: int) -> bytes:
    """Elsys: time base (SplPer) = the interval, send period (SendPer) = one time base.

    Other sensor periods are multiples of the time base and follow it. Firmware 2.3.0
    and later reboot after a SplPer change.
    """
    _check_minutes(minutes)
    seconds = minutes * 60
    return _elsys(
        (_ELSYS_SPLPER, seconds.to_bytes(4, "big")), (_ELSYS_SENDPER, (1).to_bytes(4, "big"))
    )


def elsys_reboot() -> bytes:
    """Elsys: reboot the sensor (``3E 01 FE``)."""
    return _elsys((_ELSYS_REBOOT, b""))


def milesight_seconds_interval(minutes: int) -> bytes:
    """Milesight WS202: ``FF 03`` with the interval in seconds (uint16, little-endian)."""
    _check_minutes(minutes, min(INTERVAL_MAX_MINUTES, 0xFFFF // 60))
    return bytes([0xFF, 0x03]) + (minutes * 60).to_bytes(2, "little")


def milesight_minutes_interval(minutes: int) -> bytes:
    """Milesight WS203, VS340, VS341: ``FF 8E 00`` with minutes (uint16 LE, 1-1440)."""
    _check_minutes(minutes)
    return bytes([0xFF, 0x8E, 0x00]) + minutes.to_bytes(2, "little")


def milesight_reboot() -> bytes:
    """Milesight: reboot (``FF 10 FF``)."""
    return _MILESIGHT_REBOOT


@dataclass(frozen=True, slots=True)
class ModelCommands:
    """The typed commands of one decoder model and the port they go to."""

    f_port: int
    reporting_interval: Callable[[int], bytes]  # minutes -> payload
    reboot: Callable[[], bytes]


# By decoder model id (decoders/registry.py).
COMMANDS: Final[dict[str, ModelCommands]] = {
    "elsys_ers": ModelCommands(ELSYS_PORT, elsys_reporting_interval, elsys_reboot),
    "milesight_ws202": ModelCommands(MILESIGHT_PORT, milesight_seconds_interval, milesight_reboot),
    "milesight_ws203": ModelCommands(MILESIGHT_PORT, milesight_minutes_interval, milesight_reboot),
    "milesight_vs340": ModelCommands(MILESIGHT_PORT, milesight_minutes_interval, milesight_reboot),
    "milesight_vs341": ModelCommands(MILESIGHT_PORT, milesight_minutes_interval, milesight_reboot),
}


# ----- network-server message formats ----------------------------------------------
# ChirpStack: ``DownlinkCommand``, ``AckEvent`` and ``TxAckEvent`` in
# ``chirpstack/chirpstack:api/proto/integration/integration.proto`` (JSON: camelCase, base64).
# The Things Stack: ``doc/content/integrations/webhooks/scheduling-downlinks.md``.


def chirpstack_command(dev_eui: str, downlink: Downlink, command_id: str) -> dict[str, Any]:
    """ChirpStack v4 MQTT ``.../device/<devEui>/command/down`` body (``DownlinkCommand``).

    ``id`` becomes the queue item id that ChirpStack's ``ack`` and ``txack`` events name.
    """
    return {
        "id": command_id,
        "devEui": dev_eui,
        "confirmed": downlink.confirmed,
        "fPort": downlink.f_port,
        "data": downlink.base64,
    }


def chirpstack_queue_item(downlink: Downlink) -> dict[str, Any]:
    """ChirpStack REST ``POST /api/devices/{devEui}/queue`` body."""
    return {
        "queueItem": {
            "confirmed": downlink.confirmed,
            "fPort": downlink.f_port,
            "data": downlink.base64,
        }
    }


def tts_push(downlink: Downlink) -> dict[str, Any]:
    """Return The Things Stack's ``down/push`` body (push URL and MQTT topic alike)."""
    return {
        "downlinks": [
            {
                "f_port": downlink.f_port,
                "frm_payload": downlink.base64,
                "confirmed": downlink.confirmed,
                "priority": "NORMAL",
            }
        ]
    }


def chirpstack_command_topic(prefix: str, dev_eui: str) -> str:
    """ChirpStack's default command topic under an entry's topic prefix."""
    return f"{prefix}/device/{dev_eui}/command/down"


def tts_push_topic(prefix: str, device_id: str) -> str:
    """Return The Things Stack's MQTT push topic under an entry's topic prefix."""
    return f"{prefix}/devices/{device_id}/down/push"


def valid_push_url(url: str) -> bool:
    """Whether an ``X-Downlink-Push`` value looks like a TTS push URL (https, /down/push)."""
    return (
        url.startswith(("https://", "http://"))
        and url.endswith("/down/push")
        and len(url) <= 2048
        and not any(char.isspace() for char in url)
    )
