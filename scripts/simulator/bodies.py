"""Network-server bodies: what ChirpStack v4 and The Things Stack POST per uplink.

The shapes follow the servers' documented JSON (ChirpStack HTTP integration,
protobuf JSON mapping with camelCase keys and ``?event=``; TTS webhook
``ApplicationUp`` with the message type as the top-level key, upper-case EUIs,
empty fields omitted). Times are RFC 3339 with nanoseconds, as both servers
write them.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CHIRPSTACK = "chirpstack"
TTS = "tts"
SERVERS = (CHIRPSTACK, TTS)

# A gateway and an application that stay the same for one simulated site.
GATEWAY_EUI = "0016c001f153a14c"
TENANT_ID = "52f14cd4-c6f1-4fbd-8f87-4025e1d49242"
APPLICATION_ID = "17c82e96-be03-4f38-aef3-f83d48582d97"


@dataclass(frozen=True, slots=True)
class Device:
    """One simulated end device and how the network server knows it."""

    dev_eui: str  # 16 hex digits
    name: str  # ChirpStack device name, TTS device id
    profile: str  # ChirpStack device-profile name
    brand_id: str  # TTS version_ids
    model_id: str
    rssi: float = -97.0
    snr: float = 7.5
    profile_id: str = field(default="")

    def profile_uuid(self) -> str:
        """Return a stable device-profile id for the profile name."""
        return self.profile_id or str(uuid.uuid5(uuid.NAMESPACE_URL, self.profile))


def rfc3339(moment: datetime) -> str:
    """Format a time as the servers do: UTC, nanoseconds, ``Z`` (TTS) suffix."""
    at = moment.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond:06d}000Z"


def chirpstack_info(device: Device) -> dict[str, Any]:
    """Return the ``deviceInfo`` object of a ChirpStack event."""
    return {
        "tenantId": TENANT_ID,
        "tenantName": "Ånge kommun",
        "applicationId": APPLICATION_ID,
        "applicationName": "Gruppbostad Solrosen",
        "deviceProfileId": device.profile_uuid(),
        "deviceProfileName": device.profile,
        "deviceName": device.name,
        "devEui": device.dev_eui.lower(),
        "deviceClassEnabled": "CLASS_A",
        "tags": {},
    }


def chirpstack_uplink(
    device: Device, f_cnt: int, f_port: int, payload: bytes, at: datetime
) -> dict[str, Any]:
    """Return a ChirpStack ``up`` event body."""
    return {
        "deduplicationId": str(uuid.uuid4()),
        "time": rfc3339(at),
        "deviceInfo": chirpstack_info(device),
        "devAddr": device.dev_eui[-8:].lower(),
        "adr": True,
        "dr": 5,
        "fCnt": f_cnt,
        "fPort": f_port,
        "confirmed": False,
        "data": base64.b64encode(payload).decode(),
        "rxInfo": [
            {
                "gatewayId": GATEWAY_EUI,
                "uplinkId": uuid.uuid4().int & 0xFFFFFFFF,
                "nsTime": rfc3339(at),
                "rssi": round(device.rssi),
                "snr": device.snr,
                "channel": 2,
                "context": base64.b64encode(uuid.uuid4().bytes[:4]).decode(),
                "metadata": {"region_name": "eu868", "region_common_name": "EU868"},
                "crcStatus": "CRC_OK",
            }
        ],
        "txInfo": {
            "frequency": 867100000,
            "modulation": {
                "lora": {"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5"}
            },
        },
    }


def chirpstack_join(device: Device, at: datetime) -> dict[str, Any]:
    """Return a ChirpStack ``join`` event body."""
    return {
        "deduplicationId": str(uuid.uuid4()),
        "time": rfc3339(at),
        "deviceInfo": chirpstack_info(device),
        "devAddr": device.dev_eui[-8:].lower(),
    }


def _tts_ids(device: Device) -> dict[str, Any]:
    return {
        "device_id": device.name,
        "application_ids": {"application_id": "ange-vatten"},
        "dev_eui": device.dev_eui.upper(),
        "join_eui": "70B3D57ED0000000",
        "dev_addr": device.dev_eui[-8:].upper(),
    }


def tts_uplink(
    device: Device, f_cnt: int, f_port: int, payload: bytes, at: datetime
) -> dict[str, Any]:
    """Return a TTS webhook ``uplink_message`` body (empty fields omitted, as TTS does)."""
    message: dict[str, Any] = {
        "session_key_id": base64.b64encode(
            uuid.uuid5(uuid.NAMESPACE_OID, device.dev_eui).bytes
        ).decode(),
        "f_port": f_port,
        "f_cnt": f_cnt,
        "frm_payload": base64.b64encode(payload).decode(),
        "rx_metadata": [
            {
                "gateway_ids": {"gateway_id": "ange-gw-01", "eui": GATEWAY_EUI.upper()},
                "time": rfc3339(at),
                "timestamp": int(at.timestamp() * 1e6) & 0xFFFFFFFF,
                "rssi": round(device.rssi),
                "channel_rssi": round(device.rssi),
                "snr": device.snr,
                "uplink_token": base64.b64encode(uuid.uuid4().bytes).decode(),
                "received_at": rfc3339(at),
            }
        ],
        "settings": {
            "data_rate": {
                "lora": {"bandwidth": 125000, "spreading_factor": 7, "coding_rate": "4/5"}
            },
            "frequency": "867100000",
            "timestamp": int(at.timestamp() * 1e6) & 0xFFFFFFFF,
        },
        "received_at": rfc3339(at),
        "consumed_airtime": "0.097536s",
        "version_ids": {
            "brand_id": device.brand_id,
            "model_id": device.model_id,
            "band_id": "EU_863_870",
        },
        "network_ids": {"net_id": "000013", "tenant_id": "ange", "cluster_id": "eu1"},
    }
    for key in ("f_port", "f_cnt"):
        if not message[key]:
            del message[key]  # TTS omits zero values
    return {
        "end_device_ids": _tts_ids(device),
        "correlation_ids": [f"as:up:{uuid.uuid4().hex.upper()[:26]}"],
        "received_at": rfc3339(at),
        "uplink_message": message,
    }


def tts_join_accept(device: Device, at: datetime) -> dict[str, Any]:
    """Return a TTS webhook ``join_accept`` body."""
    return {
        "end_device_ids": _tts_ids(device),
        "correlation_ids": [f"as:up:{uuid.uuid4().hex.upper()[:26]}"],
        "received_at": rfc3339(at),
        "join_accept": {
            "session_key_id": base64.b64encode(uuid.uuid4().bytes).decode(),
            "received_at": rfc3339(at),
        },
    }


def uplink_request(
    server: str, device: Device, f_cnt: int, f_port: int, payload: bytes, at: datetime
) -> tuple[str, dict[str, Any]]:
    """Return (query string, body) of one uplink for ``server``."""
    if server == CHIRPSTACK:
        return "?event=up", chirpstack_uplink(device, f_cnt, f_port, payload, at)
    return "", tts_uplink(device, f_cnt, f_port, payload, at)


def join_request(server: str, device: Device, at: datetime) -> tuple[str, dict[str, Any]]:
    """Return (query string, body) of a join for ``server``."""
    if server == CHIRPSTACK:
        return "?event=join", chirpstack_join(device, at)
    return "", tts_join_accept(device, at)
