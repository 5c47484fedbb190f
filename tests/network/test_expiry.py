"""One timer for the availability of all devices of a hub."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.municipal_iot.network.expiry import ExpiryQueue


@pytest.mark.usefixtures("frozen_clock")
async def test_devices_expire_in_order_of_their_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Each device is called back once at its own time; cancelled and moved times count."""
    fired: list[str] = []
    queue = ExpiryQueue(hass, lambda dev_eui, _now: fired.append(dev_eui))
    start = dt_util.utcnow()

    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    queue.schedule("late", at(30))
    queue.schedule("early", at(10))  # earlier than the armed timer: the timer moves
    queue.schedule("gone", at(5))
    queue.schedule("moved", at(1))
    queue.cancel("gone")
    queue.schedule("moved", at(20))  # the 1-minute time no longer counts
    assert "late" in queue
    assert "gone" not in queue

    for minutes, expected in ((2, []), (11, ["early"]), (21, ["early", "moved"])):
        freezer.move_to(at(minutes))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert fired == expected
    assert "early" not in queue
    assert "late" in queue

    freezer.move_to(at(31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert fired == ["early", "moved", "late"]
    assert queue._timer is None  # nothing left: no timer


@pytest.mark.usefixtures("frozen_clock")
async def test_a_callback_may_schedule_again(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A device that reported meanwhile is scheduled again from the callback and fires later."""
    start = dt_util.utcnow()
    fired: list[tuple[str, datetime]] = []

    def expired(dev_eui: str, now: datetime) -> None:
        fired.append((dev_eui, now))
        if len(fired) == 1:
            queue.schedule(dev_eui, now + timedelta(minutes=10))

    queue = ExpiryQueue(hass, expired)
    queue.schedule("a", start + timedelta(minutes=5))
    queue.schedule("b", start + timedelta(minutes=12))
    freezer.move_to(start + timedelta(minutes=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [dev for dev, _ in fired] == ["a"]
    freezer.move_to(start + timedelta(minutes=13))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [dev for dev, _ in fired] == ["a", "b"]
    freezer.move_to(start + timedelta(minutes=17))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [dev for dev, _ in fired] == ["a", "b", "a"]


@pytest.mark.usefixtures("frozen_clock")
async def test_stop_cancels_everything(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """After stop nothing fires, and the queue can be used again."""
    fired: list[str] = []
    queue = ExpiryQueue(hass, lambda dev_eui, _now: fired.append(dev_eui))
    start = dt_util.utcnow()
    queue.schedule("a", start + timedelta(minutes=1))
    queue.stop()
    queue.stop()  # twice: nothing happens
    assert "a" not in queue
    freezer.move_to(start + timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert fired == []
    queue.schedule("b", start + timedelta(minutes=3))
    freezer.move_to(start + timedelta(minutes=4))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert fired == ["b"]
