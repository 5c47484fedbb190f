"""Kill -9 under meter load: every hour of meter history exactly once, and the alarm stays.

Issue 10, defect 3: the importer's saved position was written apart from the
recorder's commit, and a kill -9 under load left hours missing for good. Here a
real ``hass`` (its own configuration, the default SQLite recorder) gets
a ChirpStack connection with four Kamstrup meters and a care unit whose apartment
is in alarm. One client per meter posts its hourly uplinks (each carries 36 hours
of history) as fast as Home Assistant answers; Home Assistant is killed with
SIGKILL in the middle, started again, and the meters go on reporting. Then, from
the recorder's database: every hour from the first to the last one reported by
an uplink answered 2xx is there exactly once, with the meter's register as state
and a sum that grows by exactly the hour's use (an hour imported twice would
count twice). And the apartment is still in alarm, as the same episode.

What the kill cost is printed (``-s``): so far the recorder had committed every
answered hour each time, as it commits an import at once; the rows lost between
the answer and the commit are covered in tests/meter/test_meter_statistics.py.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import sqlite3
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scripts.simulator.bodies import join_request, uplink_request
from scripts.simulator.world import WATER_METERS, WaterMeter
from tests.care import RealHass, free_port, lower_threshold, write_real_config

DOMAIN = "municipal_iot"
HOUR = timedelta(hours=1)
# Four Kamstrup meters like the simulator's, each with its own DevEUI.
METERS = [
    replace(
        meter,
        device=replace(meter.device, dev_eui=f"2c2d0000652019{n:02x}", name=f"vm-kill-{n}"),
        start_litres=meter.start_litres + 1000 * n,
    )
    for n, meter in enumerate(m for m in WATER_METERS * 2 if m.model == "kamstrup")
]
HOURS = 160  # simulated hours available to post per meter
KILL_AFTER = 40  # uplinks answered per meter before the kill
AFTER_RESTART = 12  # more hourly uplinks per meter once Home Assistant is back


@dataclass
class Network:
    """The ChirpStack connection's webhook, and what was answered 2xx (meter -> times)."""

    webhook_id: str
    token: str
    answered: dict[str, list[datetime]] = field(default_factory=dict)


