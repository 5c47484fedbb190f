"""The hub's per-device refresh callbacks."""

from __future__ import annotations

import pytest
from homeassistant.core import Context

from custom_components.municipal_iot.network.listeners import DeviceListeners


def test_every_listener_gets_one_shared_context() -> None:
    """All entities of one change see the same context; other devices see nothing."""
    listeners = DeviceListeners()
    seen: list[tuple[str, Context]] = []
    listeners.add("a", lambda context: seen.append(("a1", context)))
    listeners.add("a", lambda context: seen.append(("a2", context)))
    listeners.add("b", lambda context: seen.append(("b", context)))
    listeners.notify("a")
    assert [name for name, _ in seen] == ["a1", "a2"]
    assert seen[0][1] is seen[1][1]
    listeners.notify("unknown")  # no listeners: nothing happens
    assert len(seen) == 2


def test_a_failing_listener_is_logged_and_the_rest_still_refresh(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As HA's dispatcher does: one broken entity does not stop the others."""
    listeners = DeviceListeners()
    seen: list[str] = []

    def broken(_context: Context) -> None:
        raise RuntimeError("boom")

    listeners.add("a", broken)
    listeners.add("a", lambda _context: seen.append("ok"))
    listeners.notify("a")
    assert seen == ["ok"]
    assert "Error refreshing an entity of LoRaWAN device a" in caplog.text


def test_removing_during_a_refresh_and_after() -> None:
    """A listener removed while refreshing still lets the others run; removal is final."""
    listeners = DeviceListeners()
    seen: list[str] = []
    removers = []

    def first(_context: Context) -> None:
        seen.append("first")
        removers[1]()

    removers.append(listeners.add("a", first))
    removers.append(listeners.add("a", lambda _context: seen.append("second")))
    listeners.notify("a")
    assert seen == ["first", "second"]
    removers[0]()
    seen.clear()
    listeners.notify("a")
    assert seen == []
    again = listeners.add("a", lambda _context: seen.append("again"))
    listeners.notify("a")
    assert seen == ["again"]
    again()
