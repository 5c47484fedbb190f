"""The Tillsyn panel's backend: registration, the websocket subscription and actions, downloads.

Staff are non-admin users: every command here is called as one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from aiohttp import web
from homeassistant.components import frontend
from homeassistant.components.websocket_api import http as websocket_http
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.municipal_iot.care.const import BUNDLE_FILE, PANEL_URL_PATH
from tests.care import (
    APT,
    APT2,
    MOTION,
    REPO,
    RULES,
    advance,
    apartment,
    care_entry,
    setup_care,
    unit_data,
)

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off", "phones")

FRONTEND = REPO / "frontend"
NO_NOTICES = {"network_outage": None, "test_alarm_pending": None, "test_alarm_unanswered": None}
BUNDLE = REPO / "custom_components" / "municipal_iot" / "frontend" / BUNDLE_FILE


@pytest.fixture(autouse=True)
def no_websocket_heartbeat() -> Iterator[None]:
    """Turn off the server's websocket heartbeat (a 55 s ping, then a pong deadline).

    The frozen clock's jumps fire both timers at once while the test reads no
    message, so the server would close the connection for a missing pong.
    """
    real = web.WebSocketResponse

    def response(*args: Any, **kwargs: Any) -> web.WebSocketResponse:
        return real(*args, **(kwargs | {"heartbeat": None}))

    with patch.object(websocket_http.web, "WebSocketResponse", response):
        yield


async def _staff_ws(hass: HomeAssistant, hass_ws_client: Any, staff: MockUser) -> Any:
    """A websocket client logged in as the staff member (not an admin)."""
    token = await hass.auth.async_create_refresh_token(staff, "https://example.com/")
    return await hass_ws_client(hass, access_token=hass.auth.async_create_access_token(token))


async def _until(ws: Any, done: Any) -> list[dict[str, Any]]:
    """Read events until ``done(event)``; return them all (the last one is the match)."""
    events = []
    while True:
        events.append(await _event(ws))
        if done(events[-1]):
            return events


def _tile_status(status: str) -> Any:
    return lambda event: event["type"] == "apartment" and event["apartment"]["status"] == status


def _kinds(events: list[dict[str, Any]]) -> list[str]:
    return [
        item["kind"] for event in events if event["type"] == "journal" for item in event["entries"]
    ]


async def _event(ws: Any) -> dict[str, Any]:
    message = await ws.receive_json()
    assert message["type"] == "event", message
    event: dict[str, Any] = message["event"]
    return event


async def test_panel_shown_for_everyone_while_a_unit_runs(hass: HomeAssistant, clock: Any) -> None:
    """The sidebar panel is registered for non-admins and goes when the last unit unloads."""
    entry = await setup_care(hass, care_entry())
    panel = hass.data[frontend.DATA_PANELS][PANEL_URL_PATH]
    assert panel.require_admin is False
    assert panel.sidebar_title == "Supervision"
    assert panel.config["_panel_custom"]["name"] == "municipal-iot-panel"
    module = panel.config["_panel_custom"]["module_url"]
    assert module.startswith("/municipal_iot_frontend/municipal-iot.js?v=")
    assert module in hass.data[frontend.DATA_EXTRA_MODULE_URL].urls  # the card, on every page
    await hass.config_entries.async_unload(entry.entry_id)
    assert PANEL_URL_PATH not in hass.data[frontend.DATA_PANELS]
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert PANEL_URL_PATH in hass.data[frontend.DATA_PANELS]


async def test_bundle_is_served(hass: HomeAssistant, clock: Any, hass_client: Any) -> None:
    """The committed bundle is served from the integration's frontend folder."""
    await setup_care(hass, care_entry())
    client = await hass_client()
    response = await client.get(f"/municipal_iot_frontend/{BUNDLE_FILE}")
    assert response.status == 200
    assert await response.read() == BUNDLE.read_bytes()


