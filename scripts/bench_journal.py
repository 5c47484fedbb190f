"""Benchmark: appending to a care unit's journal with 200 apartments x 13 months of history.

Runs an in-process Home Assistant on a temporary configuration directory (real
Store files) and a journal of 200 apartments with three entries per apartment and
day for 396 days (about 238,000 entries). It measures, per appended entry, the
whole save as the care unit does it (``schedule_save(urgent=True)`` and the Store's
write, waited for):

* month segments (:class:`JournalStore`): only the current month is written;
* the baseline in the same process: the single-document journal of before
  (:class:`CoalescedStore` writing ``Journal.to_dict()``).

It then reads the journal back from disk and fails unless every entry landed.
Target: under 1 ms per entry.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_test_home_assistant

import custom_components.municipal_iot  # noqa: F401  - bind the package before HA's loader
from custom_components.municipal_iot.care.journal_store import JournalStore
from custom_components.municipal_iot.care.store import CoalescedStore
from custom_components.municipal_iot.supervision.journal import Journal

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


async def settle(hass: HomeAssistant) -> None:
    """Let the Stores' zero-delay write timers fire and their writes finish."""
    await asyncio.sleep(0)
    await hass.async_block_till_done()


async def append(hass: HomeAssistant, journal: Journal, save: object, count: int) -> float:
    """Append ``count`` entries one by one, each saved; return ms per entry."""
    start = time.perf_counter()
    for index in range(count):
        journal.record(
            at=NOW + timedelta(seconds=index),
            apartment_id=f"apt{index % APARTMENTS}",
            apartment_label="Lgh",
            kind="notified",
            data={"episode_id": f"e{index}"},
        )
        save.schedule_save(urgent=True)  # type: ignore[attr-defined]
        await settle(hass)
    return (time.perf_counter() - start) * 1000 / count


async def main() -> None:
    """Print ms per appended entry for month segments and the single-file baseline."""
    journal = history()
    total = len(journal)
    print(f"journal append: {APARTMENTS} apartments x {DAYS} days, {total} entries of history")
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            current = journal
            store = JournalStore(hass, "bench", lambda: current, delay=2.0)
            # The first load migrates the old single document into months (not timed).
            legacy = CoalescedStore(hass, "care.bench.journal", journal.to_dict, delay=2.0)
            await legacy.async_flush()
            current = await store.async_load()
            segments = await append(hass, current, store, APPENDS)
            await store.async_flush()

            baseline_journal = Journal(current.entries)
            baseline = CoalescedStore(
                hass, "care.baseline.journal", baseline_journal.to_dict, delay=2.0
            )
            single = await append(hass, baseline_journal, baseline, BASELINE_APPENDS)
            await baseline.async_flush()
            if len(baseline_journal) != len(current) + BASELINE_APPENDS:
                sys.exit("FAIL: the baseline's entries did not land")

            reread = await JournalStore(hass, "bench", Journal, delay=2.0).async_load()
            await hass.async_stop(force=True)
    expected = total + APPENDS
    appended = sum(entry.kind == "notified" for entry in reread.entries)
    if len(reread) != expected or appended != APPENDS:
        sys.exit(f"FAIL: {len(reread)} entries read back, {expected} expected")
    print(f"  month segments:        {segments:8.2f} ms per entry (only the current month written)")
    print(f"  single file (before):  {single:8.2f} ms per entry")
    print(f"  ratio:                 {single / segments:8.1f}x faster")
    print(f"  read back: {len(reread)} entries, all landed")
    verdict = "met" if segments < TARGET_MS else "NOT met"
    print(f"  target < {TARGET_MS} ms per entry: {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
