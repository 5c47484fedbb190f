"""Benchmark: appending to a care unit's journal with 200 apartments x 13 months of history.

Runs an in-process Home Assistant on a temporary configuration directory (real
files) and a journal of 200 apartments with three entries per apartment and day
for 396 days (about 238,000 entries). It measures, per appended entry, the whole
save as the care unit does it (``schedule_save(urgent=True)`` and the write in the
executor, waited for), and separately the part that runs in the event loop:

* month files (:class:`JournalStore`): the entry's line is appended to the current
  month's file; fsync within 1 s (the default), or after every entry;
* a burst: 200 entries journaled at once, then one save;
* baselines in the same process: a Store per month with the month's entries
  pre-encoded (the layout before month files, as its code did it: the current
  month, about 16,000 entries, rewritten on every save, re-encoded whole when an
  entry was inserted among older ones, as here: the history runs a few hours
  past the appended entries' times), and the single-document journal of before
  (:class:`CoalescedStore` writing ``Journal.to_dict()``).

It then reads the journal back from disk and fails unless every entry landed
exactly once. Target: under 1 ms per entry.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from pytest_homeassistant_custom_component.common import async_test_home_assistant

import custom_components.municipal_iot  # noqa: F401  - bind the package before HA's loader
from custom_components.municipal_iot.care.journal_store import JournalStore
from custom_components.municipal_iot.care.store import CoalescedStore
from custom_components.municipal_iot.supervision.journal import NOTIFIED, Journal, month_of

APARTMENTS = 200
DAYS = 396
PER_DAY = 3
APPENDS = 200
BASELINE_APPENDS = 10  # each rewrites the whole 238k-entry file: seconds apiece
TARGET_MS = 1.0
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def history() -> Journal:
    """Three check entries per apartment and day for 13 months, oldest first."""
    journal = Journal()
    start = NOW - timedelta(days=DAYS)
    for day in range(DAYS):
        for slot in range(PER_DAY):
            at = start + timedelta(days=day, hours=22 + 3 * slot)
            for number in range(APARTMENTS):
                journal.record(
                    at=at,
                    apartment_id=f"apt{number}",
                    apartment_label=f"Lgh {number}",
                    kind="check_passed",
                    data={"window": f"{22 + 3 * slot:02d}:00", "last_activity": at.isoformat()},
                )
    return journal


class MonthStoreBaseline:
    """The layout before month files: a Store per month, its entries pre-encoded."""

    def __init__(self, hass: HomeAssistant, journal: Journal, month: str) -> None:
        """Keep the current month's encoded entries."""
        self._journal = journal
        self._month = month
        self._body = bytearray()
        self._count = 0
        self._last_id = 0
        self._store: Store[dict[str, Any]] = Store(
            hass, 1, f"municipal_iot.care.baseline.journal.{month}", atomic_writes=True
        )

    def _payload(self) -> dict[str, Any]:
        """The month's stored form, encoding only new entries when they came at the end."""
        tail = self._journal.month_tail(self._month, self._count, self._last_id)
        if tail is None:  # first save, or an entry inserted among the encoded ones
            self._body, self._count = bytearray(), 0
            tail = self._journal.month_entries(self._month)
        for entry in tail:
            self._body += (b"," if self._body else b"") + orjson.dumps(entry.to_dict())
            self._count += 1
            self._last_id = entry.id
        head = f'{{"version":1,"month":"{self._month}","entries":['.encode()
        return cast("dict[str, Any]", orjson.Fragment(head + self._body + b"]}"))

    def schedule_save(self, *, urgent: bool = False) -> None:
        """Write the month at once (every save was urgent)."""
        self._store.async_delay_save(self._payload, 0)


async def settle(hass: HomeAssistant) -> None:
    """Let zero-delay write timers fire and the executor writes finish."""
    await asyncio.sleep(0)
    await hass.async_block_till_done()


def record(journal: Journal, index: int) -> None:
    """Journal one "notified" entry, one second after the previous one."""
    journal.record(
        at=NOW + timedelta(seconds=index),
        apartment_id=f"apt{index % APARTMENTS}",
        apartment_label="Lgh",
        kind="notified",
        data={"episode_id": f"e{index}"},
    )


