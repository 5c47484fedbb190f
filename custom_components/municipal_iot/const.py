"""Constants shared by the three wings (network, care, meter) and the root hooks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.core import Event

DOMAIN: Final = "municipal_iot"
LOGGER = logging.getLogger(__package__)

# Config entry kinds (one integration, several kinds of entry; see kinds.py).
CONF_ENTRY_TYPE: Final = "entry_type"
ENTRY_NETWORK_SERVER: Final = "network_server"
ENTRY_CARE_UNIT: Final = "care_unit"
ENTRY_METER_REPORT: Final = "meter_report"

# The key in a fixable repair issue's data that names its fix flow (see kinds.py).
CONF_FIX_FLOW: Final = "fix_flow"

# Event fired when a leak rule of a water meter turns on or off (by the meter
# wing; device triggers on our own meters' devices listen for it).
EVENT_LEAK: Final = f"{DOMAIN}_leak"

# Our LoRaWAN volume sensors have the unique id "<dev_eui>_volume"; the meter wing
# recognises our own meters by it.
VOLUME_KEY: Final = "volume"
# External statistic of one of our LoRaWAN meters: municipal_iot:water_<dev_eui>.
EXTERNAL_STATISTIC_PREFIX: Final = f"{DOMAIN}:water_"


@dataclass(frozen=True, slots=True)
class EventTrigger:
    """A device trigger: the event it listens for and the data it must carry besides the device."""

    event_type: str
    event_data: Mapping[str, Any]


# The logbook's ``async_describe_event(domain, event_type, describe)``.
type LogbookDescriber = Callable[[str, str, Callable[[Event], dict[str, Any]]], None]
