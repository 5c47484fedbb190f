"""One supervised apartment at run time: its settings, engine, device and timer."""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, Context
from homeassistant.util.signal_type import SignalType

from ..const import DOMAIN
from ..supervision.engine import ApartmentSupervisor
from .config import ApartmentConfig

# Sent when a care unit loads or unloads (the panel sends the whole picture again).
SIGNAL_CARE_UNITS: SignalType[()] = SignalType(f"{DOMAIN}_care_units")


def apartment_signal(apartment_id: str) -> SignalType[Context | None]:
    """Return the signal sent after each change of one apartment (its entities refresh)."""
    return SignalType(f"{DOMAIN}_apartment_{apartment_id}")


def unit_signal(entry_id: str) -> SignalType[Context | None]:
    """Return the signal sent when the status of any apartment of a care unit changed."""
    return SignalType(f"{DOMAIN}_care_unit_{entry_id}")


def changes_signal(entry_id: str) -> SignalType[str]:
    """Return the signal sent with an apartment id after anything of it changed (the panel).

    The id is "" for a change of the unit itself (a unit-level journal entry).
    """
    return SignalType(f"{DOMAIN}_care_unit_{entry_id}_changes")


class Apartment:
    """One supervised apartment: its settings, engine, device and timer."""

    def __init__(
        self, config: ApartmentConfig, supervisor: ApartmentSupervisor, device_id: str
    ) -> None:
        """Bind the parts."""
        self.config = config
        self.supervisor = supervisor
        self.device_id = device_id
        self.timer: CALLBACK_TYPE | None = None
        self.timer_at: datetime | None = None
        self.status = supervisor.status
        self.signal = apartment_signal(config.apartment_id)

    @property
    def apartment_id(self) -> str:
        """Return the apartment (subentry) id."""
        return self.config.apartment_id
