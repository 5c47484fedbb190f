"""Benchmark: meter reports from long-term statistics, and meter-history imports.

Runs an in-process Home Assistant (the test harness from
pytest-homeassistant-custom-component) with a real recorder, once on a SQLite file
and once on PostgreSQL (Debian's server, started as the tests start it:
tests/postgres.py, a private server on a Unix socket in a temporary directory,
with fsync off), and measures on each, against baselines taken in the same run:

* a meter report (``async_create_report``: statistics reads, report, CSV file)
  over 5,000 meters x 31 days of hourly statistics that the script writes into
  the recorder database (October 2026, 745 hours, with some gaps and meters
  added mid-month); baselines: the raw SQL read of the same rows, and HA's
  ``statistics_during_period`` for them;
* decoding one Kamstrup flowIQ uplink with an hourly history and importing it
  (``MeterStatistics.async_handle_decoded``: rows built, external statistics
  queued); baseline: a bare ``async_add_external_statistics`` call with the
  same rows, already built.

The figures are printed side by side. The work is checked: the rows written are
counted back, and the report's total and flags must be the same on both databases.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
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
from tests.postgres import postgres_server

METERS = 5_000
PERIOD_START = datetime(2026, 9, 30, 22, tzinfo=UTC)  # 1 October 00:00 in Stockholm
PERIOD_END = datetime(2026, 10, 31, 23, tzinfo=UTC)  # 1 November 00:00 in Stockholm
UPLINKS = 2_000
VECTORS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "vectors_water.json"


@dataclass(frozen=True)
class Database:
    """A recorder database: its URL, and a DB-API connection for the baselines."""

    name: str
    url: str
    sqlite_path: Path | None = None
    pg_host: str = ""
    pg_name: str = ""

    def connect(self) -> Any:
        """Open a DB-API connection."""
        if self.sqlite_path is not None:
            return sqlite3.connect(self.sqlite_path)
        import psycopg2  # noqa: PLC0415 - only for PostgreSQL

        return psycopg2.connect(host=self.pg_host, user="postgres", dbname=self.pg_name)

    @property
    def mark(self) -> str:
        """The driver's parameter mark."""
        return "?" if self.sqlite_path is not None else "%s"


