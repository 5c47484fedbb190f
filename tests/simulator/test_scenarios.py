"""The simulator's bodies, world and scenarios, read back by the integration's parsers."""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.municipal_iot.decoders.base import DecodeContext
from custom_components.municipal_iot.decoders.registry import DECODERS, detect_model
from custom_components.municipal_iot.lorawan import chirpstack, tts
from custom_components.municipal_iot.lorawan.messages import Join, Uplink
from custom_components.municipal_iot.water.leak import (
    LeakConfig,
    continuous_flow_rule,
    hourly_consumption,
    night_flow_rule,
)
from scripts.simulator.bodies import CHIRPSTACK, TTS, join_request, rfc3339, uplink_request
from scripts.simulator.scenarios import SILENT_AFTER, Simulation, expand
from scripts.simulator.world import LEAKING_METER, MOTION_SENSORS, TZ, WATER_METERS

NOW = datetime(2026, 12, 2, 9, 41, 17, 123456, tzinfo=UTC)
HOUR = timedelta(hours=1)
MODELS = {
    "elsys": "elsys_ers",
    "ws202": "milesight_ws202",
    "kamstrup": "kamstrup_flowiq2200",
    "axioma": "axioma_w1",
}


def _parse(server: str, query: str, body: dict[str, object]) -> object:
    if server == CHIRPSTACK:
        return chirpstack.parse(query.removeprefix("?event="), body, NOW)
    assert query == ""
    return tts.parse(body, NOW)


def test_rfc3339_has_nanoseconds() -> None:
    assert rfc3339(NOW) == "2026-12-02T09:41:17.123456000Z"


@pytest.mark.parametrize("server", [CHIRPSTACK, TTS])
@pytest.mark.parametrize(
    "item", [*MOTION_SENSORS, *WATER_METERS], ids=lambda item: item.device.name
)
def test_every_device_parses_detects_and_decodes(server: str, item: object) -> None:
    device = item.device  # type: ignore[attr-defined]
    if hasattr(item, "apartment"):
        f_port, payload = item.payload(NOW.astimezone(TZ), 2)  # type: ignore[attr-defined]
    else:
        f_port, payload = item.payload(NOW, 7)  # type: ignore[attr-defined]
    query, body = uplink_request(server, device, 7, f_port, payload, NOW)
    message = _parse(server, query, body)
    assert isinstance(message, Uplink)
    assert message.device.dev_eui == device.dev_eui
    assert (message.f_cnt, message.f_port, message.payload) == (7, f_port, payload)
    assert message.received_at == NOW
    ident = message.device
    model = detect_model(
        brand_id=ident.brand_id, model_id=ident.model_id, profile_name=ident.profile_name,
        tags=ident.tags,
    )  # fmt: skip
    assert model == MODELS[item.model]  # type: ignore[attr-defined]
    decoded = DECODERS[model].decode(payload, f_port, DecodeContext(received_at=NOW))
    assert decoded.warnings == ()


@pytest.mark.parametrize("server", [CHIRPSTACK, TTS])
def test_join_parses(server: str) -> None:
    device = MOTION_SENSORS[0].device
    assert isinstance(_parse(server, *join_request(server, device, NOW)), Join)


def test_tts_omits_a_zero_frame_counter() -> None:
    device = WATER_METERS[0].device
    _, body = uplink_request(TTS, device, 0, 1, b"\x78", NOW)
    assert "f_cnt" not in body["uplink_message"]  # type: ignore[operator]
    assert base64.b64decode(body["uplink_message"]["frm_payload"]) == b"\x78"  # type: ignore[index]


def _hourly(meter: object, hours: int) -> list[tuple[datetime, float]]:
    last = NOW.replace(minute=0, second=0, microsecond=0)
    starts = [last - HOUR * k for k in range(hours, -1, -1)]
    litres, _ = meter.registers(starts, NOW)  # type: ignore[attr-defined]
    # A statistics row starting at S holds the register read at S + 1 h.
    return [(at - HOUR, value / 1000) for at, value in zip(starts, litres, strict=True)]


def test_meter_registers_never_fall_and_continue_across_runs() -> None:
    meter = WATER_METERS[0]
    rows = _hourly(meter, 48)
    assert all(b[1] >= a[1] for a, b in itertools.pairwise(rows))
    later, _ = meter.registers([rows[-1][0] + HOUR], NOW + HOUR)
    assert later == [round(rows[-1][1] * 1000)]


def test_only_the_leaking_meter_trips_the_leak_rules() -> None:
    config = LeakConfig()
    for meter in WATER_METERS:
        hours = hourly_consumption(_hourly(meter, 36))
        continuous = continuous_flow_rule(hours, NOW, config)
        night = night_flow_rule(hours, NOW, TZ, config)
        leaking = meter is LEAKING_METER
        assert (continuous.active, night.active) == (leaking, leaking), meter.device.name


def test_scenario_names_and_groups() -> None:
    assert expand("care") == ("moving", "still", "silent")
    assert expand("leak,water") == ("leak", "history")
    with pytest.raises(ValueError, match="unknown scenario 'nap'"):
        expand("nap")


def _run(sim: Simulation, until: timedelta, step: timedelta) -> list[tuple[datetime, object]]:
    sent = []
    at = NOW
    while at <= NOW + until:
        sent += [(at, request) for request in sim.due(at)]
        at += step
    return sent


def test_still_resident_moves_once_and_silent_sensor_stops() -> None:
    sim = Simulation(CHIRPSTACK, ("still", "silent"))
    sim.start(NOW)
    sent = _run(sim, timedelta(minutes=10), timedelta(seconds=5))
    still = [(at, r) for at, r in sent if r.device.name == "Lgh 4 rörelse"]
    assert [r.what for _, r in still[:3]] == ["join", "motion 4", "no motion"]
    assert len(still) == 1 + 11  # a join, then one uplink a minute
    silent = [at for at, r in sent if r.device.name == "Lgh 6 rörelse" and r.what != "join"]
    assert max(silent) < NOW + SILENT_AFTER + timedelta(seconds=1)
    counters = [r.body["fCnt"] for _, r in still[1:]]
    assert counters == list(range(11))


def test_speed_compresses_the_scenario_and_counters_continue() -> None:
    sim = Simulation(TTS, ("moving",), speed=30, counters={"a81758fffe0b1001": 41})
    sim.start(NOW)
    sent = _run(sim, timedelta(minutes=1), timedelta(seconds=1))
    lgh1 = [r for _, r in sent if r.device.name == "Lgh 1 rörelse"]
    assert lgh1[0].what != "join"  # known to the network server: no new join
    assert lgh1[0].body["uplink_message"]["f_cnt"] == 41
    assert len(lgh1) == 31  # every 2 s from 0 s to 60 s (60 s / 30, the shortest interval)
    assert sim.scenario_time(NOW + timedelta(minutes=2)) == (NOW + timedelta(hours=1)).astimezone(
        TZ
    )