async def test_subscribe_sends_units_then_changes(
    hass: HomeAssistant, clock: Any, hass_ws_client: Any, staff_user: MockUser
) -> None:
    """A snapshot with tiles and today's journal, then only what changed, live."""
    entry = await setup_care(
        hass,
        care_entry(
            apartment(),
            # Lägenhet 7 alarms only after ten hours: the alarm below is Lägenhet 3's alone.
            apartment(
                APT2, "Lägenhet 7", rules_mode="custom", rules=RULES | {"continuous_minutes": 600}
            ),
            entry_id="solrosen_entry",
        ),
    )
    ws = await _staff_ws(hass, hass_ws_client, staff_user)
    await ws.send_json({"id": 1, "type": "municipal_iot/subscribe"})
    assert (await ws.receive_json())["success"]
    snapshot = await _event(ws)
    assert snapshot["type"] == "snapshot"
    (unit,) = snapshot["units"]
    assert (unit["entry_id"], unit["title"], unit["journal"]) == ("solrosen_entry", "Solrosen", [])
    assert unit["notices"] == NO_NOTICES
    tiles = {tile["id"]: tile for tile in unit["apartments"]}
    assert tiles[APT] | {"device_id": ""} == {
        "id": APT,
        "device_id": "",
        "label": "Lägenhet 3",
        "status": "ok",
        "rank": 7,
        "still_since": "2026-11-26T10:15:00+00:00",
        "last_motion": "2026-11-26T10:15:00+00:00",
        "next_alarm": "2026-11-26T11:25:00+00:00",
        "next_planned_check": None,
        "action_plan": "Knacka två gånger.",
        "state_lost_at": None,
        "sensors": [{"entity_id": MOTION, "problem": None, "battery_low": False}],
        # The unit's rules and alarm policy, without the sensors (listed above).
        "rules": RULES
        | {
            "policy": {"escalation_minutes": 10, "reminder_minutes": 5},
            "outing": None,
            "night_exit": None,
            "planned": None,
        },
        "grace_ends_at": None,
        "away_since": None,
        "alarm": None,
        "pause": None,
    }

    await advance(hass, clock, 60)  # grace: the tile changes, the journal grows
    events = await _until(ws, _tile_status("grace"))
    assert events[-1]["apartment"]["rank"] == 1
    await advance(hass, clock, 10)
    events = await _until(ws, _tile_status("alarm"))
    assert events[-1]["apartment"]["alarm"]["raised_at"] == "2026-11-26T11:25:00+00:00"
    events += await _until(ws, lambda event: "notified" in _kinds([event]))
    assert _kinds(events) == ["grace_started", "alarm_raised", "notified"]

    await ws.send_json(
        {
            "id": 2,
            "type": "municipal_iot/acknowledge",
            "entry_id": entry.entry_id,
            "apartment_id": APT,
        }
    )
    events = await _until(ws, lambda event: "acknowledged" in _kinds([event]))
    tiles = [event["apartment"] for event in events if event["type"] == "apartment"]
    assert tiles[-1]["alarm"]["acknowledged_by"] == "Staff"
    assert events[-1]["entries"][0]["user"] == "Staff"
    assert (await ws.receive_json())["success"]

    await ws.send_json(
        {
            "id": 3,
            "type": "municipal_iot/close",
            "entry_id": entry.entry_id,
            "apartment_id": APT,
            "outcome": "visited_needed_help",
            "note": "Hjälp upp ur sängen.",
        }
    )
    events = await _until(ws, lambda event: "resolved_without_motion" in _kinds([event]))
    tiles = [event["apartment"] for event in events if event["type"] == "apartment"]
    assert (tiles[-1]["status"], tiles[-1]["alarm"]) == ("ok", None)
    assert events[-1]["entries"][0] | {"id": 0, "at": ""} == {
        "id": 0,
        "at": "",
        "apartment_id": APT,
        "apartment": "Lägenhet 3",
        "kind": "resolved_without_motion",
        "user": "Staff",
        "outcome": "visited_needed_help",
        "note": "Hjälp upp ur sängen.",
        "reason": None,
        "until": None,
        "sensor_id": None,
    }
    assert (await ws.receive_json())["success"]

    await ws.send_json(
        {
            "id": 4,
            "type": "municipal_iot/pause",
            "entry_id": entry.entry_id,
            "apartment_id": APT2,
            "reason": "hospital",
            "until": "2026-11-27T07:00:00",  # local time, as the panel sends it
        }
    )
    events = await _until(ws, lambda event: "paused" in _kinds([event]))
    tiles = [event["apartment"] for event in events if event["type"] == "apartment"]
    assert tiles[-1]["pause"] == {
        "since": "2026-11-26T11:25:00+00:00",
        "until": "2026-11-27T06:00:00+00:00",
        "reason": "hospital",
        "by": "Staff",
    }
    assert (await ws.receive_json())["success"]
    await ws.send_json(
        {"id": 5, "type": "municipal_iot/resume", "entry_id": entry.entry_id, "apartment_id": APT2}
    )
    events = await _until(ws, lambda event: "resumed" in _kinds([event]))
    assert [event["apartment"]["pause"] for event in events if event["type"] == "apartment"] == [
        None
    ]
    assert (await ws.receive_json())["success"]

    # A unit that unloads sends the whole picture again (now without it).
    await hass.config_entries.async_unload(entry.entry_id)
    assert (await _event(ws)) == {"type": "snapshot", "units": []}


