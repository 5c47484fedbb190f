"""Every simulator encoder's output decodes back through the integration's decoders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.municipal_iot.decoders.axioma import AxiomaW1Decoder
from custom_components.municipal_iot.decoders.base import Alarm, DecodeContext
from custom_components.municipal_iot.decoders.elsys import ElsysDecoder
from custom_components.municipal_iot.decoders.kamstrup import KamstrupFlowIQDecoder
from custom_components.municipal_iot.decoders.milesight import WS202
from scripts.simulator.encoders import (
    AXIOMA_LEAKAGE,
    KAMSTRUP_LEAK,
    axioma_hours,
    axioma_w1_enhanced,
    elsys_ers,
    kamstrup_flowiq,
    mbus_datetime,
    milesight_ws202,
)

NOW = datetime(2026, 12, 2, 9, 41, 17, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _ctx(at: datetime = NOW) -> DecodeContext:
    return DecodeContext(received_at=at)


def test_elsys_ers_round_trip() -> None:
    port, payload = elsys_ers(
        temperature=-3.4, humidity=41, light=312, motion=7, vdd_mv=3320, occupancy=2
    )
    decoded = ElsysDecoder().decode(payload, port, _ctx())
    assert port == 1
    assert decoded.warnings == ()
    assert (decoded.temperature, decoded.humidity, decoded.illuminance) == (-3.4, 41, 312)
    assert (decoded.motion, decoded.motion_count, decoded.motion_at) == (True, 7, NOW)
    assert decoded.battery_voltage == 3.32
    assert decoded.battery == 13.0
    assert decoded.occupancy is True


def test_elsys_without_motion_is_still_a_motion_report() -> None:
    _, payload = elsys_ers(temperature=21.5, humidity=38, light=0, motion=0, vdd_mv=3612)
    decoded = ElsysDecoder().decode(payload, 1, _ctx())
    assert (decoded.motion, decoded.motion_count, decoded.battery) == (False, 0, 100.0)


@pytest.mark.parametrize(("pir", "daylight"), [(True, False), (False, True)])
def test_milesight_ws202_round_trip(pir: bool, daylight: bool) -> None:
    port, payload = milesight_ws202(battery=18, pir=pir, daylight=daylight)
    decoded = WS202.decode(payload, port, _ctx())
    assert port == 85
    assert (decoded.motion, decoded.daylight, decoded.battery) == (pir, daylight, 18.0)
    assert decoded.warnings == ()


def test_mbus_datetime_type_f() -> None:
    assert mbus_datetime(datetime(2023, 8, 29, 12, 0, tzinfo=UTC)) == bytes.fromhex("000cfd28")


def test_kamstrup_round_trip() -> None:
    hour = NOW.replace(minute=0, second=0)
    hours = [hour - HOUR * k for k in range(36, -1, -1)]
    litres = [412_300 + 7 * k + (k % 5) for k in range(len(hours))]
    port, payload = kamstrup_flowiq(
        access_number=300,
        meter_time=NOW,
        litres=litres[-1] + 4,
        flow_lph=6,
        infocode=KAMSTRUP_LEAK,
        hour_litres=litres,
    )
    decoded = KamstrupFlowIQDecoder().decode(payload, port, _ctx())
    assert port == 1
    assert decoded.warnings == ()
    assert decoded.volume_m3 == (litres[-1] + 4) / 1000
    assert decoded.flow_m3h == 0.006
    assert decoded.meter_time == NOW.replace(second=0)
    assert decoded.alarms == frozenset({Alarm.LEAK})
    assert [(r.at, r.volume_m3) for r in decoded.history] == [
        (at, value / 1000) for at, value in zip(hours, litres, strict=True)
    ]
    assert len(payload) <= 222  # fits LoRaWAN EU868 DR4-DR5 (the bodies say SF7, DR5)


def test_kamstrup_rejects_what_the_frame_cannot_carry() -> None:
    with pytest.raises(ValueError, match="16 bits"):
        kamstrup_flowiq(
            access_number=0, meter_time=NOW, litres=1, flow_lph=0, infocode=0,
            hour_litres=[0, 70_000],
        )  # fmt: skip
    with pytest.raises(ValueError, match="too long"):
        kamstrup_flowiq(
            access_number=0, meter_time=NOW, litres=1, flow_lph=0, infocode=0,
            hour_litres=list(range(100)),
        )  # fmt: skip


def test_axioma_enhanced_round_trip() -> None:
    hours = axioma_hours(NOW)
    assert hours[0] == NOW.replace(minute=0, second=0) - 23 * HOUR
    litres = [1_204_500 + 45 * k for k in range(23)]
    port, payload = axioma_w1_enhanced(NOW, litres, litres[-1] + 20, status=AXIOMA_LEAKAGE)
    decoded = AxiomaW1Decoder().decode(payload, port, _ctx())
    assert (port, len(payload)) == (100, 51)
    assert decoded.warnings == ()
    assert decoded.meter_time == NOW.replace(microsecond=0)
    assert decoded.volume_m3 == (litres[-1] + 20) / 1000
    assert [(r.at, r.volume_m3) for r in decoded.history] == [
        (at, value / 1000) for at, value in zip(hours, litres, strict=True)
    ]
    assert Alarm.LEAK in (decoded.alarms or ())


def test_axioma_rejects_what_the_frame_cannot_carry() -> None:
    with pytest.raises(ValueError, match="23 hourly"):
        axioma_w1_enhanced(NOW, [0] * 22, 0)
    with pytest.raises(ValueError, match="14 bits"):
        axioma_w1_enhanced(NOW, [0] * 23, 20_000)
