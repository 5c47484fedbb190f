"""Constants of the network wing (LoRaWAN network-server connections)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..lorawan.messages import Server
from ..lorawan.topics import default_prefix

# Network-server entry data
CONF_SERVER: Final = "server"
CONF_TOKEN: Final = "token"  # noqa: S105 - a config key, not a secret

# Network-server entry options
CONF_AUTO_ADD: Final = "auto_add"
CONF_INTERVAL_MOTION: Final = "interval_motion"
CONF_INTERVAL_WATER: Final = "interval_water_meter"
CONF_MISSED_INTERVALS: Final = "missed_intervals"
CONF_DECODERS: Final = "decoders"  # {dev_eui: model_id}
CONF_METER_KEYS: Final = "meter_keys"  # {dev_eui: hex DEK}, redacted in diagnostics

DEFAULT_AUTO_ADD: Final = True
DEFAULT_INTERVAL_MOTION: Final = 60  # minutes; typical PIR heartbeat
DEFAULT_INTERVAL_WATER: Final = 1440  # minutes; meters report daily
DEFAULT_MISSED_INTERVALS: Final = 3

# Model id meaning "use the network server's own decoded object".
MODEL_SERVER_OBJECT: Final = "server_object"

# Webhook limits
MAX_BODY_BYTES: Final = 64 * 1024
# Device creation limits for the auto-add path (an outsider holding the URL must
# not be able to create thousands of devices).
MAX_DEVICES_PER_ENTRY: Final = 10_000
AUTO_ADD_BURST: Final = 200
AUTO_ADD_PER_HOUR: Final = 600
MAX_PENDING_UNKNOWN: Final = 25
# Duplicate detection window for (device, frame counter)
DEDUP_WINDOW_SECONDS: Final = 600
# A rejected-request reason is logged at most this often
LOG_THROTTLE_SECONDS: Final = 600

# Devices are saved this long after their metadata changed (uplinks are
# frequent, the metadata changes rarely).
SAVE_DELAY: Final = 30
SAVE_SOON_DELAY: Final = 0.5  # seconds: new devices and the unknown-device queue

# How uplinks arrive (entry data); entries made before MQTT existed are webhooks.
CONF_TRANSPORT: Final = "transport"
TRANSPORT_WEBHOOK: Final = "webhook"
TRANSPORT_MQTT: Final = "mqtt"
# MQTT entries: the application (and TTS tenant) the topics name; an optional prefix.
CONF_APPLICATION: Final = "application_id"
CONF_TENANT: Final = "tenant_id"
CONF_TOPIC_PREFIX: Final = "topic_prefix"
DEFAULT_TENANT: Final = "ttn"


def is_mqtt(data: Mapping[str, Any]) -> bool:
    """Return whether an entry's uplinks arrive over MQTT."""
    return bool(data.get(CONF_TRANSPORT, TRANSPORT_WEBHOOK) == TRANSPORT_MQTT)


def topic_prefix(data: Mapping[str, Any]) -> str:
    """Return an MQTT entry's topic prefix: the admin's own, or the server's default."""
    if prefix := data.get(CONF_TOPIC_PREFIX):
        return str(prefix)
    return default_prefix(
        Server(data[CONF_SERVER]), data[CONF_APPLICATION], data.get(CONF_TENANT, DEFAULT_TENANT)
    )


# The Things Stack entries: the optional Storage Integration read for backfill (options).
CONF_STORAGE_URL: Final = "storage_url"  # the cluster, e.g. https://eu1.cloud.thethings.network
CONF_STORAGE_APPLICATION: Final = "storage_application_id"
CONF_STORAGE_KEY: Final = "storage_api_key"  # redacted in diagnostics
BACKFILL_CHECK_SECONDS: Final = 60  # how often the backfill looks for a gap