async def test_misuse_is_a_translated_error_not_an_error_log(
    hass: HomeAssistant,
    clock: Any,
    hass_ws_client: Any,
    staff_user: MockUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Acknowledging with no alarm, a pause in the past, an unknown apartment: polite errors."""
    entry = await setup_care(hass, care_entry())
    ws = await _staff_ws(hass, hass_ws_client, staff_user)
    target = {"entry_id": entry.entry_id, "apartment_id": APT}
    requests = [
        ({"type": "municipal_iot/acknowledge", **target}, "no_open_alarm"),
        (
            {"type": "municipal_iot/close", **target, "outcome": "false_alarm"},
            "no_open_alarm",
        ),
        (
            {
                "type": "municipal_iot/pause",
                **target,
                "reason": "away",
                "until": "2026-11-26T08:00:00",
            },
            "pause_in_past",
        ),
        (
            {"type": "municipal_iot/resume", "entry_id": entry.entry_id, "apartment_id": "nope"},
            "not_an_apartment",
        ),
        (
            {"type": "municipal_iot/resume", "entry_id": "nope", "apartment_id": APT},
            "not_an_apartment",
        ),
    ]
    for number, (request, key) in enumerate(requests, start=1):
        await ws.send_json({"id": number, **request})
        answer = await ws.receive_json()
        assert answer["success"] is False
        assert answer["error"]["translation_key"] == key
        assert answer["error"]["code"] == "service_validation_error"
    assert answer["error"]["message"] == "The device is not an apartment of a loaded care unit"
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


async def test_close_note_refuses_a_personal_number(
    hass: HomeAssistant, clock: Any, hass_ws_client: Any, staff_user: MockUser
) -> None:
    """The panel's close command refuses a personnummer in the note, like the action."""
    entry = await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    ws = await _staff_ws(hass, hass_ws_client, staff_user)
    await ws.send_json(
        {
            "id": 1,
            "type": "municipal_iot/close",
            "entry_id": entry.entry_id,
            "apartment_id": APT,
            "outcome": "visited_all_ok",
            "note": "Pratade med 811218-9876.",
        }
    )
    answer = await ws.receive_json()
    assert answer["success"] is False
    assert answer["error"]["translation_key"] == "personal_number_in_text"
    assert entry.runtime_data.apartments[APT].supervisor.episode is not None


async def test_download_through_a_signed_link(
    hass: HomeAssistant,
    clock: Any,
    hass_ws_client: Any,
    hass_client_no_auth: Any,
    staff_user: MockUser,
) -> None:
    """A staff member gets a signed link; the CSV has Swedish headers and names."""
    entry = await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    ws = await _staff_ws(hass, hass_ws_client, staff_user)
    await ws.send_json(
        {
            "id": 1,
            "type": "municipal_iot/acknowledge",
            "entry_id": entry.entry_id,
            "apartment_id": APT,
        }
    )
    assert (await ws.receive_json())["success"]
    await ws.send_json(
        {
            "id": 2,
            "type": "municipal_iot/journal_url",
            "entry_id": entry.entry_id,
            "start": "2026-11-26",
            "end": "2026-11-26",
            "language": "sv",
        }
    )
    url = (await ws.receive_json())["result"]["url"]
    assert url.startswith(f"/api/municipal_iot/journal/{entry.entry_id}?")
    assert "authSig=" in url
    client = await hass_client_no_auth()
    response = await client.get(url)
    assert response.status == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="solrosen_entries_2026-11-26_2026-11-26.csv"'
    )
    rows = list(csv.reader(io.StringIO((await response.text()).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:6] == ["Post", "Tid", "Lägenhets-id", "Lägenhet", "Händelse", "Användare"]
    assert [row[4:6] for row in rows[1:]] == [
        ["Ingen rörelse, respittid började", ""],
        ["Larm utlöst", ""],
        ["Personal aviserad", ""],
        ["Larm kvitterat", "Staff"],
    ]
    # Without a signature, or with a tampered one, there is nothing to download.
    assert (await client.get(url.split("?")[0] + "?start=2026-11-26&end=2026-11-26")).status == 401
    assert (await client.get(url.replace("2026-11-26", "2026-11-20", 1))).status == 401


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        ("start=2026-11-26&end=2026-11-25", 400, "the end not before the start"),
        ("start=yesterday&end=2026-11-25", 400, "YYYY-MM-DD"),
        ("start=2026-11-26&end=2026-11-26&content=all", 400, "entries, episodes or planned_checks"),
    ],
)
async def test_download_rejects_bad_requests(
    hass: HomeAssistant, clock: Any, hass_client: Any, query: str, status: int, reason: str
) -> None:
    """A bad period or content, or an unknown unit, is answered with the reason."""
    entry = await setup_care(hass, care_entry())
    client = await hass_client()
    response = await client.get(f"/api/municipal_iot/journal/{entry.entry_id}?{query}")
    assert response.status == status
    assert reason in (await response.json())["message"]
    missing = await client.get("/api/municipal_iot/journal/nope?start=2026-11-26&end=2026-11-26")
    assert missing.status == 404


