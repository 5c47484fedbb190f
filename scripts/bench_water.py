"""Benchmark: meter reports from long-term statistics, and meter-history imports.

Runs an in-process Home Assistant (the test harness from
pytest-homeassistant-custom-component) with a real recorder on a SQLite file and
measures, each against a baseline taken in the same run:

* a meter report (``async_create_report``: statistics reads, report, CSV file)
  over 5,000 meters x 31 days of hourly statistics that the script writes into
  the recorder database (October 2026, 745 hours, with some gaps and meters
  added mid-month); baselines: the raw SQL read of the same rows, and HA's
  ``statistics_during_period`` for them;
* decoding one Kamstrup flowIQ uplink with an hourly history and importing it
  (``MeterStatistics.async_handle_decoded``: rows built, external statistics
  queued); baseline: a bare ``async_add_external_statistics`` call with the
  same rows, already built.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader
from homeassistant.components.recorder.models import StatisticData
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import recorder as recorder_helper
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from custom_components.municipal_iot.decoders.base import DecodeContext
from custom_components.municipal_iot.decoders.registry import DECODERS
from custom_components.municipal_iot.meter.report import ReportSettings, async_create_report
from custom_components.municipal_iot.meter.sources import MeterSource
from custom_components.municipal_iot.meter.statistics import (
    async_get_meter_statistics,
    statistic_metadata,
)
from custom_components.municipal_iot.network.device import DeviceData
from custom_components.municipal_iot.signals import DecodedUplink

METERS = 5_000
PERIOD_START = datetime(2026, 9, 30, 22, tzinfo=UTC)  # 1 October 00:00 in Stockholm
PERIOD_END = datetime(2026, 10, 31, 23, tzinfo=UTC)  # 1 November 00:00 in Stockholm
UPLINKS = 2_000
VECTORS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "vectors_water.json"


def write_statistics(db_path: Path) -> int:
    """Write 5,000 meters of hourly rows straight into the recorder's tables."""
    con = sqlite3.connect(db_path)
    con.executemany(
        "INSERT INTO statistics_meta (statistic_id, source, unit_of_measurement, has_sum, name,"
        " mean_type, unit_class) VALUES (?, 'recorder', 'm³', 1, NULL, 0, 'volume')",
        [(f"sensor.meter_{n:04d}",) for n in range(METERS)],
    )
    ids = dict(con.execute("SELECT statistic_id, id FROM statistics_meta"))
    first = PERIOD_START - timedelta(hours=3)
    hours = int((PERIOD_END - first).total_seconds() // 3600) + 3
    now = time.time()
    rows = 0
    for n in range(METERS):
        meta_id = ids[f"sensor.meter_{n:04d}"]
        skip_from = hours + 1
        if n % 97 == 0:
            skip_from = 1  # a gap over the period start: the start reading is interpolated
        start_at = 30 * 24 if n % 50 == 0 else 0  # added mid-month
        batch = []
        state = 100.0 + n
        total = 0.0
        for hour in range(hours):
            use = ((n + hour) % 7) / 1000
            state += use
            total += use
            if hour < start_at or skip_from <= hour < skip_from + 6:
                continue
            start = (first + timedelta(hours=hour)).timestamp()
            batch.append((meta_id, now, start, state, total))
        con.executemany(
            "INSERT INTO statistics (metadata_id, created_ts, start_ts, state, sum)"
            " VALUES (?, ?, ?, ?, ?)",
            batch,
        )
        rows += len(batch)
    con.commit()
    con.close()
    return rows


def raw_read(db_path: Path) -> int:
    """Baseline: read every row of the period with plain SQL."""
    con = sqlite3.connect(db_path)
    found = con.execute(
        "SELECT metadata_id, start_ts, state, sum FROM statistics"
        " WHERE start_ts >= ? AND start_ts < ?",
        (PERIOD_START.timestamp() - 3600, PERIOD_END.timestamp()),
    ).fetchall()
    con.close()
    return len(found)


async def bench_report(hass: HomeAssistant, db_path: Path) -> dict[str, Any]:
    """Time the report against reading the same rows."""
    sources = [
        MeterSource(entity_id=f"sensor.meter_{n:04d}", name=f"Lgh {n:04d}", area=f"Hus {n // 100}")
        for n in range(METERS)
    ]
    settings = ReportSettings(title="bench")
    results: list[float] = []
    response: dict[str, Any] = {}
    for _ in range(3):
        gc.collect()
        start = time.perf_counter()
        response = await async_create_report(
            hass, sources, PERIOD_START, PERIOD_END, settings, notify=False
        )
        results.append(time.perf_counter() - start)

    gc.collect()
    start = time.perf_counter()
    read = await hass.async_add_executor_job(raw_read, db_path)
    raw_s = time.perf_counter() - start

    gc.collect()
    start = time.perf_counter()
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        PERIOD_START - timedelta(hours=1),
        PERIOD_END,
        {source.entity_id for source in sources},
        "hour",
        None,
        {"state", "sum"},
    )
    ha_s = time.perf_counter() - start
    flags: dict[str, int] = {}
    for line in response["meters"]:
        for flag in line["flags"]:
            flags[flag] = flags.get(flag, 0) + 1
    return {
        "read_rows": read,
        "ha_rows": sum(len(item) for item in stats.values()),
        "first_s": results[0],
        "report_s": min(results),
        "raw_s": raw_s,
        "ha_s": ha_s,
        "total_m3": response["total"]["consumption_m3"],
        "flags": flags,
    }


