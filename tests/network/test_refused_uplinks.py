"""A device whose uplinks are refused says why: a "last error" sensor and a repair issue."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.lorawan.markdown import inert
from custom_components.municipal_iot.network.device import NO_ERROR
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, network_entry, setup_entry

LAST_ERROR = "sensor.apt_12_motion_last_error"
DEV_EUI = "a81758fffe0312ab"


@pytest.mark.usefixtures("frozen_clock")
async def test_refused_uplinks_say_why(hass: HomeAssistant, post: Poster) -> None:
    """The reason shows at once; after three in a row a repair issue; a good uplink clears both."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    issue_id = f"uplinks_refused_{entry.entry_id}_{DEV_EUI}"
    issues = ir.async_get(hass)
    for f_cnt in (1, 2):
        body = chirpstack_up("ff", f_cnt=f_cnt, time=f"2026-11-26T10:0{f_cnt}:00+00:00")
        assert (await post(WEBHOOK_CS, body, event="up"))[1] == (
            "accepted: payload could not be decoded"
        )
    state = hass.states.get(LAST_ERROR)
    assert state is not None
    assert state.state not in {"unknown", "unavailable", NO_ERROR}  # the decoder's reason
    reason = state.state
    assert issues.async_get_issue(DOMAIN, issue_id) is None  # not yet: it may pass
    await post(
        WEBHOOK_CS, chirpstack_up("ff", f_cnt=3, time="2026-11-26T10:03:00+00:00"), event="up"
    )
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "uplinks_refused"
    assert issue.translation_placeholders == {
        "name": "apt-12-motion",
        "dev_eui": DEV_EUI,
        "count": "3",
        "error": inert(reason),  # shown literally: the issue renders markdown
    }
    ok = chirpstack_up("0100e20503", f_cnt=4, time="2026-11-26T10:04:00+00:00")
    assert await post(WEBHOOK_CS, ok, event="up") == (200, "ok")
    assert hass.states.get(LAST_ERROR).state == NO_ERROR
    assert issues.async_get_issue(DOMAIN, issue_id) is None