def _sources_hash() -> str:
    """The hash scripts/build-frontend records: package files, lockfile, build script, sources."""
    names = ["package.json", "package-lock.json", "tsconfig.json", "build.mjs"]
    paths = [FRONTEND / name for name in names] + sorted((FRONTEND / "src").rglob("*"))
    digest = hashlib.sha256()
    for path in sorted(str(item.relative_to(FRONTEND)) for item in paths if item.is_file()):
        digest.update(path.encode() + b"\0")
        digest.update((FRONTEND / path).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_bundle_is_built_from_the_sources() -> None:
    """The committed bundle is stale when a source, the lockfile or the build changed."""
    recorded = (BUNDLE.parent / f"{BUNDLE_FILE}.sources-sha256").read_text().strip()
    assert recorded == _sources_hash(), "run scripts/build-frontend and commit the bundle"
    bundle = BUNDLE.read_text(encoding="utf-8")
    for element in ("municipal-iot-panel", "municipal-iot-care-card", "/subscribe", "/journal_url"):
        assert element in bundle


def test_toolchain_is_pinned_exactly() -> None:
    """package.json pins exact versions and the lockfile records no download address."""
    package = (FRONTEND / "package.json").read_text()
    assert "^" not in package
    assert "~" not in package
    lock = (FRONTEND / "package-lock.json").read_text()
    assert '"resolved"' not in lock
    tracked = subprocess.run(
        ["git", "ls-files", "frontend/node_modules"],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert tracked.stdout == ""
    assert Path(REPO / "scripts" / "build-frontend").stat().st_mode & 0o111


async def test_old_apartment_alarm_entity_is_removed(hass: HomeAssistant, clock: Any) -> None:
    """The per-apartment alarm sensor of older versions (it repeated the status) goes away."""
    entry: MockConfigEntry = care_entry()
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    old = registry.async_get_or_create(
        "binary_sensor", "municipal_iot", f"{APT}_alarm", config_entry=entry
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get(old.entity_id) is None


async def test_download_from_the_entry_page(
    hass: HomeAssistant, clock: Any, hass_client_no_auth: Any
) -> None:
    """The care unit's options hand out a signed link to the journal CSV."""
    entry = await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"  # the menu: unit rules or the download
    flow_id = result["flow_id"]
    result = await hass.config_entries.options.async_configure(
        flow_id, {"next_step_id": "download_journal"}
    )
    assert result["step_id"] == "download_journal"
    form = {"start": "2026-11-26", "end": "2026-11-25", "content": "episodes", "language": "sv"}
    result = await hass.config_entries.options.async_configure(flow_id, form)
    assert result["errors"] == {"base": "invalid_download_period"}
    result = await hass.config_entries.options.async_configure(
        flow_id, form | {"end": "2026-11-26"}
    )
    assert result["reason"] == "download_ready"
    assert result["description_placeholders"]["minutes"] == "5"
    client = await hass_client_no_auth()
    response = await client.get(result["description_placeholders"]["url"])
    assert response.status == 200
    rows = (await response.text()).lstrip("\ufeff").splitlines()
    assert rows[0].startswith("Larm-id;Lägenhets-id;Lägenhet;Orsak;Larm;")
    assert len(rows) == 2  # one alarm, one row


async def test_names_follow_renamed_users(
    hass: HomeAssistant, clock: Any, staff_user: MockUser
) -> None:
    """User names are read again when a user is renamed or removed (no restart)."""
    entry = await setup_care(hass, care_entry())
    users = entry.runtime_data.users
    assert users.name(staff_user.id) == "Staff"
    await hass.auth.async_update_user(staff_user, name="Anna Andersson")
    await hass.async_block_till_done()
    assert users.name(staff_user.id) == "Anna Andersson"
    await hass.auth.async_remove_user(staff_user)
    await hass.async_block_till_done()
    assert users.name(staff_user.id) == staff_user.id  # a removed user shows as the id
    assert users.name(None) == ""


def _unit_event(event: dict[str, Any]) -> bool:
    return bool(event["type"] == "unit")


def _motion(number: int) -> str:
    return f"binary_sensor.lgh_{number}_motion"


async def test_unit_banner_shows_a_network_outage_live(
    hass: HomeAssistant, clock: Any, hass_ws_client: Any, staff_user: MockUser
) -> None:
    """Sensors offline in 3 of 4 apartments: the banner comes live, and goes with the outage."""
    for number in range(1, 5):
        hass.states.async_set(_motion(number), "off", {"device_class": "motion"})
    entry = await setup_care(
        hass,
        MockConfigEntry(
            domain="municipal_iot",
            entry_id="solrosen_entry",
            title="Solrosen",
            unique_id="care_unit_solrosen",
            data=unit_data(),
            options={"network_outage_percent": 50},
            subentries_data=[
                apartment(f"apt{number}", f"Lgh {number}", motion_sensors=[_motion(number)])
                for number in range(1, 5)
            ],
        ),
    )
    ws = await _staff_ws(hass, hass_ws_client, staff_user)
    await ws.send_json({"id": 1, "type": "municipal_iot/subscribe"})
    assert (await ws.receive_json())["success"]
    assert (await _event(ws))["units"][0]["notices"] == NO_NOTICES
    for number in range(1, 4):
        hass.states.async_set(_motion(number), "unavailable")
    await advance(hass, clock, 15)  # unavailable for 15 minutes: a sensor problem each
    # 2 of 4 reach the 50 % share: the outage starts; the third joins it, live.
    events = await _until(ws, _unit_event)
    assert events[-1]["notices"]["network_outage"]["count"] == 2
    events = await _until(ws, _unit_event)
    assert events[-1] == {
        "type": "unit",
        "unit_id": entry.entry_id,
        "notices": NO_NOTICES
        | {
            "network_outage": {
                "since": "2026-11-26T10:15:00+00:00",
                "count": 3,
                "of": 4,
                "apartments": ["Lgh 1", "Lgh 2", "Lgh 3"],
            }
        },
    }
    # The unit-level journal entry reaches the panel too (the unit's title as its "apartment").
    events = await _until(ws, lambda event: "network_outage" in _kinds([event]))
    outage = next(item for item in events[-1]["entries"] if item["kind"] == "network_outage")
    assert (outage["apartment_id"], outage["apartment"]) == ("", "Solrosen")

    for number in range(1, 4):
        hass.states.async_set(_motion(number), "off", {"device_class": "motion"})
    await hass.async_block_till_done()
    # It shrinks as each sensor reports again, and ends with the last one.
    events = await _until(
        ws, lambda event: _unit_event(event) and event["notices"]["network_outage"] is None
    )
    shown = [event["notices"]["network_outage"] for event in events if _unit_event(event)]
    assert [None if item is None else item["count"] for item in shown] == [2, 1, None]
    assert events[-1]["notices"] == NO_NOTICES


async def test_unit_banner_shows_the_test_alarm_until_it_is_received(
    hass: HomeAssistant, clock: Any, hass_ws_client: Any, staff_user: MockUser
) -> None:
    """Waiting for "received"; unanswered, also after a restart; a late tap or "off" ends it."""
    entry = await setup_care(hass, care_entry(entry_id="solrosen_entry"))
    hass.config_entries.async_update_entry(
        entry, options={"test_alarm": "daily", "test_alarm_time": "11:30", "test_alarm_weekday": 0}
    )
    await hass.async_block_till_done()
    ws = await _staff_ws(hass, hass_ws_client, staff_user)
    await ws.send_json({"id": 1, "type": "municipal_iot/subscribe"})
    assert (await ws.receive_json())["success"]
    assert (await _event(ws))["units"][0]["notices"] == NO_NOTICES
    await advance(hass, clock, 15)  # 11:30 in Stockholm
    events = await _until(ws, _unit_event)
    assert events[-1]["notices"] == NO_NOTICES | {
        "test_alarm_pending": {
            "sent_at": "2026-11-26T10:30:00+00:00",
            "answer_by": "2026-11-26T11:00:00+00:00",
        }
    }
    await advance(hass, clock, 30)
    events = await _until(ws, _unit_event)
    unanswered = NO_NOTICES | {
        "test_alarm_unanswered": {
            "sent_at": "2026-11-26T10:30:00+00:00",
            "due_at": "2026-11-26T11:00:00+00:00",
        }
    }
    assert events[-1]["notices"] == unanswered

    # A restart keeps it: the new snapshot still shows it.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    events = await _until(ws, lambda event: event["type"] == "snapshot" and bool(event["units"]))
    assert events[-1]["units"][0]["notices"] == unanswered

    # A late "received" tap ends it.
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": "MIOT_TEST_test-20261126T103000Z"},
        context=Context(user_id=staff_user.id),
    )
    await hass.async_block_till_done()
    events = await _until(ws, _unit_event)
    assert events[-1]["notices"] == NO_NOTICES

    # The next day's test is not answered either; turning test alarms off forgets it.
    await advance(hass, clock, 24 * 60 + 5)
    events = await _until(
        ws, lambda event: _unit_event(event) and event["notices"]["test_alarm_unanswered"]
    )
    assert events[-1]["notices"]["test_alarm_unanswered"]["sent_at"] == "2026-11-27T10:30:00+00:00"
    hass.config_entries.async_update_entry(entry, options={"test_alarm": "off"})
    await hass.async_block_till_done()
    events = await _until(ws, _unit_event)
    assert events[-1]["notices"] == NO_NOTICES


async def test_tile_shows_the_next_planned_check_and_the_link_offers_the_planned_view(
    hass: HomeAssistant,
    clock: Any,
    hass_ws_client: Any,
    hass_client_no_auth: Any,
    staff_user: MockUser,
) -> None:
    """12:00 and 13:00 planned: the tile shows the next one; the signed link gives one row each."""
    rules = dict(RULES) | {
        "continuous_minutes": None,
        "planned": {"times": [{"at": "12:00"}, {"at": "13:00"}], "lookback_minutes": 30},
    }
    entry = await setup_care(hass, care_entry(apartment(rules_mode="custom", rules=rules)))
    ws = await _staff_ws(hass, hass_ws_client, staff_user)
    await ws.send_json({"id": 1, "type": "municipal_iot/subscribe"})
    assert (await ws.receive_json())["success"]
    (tile,) = (await _event(ws))["units"][0]["apartments"]
    assert tile["next_planned_check"] == "2026-11-26T11:00:00+00:00"  # 12:00 in Stockholm
    assert tile["rules"]["planned"]["times"][0]["at"] == "12:00"
    await advance(hass, clock, 25)
    for value in ("on", "off"):  # 11:40: motion within the 30-minute look-back of 12:00
        hass.states.async_set(MOTION, value, {"device_class": "motion"})
        await hass.async_block_till_done()
    await advance(hass, clock, 20)  # 12:00: done digitally, the next one is 13:00
    events = await _until(
        ws,
        lambda event: (
            event["type"] == "apartment"
            and event["apartment"]["next_planned_check"] == "2026-11-26T12:00:00+00:00"
        ),
    )
    assert events[-1]["apartment"]["status"] == "ok"

    await ws.send_json(
        {
            "id": 2,
            "type": "municipal_iot/journal_url",
            "entry_id": entry.entry_id,
            "start": "2026-11-26",
            "end": "2026-11-26",
            "content": "planned_checks",
            "language": "sv",
        }
    )
    while (message := await ws.receive_json())["type"] == "event":
        pass
    url = message["result"]["url"]
    assert "content=planned_checks" in url
    response = await (await hass_client_no_auth()).get(url)
    assert response.status == 200
    rows = list(csv.reader(io.StringIO((await response.text()).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Lägenhet", "Planerad tid", "Tid enligt beslutet", "Tillsynens utfall"]
    assert [row[2:4] for row in rows[1:]] == [["12:00", "Tillsyn utförd digitalt"]]


async def test_unreadable_unanswered_test_alarm_is_logged_and_not_shown(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any], caplog: Any
) -> None:
    """A broken "unanswered" in the test alarm store: logged, the unit runs, no banner."""
    key = "municipal_iot.care.solrosen_entry.test_alarm"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {"next_at": None, "pending": None, "unanswered": {"sent_at": "11:00"}},
    }
    entry = await setup_care(hass, care_entry(entry_id="solrosen_entry"))
    assert "The test alarm state is unreadable" in caplog.text
    assert entry.runtime_data.test_alarm.panel_state() == {"pending": None, "unanswered": None}
