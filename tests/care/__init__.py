"""Helpers for the care unit Home Assistant tests (imported as a plain module)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import HomeAssistant, ServiceCall
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.supervision.engine import ApartmentSupervisor
from custom_components.municipal_iot.supervision.rules import ApartmentRules

APT = "apt3"  # subentry id of the first apartment
APT2 = "apt7"
MOTION = "binary_sensor.apt3_motion"
MOTION_2 = "binary_sensor.apt3_bedroom"
DOOR = "binary_sensor.apt3_door"
STATUS = "sensor.lagenhet_3_supervision_status"
LAST_MOTION = "sensor.lagenhet_3_last_motion"
NEXT_CHECK = "sensor.lagenhet_3_next_check"
ALARM = "binary_sensor.solrosen_alarm"  # the unit's "any apartment in alarm"
ALARM_SINCE = "sensor.lagenhet_3_in_alarm_since"
SWITCH = "switch.lagenhet_3_supervision"
ACK_BUTTON = "button.lagenhet_3_acknowledge_alarm"
RESOLVE_BUTTON = "button.lagenhet_3_close_alarm_all_well"
IN_ALARM = "sensor.solrosen_apartments_in_alarm"
STAFF = ["mobile_app_phone_a", "mobile_app_phone_b"]
NIGHT = "mobile_app_night"
ALL_PHONES = [*STAFF, NIGHT]

RULES: dict[str, Any] = {
    "bands": [],
    "windows": [],
    "continuous_minutes": 60,
    "grace_minutes": 10,
    "sensor_unavailable_minutes": 15,
    "sensor_interval_minutes": None,
}


def unit_data(**changes: Any) -> dict[str, Any]:
    """Care unit entry data with two staff phones and a night phone for escalation."""
    return {
        "entry_type": "care_unit",
        "staff_targets": list(STAFF),
        "escalation_targets": [NIGHT],
        "escalation_minutes": 10,
        "reminder_minutes": 5,
        "critical": False,
        "retention_months": 13,
        "rules": dict(RULES),
    } | changes


def apartment_data(**changes: Any) -> dict[str, Any]:
    """Apartment subentry data with one motion sensor and the unit's rules."""
    return {
        "motion_sensors": [MOTION],
        "door_sensors": [],
        "area_id": None,
        "action_plan": "Knacka två gånger.",
        "consent_date": "2026-01-15",
        "decision_reference": "",
        "rules_mode": "unit",
        "rules": None,
    } | changes


def apartment(
    subentry_id: str = APT, title: str = "Lägenhet 3", **changes: Any
) -> ConfigSubentryDataWithId:
    """An apartment subentry with a fixed id."""
    return ConfigSubentryDataWithId(
        subentry_id=subentry_id,
        subentry_type="apartment",
        title=title,
        data=apartment_data(**changes),
        unique_id=None,
    )


def care_entry(
    *apartments: ConfigSubentryDataWithId, entry_id: str | None = None, **changes: Any
) -> MockConfigEntry:
    """A care unit entry "Solrosen" (one apartment unless given)."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title="Solrosen",
        unique_id="care_unit_solrosen",
        data=unit_data(**changes),
        subentries_data=list(apartments) if apartments else [apartment()],
    )


type Phones = dict[str, list[ServiceCall]]


def mock_phones(hass: HomeAssistant, *names: str) -> Phones:
    """Register mock notify actions; return their call lists by service name."""
    return {name: async_mock_service(hass, "notify", name) for name in names}


def sent(phones: Phones) -> dict[str, list[dict[str, Any]]]:
    """Return and forget the notify calls made so far, per phone."""
    calls = {name: [call.data for call in calls] for name, calls in phones.items()}
    for calls_list in phones.values():
        calls_list.clear()
    return calls


def journal_kinds(entry: MockConfigEntry) -> list[str]:
    """Return the kinds of a care unit's journal entries."""
    return [item.kind for item in entry.runtime_data.journal.entries]


