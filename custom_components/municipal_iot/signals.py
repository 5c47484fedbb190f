"""What crosses from one wing to another at run time: decoded uplinks of our devices.

The network wing sends every decoded uplink of a water meter (applied or late);
the meter wing imports its history from it. Neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.util.signal_type import SignalType

from .const import DOMAIN
from .decoders.base import Decoded, DeviceKind


@dataclass(frozen=True, slots=True)
class DecodedUplink:
    """One decoded uplink of one of our LoRaWAN devices."""

    dev_eui: str
    name: str
    kind: DeviceKind
    decoded: Decoded
    received_at: datetime | None = None  # the network server's receive time
    # Received after a newer uplink of the device: only history still missing applies.
    late: bool = False


SIGNAL_DECODED: SignalType[DecodedUplink] = SignalType(f"{DOMAIN}_decoded")
