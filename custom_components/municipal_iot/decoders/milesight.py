"""Decoders for Milesight WS202, WS203, VS340 and VS341 motion/occupancy sensors.

Payload (default fPort 85; the port is configurable on the device and not checked here):
repeated ``[channel id] [channel type] [data]`` records, data little-endian. Channel
``0xFF`` carries device information (versions, serial number, LoRaWAN class, power-on
``FF 0B`` and reset ``FF FE`` events); ``0xFF``/``0xFE`` also carry answers to downlink
commands. Known ones are kept in ``raw`` under the vendor decoder's key names and skipped.
Decoding stops at an unknown channel or a truncated record: the rest is reported in
``warnings`` when earlier records decoded, otherwise :class:`DecodeError` is raised.

Normalised fields: battery %, WS202 ``pir`` → ``motion`` and ``daylight``, WS203
temperature/humidity, and the occupancy state of WS203, VS340 and VS341 → ``occupancy``
*and* ``motion``. That state is PIR-driven (the WS203 README names the history report type
"pir occupancy"; "occupied" is sent when the PIR triggers, "vacant" after the configured
idle time), so these models feed the same last-motion logic as the WS202. A battery level
above 100 % is kept in ``raw`` only, with a warning.

Labels: ``raw`` uses the spelling of the vendor decoder code (``pir: "trigger"``,
``daylight: "dim"``, ``temperature_alarm: "threshold alarm"``); ``raw["readme"]`` repeats
the values whose vendor README spelling differs (``daylight: "dark"``,
``temperature_abnormal: "abnormal"``, history ``report_type: "pir occupancy"``).

WS203 history records (``20 CE``) replay stored readings with the device's own Unix
timestamp. They never set ``motion``, ``occupancy`` or the other "now" fields; the newest
record of type PIR trigger gives ``motion_at`` (device time), unless it lies more than
five minutes after the receive time (device clock not set), which gives a warning instead.
A history-only uplink therefore has ``motion=None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, override

from .base import DecodeContext, Decoded, DecodeError, Decoder, DeviceKind

_CLOCK_SLACK = timedelta(minutes=5)
_PIR_TRIGGER = 3  # WS203 history report type

_PIR = {0: "normal", 1: "trigger"}
_DAYLIGHT = {0: "dim", 1: "bright"}
_DAYLIGHT_README = {0: "dark", 1: "light"}
_OCCUPANCY = {0: "vacant", 1: "occupied"}
_TEMPERATURE_ALARM = {0: "threshold alarm release", 1: "threshold alarm"}
_TEMPERATURE_ALARM_README = {0: "normal", 1: "abnormal"}
_REPORT_TYPE = {
    0: "temperature threshold alarm release",
    1: "temperature threshold alarm",
    2: "pir idle",
    3: "pir trigger",
    4: "period",
}
# As printed in the WS203 README, typo included, so server-side output matches.
_REPORT_TYPE_README = {
    0: "temperature resume",
    1: "temperature threshold",
    2: "pir ilde",
    3: "pir occupancy",
    4: "period",
}
_LORAWAN_CLASS = {0: "Class A", 1: "Class B", 2: "Class C", 3: "Class CtoB"}


@dataclass(slots=True)
class _Frame:
    """What one uplink has produced so far."""

    raw: dict[str, Any] = field(default_factory=dict)
    readme: dict[str, Any] = field(default_factory=dict)
    motion: bool | None = None
    occupancy: bool | None = None
    temperature: float | None = None
    humidity: float | None = None
    daylight: bool | None = None
    battery: float | None = None
    pir_times: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


type _Handler = Callable[[_Frame, bytes], None]


@dataclass(frozen=True, slots=True)
class _Channel:
    size: int
    handle: _Handler


def _label(value: int, labels: Mapping[int, str]) -> str:
    return labels.get(value, "unknown")


_FLAGS = {0: False, 1: True}


def _flag(value: int) -> bool | None:
    """Map 0/1 to False/True; anything else is not a valid state."""
    return _FLAGS.get(value)


def _int16(data: bytes) -> int:
    return int.from_bytes(data, "little", signed=True)


def _uint(data: bytes) -> int:
    return int.from_bytes(data, "little")


def _battery(frame: _Frame, data: bytes) -> None:
    frame.raw["battery"] = data[0]
    if data[0] <= 100:
        frame.battery = float(data[0])
    else:
        frame.warnings.append(f"battery level {data[0]} % out of range")


def _pir(frame: _Frame, data: bytes) -> None:
    frame.raw["pir"] = _label(data[0], _PIR)
    frame.motion = _flag(data[0])


def _daylight(frame: _Frame, data: bytes) -> None:
    frame.raw["daylight"] = _label(data[0], _DAYLIGHT)
    frame.readme["daylight"] = _label(data[0], _DAYLIGHT_README)
    frame.daylight = _flag(data[0])


def _occupancy(frame: _Frame, data: bytes) -> None:
    frame.raw["occupancy"] = _label(data[0], _OCCUPANCY)
    # The state comes from the PIR: "occupied" is sent as soon as it triggers.
    frame.occupancy = frame.motion = _flag(data[0])


def _temperature(frame: _Frame, data: bytes) -> None:
    frame.temperature = frame.raw["temperature"] = _int16(data[:2]) / 10


def _humidity(frame: _Frame, data: bytes) -> None:
    frame.humidity = frame.raw["humidity"] = data[0] / 2


def _temperature_alarm(frame: _Frame, data: bytes) -> None:
    _temperature(frame, data)
    frame.raw["temperature_alarm"] = _label(data[2], _TEMPERATURE_ALARM)
    frame.readme["temperature_abnormal"] = _label(data[2], _TEMPERATURE_ALARM_README)


def _history(frame: _Frame, data: bytes) -> None:
    timestamp = _uint(data[:4])
    report_type = data[4] & 0x07
    record = {
        "timestamp": timestamp,
        "report_type": _label(report_type, _REPORT_TYPE),
        "occupancy": _label(data[5], _OCCUPANCY),
        "temperature": _int16(data[6:8]) / 10,
        "humidity": data[8] / 2,
    }
    frame.raw.setdefault("history", []).append(record)
    readme_record = record | {"report_type": _label(report_type, _REPORT_TYPE_README)}
    frame.readme.setdefault("history", []).append(readme_record)
    if report_type == _PIR_TRIGGER:
        frame.pir_times.append(timestamp)


def _store(key: str, convert: Callable[[bytes], int | str]) -> _Handler:
    def handle(frame: _Frame, data: bytes) -> None:
        frame.raw[key] = convert(data)

    return handle


def _hex(data: bytes) -> str:
    return data.hex()


def _after_first_byte(data: bytes) -> int:
    return _uint(data[1:])


def _device_info(serial_type: int, serial_size: int) -> dict[tuple[int, int], _Channel]:
    """Channel 0xFF device information; the serial number record differs per model."""
    return {
        (0xFF, 0x01): _Channel(1, _store("ipso_version", lambda d: f"v{d[0] >> 4}.{d[0] & 0x0F}")),
        (0xFF, 0x09): _Channel(2, _store("hardware_version", lambda d: f"v{d[0]:x}.{d[1] >> 4}")),
        (0xFF, 0x0A): _Channel(2, _store("firmware_version", lambda d: f"v{d[0]:x}.{d[1]:x}")),
        (0xFF, 0xFF): _Channel(2, _store("tsl_version", lambda d: f"v{d[0]}.{d[1]}")),
        (0xFF, serial_type): _Channel(serial_size, _store("sn", _hex)),
        (0xFF, 0x0F): _Channel(1, _store("lorawan_class", lambda d: _label(d[0], _LORAWAN_CLASS))),
        (0xFF, 0xFE): _Channel(1, _store("reset_event", lambda _d: "reset")),
        (0xFF, 0x0B): _Channel(1, _store("device_status", lambda _d: "on")),
    }


def _responses(
    table: Mapping[int, tuple[str, int, Callable[[bytes], int | str]]],
) -> dict[tuple[int, int], _Channel]:
    """Downlink-command answers, which arrive on channel 0xFE or 0xFF."""
    return {
        (channel_id, channel_type): _Channel(size, _store(key, convert))
        for channel_type, (key, size, convert) in table.items()
        for channel_id in (0xFE, 0xFF)
    }


_BATTERY = {(0x01, 0x75): _Channel(1, _battery)}

_WS202_CHANNELS = (
    _responses(
        {
            0x03: ("report_interval", 2, _uint),
            0x06: ("light_alarm_config", 9, _hex),
            0x10: ("reboot", 1, _uint),
        }
    )
    | _device_info(0x08, 6)
    | _BATTERY
    | {(0x03, 0x00): _Channel(1, _pir), (0x04, 0x00): _Channel(1, _daylight)}
)

_WS203_CHANNELS = (
    _responses(
        {
            0x02: ("collection_interval", 2, _uint),
            0x06: ("temperature_alarm_config", 9, _hex),
            0x10: ("reboot", 1, _uint),
            0x17: ("time_zone", 2, _int16),
            0x27: ("clear_history", 1, _uint),
            0x28: ("query_device_status", 1, _uint),
            0x2F: ("led_indicator_enable", 1, _uint),
            0x35: ("d2d_key", 8, _hex),
            0x4A: ("sync_time", 1, _uint),
            0x68: ("history_enable", 1, _uint),
            0x69: ("retransmit_enable", 1, _uint),
            0x6A: ("retransmit_interval_config", 3, _hex),
            0x84: ("d2d_enable", 1, _uint),
            0x8E: ("report_interval", 3, _after_first_byte),
            0x95: ("vacant_reporting_interval", 2, _uint),
            0x96: ("d2d_master_config", 8, _hex),
        }
    )
    | _device_info(0x16, 8)
    | _BATTERY
    | {
        (0x03, 0x67): _Channel(2, _temperature),
        (0x04, 0x68): _Channel(1, _humidity),
        (0x05, 0x00): _Channel(1, _occupancy),
        (0x83, 0x67): _Channel(3, _temperature_alarm),
        (0x20, 0xCE): _Channel(9, _history),
    }
)

_VS34X_CHANNELS = (
    _responses(
        {
            0x10: ("reboot", 1, _uint),
            0x28: ("query_device_status", 1, _uint),
            0x2F: ("led_indicator_enable", 1, _uint),
            0x35: ("d2d_key", 8, _hex),
            0x84: ("d2d_enable", 1, _uint),
            0x8E: ("report_interval", 3, _after_first_byte),
            0x95: ("vacancy_reporting_interval", 2, _uint),
            0x96: ("d2d_master_config", 8, _hex),
            0x98: ("pir_collect_settings", 5, _hex),
            0x99: ("thermopile_collect_settings", 5, _hex),
            0xB2: ("thermopile_negative_threshold", 1, _int16),
        }
    )
    | _device_info(0x16, 8)
    | _BATTERY
    | {(0x03, 0x00): _Channel(1, _occupancy)}
)


def _walk(payload: bytes, channels: Mapping[int, _Channel], frame: _Frame) -> None:
    """Apply every record to ``frame``; note where and why decoding stopped.

    ``channels`` is keyed by channel id and type as one number, ``id << 8 | type``.
    """
    position = 0
    size = len(payload)
    while position < size:
        whole = position + 1 < size
        channel = channels.get(payload[position] << 8 | payload[position + 1]) if whole else None
        end = position + 2 + (channel.size if channel else 0)
        if channel is None or end > size:
            reason = "unknown channel" if channel is None and whole else "truncated record"
            frame.warnings.append(
                f"{reason} {payload[position : position + 2].hex(' ')} at byte {position}; "
                f"{size - position} byte(s) not decoded"
            )
            return
        channel.handle(frame, payload[position + 2 : end])
        position = end


def _motion_at(frame: _Frame, received_at: datetime) -> datetime | None:
    if not frame.pir_times:
        return None
    newest = datetime.fromtimestamp(max(frame.pir_times), UTC)
    if newest > received_at + _CLOCK_SLACK:
        frame.warnings.append(f"history timestamp {newest.isoformat()} is after the receive time")
        return None
    return newest


class MilesightDecoder(Decoder):
    """Decoder for one Milesight model; the channel table selects the model."""

    def __init__(
        self, model_id: str, model: str, channels: Mapping[tuple[int, int], _Channel]
    ) -> None:
        """Create a decoder for one model."""
        self.model_id = model_id
        self.manufacturer = "Milesight"
        self.model = model
        self.kind = DeviceKind.MOTION
        self._channels = {id_ << 8 | type_: channel for (id_, type_), channel in channels.items()}

    @override
    def decode(self, payload: bytes, f_port: int | None, ctx: DecodeContext) -> Decoded:
        """Decode one uplink; the fPort is not checked."""
        frame = _Frame()
        _walk(payload, self._channels, frame)
        if not frame.raw:
            raise DecodeError(frame.warnings[0] if frame.warnings else "empty payload")
        motion_at = _motion_at(frame, ctx.received_at)
        raw = frame.raw
        if frame.readme:
            raw["readme"] = frame.readme
        return Decoded(
            motion=frame.motion,
            motion_at=motion_at,
            occupancy=frame.occupancy,
            temperature=frame.temperature,
            humidity=frame.humidity,
            daylight=frame.daylight,
            battery=frame.battery,
            raw=raw,
            warnings=tuple(frame.warnings),
        )


WS202 = MilesightDecoder("milesight_ws202", "WS202", _WS202_CHANNELS)
WS203 = MilesightDecoder("milesight_ws203", "WS203", _WS203_CHANNELS)
VS340 = MilesightDecoder("milesight_vs340", "VS340", _VS34X_CHANNELS)
VS341 = MilesightDecoder("milesight_vs341", "VS341", _VS34X_CHANNELS)
