"""The simulated site: the sensors of Gruppbostad Solrosen and its water meters.

Everything here is deterministic: a meter's register is a function of absolute
time (hourly consumption from a daily pattern with seeded variation), so a
restarted simulator continues the same series, and a resident's movements come
from a seeded generator per sensor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .bodies import Device
from .encoders import (
    KAMSTRUP_LEAK,
    axioma_hours,
    axioma_w1_enhanced,
    elsys_ers,
    kamstrup_flowiq,
    milesight_ws202,
)

TZ = ZoneInfo("Europe/Stockholm")
HOUR = timedelta(hours=1)
ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)  # registers count from here
KAMSTRUP_HISTORY_HOURS = 36  # hourly log values per frame (covers the last night)

# How a resident moves: chance of motion in one reporting interval, by local hour.
_ACTIVITY = (
    0.15, 0.1, 0.1, 0.1, 0.1, 0.15, 0.4, 0.9, 0.9, 0.8, 0.6, 0.6,
    0.8, 0.6, 0.5, 0.5, 0.6, 0.8, 0.9, 0.8, 0.7, 0.6, 0.4, 0.2,
)  # fmt: skip
# Litres per local hour of one resident's apartment (about 150 L a day).
_HOUSEHOLD = (
    0, 0, 0, 0, 0, 0, 4, 18, 14, 6, 4, 6, 10, 5, 3, 4, 6, 12, 16, 10, 8, 12, 6, 1,
)  # fmt: skip
# The laundry room: machines between 08 and 20.
_LAUNDRY = (
    0, 0, 0, 0, 0, 0, 0, 0, 40, 60, 60, 45, 30, 50, 60, 45, 40, 55, 50, 30, 15, 0, 0, 0,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MotionSensor:
    """A motion sensor in one apartment."""

    apartment: str  # "Lgh 4"
    device: Device
    model: str  # "elsys" | "ws202"
    behaviour: str  # "moving" | "still" | "silent"
    low_battery: bool = False

    def payload(self, local: datetime, motion: int) -> tuple[int, bytes]:
        """Encode one periodic uplink with ``motion`` PIR counts."""
        rng = random.Random(f"{self.device.dev_eui}{local:%Y%m%d%H%M}")
        daylight = 7 <= local.hour < 20
        if self.model == "ws202":
            return milesight_ws202(
                battery=18 if self.low_battery else 92, pir=motion > 0, daylight=daylight
            )
        return elsys_ers(
            temperature=round(21.0 + rng.uniform(-0.6, 0.8), 1),
            humidity=rng.randint(34, 42),
            light=rng.randint(150, 420) if daylight else rng.randint(0, 4),
            motion=motion,
            vdd_mv=3320 if self.low_battery else 3612,
        )

    def moves(self, local: datetime, rng: random.Random) -> int:
        """Return the PIR count of one interval for a resident moving on a daily pattern."""
        if rng.random() < _ACTIVITY[local.hour]:
            return rng.randint(1, 12)
        return 0


@dataclass(frozen=True, slots=True)
class WaterMeter:
    """A remote-read water meter."""

    device: Device
    model: str  # "kamstrup" | "axioma"
    start_litres: int  # the register at ANCHOR
    pattern: tuple[int, ...]
    leak_lph: float = 0.0  # a running toilet valve: water every hour, also at night

    def rate(self, hour: datetime) -> float:
        """Return litres used in the UTC hour starting at ``hour``."""
        local = hour.astimezone(TZ)
        base = self.pattern[local.hour]
        if base:
            rng = random.Random(f"{self.device.dev_eui}{hour:%Y%m%d%H}")
            base *= rng.uniform(0.5, 1.5)
        return base + self.leak_lph

    def registers(self, hours: list[datetime], now: datetime) -> tuple[list[int], int]:
        """Return the register in litres at each full hour in ``hours`` and at ``now``."""
        wanted = dict.fromkeys(hours, 0)
        total = float(self.start_litres)
        hour = ANCHOR
        last = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        while hour < last:
            if hour in wanted:
                wanted[hour] = int(total)
            total += self.rate(hour)
            hour += HOUR
        if last in wanted:
            wanted[last] = int(total)
        current = int(total + self.rate(last) * ((now - last) / HOUR))
        return [wanted[hour] for hour in hours], current

    def payload(self, now: datetime, f_cnt: int) -> tuple[int, bytes]:
        """Encode one uplink with the meter's hourly history."""
        if self.model == "axioma":
            hours = axioma_hours(now)
            litres, current = self.registers(hours, now)
            return axioma_w1_enhanced(now, litres, current)
        last = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        hours = [last - HOUR * k for k in range(KAMSTRUP_HISTORY_HOURS, -1, -1)]
        litres, current = self.registers(hours, now)
        leaking = self.leak_lph > 0 and all(
            b > a for a, b in zip(litres[-25:], litres[-24:], strict=False)
        )
        return kamstrup_flowiq(
            access_number=f_cnt,
            meter_time=now,
            litres=current,
            flow_lph=round(self.rate(last)),
            infocode=KAMSTRUP_LEAK if leaking else 0,
            hour_litres=litres,
        )


def _elsys(eui: str, name: str) -> Device:
    return Device(eui, name, "Elsys ERS", "elsys", "ers", rssi=-88.0, snr=9.0)


def _ws202(eui: str, name: str) -> Device:
    return Device(eui, name, "Milesight WS202", "milesight-iot", "ws202", rssi=-101.0, snr=4.5)


MOTION_SENSORS = (
    MotionSensor("Lgh 1", _elsys("a81758fffe0b1001", "Lgh 1 rörelse"), "elsys", "moving"),
    MotionSensor("Lgh 2", _ws202("24e124538c1e2002", "Lgh 2 rörelse"), "ws202", "moving"),
    MotionSensor("Lgh 3", _elsys("a81758fffe0b1003", "Lgh 3 rörelse"), "elsys", "moving"),
    MotionSensor("Lgh 4", _elsys("a81758fffe0b1004", "Lgh 4 rörelse"), "elsys", "still"),
    MotionSensor(
        "Lgh 5", _elsys("a81758fffe0b1005", "Lgh 5 rörelse"), "elsys", "moving", low_battery=True
    ),
    MotionSensor("Lgh 6", _ws202("24e124538c1e2006", "Lgh 6 rörelse"), "ws202", "silent"),
)

WATER_METERS = (
    WaterMeter(
        Device("2c2d000065201001", "vm-lgh-1", "Kamstrup flowIQ 2200", "kamstrup", "flowiq2200"),
        "kamstrup",
        412_300,
        _HOUSEHOLD,
    ),
    WaterMeter(
        Device("2c2d000065201003", "vm-lgh-3", "Kamstrup flowIQ 2200", "kamstrup", "flowiq2200"),
        "kamstrup",
        388_950,
        _HOUSEHOLD,
        leak_lph=6.0,
    ),
    WaterMeter(
        Device(
            "70b3d5e050010a01", "vm-tvattstuga", "Axioma Qalcosonic W1", "axioma", "qalcosonic-w1"
        ),
        "axioma",
        1_204_500,
        _LAUNDRY,
    ),
)
LEAKING_METER = WATER_METERS[1]
