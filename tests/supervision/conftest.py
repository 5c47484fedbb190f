"""Fixtures for the supervision engine tests: a fake clock and a supervisor factory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.municipal_iot.supervision.engine import ApartmentSupervisor
from custom_components.municipal_iot.supervision.rules import ApartmentRules

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class FakeClock:
    """A settable clock returning aware UTC datetimes."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: datetime) -> None:
        self.now = value


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2025-01-15 06:00 local time (UTC+1)."""
    return FakeClock(datetime(2025, 1, 15, 5, 0, tzinfo=UTC))


@pytest.fixture
def make(clock: FakeClock) -> Callable[..., ApartmentSupervisor]:
    """Build a supervisor from a rules dict (or ApartmentRules) on the fake clock."""

    def factory(
        rules: Mapping[str, Any] | ApartmentRules,
        *,
        state: Mapping[str, Any] | None = None,
        apartment_id: str = "apt-1",
    ) -> ApartmentSupervisor:
        parsed = rules if isinstance(rules, ApartmentRules) else ApartmentRules.from_dict(rules)
        return ApartmentSupervisor(apartment_id, parsed, tz=STOCKHOLM, clock=clock, state=state)

    return factory