def _flow(hass: RealHass, token: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    base = "/api/config/config_entries/flow"
    status, result = hass.call("POST", base, {"handler": DOMAIN}, token)
    assert status == 200, result
    results = [result]
    for user_input in steps:
        status, result = hass.call("POST", f"{base}/{results[-1]['flow_id']}", user_input, token)
        assert status == 200, result
        results.append(result)
    assert results[-1]["type"] == "create_entry", results[-1]
    return results


def _connect(hass: RealHass, token: str) -> Network:
    results = _flow(
        hass,
        token,
        [
            {"next_step_id": "network_server"},
            {"name": "ChirpStack", "server": "chirpstack"},
            {"next_step_id": "network_webhook"},
            {},
        ],
    )
    placeholders = results[-2]["description_placeholders"]
    return Network(placeholders["url"].rsplit("/", 1)[1], placeholders["header_value"])


def _post(hass: RealHass, network: Network, request: tuple[str, dict[str, Any]]) -> int:
    query, body = request
    path = f"/api/webhook/{network.webhook_id}{query}"
    headers_token = network.token.removeprefix("Bearer ")
    status, _ = hass.call("POST", path, body, headers_token)
    return status


def _uplink(meter: WaterMeter, f_cnt: int, at: datetime) -> tuple[str, dict[str, Any]]:
    f_port, payload = meter.payload(at, f_cnt)
    return uplink_request("chirpstack", meter.device, f_cnt, f_port, payload, at)


def _post_hours(
    hass: RealHass,
    network: Network,
    meter: WaterMeter,
    times: list[datetime],
    stop: threading.Event,
) -> None:
    """Post one uplink per time, in order, until refused or stopped; record the 2xx ones."""
    answered = network.answered.setdefault(meter.device.dev_eui, [])
    for at in times:
        if stop.is_set():
            return
        try:
            status = _post(hass, network, _uplink(meter, int(at.timestamp()) // 3600 % 65536, at))
        except OSError, http.client.HTTPException:
            return  # Home Assistant is gone (refused, reset, or cut off mid-answer)
        if 200 <= status < 300:
            answered.append(at)


def _wait_for(check: Any, what: str, limit: float = 60) -> Any:
    deadline = time.monotonic() + limit
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return result


def _states(hass: RealHass, token: str) -> dict[str, dict[str, Any]]:
    status, states = hass.call("GET", "/api/states", token=token)
    assert status == 200, states
    return {state["entity_id"]: state for state in states}


def _alarm_status(hass: RealHass, token: str) -> str | None:
    """The supervision status entity of Lgh 1 whose state is "alarm", if any."""
    for entity_id, state in _states(hass, token).items():
        options = state["attributes"].get("options") or []
        if entity_id.startswith("sensor.lgh_1_") and "alarm" in options:
            return entity_id if state["state"] == "alarm" else None
    return None


def _remove_online_integrations(hass: RealHass, token: str) -> None:
    """Delete what onboarding adds that needs the internet (the weather, radio, speech)."""
    online = {"met", "radio_browser", "google_translate"}
    removed: set[str] = set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(removed) < len(online):
        _, entries = hass.call("GET", "/api/config/config_entries/entry", token=token)
        for entry in entries:
            if entry["domain"] in online and entry["entry_id"] not in removed:
                hass.call(
                    "DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}", token=token
                )
                removed.add(entry["entry_id"])
        time.sleep(0.5)


def _up(hass: RealHass, token: str) -> bool:
    """Home Assistant answers its API (the onboarding API is gone once onboarded)."""
    assert hass.process.poll() is None, (hass.config / "hass.log").read_text()
    try:
        status, _ = hass.call("GET", "/api/", token=token)
    except OSError:
        return False
    return status == 200


def _alarm_since(hass: RealHass, token: str) -> str:
    """The state of Lgh 1's "in alarm since" sensor (Swedish entity ids: "larm sedan")."""
    found = [
        state["state"]
        for entity_id, state in _states(hass, token).items()
        if entity_id.startswith("sensor.lgh_1_")
        and ("larm_sedan" in entity_id or "alarm_since" in entity_id)
    ]
    assert len(found) == 1, found
    return found[0]


def _loaded(hass: RealHass, token: str) -> bool:
    status, entries = hass.call(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}", token=token
    )
    return status == 200 and len(entries) == 2 and all(e["state"] == "loaded" for e in entries)


def _rows(database: Path, dev_eui: str) -> list[tuple[float, float, float]]:
    # Read-only: the database of a killed Home Assistant is left as it is for the restart.
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as con:
        return con.execute(
            "SELECT s.start_ts, s.state, s.sum FROM statistics s"
            " JOIN statistics_meta m ON m.id = s.metadata_id"
            " WHERE m.statistic_id = ? ORDER BY s.start_ts",
            (f"{DOMAIN}:water_{dev_eui}",),
        ).fetchall()


@pytest.fixture
def config(tmp_path: Path) -> tuple[Path, int]:
    """A configuration with the care unit of one apartment (still for two hours)."""
    port = free_port()
    config = tmp_path / "config"
    write_real_config(config, port, 1)
    return config, port


def test_kill9_under_meter_load(config: tuple[Path, int]) -> None:  # noqa: PLR0915
    """SIGKILL mid-load, restart, more uplinks: each hour once, with the right values."""
    directory, port = config
    hass = RealHass(directory, port)
    try:
        hass.wait()
        token = hass.onboard()
        _remove_online_integrations(hass, token)
        network = _connect(hass, token)
        status, _ = hass.call(
            "POST",
            "/api/states/binary_sensor.lgh_1_motion",
            {"state": "off", "attributes": {"device_class": "motion"}},
            token,
        )
        assert status in {200, 201}
        lower_threshold(hass, token, 1)  # still for two hours: an alarm at once
        alarm = _wait_for(lambda: _alarm_status(hass, token), "the alarm")
        since = _alarm_since(hass, token)

        first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - HOUR * HOURS
        times = [first + HOUR * k + timedelta(minutes=20) for k in range(HOURS)]
        for meter in METERS:  # joined and created before the load
            assert _post(hass, network, join_request("chirpstack", meter.device, times[0])) == 200
        stop = threading.Event()
        clients = [
            threading.Thread(target=_post_hours, args=(hass, network, meter, times, stop))
            for meter in METERS
        ]
        for client in clients:
            client.start()
        _wait_for(
            lambda: all(
                len(network.answered.get(m.device.dev_eui, [])) >= KILL_AFTER for m in METERS
            ),
            "the load",
        )
        os.kill(hass.process.pid, signal.SIGKILL)  # mid-load: the clients are posting
        hass.process.wait()
        stop.set()
        for client in clients:
            client.join(30)
        hass.log.close()
        before = {eui: len(answered) for eui, answered in network.answered.items()}
        database = directory / "home-assistant_v2.db"
        for meter in METERS:  # how much the kill cost, to print (what the test is about)
            answered = network.answered[meter.device.dev_eui]
            rows = _rows(database, meter.device.dev_eui)
            newest = datetime.fromtimestamp(rows[-1][0], UTC) if rows else None
            print(  # noqa: T201 - shown with -s
                f"{meter.device.name}: {len(answered)} uplinks answered before the kill, "
                f"last reported hour {answered[-1].replace(minute=0) - HOUR:%d %H:%M}, "
                f"last committed {'none' if newest is None else f'{newest:%d %H:%M}'}"
            )
        assert all(count < HOURS - AFTER_RESTART for count in before.values()), before

        hass = RealHass(directory, port)
        _wait_for(lambda: _up(hass, token), "Home Assistant after the kill", 90)
        _wait_for(lambda: _loaded(hass, token), "the entries after the restart")
        assert _alarm_status(hass, token) == alarm  # the alarm survived the kill ...
        assert _alarm_since(hass, token) == since  # ... as the same episode, not a new one
        for meter in METERS:
            answered = network.answered[meter.device.dev_eui]
            nxt = times.index(answered[-1]) + 1
            _post_hours(hass, network, meter, times[nxt : nxt + AFTER_RESTART], threading.Event())
            assert len(answered) == before[meter.device.dev_eui] + AFTER_RESTART
        assert _alarm_status(hass, token) == alarm
    finally:
        code = hass.process.poll()
        hass.stop()  # a clean stop: the recorder commits what it has
    assert code is None, f"hass had exited with {code}"

    for meter in METERS:
        answered = network.answered[meter.device.dev_eui]
        rows = _rows(database, meter.device.dev_eui)
        starts = [datetime.fromtimestamp(start, UTC) for start, _state, _sum in rows]
        assert len(set(starts)) == len(starts), "an hour twice"
        # Every hour from the first reported one to the last answered uplink's last full hour.
        last = answered[-1].replace(minute=0) - HOUR
        assert starts[-1] == last, (starts[-1], last)
        expected = [starts[0] + HOUR * k for k in range(int((last - starts[0]) / HOUR) + 1)]
        assert starts == expected, f"{len(expected) - len(starts)} hours missing"
        assert starts[0] <= answered[0] - HOUR * 24, "the first uplink's history is missing"
        registers, _ = meter.registers([start + HOUR for start in starts], answered[-1])
        for (start, state, total), register, (_, previous_state, previous_sum) in zip(
            rows[1:], registers[1:], rows, strict=False
        ):
            at = datetime.fromtimestamp(start, UTC)
            assert state == pytest.approx(register / 1000, abs=1e-6), at
            assert total - previous_sum == pytest.approx(state - previous_state, abs=1e-6), at
