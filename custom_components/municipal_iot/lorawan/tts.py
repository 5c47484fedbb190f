"""The Things Stack v3 webhook bodies (JSON format).

The message type is the body's top-level key. TTS omits empty fields: a missing
``f_cnt`` is 0, and ``decoded_payload`` or ``rx_metadata`` may be absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from . import fields as f
from .messages import (
    DeviceIdentity,
    DownlinkReport,
    DownlinkStatus,
    Ignored,
    Join,
    Message,
    SchemaError,
    Uplink,
)

# Downlink reports, by body key (MQTT topics ``down/ack``, ``down/nack``, ...).
DOWNLINK_KEYS = {
    "downlink_ack": DownlinkStatus.ACKNOWLEDGED,
    "downlink_nack": DownlinkStatus.NOT_ACKNOWLEDGED,
    "downlink_sent": DownlinkStatus.SENT,
    "downlink_failed": DownlinkStatus.FAILED,
}
IGNORED_KEYS = (
    "downlink_queued",
    "downlink_queue_invalidated",
    "location_solved",
    "service_data",
    "uplink_normalized",
)


def parse(body: Any, now: datetime) -> Message:
    """Parse one TTS webhook body."""
    root = f.obj(body, "body")
    if "uplink_message" in root:
        device = _device(root, root.get("uplink_message"))
        return _uplink(root, device, now)
    if "join_accept" in root:
        device = _device(root, None)
        return Join(
            device=device, received_at=f.timestamp(root.get("received_at"), "received_at", now)
        )
    for key, status in DOWNLINK_KEYS.items():
        if key in root:
            return _downlink_report(root, key, status, now)
    for key in IGNORED_KEYS:
        if key in root:
            return Ignored(kind=key)
    raise SchemaError("no known message type key (expected uplink_message)")


def _device(root: Mapping[str, Any], uplink: Any) -> DeviceIdentity:
    ids = f.obj(root.get("end_device_ids"), "end_device_ids")
    app = f.opt_obj(ids.get("application_ids"), "end_device_ids.application_ids") or {}
    version: Mapping[str, Any] = {}
    attributes: dict[str, str] = {}
    if isinstance(uplink, Mapping):
        version = f.opt_obj(uplink.get("version_ids"), "version_ids") or {}
        attributes = f.str_map(uplink.get("attributes"), "attributes")
    return DeviceIdentity(
        dev_eui=f.dev_eui(ids.get("dev_eui"), "end_device_ids.dev_eui"),
        name=f.opt_str(ids.get("device_id"), "end_device_ids.device_id"),
        application=f.opt_str(app.get("application_id"), "application_id"),
        brand_id=f.opt_str(version.get("brand_id"), "version_ids.brand_id"),
        model_id=f.opt_str(version.get("model_id"), "version_ids.model_id"),
        tags=attributes,
    )


def _uplink(root: Mapping[str, Any], device: DeviceIdentity, now: datetime) -> Uplink:
    up = f.obj(root.get("uplink_message"), "uplink_message")
    metadata = up.get("rx_metadata", [])
    if not isinstance(metadata, list):
        raise SchemaError("rx_metadata must be a list")
    gateways = [f.obj(item, "rx_metadata[]") for item in metadata]
    best = max(gateways, key=_rssi, default=None)
    received_at = f.timestamp(root.get("received_at") or up.get("received_at"), "received_at", now)
    return Uplink(
        device=device,
        received_at=received_at,
        f_port=f.opt_int(up.get("f_port"), "f_port", 0),
        f_cnt=f.opt_int(up.get("f_cnt"), "f_cnt", 0) or 0,
        payload=f.payload(up.get("frm_payload"), "frm_payload"),
        server_object=f.opt_obj(up.get("decoded_payload"), "decoded_payload"),
        # TTS omits zero values, so a present gateway without rssi/snr means 0.
        rssi=f.opt_float(best.get("rssi", 0), "rssi") if best else None,
        snr=f.opt_float(best.get("snr", 0), "snr") if best else None,
        gateway_count=len(gateways),
        location=f.opt_obj(best.get("location"), "location") if best else None,
    )


def _rssi(gateway: Mapping[str, Any]) -> float:
    return f.opt_float(gateway.get("rssi", 0), "rssi") or 0.0


def _downlink_report(
    root: Mapping[str, Any], key: str, status: DownlinkStatus, now: datetime
) -> Ignored:
    """Return the report; one that names no device is ignored as before (answered 2xx)."""
    try:
        report = f.obj(root.get(key), key)
        # downlink_failed nests the downlink beside the error.
        downlink = f.opt_obj(report.get("downlink"), f"{key}.downlink") or report
        return DownlinkReport(
            kind=key,
            device=_device(root, None),
            received_at=f.timestamp(root.get("received_at"), "received_at", now),
            status=status,
            f_port=f.opt_int(downlink.get("f_port"), f"{key}.f_port"),
        )
    except SchemaError:
        return Ignored(kind=key)
