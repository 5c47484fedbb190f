"""The care journal in month segments: migration, one month rewritten, retention, bad months.

Issue 10, defect 12: the journal was one document rewritten in full on every
entry. Now each calendar month (UTC) is its own Store and the journal's key holds
a small index.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from custom_components.municipal_iot.care.export import async_export_journal
from custom_components.municipal_iot.care.unit import CareUnit
from tests.care import APT, advance, care_entry, setup_care

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off", "phones")

ENTRY_ID = "solrosen_entry"
KEY = f"municipal_iot.care.{ENTRY_ID}.journal"


def _entry(entry_id: int, at: str, kind: str = "check_passed", **data: Any) -> dict[str, Any]:
    return {
        "id": entry_id,
        "at": at,
        "apartment_id": APT,
        "apartment_label": "Lägenhet 3",
        "kind": kind,
        "user_id": None,
        "data": data,
    }


# The single-document journal as every release before month segments wrote it.
OLD_ENTRIES = [
    _entry(1, "2026-09-30T21:59:00+00:00"),
    _entry(2, "2026-10-05T01:00:00+00:00", "alarm_raised", episode_id="e1", reason="inactivity"),
    _entry(3, "2026-10-05T01:20:00+00:00", "resolved", episode_id="e1", outcome="ok"),
    _entry(4, "2026-11-02T03:00:00+00:00"),
]
OLD_FORMAT = {
    "version": 1,
    "minor_version": 1,
    "key": KEY,
    "data": {"version": 1, "next_id": 5, "entries": OLD_ENTRIES},
}


def _store(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {"version": 1, "minor_version": 1, "key": key, "data": data}


async def test_migration_from_the_single_file(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """Today's file is split into months; everything still reads and exports."""
    hass_storage[KEY] = OLD_FORMAT
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    unit: CareUnit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:4]] == [1, 2, 3, 4]
    index = hass_storage[KEY]["data"]
    assert index == {
        "version": 2,
        "next_id": index["next_id"],
        "months": ["2026-09", "2026-10", "2026-11"],
    }
    assert [item["id"] for item in hass_storage[f"{KEY}.2026-09"]["data"]["entries"]] == [1]
    assert [item["id"] for item in hass_storage[f"{KEY}.2026-10"]["data"]["entries"]] == [2, 3]
    assert hass_storage[f"{KEY}.2026-11"]["data"]["entries"][0]["id"] == 4
    export = await async_export_journal(
        hass, unit, date(2026, 9, 1), date(2026, 11, 30), content="episodes", excel=False
    )
    assert [episode.episode_id for episode in export.episodes] == ["e1"]
    assert export.episodes[0].outcome == "visited_all_ok"  # old vocabulary still maps

    # Reloading reads the months back; new ids go on from the old ones.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    unit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:4]] == [1, 2, 3, 4]
    new = unit.journal.entries[4:]
    assert all(item.id > 4 for item in new)


async def test_an_entry_rewrites_only_its_month(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """A new entry writes the current month; older months are not touched."""
    hass_storage[KEY] = OLD_FORMAT
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    # Mark the stored months: a rewrite would replace these objects.
    for month in ("2026-09", "2026-10", "2026-11"):
        hass_storage[f"{KEY}.{month}"]["data"]["untouched"] = True
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.lagenhet_3_supervision"}, blocking=True
    )
    await advance(hass, clock, 0.1)
    november = hass_storage[f"{KEY}.2026-11"]["data"]
    assert "untouched" not in november
    assert november["entries"][-1]["kind"] == "paused"
    assert hass_storage[f"{KEY}.2026-09"]["data"]["untouched"] is True
    assert hass_storage[f"{KEY}.2026-10"]["data"]["untouched"] is True
    unit: CareUnit = entry.runtime_data
    assert unit.journal.entries[-1].kind == "paused"


async def test_retention_removes_whole_month_files(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """Months past the retention go as whole files; the index follows."""
    hass_storage[KEY] = OLD_FORMAT
    # One month of retention (30 days) on 26 Nov: only September ended before 27 Oct.
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID, retention_months=1))
    await advance(hass, clock, 0.05)  # the clean-up's save runs within seconds ...
    await advance(hass, clock, 0)  # ... and the Stores' own write timers run
    assert f"{KEY}.2026-09" not in hass_storage
    assert f"{KEY}.2026-10" in hass_storage
    assert hass_storage[KEY]["data"]["months"] == ["2026-10", "2026-11"]
    unit: CareUnit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:3]] == [2, 3, 4]


async def test_unreadable_month_and_entry_are_not_silent(
    hass: HomeAssistant,
    clock: Any,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bad month is kept aside and the others load; a bad entry is dropped by name."""
    months = ["2026-09", "2026-10", "2026-11"]
    hass_storage[KEY] = _store({"version": 2, "next_id": 5, "months": months}, KEY)
    hass_storage[f"{KEY}.2026-09"] = _store({"entries": "garbage"}, f"{KEY}.2026-09")
    october = {"version": 1, "month": "2026-10", "entries": [OLD_ENTRIES[1], {"id": "x"}]}
    hass_storage[f"{KEY}.2026-10"] = _store(october, f"{KEY}.2026-10")
    november = {"version": 1, "month": "2026-11", "entries": [OLD_ENTRIES[3]]}
    hass_storage[f"{KEY}.2026-11"] = _store(november, f"{KEY}.2026-11")
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    unit: CareUnit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:2]] == [2, 4]
    assert hass_storage[f"{KEY}.2026-09.unreadable"]["data"] == {"entries": "garbage"}
    assert "Supervision journal month 2026-09 is unreadable" in caplog.text
    assert "Dropped an unreadable supervision journal entry: 2026-10" in caplog.text
