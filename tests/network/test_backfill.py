"""The Things Stack backfill: missed uplinks from the Storage Integration (real aiohttp server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.diagnostics import async_get_config_entry_diagnostics
from custom_components.municipal_iot.network.backfill import key_refused_issue_id
from tests.network import (
    WEBHOOK_TTS,
    Poster,
    load_json,
    network_entry,
    setup_entry,
    tts_uplink,
)
from tests.storage_server import API_KEY, StorageServer, storage_server

pytestmark = pytest.mark.usefixtures("socket_enabled")
B_EUI = "A81758FFFE0312AC"


def uplink_a(payload: str, f_cnt: int, at: str) -> dict[str, Any]:
    """An uplink of apt-12-motion (Elsys ERS: 01 temperature, 05 PIR count)."""
    return tts_uplink(payload, f_cnt=f_cnt, received_at=at)


def uplink_b(payload: str, f_cnt: int, at: str) -> dict[str, Any]:
    """An uplink of apt-14-motion."""
    return tts_uplink(
        payload, f_cnt=f_cnt, received_at=at, dev_eui=B_EUI, device_id="apt-14-motion"
    )


def temperature(hass: HomeAssistant, device: str) -> str:
    state = hass.states.get(f"sensor.{device}_temperature")
    assert state is not None
    return state.state


def writes_of(hass: HomeAssistant, entity_id: str) -> list[str]:
    """Collect the state writes (changed or reported) of ``entity_id`` from now on."""
    writes: list[str] = []

    @callback
    def record(event: Event[Any]) -> None:
        writes.append(event.data["new_state"].state)

    async_track_state_change_event(hass, entity_id, record)
    async_track_state_report_event(hass, entity_id, record)
    return writes


@pytest.fixture
async def server() -> AsyncIterator[StorageServer]:
    """The Storage Integration of application ``solrosen``."""
    async with storage_server() as running:
        yield running


def storage_entry(server: StorageServer, **options: Any) -> MockConfigEntry:
    """A TTS webhook entry whose options name the storage server."""
    return network_entry(
        "tts",
        WEBHOOK_TTS,
        storage_url=server.url,
        storage_application_id="solrosen",
        storage_api_key=API_KEY,
        **options,
    )


async def diagnostics(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    return await async_get_config_entry_diagnostics(hass, entry)


async def settle(hass: HomeAssistant) -> None:
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_ha_down_gets_the_missed_uplinks_back_at_start_and_no_state_moves_back(
    hass: HomeAssistant, post: Poster, server: StorageServer, freezer: Any
) -> None:
    """HA is down 10:05-12:00; at start the stored uplinks since 10:02 are applied in order.

    The uplink HA saw last comes back (the API's microseconds) and is not applied again;
    a webhook uplink that arrives while the backfill runs stays the newest state.
    """
    freezer.move_to("2026-11-26T10:05:00+00:00")
    entry = await setup_entry(hass, storage_entry(server))
    seen_a = uplink_a("0100d20503", 1, "2026-11-26T10:00:00.381960868Z")  # 21.0, motion
    seen_b = uplink_b("0100c8", 1, "2026-11-26T10:02:00.381960868Z")  # 20.0
    assert await post(WEBHOOK_TTS, seen_a) == (200, "ok")
    assert await post(WEBHOOK_TTS, seen_b) == (200, "ok")
    assert server.requests == []  # nothing to fetch: the entry had seen nothing at start

    assert await hass.config_entries.async_unload(entry.entry_id)  # HA goes down
    freezer.move_to("2026-11-26T12:00:00+00:00")
    server.store(
        seen_a,
        seen_b,
        uplink_a("0100dc0502", 2, "2026-11-26T10:30:00.5Z"),  # 22.0, motion
        uplink_b("0100be", 2, "2026-11-26T10:40:00Z"),  # 19.0: older than B's 11:50 below
        uplink_a("0100e60500", 3, "2026-11-26T11:30:00Z"),  # 23.0, no motion
    )
    server.gate = asyncio.Event()  # the storage answers after B's webhook uplink
    assert await hass.config_entries.async_setup(entry.entry_id)
    await server.asked.wait()
    await hass.async_block_till_done()  # the entities are added (A's motion restored "on")
    motion_writes = writes_of(hass, "binary_sensor.apt_12_motion_motion")
    newest_b = uplink_b("0100fa", 3, "2026-11-26T11:50:00Z")  # 25.0, by webhook
    assert await post(WEBHOOK_TTS, newest_b) == (200, "ok")
    server.gate.set()
    await settle(hass)

    assert server.requests[0]["after"] == "2026-11-26T10:02:00.381960Z"
    assert server.requests[0]["order"] == "received_at"
    assert temperature(hass, "apt_12_motion") == "23.0"
    # Stored motion is history, not a live report: supervision must not count it as
    # activity now, so the motion state (restored from 10:00) is not written at all.
    assert motion_writes == []
    assert hass.states.get("binary_sensor.apt_12_motion_motion").state == "on"
    last_motion = hass.states.get("sensor.apt_12_motion_last_motion")
    assert last_motion.state == "2026-11-26T10:30:00+00:00"
    assert temperature(hass, "apt_14_motion") == "25.0"  # the 10:40 uplink did not move it back

    report = (await diagnostics(hass, entry))["backfill"]
    assert report["runs"] == 1
    assert report["last_error"] is None
    (run,) = report["reports"]
    assert run["trigger"] == "start"
    assert run["received"] == 4  # seen_b again, A 10:30, B 10:40, A 11:30
    assert run["already_seen"] == 1
    assert run["outcomes"] == {"applied": 2, "out_of_order": 1}
    assert run["first_received_at"] == "2026-11-26T10:02:00.381960+00:00"
    assert run["last_received_at"] == "2026-11-26T11:30:00+00:00"
    assert run["error"] is None


async def test_a_gap_while_running_is_filled(
    hass: HomeAssistant, post: Poster, server: StorageServer, freezer: Any
) -> None:
    """Webhooks lost 10:00-11:30 while HA ran, the storage late: the gap is fetched again."""
    freezer.move_to("2026-11-26T10:00:30+00:00")
    entry = await setup_entry(hass, storage_entry(server))
    assert await post(WEBHOOK_TTS, uplink_a("0100d2", 1, "2026-11-26T10:00:00Z")) == (200, "ok")
    freezer.tick(61)
    async_fire_time_changed(hass)
    await settle(hass)
    assert server.requests == []  # no gap yet, no silence longer than 60 min

    freezer.move_to("2026-11-26T11:01:00+00:00")  # silent for an hour: a look finds nothing
    async_fire_time_changed(hass)
    await settle(hass)
    assert len(server.requests) == 1
    assert "before" not in server.requests[0]

    freezer.move_to("2026-11-26T11:30:10+00:00")
    server.store(  # the storage has caught up meanwhile
        uplink_a("0100dc", 2, "2026-11-26T10:40:00Z"),
        uplink_b("0100be", 1, "2026-11-26T11:10:00Z"),  # older than B's 11:30 by webhook
    )
    assert await post(WEBHOOK_TTS, uplink_b("0100fa", 2, "2026-11-26T11:30:00Z")) == (200, "ok")
    freezer.tick(61)  # the next check
    async_fire_time_changed(hass)
    await settle(hass)

    assert len(server.requests) == 2
    assert server.requests[1]["after"] == "2026-11-26T10:00:00.000000Z"
    assert server.requests[1]["before"] == "2026-11-26T11:30:00.000000Z"
    assert temperature(hass, "apt_12_motion") == "22.0"
    assert temperature(hass, "apt_14_motion") == "25.0"
    run = (await diagnostics(hass, entry))["backfill"]["reports"][-1]
    assert run["trigger"] == "gap"
    assert run["outcomes"] == {"applied": 1, "out_of_order": 1}

    freezer.tick(61)  # what the gap run applied is no new gap
    async_fire_time_changed(hass)
    await settle(hass)
    assert len(server.requests) == 2


async def test_a_long_silence_asks_the_storage_once_per_interval(
    hass: HomeAssistant, post: Poster, server: StorageServer, freezer: Any
) -> None:
    """No uplink for longer than the expected interval: look, then wait an interval."""
    freezer.move_to("2026-11-26T10:00:30+00:00")
    entry = await setup_entry(hass, storage_entry(server, interval_motion=30))
    assert await post(WEBHOOK_TTS, uplink_a("0100d2", 1, "2026-11-26T10:00:00Z")) == (200, "ok")
    freezer.move_to("2026-11-26T10:31:00+00:00")
    async_fire_time_changed(hass)
    await settle(hass)
    assert len(server.requests) == 1
    freezer.move_to("2026-11-26T10:45:00+00:00")
    async_fire_time_changed(hass)
    await settle(hass)
    assert len(server.requests) == 1
    server.store(uplink_a("0100e6", 2, "2026-11-26T11:00:00Z"))
    freezer.move_to("2026-11-26T11:02:00+00:00")
    async_fire_time_changed(hass)
    await settle(hass)
    assert len(server.requests) == 2
    assert server.requests[1]["after"] == "2026-11-26T10:00:00.000000Z"
    assert "before" not in server.requests[1]
    assert temperature(hass, "apt_12_motion") == "23.0"
    triggers = [run["trigger"] for run in (await diagnostics(hass, entry))["backfill"]["reports"]]
    assert triggers == ["silence", "silence"]


async def test_a_refused_key_opens_a_repair_issue_until_a_fetch_works(
    hass: HomeAssistant, post: Poster, server: StorageServer, freezer: Any
) -> None:
    """401: a repair issue (and the key never in diagnostics); it goes when the key works."""
    freezer.move_to("2026-11-26T10:00:30+00:00")
    entry = await setup_entry(hass, storage_entry(server))
    assert await post(WEBHOOK_TTS, uplink_a("0100d2", 1, "2026-11-26T10:00:00Z")) == (200, "ok")
    server.api_key = "NNSXS.REVOKED"
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    issue_id = key_refused_issue_id(entry.entry_id)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "storage_key_refused"
    assert issue.translation_placeholders == {
        "name": "tts test",
        "error": "the API key was refused (HTTP 401)",
    }
    diag = await diagnostics(hass, entry)
    assert diag["backfill"]["last_error"] == "the API key was refused (HTTP 401)"
    assert diag["backfill"]["last_error_at"] == "2026-11-26T10:00:30+00:00"
    assert diag["entry"]["options"]["storage_api_key"] == "**REDACTED**"
    assert API_KEY not in str(diag)

    server.api_key = API_KEY  # the admin gave the key its rights back in TTS
    freezer.move_to("2026-11-26T11:01:00+00:00")
    async_fire_time_changed(hass)
    await settle(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert len(server.requests) == 2


async def test_rate_limits_and_bad_lines_are_reported(
    hass: HomeAssistant,
    post: Poster,
    server: StorageServer,
    freezer: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """429 then the page; a bad line and an invalid uplink are skipped and counted."""
    freezer.move_to("2026-11-26T10:00:30+00:00")
    entry = await setup_entry(hass, storage_entry(server))
    assert await post(WEBHOOK_TTS, uplink_a("0100d2", 1, "2026-11-26T10:00:00Z")) == (200, "ok")
    broken = uplink_b("0100be", 1, "2026-11-26T10:20:00Z")
    broken["end_device_ids"]["dev_eui"] = "not-hex"
    join = load_json("network/tts_join_accept.json")  # not an uplink: through the hub, no count
    join["received_at"] = "2026-11-26T10:15:00Z"
    server.store(uplink_a("0100dc", 2, "2026-11-26T10:10:00Z"), broken, join)
    server.extra_lines = [b"{not json"]
    server.answers = [(429, {"Retry-After": "0"})]
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert temperature(hass, "apt_12_motion") == "22.0"
    diag = (await diagnostics(hass, entry))["backfill"]
    (run,) = diag["reports"]
    assert run["malformed"] == 2
    assert run["received"] == 1
    assert run["outcomes"] == {"applied": 1, "ignored": 1}
    assert diag["requests"] == 2
    assert diag["waited_for_rate_limit_s"] == 0.0
    assert diag["runs"] == 1
    skipped = [r for r in caplog.records if "Skipped a stored uplink" in r.getMessage()]
    assert len(skipped) == 1  # logged once, counted twice


async def test_server_errors_end_the_run_and_are_logged_once(
    hass: HomeAssistant,
    post: Poster,
    server: StorageServer,
    freezer: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 500 ends the run with its reason; no repair issue (the key is not the problem).

    The next look, five minutes later, fails the same way and is not logged again.
    """
    freezer.move_to("2026-11-26T10:00:30+00:00")
    entry = await setup_entry(hass, storage_entry(server, interval_motion=5))
    assert await post(WEBHOOK_TTS, uplink_a("0100d2", 1, "2026-11-26T10:00:00Z")) == (200, "ok")
    server.answers = [(500, {}), (500, {})]
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    freezer.move_to("2026-11-26T10:06:00+00:00")
    async_fire_time_changed(hass)
    await settle(hass)
    diag = (await diagnostics(hass, entry))["backfill"]
    assert [run["error"] for run in diag["reports"]] == ["unexpected answer HTTP 500"] * 2
    assert ir.async_get(hass).async_get_issue(DOMAIN, key_refused_issue_id(entry.entry_id)) is None
    failed = [r for r in caplog.records if "Backfill from the Storage" in r.getMessage()]
    assert len(failed) == 1


async def test_unload_stops_the_checks(
    hass: HomeAssistant, post: Poster, server: StorageServer, freezer: Any
) -> None:
    """An unloaded entry asks the storage nothing more; without options there is no backfill."""
    freezer.move_to("2026-11-26T10:00:30+00:00")
    entry = await setup_entry(hass, storage_entry(server))
    assert await post(WEBHOOK_TTS, uplink_a("0100d2", 1, "2026-11-26T10:00:00Z")) == (200, "ok")
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.move_to("2026-11-26T12:00:00+00:00")
    async_fire_time_changed(hass)
    await settle(hass)
    assert server.requests == []

    plain = await setup_entry(hass, network_entry("tts", "other-webhook"))
    assert "backfill" not in await diagnostics(hass, plain)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=2))
    await settle(hass)
    assert server.requests == []
