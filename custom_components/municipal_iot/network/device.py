"""What the hub knows about one LoRaWAN device, and how it is stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import probatio as vol
from homeassistant.util import dt as dt_util
from homeassistant.util.signal_type import SignalType

from ..const import DOMAIN
from ..decoders.base import DeviceKind
from ..decoders.registry import DECODERS
from ..lorawan.messages import Uplink
from ..store import StoreSchema, iso_datetime

# Entity keys every device gets, whatever it reports.
BASE_KEYS = frozenset({"rssi", "snr", "last_seen", "last_error"})
NO_ERROR = "\u2013"  # "last error" once an uplink decoded: a dash, in any language


REFUSED_ISSUE_AFTER = 3  # undecodable uplinks in a row before a repair issue

_TEXT = vol.All(str, vol.Length(min=1))
_OPTIONAL_TEXT = vol.Any(None, str)

# The hub's store: its devices, the automatic creation limit and the unknown-device queue.
HUB_STORE_SCHEMA = StoreSchema(
    lists={
        "devices": vol.Schema(
            {
                vol.Required("dev_eui"): _TEXT,
                vol.Required("name"): str,
                vol.Required("model_id"): _TEXT,
                vol.Optional("last_seen"): vol.Any(None, iso_datetime),
                vol.Optional("f_cnt"): vol.Any(None, int),
                vol.Optional("keys"): [str],
                vol.Optional("decoder_state"): dict,
            },
            extra=vol.ALLOW_EXTRA,
        ),
        "pending": vol.Schema(
            {
                vol.Required("dev_eui"): _TEXT,
                vol.Optional("name"): _OPTIONAL_TEXT,
                vol.Optional("application"): _OPTIONAL_TEXT,
                vol.Optional("profile_name"): _OPTIONAL_TEXT,
                vol.Optional("brand_id"): _OPTIONAL_TEXT,
                vol.Optional("model_id"): _OPTIONAL_TEXT,
                vol.Optional("tags"): {str: str},
            }
        ),
    },
    values={
        "creation": vol.Schema(
            {vol.Required("tokens"): vol.Coerce(float), vol.Required("at"): vol.Coerce(float)}
        )
    },
)


# Values that tell what is happening now: an uplink fetched from storage (backfill) or
# arriving out of order does not set them, and its entities do not rewrite them, since
# supervision counts a written motion state as a live report.
LIVE_KEYS = frozenset({"motion", "occupancy"})


def refused_issue_id(entry_id: str, device: DeviceData) -> str:
    """Repair issue id for a device whose uplinks keep being refused."""
    return f"uplinks_refused_{entry_id}_{device.dev_eui}"


@dataclass
class DeviceData:
    """Everything known about one LoRaWAN device."""

    dev_eui: str
    name: str
    model_id: str
    last_seen: datetime | None = None
    f_cnt: int | None = None
    keys: set[str] = field(default_factory=lambda: set(BASE_KEYS))
    decoder_state: dict[str, Any] = field(default_factory=dict)
    # Runtime only
    values: dict[str, Any] = field(default_factory=dict)
    available: bool = True
    last_raw: Mapping[str, Any] = field(default_factory=dict)
    last_warnings: tuple[str, ...] = ()
    last_error: str | None = None
    failed_uplinks: int = 0  # undecodable uplinks in a row (a repair issue at a few)
    location: Mapping[str, Any] | None = None
    replaying: bool = False  # entities refresh for an uplink that is not a live report

    @property
    def manufacturer(self) -> str:
        """Device manufacturer from its decoder."""
        decoder = DECODERS.get(self.model_id)
        return decoder.manufacturer if decoder else "LoRaWAN"

    @property
    def model(self) -> str:
        """Device model from its decoder."""
        decoder = DECODERS.get(self.model_id)
        return decoder.model if decoder else "Generic (network server codec)"

    @property
    def kind(self) -> DeviceKind:
        """What the device is for."""
        decoder = DECODERS.get(self.model_id)
        return decoder.kind if decoder else DeviceKind.MOTION

    def as_stored(self) -> dict[str, Any]:
        """Return the persisted part."""
        return {
            "dev_eui": self.dev_eui,
            "name": self.name,
            "model_id": self.model_id,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "f_cnt": self.f_cnt,
            "keys": sorted(self.keys),
            "decoder_state": self.decoder_state,
        }

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> DeviceData:
        """Rebuild from the persisted part."""
        last_seen = data.get("last_seen")
        return cls(
            dev_eui=data["dev_eui"],
            name=data["name"],
            model_id=data["model_id"],
            last_seen=dt_util.parse_datetime(last_seen) if last_seen else None,
            f_cnt=data.get("f_cnt"),
            keys=set(data.get("keys", ())) | BASE_KEYS,
            decoder_state=dict(data.get("decoder_state", {})),
        )


def new_keys_signal(entry_id: str) -> SignalType[DeviceData, set[str]]:
    """Return the signal sent when a device reports a measurement for the first time."""
    return SignalType(f"{DOMAIN}_{entry_id}_new_keys")


def devices_store_key(entry_id: str) -> str:
    """Return the storage key of an entry's devices."""
    return f"{entry_id}.devices"


def key_issue_id(entry_id: str, dev_eui: str) -> str:
    """Repair issue id for a meter whose key is missing."""
    return f"meter_key_required_{entry_id}_{dev_eui}"


def link_values(uplink: Uplink) -> dict[str, Any]:
    """Return the link values of an uplink (last seen, the best gateway's RSSI and SNR)."""
    link: dict[str, Any] = {"last_seen": uplink.received_at}
    if uplink.rssi is not None:
        link["rssi"] = uplink.rssi
    if uplink.snr is not None:
        link["snr"] = uplink.snr
    return link
