"""The hub's per-device listeners (the entities of each device)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from homeassistant.core import Context

from custom_components.municipal_iot.network.listeners import DeviceListeners


class Recorder:
    """A listener that records what it was called with, and may act on each call."""

    def __init__(
        self, name: str, seen: list[tuple[str, Context]], act: Callable[[], None] | None = None
    ) -> None:
        self.name, self.seen, self.act = name, seen, act

    def device_changed(self, context: Context) -> None:
        self.seen.append((self.name, context))
        if self.act is not None:
            self.act()


def test_every_listener_gets_one_shared_context() -> None:
    """All entities of one change see the same context; other devices see nothing."""
    listeners = DeviceListeners()
    seen: list[tuple[str, Context]] = []
    listeners.join("a", Recorder("a1", seen))
    listeners.join("a", Recorder("a2", seen))
    listeners.join("b", Recorder("b", seen))
    listeners.notify("a")
    assert [name for name, _ in seen] == ["a1", "a2"]
    assert seen[0][1] is seen[1][1]
    listeners.notify("unknown")  # no listeners: nothing happens
    assert len(seen) == 2
    listeners.notify("a")
    assert seen[2][1] is not seen[0][1]  # a new context for each change


def test_a_failing_listener_is_logged_and_the_rest_still_refresh(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As HA's dispatcher does: one broken entity does not stop the others."""
    listeners = DeviceListeners()
    seen: list[tuple[str, Context]] = []

    def boom() -> None:
        raise RuntimeError("boom")

    listeners.join("a", Recorder("broken", seen, boom))
    listeners.join("a", Recorder("ok", seen))
    listeners.notify("a")
    assert [name for name, _ in seen] == ["broken", "ok"]
    assert "Error refreshing an entity of LoRaWAN device a" in caplog.text


def test_join_leave_and_leaving_during_a_refresh() -> None:
    """A listener that leaves during a refresh does not stop the others; leaving is final."""
    listeners = DeviceListeners()
    seen: list[tuple[str, Context]] = []
    second = Recorder("second", seen)
    first = Recorder("first", seen, lambda: listeners.leave("a", second))
    listeners.join("a", first)
    listeners.join("a", second)
    listeners.join("a", second)  # joining twice: still called once
    listeners.notify("a")
    assert [name for name, _ in seen] == ["first", "second"]
    seen.clear()
    listeners.notify("a")
    assert [name for name, _ in seen] == ["first"]
    listeners.leave("a", first)
    listeners.leave("a", first)  # twice, or on a device it never joined: nothing happens
    listeners.leave("b", first)
    assert listeners._by_device == {}
    seen.clear()
    listeners.notify("a")
    assert seen == []