async def setup_care(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up a care unit entry."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def advance(hass: HomeAssistant, freezer: Any, minutes: float) -> None:
    """Move the clock and run what fell due."""
    freezer.tick(timedelta(minutes=minutes))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state (fails if the entity is missing)."""
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


# ---------------------------------------------------------------- a real Home Assistant
# The browser test runs `hass` as a subprocess with a temporary configuration on a
# free loopback port, with one care unit of many apartments written to its storage.

REPO = Path(__file__).resolve().parent.parent.parent
STAFF_NAME = "Personal Anna"
STAFF_LOGIN = ("anna", "anna-lösen-1")
OWNER_LOGIN = ("admin", "admin-lösen-1")
UNIT_ENTRY = "solrosen_entry"


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def apartment_id(number: int) -> str:
    """Return the subentry id of apartment ``number`` in the browser test's care unit."""
    return f"apt{number:03d}"


def write_real_config(config: Path, port: int, apartments: int) -> None:
    """Write a configuration, and a care unit of ``apartments`` apartments, into ``config``.

    Every apartment is supervised since two hours ago with "no motion for 4 h"
    (no alarm until the test lowers a threshold); their sensors are created
    through the REST API once Home Assistant runs.
    """
    (config / "custom_components").mkdir(parents=True)
    (config / "custom_components" / DOMAIN).symlink_to(REPO / "custom_components" / DOMAIN)
    (config / "configuration.yaml").write_text(
        "homeassistant:\n  name: Solrosen\n  time_zone: Europe/Stockholm\n  country: SE\n"
        "  language: sv\n  unit_system: metric\n  currency: SEK\n"
        "  latitude: 62.42\n  longitude: 15.65\n  elevation: 140\n"
        f"http:\n  server_host: 127.0.0.1\n  server_port: {port}\n"
        "frontend:\nconfig:\napi:\nwebhook:\nhistory:\nlogbook:\nlogger:\n  default: warning\n"
        "  logs:\n    custom_components.municipal_iot: info\n",
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    rules = dict(RULES) | {"continuous_minutes": 240, "grace_minutes": 0}
    subentries = [
        apartment(
            apartment_id(number),
            f"Lgh {number}",
            motion_sensors=[f"binary_sensor.lgh_{number}_motion"],
            action_plan="Knacka två gånger och vänta." if number == 7 else "",
        )
        for number in range(1, apartments + 1)
    ]
    entry = {
        "created_at": now.isoformat(),
        "data": unit_data(staff_targets=[], escalation_targets=[], rules=rules),
        "discovery_keys": {},
        "disabled_by": None,
        "domain": DOMAIN,
        "entry_id": UNIT_ENTRY,
        "minor_version": 1,
        "modified_at": now.isoformat(),
        "options": {},
        "pref_disable_new_entities": False,
        "pref_disable_polling": False,
        "source": "user",
        "subentries": [dict(item) for item in subentries],
        "title": "Solrosen",
        "unique_id": "care_unit_solrosen",
        "version": 1,
    }
    storage = config / ".storage"
    storage.mkdir()
    _store(storage, "core.config_entries", {"entries": [entry]}, minor=5)
    two_hours_ago = now - timedelta(hours=2)
    state = {
        "apartments": {
            item["subentry_id"]: ApartmentSupervisor(
                item["subentry_id"],
                ApartmentRules.from_dict(rules | {"sensors": item["data"]["motion_sensors"]}),
                tz=ZoneInfo("Europe/Stockholm"),
                clock=lambda: two_hours_ago,
            ).to_dict()
            for item in subentries
        }
    }
    _store(storage, f"{DOMAIN}.care.{UNIT_ENTRY}.state", state)


def _store(storage: Path, key: str, data: dict[str, Any], minor: int = 1) -> None:
    body = {"version": 1, "minor_version": minor, "key": key, "data": data}
    (storage / key).write_text(json.dumps(body), encoding="utf-8")


class RealHass:
    """A running `hass` subprocess and a small HTTP client for it."""

    def __init__(self, config: Path, port: int) -> None:
        """Start Home Assistant; :meth:`wait` blocks until it answers."""
        self.config = config
        self.base = f"http://127.0.0.1:{port}"
        self.log = (config / "hass.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's hass
            [str(REPO / ".venv" / "bin" / "hass"), "-c", str(config), "--skip-pip"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, timeout: float = 90) -> None:
        """Wait until the onboarding API answers (Home Assistant is up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.config / "hass.log").read_text()
            try:
                status, _ = self.call("GET", "/api/onboarding")
            except OSError:
                status = 0
            if status == 200:
                return
            time.sleep(0.2)
        raise AssertionError("Home Assistant did not start")

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        *,
        form: bool = False,
    ) -> tuple[int, Any]:
        """Make one HTTP request; return (status, parsed JSON or text)."""
        headers = {}
        data = None
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data, headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def onboard(self) -> str:
        """Create the owner, finish onboarding; return the owner's access token."""
        client = f"{self.base}/"
        name, password = OWNER_LOGIN
        status, result = self.call(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": client,
                "name": "Admin",
                "username": name,
                "password": password,
                "language": "sv",
            },
        )
        assert status == 200, result
        token = self.token(result["auth_code"])
        for step in ("core_config", "analytics"):
            self.call("POST", f"/api/onboarding/{step}", {}, token)
        self.call(
            "POST",
            "/api/onboarding/integration",
            {"client_id": client, "redirect_uri": client},
            token,
        )
        return token

    def token(self, code: str) -> str:
        """Exchange an authorization code for an access token."""
        status, tokens = self.call(
            "POST",
            "/auth/token",
            {"grant_type": "authorization_code", "code": code, "client_id": f"{self.base}/"},
            form=True,
        )
        assert status == 200, tokens
        return str(tokens["access_token"])

    async def async_create_staff(self, token: str) -> str:
        """Create the non-admin staff user with a login; return its user id."""
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{self.base}/api/websocket") as ws,
        ):
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json(
                {
                    "id": 1,
                    "type": "config/auth/create",
                    "name": STAFF_NAME,
                    "group_ids": ["system-users"],
                }
            )
            user = (await ws.receive_json())["result"]["user"]
            username, password = STAFF_LOGIN
            await ws.send_json(
                {
                    "id": 2,
                    "type": "config/auth_provider/homeassistant/create",
                    "user_id": user["id"],
                    "username": username,
                    "password": password,
                }
            )
            assert (await ws.receive_json())["success"]
            return str(user["id"])

    def stop(self) -> None:
        """Stop Home Assistant (and kill it if it does not stop in time)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def lower_threshold(hass: RealHass, token: str, number: int) -> None:
    """As the administrator, give one apartment "no motion for 60 min" (still for 2 h)."""
    status, flow = hass.call(
        "POST",
        "/api/config/config_entries/subentries/flow",
        {"handler": [UNIT_ENTRY, "apartment"], "subentry_id": apartment_id(number)},
        token,
    )
    assert status == 200, flow
    path = f"/api/config/config_entries/subentries/flow/{flow['flow_id']}"
    status, step = hass.call(
        "POST",
        path,
        {
            "label": f"Lgh {number}",
            "motion_sensors": [f"binary_sensor.lgh_{number}_motion"],
            "action_plan": "Knacka två gånger och vänta.",
            "consent_date": "2026-01-15",
            "rules_mode": "custom",
        },
        token,
    )
    assert step.get("step_id") == "rules", step
    status, done = hass.call(
        "POST",
        path,
        {"continuous_minutes": 60, "grace_minutes": 0, "sensor_unavailable_minutes": 15},
        token,
    )
    assert done.get("reason") == "reconfigure_successful", done
