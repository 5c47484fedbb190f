"""Supervision outages: when the heartbeat shows that supervision was off (pure).

The adapter persists a heartbeat at least every :data:`HEARTBEAT_EVERY` (one
small write a minute) and on a clean stop. At start, a gap of more than
:data:`OUTAGE_AFTER` since the last heartbeat means supervision was off for
that time: staff are told, with the times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

HEARTBEAT_EVERY = timedelta(seconds=60)
OUTAGE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Outage:
    """Supervision was off from ``start`` (the last heartbeat) to ``end`` (the start)."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        """Return the whole minutes supervision was off."""
        return int((self.end - self.start).total_seconds() // 60)


def outage_since(last_heartbeat: datetime | None, now: datetime) -> Outage | None:
    """Return the outage since ``last_heartbeat``, or None (first start, or a short gap)."""
    if last_heartbeat is None or now - last_heartbeat <= OUTAGE_AFTER:
        return None
    return Outage(last_heartbeat, now)
