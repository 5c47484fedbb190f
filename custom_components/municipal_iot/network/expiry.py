"""When each device's silence makes it unavailable: one timer for all devices of a hub.

A timer per device (HA's point-in-time tracker) kept about ten objects alive per
device, each walked by the garbage collector: at 5,000 devices a tenth of the objects
start-up adds. Here the due times wait in a heap and one timer runs at the earliest.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util


class ExpiryQueue:
    """Calls ``expired(dev_eui, now)`` once a scheduled device's time has come."""

    def __init__(self, hass: HomeAssistant, expired: Callable[[str, datetime], None]) -> None:
        """Start with nothing scheduled."""
        self._hass = hass
        self._expired = expired
        self._due: dict[str, datetime] = {}  # the one time that counts for each device
        self._heap: list[tuple[datetime, str]] = []  # may hold older, skipped times
        self._timer: CALLBACK_TYPE | None = None
        self._timer_at: datetime | None = None

    def __contains__(self, dev_eui: object) -> bool:
        """Return True when the device has a time scheduled."""
        return dev_eui in self._due

    def schedule(self, dev_eui: str, when: datetime) -> None:
        """Call back for the device at ``when`` (instead of any earlier schedule)."""
        self._due[dev_eui] = when
        heapq.heappush(self._heap, (when, dev_eui))
        self._arm()

    def cancel(self, dev_eui: str) -> None:
        """Forget the device's time (its heap entry is skipped when due)."""
        self._due.pop(dev_eui, None)

    def stop(self) -> None:
        """Cancel the timer and forget every time."""
        if self._timer is not None:
            self._timer()
        self._timer = self._timer_at = None
        self._due.clear()
        self._heap.clear()

    def _arm(self) -> None:
        """Run the timer at the earliest time in the heap."""
        if not self._heap:
            return
        first = self._heap[0][0]
        if self._timer_at is not None and self._timer_at <= first:
            return
        if self._timer is not None:
            self._timer()
        self._timer_at = first
        self._timer = async_track_point_in_utc_time(self._hass, self._fire, first)

    @callback
    def _fire(self, _point: datetime) -> None:
        # Everything due by now, not only by the point the timer was set for (HA's
        # tracker passes that point): a timer that ran late catches up in one go.
        now = dt_util.utcnow()
        self._timer = self._timer_at = None
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, dev_eui = heapq.heappop(heap)
            if self._due.get(dev_eui) != when:
                continue  # cancelled, or scheduled again for another time
            del self._due[dev_eui]
            self._expired(dev_eui, now)  # may schedule the device again
        self._arm()
