"""ChirpStack v4 HTTP integration events (JSON encoding).

The event type comes from the ``?event=`` query parameter. Integration events are
the protobuf JSON mapping: camelCase keys, base64 bytes, RFC 3339 times; numbers
inside ``object`` (a protobuf Struct) are doubles. Gateway metadata may be missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from . import fields as f
from .messages import (
    DeviceIdentity,
    DeviceStatus,
    DownlinkReport,
    DownlinkStatus,
    Ignored,
    Join,
    Message,
    SchemaError,
    Uplink,
)

IGNORED_EVENTS = frozenset({"log", "location", "integration"})
DOWNLINK_EVENTS = frozenset({"ack", "txack"})
KNOWN_EVENTS = frozenset({"up", "status", "join", *DOWNLINK_EVENTS})
# The last checked deviceInfo of each device, with its identity (see _device).
MAX_IDENTITIES = 20_000
_IDENTITIES: dict[str, tuple[dict[str, Any], DeviceIdentity]] = {}


def parse(event: str | None, body: Any, now: datetime) -> Message:
    """Parse one ChirpStack event body."""
    if event is None:
        raise SchemaError("missing ?event= query parameter")
    if event in IGNORED_EVENTS:
        return Ignored(kind=event)
    if event not in KNOWN_EVENTS:
        raise SchemaError(f"unknown event type {event[:32]!r}")
    if event in DOWNLINK_EVENTS:
        return _downlink_report(event, body, now)
    root = f.obj(body, "body")
    device = _device(root.get("deviceInfo"))
    received_at = f.timestamp(root.get("time"), "time", now)
    if event == "up":
        return _uplink(root, device, received_at)
    if event == "status":
        return DeviceStatus(
            device=device,
            received_at=received_at,
            battery=f.opt_float(root.get("batteryLevel"), "batteryLevel"),
            margin=f.opt_int(root.get("margin"), "margin"),
            external_power=bool(root.get("externalPowerSource", False)),
        )
    return Join(device=device, received_at=received_at)


def _device(value: Any) -> DeviceIdentity:
    """Return the checked identity; the same ``deviceInfo`` as last time is not checked again."""
    known = _IDENTITIES.get(value["devEui"]) if _keyed(value) else None
    if known is not None and known[0] == value:
        return known[1]
    identity = _checked_device(value)
    tags = value.get("tags")
    # Kept only when every checked field is a string or null: a kept 1 would equal a
    # later 1.0 or True, whose tag texts differ.
    if _keyed(value) and (tags is None or all(type(tag) is str for tag in tags.values())):
        if len(_IDENTITIES) >= MAX_IDENTITIES:
            _IDENTITIES.clear()  # a crude bound, never reached by one municipality
        _IDENTITIES[value["devEui"]] = (value, identity)
    return identity


def _keyed(value: Any) -> bool:
    return type(value) is dict and type(value.get("devEui")) is str


def _checked_device(value: Any) -> DeviceIdentity:
    info = f.obj(value, "deviceInfo")
    return DeviceIdentity(
        dev_eui=f.dev_eui(info.get("devEui"), "deviceInfo.devEui"),
        name=f.opt_str(info.get("deviceName"), "deviceInfo.deviceName"),
        application=f.opt_str(info.get("applicationName"), "deviceInfo.applicationName"),
        profile_name=f.opt_str(info.get("deviceProfileName"), "deviceInfo.deviceProfileName"),
        tags=f.str_map(info.get("tags"), "deviceInfo.tags"),
    )


def _uplink(root: Mapping[str, Any], device: DeviceIdentity, received_at: datetime) -> Uplink:
    rx_info = root.get("rxInfo", [])
    if not isinstance(rx_info, list):
        raise SchemaError("rxInfo must be a list")
    best = _best_gateway(rx_info)
    return Uplink(
        device=device,
        received_at=received_at,
        f_port=f.opt_int(root.get("fPort"), "fPort"),
        f_cnt=f.opt_int(root.get("fCnt"), "fCnt", 0) or 0,
        payload=f.payload(root.get("data"), "data"),
        server_object=f.opt_obj(root.get("object"), "object"),
        rssi=f.opt_float(best.get("rssi"), "rxInfo.rssi") if best else None,
        snr=f.opt_float(best.get("snr"), "rxInfo.snr") if best else None,
        gateway_count=len(rx_info),
        deduplication_id=f.opt_str(root.get("deduplicationId"), "deduplicationId"),
        encrypted=bool(root.get("joinServerContext")),
        location=f.opt_obj(best.get("location"), "rxInfo.location") if best else None,
    )


def _best_gateway(rx_info: list[Any]) -> Mapping[str, Any] | None:
    """Return the gateway entry with the strongest signal."""
    gateways = [f.obj(item, "rxInfo[]") for item in rx_info]
    best: Mapping[str, Any] | None = None
    best_rssi = 0.0
    for gateway in gateways:  # the first of the strongest, as max() would pick
        rssi = f.opt_float(gateway.get("rssi"), "rxInfo.rssi") or -1000.0
        if best is None or rssi > best_rssi:
            best, best_rssi = gateway, rssi
    return best


def _downlink_report(event: str, body: Any, now: datetime) -> Ignored:
    """``txack``: a gateway sent it; ``ack``: the answer to a confirmed downlink.

    A report that names no device is ignored as before (answered 2xx, never refused).
    """
    try:
        root = f.obj(body, "body")
        device = _device(root.get("deviceInfo"))
        received_at = f.timestamp(root.get("time"), "time", now)
        reference = f.opt_str(root.get("queueItemId"), "queueItemId")
    except SchemaError:
        return Ignored(kind=event)
    if event == "txack":
        status = DownlinkStatus.SENT
    elif root.get("acknowledged", False) is True:
        status = DownlinkStatus.ACKNOWLEDGED
    else:
        status = DownlinkStatus.NOT_ACKNOWLEDGED
    return DownlinkReport(
        kind=event, device=device, received_at=received_at, status=status, reference=reference
    )