def _meter_rows(n: int, meta_id: int, now: float) -> list[tuple[int, float, float, float, float]]:
    """One meter's hourly rows, with some gaps and meters added mid-month."""
    first = PERIOD_START - timedelta(hours=3)
    hours = int((PERIOD_END - first).total_seconds() // 3600) + 3
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
    return batch


def write_statistics(db: Database) -> int:
    """Write 5,000 meters of hourly rows straight into the recorder's tables; count them back."""
    con = db.connect()
    cur = con.cursor()
    cur.executemany(
        "INSERT INTO statistics_meta (statistic_id, source, unit_of_measurement, has_sum, name,"
        f" mean_type, unit_class) VALUES ({db.mark}, 'recorder', 'm³', true, NULL, 0, 'volume')",
        [(f"sensor.meter_{n:04d}",) for n in range(METERS)],
    )
    cur.execute("SELECT statistic_id, id FROM statistics_meta")
    ids = dict(cur.fetchall())
    now = time.time()
    columns = "(metadata_id, created_ts, start_ts, state, sum)"
    for n in range(METERS):
        batch = _meter_rows(n, ids[f"sensor.meter_{n:04d}"], now)
        if db.sqlite_path is not None:
            cur.executemany(f"INSERT INTO statistics {columns} VALUES (?, ?, ?, ?, ?)", batch)
        else:  # COPY: PostgreSQL's bulk load (executemany sends row by row)
            text = "".join("\t".join(map(repr, row)) + "\n" for row in batch)
            cur.copy_expert(f"COPY statistics {columns} FROM STDIN", io.StringIO(text))
    con.commit()
    if db.sqlite_path is None:
        # The planner statistics a live server has (autovacuum analyses a table after
        # this many inserts); without them the first report runs on estimates of an empty table.
        cur.execute("ANALYZE statistics")
        con.commit()
    cur.execute("SELECT count(*) FROM statistics")
    (rows,) = cur.fetchone()
    con.close()
    return int(rows)


def raw_read(db: Database) -> int:
    """Baseline: read every row of the period with plain SQL."""
    con = db.connect()
    cur = con.cursor()
    cur.execute(
        "SELECT metadata_id, start_ts, state, sum FROM statistics"
        f" WHERE start_ts >= {db.mark} AND start_ts < {db.mark}",
        (PERIOD_START.timestamp() - 3600, PERIOD_END.timestamp()),
    )
    found = cur.fetchall()
    con.close()
    return len(found)


async def bench_report(hass: HomeAssistant, db: Database) -> dict[str, Any]:
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
    read = await hass.async_add_executor_job(raw_read, db)
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


async def start_recorder(hass: HomeAssistant, db: Database) -> None:
    """Set up the recorder on the database and wait for it."""
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    await hass.config.async_set_time_zone("Europe/Stockholm")
    recorder_helper.async_initialize_recorder(hass)
    assert await async_setup_component(hass, "recorder", {"recorder": {"db_url": db.url}})
    assert await get_instance(hass).async_db_ready


async def run(db: Database) -> dict[str, Any]:
    """Create the schema, fill it while no recorder runs, then measure in a new instance."""
    with tempfile.TemporaryDirectory() as tmp:
        async with async_test_home_assistant(config_dir=tmp) as hass:
            await start_recorder(hass, db)  # creates the schema
            await get_instance(hass).async_block_till_done()
            await hass.async_stop(force=True)
        start = time.perf_counter()
        rows = await asyncio.to_thread(write_statistics, db)
        fill_s = time.perf_counter() - start
        async with async_test_home_assistant(config_dir=tmp) as hass:
            await start_recorder(hass, db)
            assert await async_setup_component(hass, "municipal_iot", {})
            report = await bench_report(hass, db)
            ingest = await bench_import(hass)
            await hass.async_stop(force=True)
    return report | ingest | {"rows": rows, "fill_s": fill_s}


@contextlib.contextmanager
def sqlite_database() -> Iterator[Database]:
    """A SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "home-assistant_v2.db"
        yield Database("SQLite", f"sqlite:///{path}", sqlite_path=path)


@contextlib.asynccontextmanager
async def postgresql_database() -> AsyncIterator[Database]:
    """A database on a private PostgreSQL server (see tests/postgres.py)."""
    with postgres_server() as server, server.database() as url:
        name = url.split("?")[0].rsplit("/", 1)[1]
        yield Database("PostgreSQL", url, pg_host=str(server.sockets), pg_name=name)


LINES: list[tuple[str, str, Any]] = [
    ("statistics rows written (counted back)", "{rows:,}", None),
    ("meter report (read, report, CSV), best of 3", "{report_s:.3f} s", None),
    ("  first run", "{first_s:.3f} s", None),
    ("raw SQL read of the same rows", "{raw_s:.3f} s", None),
    ("  rows read", "{read_rows:,}", None),
    ("ratio report / raw read", "{:.2f}", lambda r: r["report_s"] / r["raw_s"]),
    ("HA statistics_during_period", "{ha_s:.3f} s", None),
    ("  rows read", "{ha_rows:,}", None),
    ("ratio report / HA read", "{:.2f}", lambda r: r["report_s"] / r["ha_s"]),
    ("Kamstrup history uplink, decode + import", "{ours_ms:.3f} ms", None),
    ("  of which decoding", "{decode_ms:.3f} ms", None),
    ("bare async_add_external_statistics", "{bare_ms:.3f} ms", None),
    ("ratio import / bare", "{:.2f}", lambda r: r["ours_ms"] / r["bare_ms"]),
    ("recorder thread, writing one import", "{db_ms:.3f} ms", None),
]


def _cell(result: dict[str, Any], pattern: str, derive: Any) -> str:
    return pattern.format(derive(result)) if derive else pattern.format(**result)


async def main() -> None:
    """Run on SQLite and on PostgreSQL; print the figures side by side."""
    results = []
    with sqlite_database() as db:
        results.append((db.name, await run(db)))
    async with postgresql_database() as db:
        results.append((db.name, await run(db)))
    print(f"== Water benchmark ({METERS:,} meters x 31 days of hourly statistics, one core)")
    print(f"{'':44}" + "".join(f"{name:>16}" for name, _ in results))
    for label, pattern, derive in LINES:
        cells = "".join(f"{_cell(result, pattern, derive):>16}" for _, result in results)
        print(f"{label:44}{cells}")
    (_, lite), (_, pg) = results
    print(f"report total, flags: {lite['total_m3']:.3f} m³, {lite['flags']}")
    print("targets: report < 2 s, import < 2 ms; the recorder thread is not in the import figure")
    if (lite["total_m3"], lite["flags"], lite["rows"]) != (pg["total_m3"], pg["flags"], pg["rows"]):
        sys.exit(f"FAIL: the databases disagree: {pg['total_m3']:.3f} m³, {pg['flags']}")
    if lite["read_rows"] != pg["read_rows"] or lite["ha_rows"] != pg["ha_rows"]:
        sys.exit("FAIL: the baselines read different row counts")


if __name__ == "__main__":
    asyncio.run(main())
