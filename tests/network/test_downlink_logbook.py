"""The device's logbook shows a downlink with the user who sent it (real logbook and recorder)."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockUser
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (
    RecorderInstanceContextManager,
    WebSocketGenerator,
)

from custom_components.municipal_iot.const import DOMAIN
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, network_entry, setup_entry
from tests.network.test_downlinks import FakeServer, fake_server  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("recorder_mock")
DEV = "a81758fffe0312ab"


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: RecorderInstanceContextManager) -> None:
    """Prepare the recorder database before the hass fixture (needed by recorder_mock)."""


async def test_logbook_names_the_sender(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_admin_user: MockUser,
    post: Poster,
    fake_server: FakeServer,  # noqa: F811 - the fixture imported above
) -> None:
    """A refused downlink is not logged; a sent one is, on the device, with its user."""
    assert await async_setup_component(hass, "logbook", {})
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    assert (await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up"))[0] == 200
    device = dr.async_get(hass).async_get_devices(identifiers={(DOMAIN, DEV)})[0]
    context = Context(user_id=hass_admin_user.id)
    call = {"device_id": device.id}
    # No route yet (no REST API configured): refused, and nothing is logged.
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(DOMAIN, "reboot_device", call, blocking=True)
    options = {**entry.options, "chirpstack_api_url": fake_server.url}
    hass.config_entries.async_update_entry(entry, options=options | {"chirpstack_api_token": "t"})
    await hass.async_block_till_done()
    await hass.services.async_call(DOMAIN, "reboot_device", call, blocking=True, context=context)
    # Reported by ChirpStack over the webhook: logged without a user.
    ack = {"deviceInfo": {"devEui": DEV}, "queueItemId": "3f2a", "acknowledged": True}
    assert (await post(WEBHOOK_CS, ack, event="ack"))[0] == 200
    await async_wait_recording_done(hass)
    client = await hass_ws_client()
    await client.send_json_auto_id(
        {
            "type": "logbook/get_events",
            "start_time": "2000-01-01T00:00:00+00:00",
            "device_ids": [device.id],
        }
    )
    response = await client.receive_json()
    assert response["success"]
    entries: list[dict[str, Any]] = [
        entry for entry in response["result"] if entry.get("domain") == DOMAIN
    ]
    assert [(entry["message"], entry.get("context_user_id")) for entry in entries] == [
        ("downlink 3e01fe queued on fPort 6", hass_admin_user.id),
        ("downlink 3e01fe acknowledged by the device", None),
    ]
