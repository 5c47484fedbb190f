"""Outage detection from the heartbeat after a simulated downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.municipal_iot.supervision.outage import OUTAGE_AFTER, Outage, outage_since

BEAT = datetime(2026, 11, 26, 1, 10, tzinfo=UTC)


def test_gap_after_downtime_is_an_outage():
    outage = outage_since(BEAT, BEAT + timedelta(minutes=35))
    assert outage == Outage(BEAT, BEAT + timedelta(minutes=35))
    assert outage.minutes == 35


def test_short_gap_or_first_start_is_none():
    assert outage_since(None, BEAT) is None
    assert outage_since(BEAT, BEAT + OUTAGE_AFTER) is None  # a restart within 2 min
    assert outage_since(BEAT, BEAT + OUTAGE_AFTER + timedelta(seconds=1)) is not None