async def bench_import(hass: HomeAssistant) -> dict[str, Any]:
    """Time decode + import of one Kamstrup history uplink against a bare import."""
    vector = next(
        v
        for v in json.loads(VECTORS.read_text(encoding="utf-8"))["lorawan"]["kamstrup"]
        if v["id"] == "kamstrup-oms-00"
    )
    payload = bytes.fromhex(vector["payload_hex"])
    decoder = DECODERS["kamstrup_flowiq2200"]
    received = datetime(2024, 7, 24, 19, 5, tzinfo=UTC)
    importer = await async_get_meter_statistics(hass)
    devices = [
        DeviceData(dev_eui=f"00aa{n:012x}", name=f"vm {n}", model_id="kamstrup_flowiq2200")
        for n in range(UPLINKS)
    ]
    for device in devices:
        importer._last[device.dev_eui] = None  # noqa: SLF001 - known new series, no DB lookup
    imported = importer.imported_rows

    gc.collect()
    start = time.perf_counter()
    for device in devices:
        decoded = decoder.decode(payload, 1, DecodeContext(received_at=received))
        importer.async_handle_decoded(
            DecodedUplink(device.dev_eui, device.name, device.kind, decoded)
        )
    ours_s = (time.perf_counter() - start) / UPLINKS
    rows_per_uplink = (importer.imported_rows - imported) / UPLINKS

    gc.collect()
    start = time.perf_counter()
    for _ in range(UPLINKS):
        decoder.decode(payload, 1, DecodeContext(received_at=received))
    decode_s = (time.perf_counter() - start) / UPLINKS

    sample = decoder.decode(payload, 1, DecodeContext(received_at=received))
    readings = [*sample.history]
    built = [
        [
            StatisticData(start=reading.at - timedelta(hours=1), state=reading.volume_m3, sum=0.0)
            for reading in readings
        ]
        for _ in range(UPLINKS)
    ]
    metadata = [
        statistic_metadata(f"municipal_iot:water_bare{n:06d}", "bare") for n in range(UPLINKS)
    ]
    gc.collect()
    start = time.perf_counter()
    for meta, stats in zip(metadata, built, strict=True):
        async_add_external_statistics(hass, meta, stats)
    bare_s = (time.perf_counter() - start) / UPLINKS

    start = time.perf_counter()
    await get_instance(hass).async_block_till_done()
    db_s = time.perf_counter() - start
    return {
        "ours_ms": ours_s * 1000,
        "decode_ms": decode_s * 1000,
        "bare_ms": bare_s * 1000,
        "rows_per_uplink": rows_per_uplink,
        "bare_rows": len(readings),
        "db_ms": db_s * 1000 / (2 * UPLINKS),
    }


async def start_recorder(hass: HomeAssistant, db_path: Path) -> None:
    """Set up the recorder on the SQLite file and wait for its database."""
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    await hass.config.async_set_time_zone("Europe/Stockholm")
    recorder_helper.async_initialize_recorder(hass)
    assert await async_setup_component(
        hass, "recorder", {"recorder": {"db_url": f"sqlite:///{db_path}"}}
    )
    assert await get_instance(hass).async_db_ready


async def main() -> None:
    """Create the database, fill it while no recorder runs, then measure in a new instance."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "home-assistant_v2.db"
        async with async_test_home_assistant(config_dir=tmp) as hass:
            await start_recorder(hass, db_path)  # creates the schema
            await get_instance(hass).async_block_till_done()
            await hass.async_stop(force=True)
        rows = await asyncio.to_thread(write_statistics, db_path)
        async with async_test_home_assistant(config_dir=tmp) as hass:
            await start_recorder(hass, db_path)
            assert await async_setup_component(hass, "municipal_iot", {})
            report = await bench_report(hass, db_path)
            ingest = await bench_import(hass)
            await hass.async_stop(force=True)
    report["rows"] = rows

    print("== Water benchmark (SQLite recorder, one core)")
    print(
        f"statistics in the database:        {report['rows']:,} hourly rows "
        f"({METERS:,} meters x 31 days)"
    )
    print(
        f"meter report (read, report, CSV):  {report['report_s']:.3f} s  "
        f"(first run {report['first_s']:.3f} s; target < 2 s)"
    )
    print(
        f"raw SQL read of the same rows:     {report['raw_s']:.3f} s  "
        f"({report['read_rows']:,} rows); ratio report / raw read: "
        f"{report['report_s'] / report['raw_s']:.2f}"
    )
    print(
        f"HA statistics_during_period:       {report['ha_s']:.3f} s  "
        f"({report['ha_rows']:,} rows); ratio report / HA read: "
        f"{report['report_s'] / report['ha_s']:.2f}"
    )
    print(f"report total, flags:               {report['total_m3']:.3f} m³, {report['flags']}")
    print(
        f"Kamstrup history uplink, decode + import: {ingest['ours_ms']:.3f} ms "
        f"({ingest['rows_per_uplink']:.0f} rows; target < 2 ms)"
    )
    print(f"  of which decoding:                {ingest['decode_ms']:.3f} ms")
    print(
        f"bare async_add_external_statistics: {ingest['bare_ms']:.3f} ms "
        f"({ingest['bare_rows']} rows); ratio: {ingest['ours_ms'] / ingest['bare_ms']:.2f}"
    )
    print(
        f"recorder thread, writing one import: {ingest['db_ms']:.3f} ms (not in the figures above)"
    )


if __name__ == "__main__":
    asyncio.run(main())
