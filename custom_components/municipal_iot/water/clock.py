"""Meter clock sanity: which register readings of an uplink can be placed in time.

A meter's history is timed by its own clock. A clock that is far off (a Kamstrup
frame with the year-hundreds bits set says 2124; a meter that lost its time after a
battery swap says 2020) would write rows into the wrong years and, for a clock in
the future, block every later import (rows are never re-emitted). The clock is
accepted when the meter time lies between one day before the meter's first uplink
and one day after the receive time; the day of slack covers daily meters that read
at midnight and send hours later, and normal drift. A rejected clock costs the
uplink's readings in long-term statistics only: its volume and alarms still apply.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from .model import RegisterReading, to_utc

CLOCK_SLACK = timedelta(days=1)


def clock_plausible(meter_time: datetime, received_at: datetime, first_uplink: datetime) -> bool:
    """Return True when a meter clock reading can be trusted for statistics."""
    at = to_utc(meter_time)
    return to_utc(first_uplink) - CLOCK_SLACK <= at <= to_utc(received_at) + CLOCK_SLACK


def not_in_future[R: RegisterReading](readings: Iterable[R], received_at: datetime) -> list[R]:
    """Return the readings that are not more than a day after the receive time."""
    latest = to_utc(received_at) + CLOCK_SLACK
    return [reading for reading in readings if to_utc(reading.at) <= latest]