async def append(
    hass: HomeAssistant, journal: Journal, save: Any, count: int, first: int = 0
) -> tuple[float, float]:
    """Append ``count`` entries one by one, each saved; return ms per entry (wall, loop)."""
    loop_s = 0.0
    start = time.perf_counter()
    for index in range(first, first + count):
        begin = time.perf_counter()
        record(journal, index)
        save.schedule_save(urgent=True)
        loop_s += time.perf_counter() - begin
        await settle(hass)
    return (time.perf_counter() - start) * 1000 / count, loop_s * 1000 / count


async def burst(hass: HomeAssistant, journal: Journal, save: Any, first: int) -> float:
    """Journal ``APPENDS`` entries at once, save once; return ms per entry."""
    start = time.perf_counter()
    for index in range(first, first + APPENDS):
        record(journal, index)
    save.schedule_save(urgent=True)
    await settle(hass)
    return (time.perf_counter() - start) * 1000 / APPENDS


async def main() -> None:
    """Print ms per appended entry for month files and the baselines."""
    journal = history()
    total = len(journal)
    month = month_of(NOW)
    print(f"journal append: {APARTMENTS} apartments x {DAYS} days, {total} entries of history")
    print(f"  current month {month}: {len(journal.month_entries(month))} entries")
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            current = journal
            store = JournalStore(hass, "bench", lambda: current, delay=2.0)
            # The first load migrates the old single document into month files (not timed).
            legacy = CoalescedStore(hass, "care.bench.journal", journal.to_dict, delay=2.0)
            await legacy.async_flush()
            current = await store.async_load()
            lazy, lazy_loop = await append(hass, current, store, APPENDS)
            await store.async_flush()

            store = JournalStore(hass, "bench", lambda: current, delay=2.0, fsync_interval=0)
            current = await store.async_load()
            synced, synced_loop = await append(hass, current, store, APPENDS, APPENDS)
            bursts = await burst(hass, current, store, 2 * APPENDS)
            await store.async_flush()

            month_journal = Journal(current.entries)
            months = MonthStoreBaseline(hass, month_journal, month)
            months.schedule_save()
            await settle(hass)  # the first write encodes the month (not timed)
            month_store, month_loop = await append(
                hass, month_journal, months, BASELINE_APPENDS, 3 * APPENDS
            )

            baseline_journal = Journal(current.entries)
            baseline = CoalescedStore(
                hass, "care.baseline.journal", baseline_journal.to_dict, delay=2.0
            )
            single, _ = await append(hass, baseline_journal, baseline, BASELINE_APPENDS)
            await baseline.async_flush()
            if len(baseline_journal) != len(current) + BASELINE_APPENDS:
                sys.exit("FAIL: the baseline's entries did not land")

            start = time.perf_counter()
            reread = await JournalStore(hass, "bench", Journal, delay=2.0).async_load()
            load_s = time.perf_counter() - start
            await hass.async_stop(force=True)
    expected = total + 3 * APPENDS
    appended = sorted(
        entry.data["episode_id"] for entry in reread.entries if entry.kind == NOTIFIED
    )
    if len(reread) != expected or appended != sorted(f"e{n}" for n in range(3 * APPENDS)):
        sys.exit(f"FAIL: {len(reread)} entries read back, {expected} expected, each once")
    print("  ms per entry: saved and written (wall) / of it in the event loop")
    print(f"  month files, fsync within 1 s:  {lazy:8.3f} / {lazy_loop:6.3f}")
    print(f"  month files, fsync every entry: {synced:8.3f} / {synced_loop:6.3f}")
    print(f"  month files, burst of {APPENDS}, one fsync: {bursts:8.3f} (wall)")
    print(f"  month Store (before):           {month_store:8.3f} / {month_loop:6.3f}")
    print(f"  single file (before that):      {single:8.3f}")
    print(f"  ratio month Store / month files (fsync within 1 s): {month_store / lazy:8.1f}x")
    print(f"  ratio month Store / month files (fsync every entry): {month_store / synced:8.1f}x")
    print(f"  read back: {len(reread)} entries, all {3 * APPENDS} appended ones exactly once")
    print(f"  loading the whole journal: {load_s:.2f} s")
    verdict = "met" if lazy < TARGET_MS else "NOT met"
    print(f"  target < {TARGET_MS} ms per entry (fsync within 1 s): {verdict}")
    verdict = "met" if synced < TARGET_MS else "NOT met"
    print(f"  target < {TARGET_MS} ms per entry (fsync every entry): {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
