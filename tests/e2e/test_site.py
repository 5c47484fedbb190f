"""The demo site in a real Home Assistant, through HTTP and the websocket only.

The tests share one booted Home Assistant and run in file order; the alarm test
comes last because it waits for the one-minute threshold.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from scripts.demo import site
from scripts.simulator.bodies import CHIRPSTACK, uplink_request
from scripts.simulator.scenarios import Request
from scripts.simulator.world import LEAKING_METER, MOTION_SENSORS, TZ, WATER_METERS
from tests.e2e.conftest import E2E

HOUR = timedelta(hours=1)
MANUFACTURERS = {
    "elsys": "Elsys",
    "ws202": "Milesight",
    "kamstrup": "Kamstrup",
    "axioma": "Axioma Metering",
}


def test_onboarding_keeps_the_configured_location(e2e: E2E) -> None:
    config = e2e.run(e2e.client.request("GET", "/api/config"))
    assert (config["time_zone"], config["country"], config["language"]) == (
        "Europe/Stockholm",
        "SE",
        "sv",
    )
    assert config["unit_system"]["length"] == "km"
    assert e2e.run(e2e.client.onboarded())
    users = {user["username"]: user for user in e2e.run(e2e.ws.call("config/auth/list"))}
    assert users[e2e.state.admin.username]["is_owner"]
    assert users[e2e.state.staff.username]["group_ids"] == ["system-users"]


def test_devices_from_both_network_servers(e2e: E2E) -> None:
    devices = e2e.run(e2e.ws.call("config/device_registry/list"))
    ours = {
        identifier[1]: device
        for device in devices
        for identifier in device["identifiers"]
        if identifier[0] == site.DOMAIN
    }
    cs = e2e.state.connections["chirpstack"].entry_id
    tts = e2e.state.connections["tts"].entry_id
    for sensor in MOTION_SENSORS:
        device = ours[sensor.device.dev_eui]
        assert (device["name"], device["primary_config_entry"]) == (sensor.device.name, cs)
        assert device["manufacturer"] == MANUFACTURERS[sensor.model]
    for meter in WATER_METERS:
        device = ours[meter.device.dev_eui]
        assert (device["name"], device["primary_config_entry"]) == (meter.device.name, tts)
        assert device["manufacturer"] == MANUFACTURERS[meter.model]


def _uplink(e2e: E2E, motion: int) -> Request:
    sensor = MOTION_SENSORS[0]
    f_cnt = 1000 + len(e2e.sent)
    now = datetime.now(UTC)
    f_port, payload = sensor.payload(now.astimezone(TZ), motion)
    query, body = uplink_request(CHIRPSTACK, sensor.device, f_cnt, f_port, payload, now)
    return Request(sensor.device, query, body, f"motion {motion}")


def test_motion_turns_on_and_off(e2e: E2E) -> None:
    entity_id = e2e.entities["motion"][MOTION_SENSORS[0].device.dev_eui]
    for count, expected in ((5, "on"), (0, "off"), (2, "on")):
        request = _uplink(e2e, count)
        assert e2e.run(e2e.post(CHIRPSTACK, request)) == 200
        e2e.sent.append((datetime.now(UTC), request))
        assert e2e.states()[entity_id]["state"] == expected


def test_volume_is_the_meter_register(e2e: E2E) -> None:
    states = e2e.states()
    for meter in WATER_METERS:
        sent_at = max(at for at, r in e2e.sent if r.device == meter.device and r.what != "join")
        _, litres = meter.registers([], sent_at)
        state = states[e2e.entities["volume"][meter.device.dev_eui]]
        assert state["attributes"]["unit_of_measurement"] == "m³"
        assert float(state["state"]) == pytest.approx(litres / 1000, abs=0.002)


def test_meter_report_returns_the_consumption_of_the_history(e2e: E2E) -> None:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - 2 * HOUR
    start = end - 18 * HOUR
    answer = e2e.run(
        e2e.ws.call(
            "call_service",
            domain=site.DOMAIN,
            service="meter_report",
            service_data={
                "config_entry_id": e2e.report_entry_id,
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
            return_response=True,
        )
    )
    report = answer["response"]
    lines = {line["entity_id"]: line for line in report["meters"]}
    total = 0.0
    for meter in WATER_METERS:
        (at_start, at_end), _ = meter.registers([start, end], end)
        expected = (at_end - at_start) / 1000
        line = lines[e2e.entities["volume"][meter.device.dev_eui]]
        assert line["consumption_m3"] == pytest.approx(expected, abs=1e-6), meter.device.name
        total += expected
    assert report["total"]["consumption_m3"] == pytest.approx(total, abs=1e-6)
    assert report["total"]["meters_with_data"] == len(WATER_METERS)


def test_the_leaking_meter_is_flagged_and_the_blueprint_alerts(e2e: E2E) -> None:
    registry = e2e.run(e2e.ws.call("config/entity_registry/list"))
    device_of = {item["entity_id"]: item["device_id"] for item in registry}
    leaking = device_of[e2e.entities["volume"][LEAKING_METER.device.dev_eui]]
    states = e2e.states()
    leak_sensors = [
        item
        for item in registry
        if item["config_entry_id"] == e2e.report_entry_id
        and item["entity_id"].startswith("binary_sensor.")
    ]
    assert len(leak_sensors) >= len(WATER_METERS)
    on = {item["device_id"] for item in leak_sensors if states[item["entity_id"]]["state"] == "on"}
    assert on == {leaking}
    push = e2e.run(
        e2e.phone.wait_for(lambda p: str(p.get("title", "")).startswith("E2E läcka"), 30)
    )
    assert LEAKING_METER.device.name in push["title"]


def test_blueprints_load(e2e: E2E) -> None:
    states = e2e.states()
    for name in ("tillsyn_alarm", "leak_alert", "monthly_meter_report", "weekly_low_battery"):
        assert states[f"automation.e2e_{name}"]["state"] == "on", name


def _trigger(e2e: E2E, name: str) -> None:
    e2e.run(
        e2e.client.request(
            "POST", "/api/services/automation/trigger", {"entity_id": f"automation.e2e_{name}"}
        )
    )


def test_monthly_report_blueprint_sends_the_summary(e2e: E2E) -> None:
    _trigger(e2e, "monthly_meter_report")
    month = (datetime.now(TZ).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    push = e2e.run(e2e.phone.wait_for(lambda p: p.get("title") == f"Vattenrapport {month}", 30))
    assert "av 3 mätare" in push["message"]
    assert "CSV:" in push["message"]


def test_low_battery_notice_reaches_the_phone(e2e: E2E) -> None:
    push = e2e.run(e2e.phone.wait_for(lambda p: p.get("title") == "Lågt batteri: Lgh 5", 30))
    assert push["message"] == "Byt batteri i en sensor i Lgh 5."


def test_low_battery_blueprint_lists_the_sensor(e2e: E2E) -> None:
    _trigger(e2e, "weekly_low_battery")
    push = e2e.run(
        e2e.phone.wait_for(lambda p: str(p.get("title", "")).startswith("Byt batteri"), 30)
    )
    assert push["title"] == "Byt batteri: 1 sensorer"
    assert push["message"].startswith("Lgh 5 rörelse")


def test_still_apartment_alarms_and_the_push_reaches_the_phone(e2e: E2E) -> None:
    still = e2e.run(site.apartment_entities(e2e.ws, e2e.unit_entry_id, site.STILL_APARTMENT))
    status_id = still["status"]
    assert e2e.states()[status_id]["state"] in {"ok", "grace"}
    push = e2e.run(
        e2e.phone.wait_for(lambda p: p.get("title") == f"Larm: {site.STILL_APARTMENT}", 90),
        timeout=100,
    )
    assert time.monotonic() >= e2e.alarm_due - 5  # not before the one-minute threshold
    assert push["via"] == "local push"
    assert e2e.states()[status_id]["state"] == "alarm"
    kinds = {action["action"].split("_", 2)[1] for action in push["data"]["actions"]}
    assert kinds == {"ACK", "OK"}
    forwarded = e2e.run(
        e2e.phone.wait_for(lambda p: p.get("title") == f"E2E tillsyn {site.STILL_APARTMENT}", 30)
    )
    assert "Ingen rörelse" in forwarded["message"]
    ack = next(a["action"] for a in push["data"]["actions"] if a["action"].startswith("MIOT_ACK_"))
    e2e.run(e2e.phone.press(ack, push["data"]["tag"]))
    deadline = time.monotonic() + 10
    while e2e.states()[status_id]["state"] != "acknowledged":
        assert time.monotonic() < deadline, "the phone's answer did not acknowledge the alarm"
        time.sleep(0.2)
    title = f"{site.STILL_APARTMENT}: du har tagit larmet"
    e2e.run(e2e.phone.wait_for(lambda p: p.get("title") == title, 10))
    time.sleep(2)
    assert [p["via"] for p in e2e.phone.pushes if p.get("title") == title] == ["local push"]
