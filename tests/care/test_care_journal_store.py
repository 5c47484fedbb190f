"""The care journal in month files: migration, appends, retention, bad lines, fsync, errors.

Issue 10, defect 12: the journal was one document rewritten in full on every
entry. Now each calendar month (UTC) is an append-only JSON-lines file in
``.storage`` and the journal's key holds a small index (a Store).
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant

from custom_components.municipal_iot.care import journal_log
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


def _file(hass: HomeAssistant, month: str) -> Path:
    return Path(hass.config.path(".storage", f"{KEY}.{month}.jsonl"))


def _lines(hass: HomeAssistant, month: str) -> list[dict[str, Any]]:
    """A month file's lines after the header."""
    lines = _file(hass, month).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"version": 1, "month": month}
    return [json.loads(line) for line in lines[1:]]


def _write_file(hass: HomeAssistant, month: str, *lines: str) -> None:
    path = _file(hass, month)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")


def _header(month: str) -> str:
    return json.dumps({"version": 1, "month": month}) + "\n"


async def _pause(hass: HomeAssistant, clock: Any) -> None:
    """A staff action that journals one entry ("paused")."""
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.lagenhet_3_supervision"}, blocking=True
    )
    await advance(hass, clock, 0.1)


async def test_migration_from_the_single_file(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """Today's file is split into month files; everything still reads and exports."""
    hass_storage[KEY] = OLD_FORMAT
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    unit: CareUnit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:4]] == [1, 2, 3, 4]
    index = hass_storage[KEY]["data"]
    assert index == {
        "version": 3,
        "next_id": index["next_id"],
        "months": ["2026-09", "2026-10", "2026-11"],
    }
    assert [item["id"] for item in _lines(hass, "2026-09")] == [1]
    assert _lines(hass, "2026-10") == OLD_ENTRIES[1:3]
    assert _lines(hass, "2026-11")[0]["id"] == 4
    export = await async_export_journal(
        hass, unit, date(2026, 9, 1), date(2026, 11, 30), content="episodes", excel=False
    )
    assert [episode.episode_id for episode in export.episodes] == ["e1"]
    assert export.episodes[0].outcome == "visited_all_ok"  # old vocabulary still maps

    # Reloading reads the months back; new ids go on from the old ones.
    before = len(unit.journal)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    unit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:4]] == [1, 2, 3, 4]
    assert len(unit.journal) >= before
    new = unit.journal.entries[4:]
    assert all(item.id > 4 for item in new)
    assert len({item.id for item in unit.journal.entries}) == len(unit.journal)


async def test_month_stores_become_month_files(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """The layout before month files (index version 2, a Store per month) is moved over."""
    hass_storage[KEY] = _store({"version": 2, "next_id": 5, "months": ["2026-10"]}, KEY)
    october = {"version": 1, "month": "2026-10", "entries": OLD_ENTRIES[1:3]}
    hass_storage[f"{KEY}.2026-10"] = _store(october, f"{KEY}.2026-10")
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    assert _lines(hass, "2026-10") == OLD_ENTRIES[1:3]
    assert f"{KEY}.2026-10" not in hass_storage
    assert hass_storage[KEY]["data"]["version"] == 3
    unit: CareUnit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:2]] == [2, 3]


async def test_an_entry_is_appended_to_its_month_only(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """A new entry is one line more in the current month; older months are not touched."""
    hass_storage[KEY] = OLD_FORMAT
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    await advance(hass, clock, 0.1)
    september = _file(hass, "2026-09").read_bytes()
    october = _file(hass, "2026-10").read_bytes()
    november = _lines(hass, "2026-11")
    await _pause(hass, clock)
    after = _lines(hass, "2026-11")
    assert after[: len(november)] == november
    assert [line["kind"] for line in after[len(november) :]] == ["paused"]
    assert _file(hass, "2026-09").read_bytes() == september
    assert _file(hass, "2026-10").read_bytes() == october
    unit: CareUnit = entry.runtime_data
    assert unit.journal.entries[-1].to_dict() == after[-1]


async def test_appends_are_synced_within_a_second(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """A line is written at once and forced to the disk (fsync) within FSYNC_INTERVAL."""
    hass_storage[KEY] = OLD_FORMAT
    await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    await advance(hass, clock, 0.1)
    with patch.object(journal_log.os, "fsync", wraps=journal_log.os.fsync) as fsync:
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": "switch.lagenhet_3_supervision"}, blocking=True
        )
        await hass.async_block_till_done()
        assert _lines(hass, "2026-11")[-1]["kind"] == "paused"  # written ...
        assert fsync.call_count == 0  # ... not yet synced
        await advance(hass, clock, 1 / 60)
        assert fsync.call_count == 1


async def test_retention_removes_whole_month_files(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """Months past the retention go as whole files; the index follows."""
    hass_storage[KEY] = OLD_FORMAT
    # One month of retention (30 days) on 26 Nov: only September ended before 27 Oct.
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID, retention_months=1))
    await advance(hass, clock, 0.05)  # the clean-up's save runs within seconds ...
    await advance(hass, clock, 0)  # ... and the index Store's own write timer runs
    assert not _file(hass, "2026-09").exists()
    assert _file(hass, "2026-10").exists()
    assert hass_storage[KEY]["data"]["months"] == ["2026-10", "2026-11"]
    unit: CareUnit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:3]] == [2, 3, 4]


async def test_unreadable_lines_and_months_are_not_silent(
    hass: HomeAssistant,
    clock: Any,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A torn or bad line is dropped by name, the file kept aside and cleaned; the rest loads."""
    months = ["2026-09", "2026-10", "2026-11"]
    hass_storage[KEY] = _store({"version": 3, "next_id": 5, "months": months}, KEY)
    _write_file(hass, "2026-09", _header("2026-09"), "[1, 2]\n")
    october = [_header("2026-10"), json.dumps(OLD_ENTRIES[1]) + "\n", '{"id": "x"}\n']
    _write_file(hass, "2026-10", *october)
    torn = json.dumps(OLD_ENTRIES[3]) + "\n" + '{"id": 9, "at": "2026-11-0'  # cut by a crash
    _write_file(hass, "2026-11", _header("2026-11"), torn)
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    unit: CareUnit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:2]] == [2, 4]
    backup = _file(hass, "2026-10").with_name(f"{KEY}.2026-10.jsonl.unreadable")
    assert backup.read_text(encoding="utf-8") == "".join(october)
    assert "Dropped an unreadable supervision journal line: " in caplog.text
    assert f"{KEY}.2026-09.jsonl line 2" in caplog.text
    assert f"{KEY}.2026-11.jsonl line 3" in caplog.text
    assert _lines(hass, "2026-10") == [OLD_ENTRIES[1]]  # cleaned
    # The next entry lands on a line of its own after the torn one was cut away.
    await _pause(hass, clock)
    assert _lines(hass, "2026-11")[0] == OLD_ENTRIES[3]
    assert _lines(hass, "2026-11")[-1]["kind"] == "paused"


async def test_an_unreadable_month_store_is_kept_aside(
    hass: HomeAssistant,
    clock: Any,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A month Store of the wrong shape (the layout before) is backed up, the others load."""
    months = ["2026-09", "2026-11"]
    hass_storage[KEY] = _store({"version": 2, "next_id": 5, "months": months}, KEY)
    hass_storage[f"{KEY}.2026-09"] = _store({"entries": "garbage"}, f"{KEY}.2026-09")
    november = {"version": 1, "month": "2026-11", "entries": [OLD_ENTRIES[3], {"id": "x"}]}
    hass_storage[f"{KEY}.2026-11"] = _store(november, f"{KEY}.2026-11")
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    unit: CareUnit = entry.runtime_data
    assert unit.journal.entries[0].id == 4
    assert hass_storage[f"{KEY}.2026-09.unreadable"]["data"] == {"entries": "garbage"}
    assert "Supervision journal month 2026-09 is unreadable" in caplog.text
    assert "Dropped an unreadable supervision journal entry: 2026-11" in caplog.text
    assert hass_storage[KEY]["data"]["months"] == ["2026-11"]


async def test_a_failing_disk_loses_no_entry(
    hass: HomeAssistant,
    clock: Any,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A write error is logged once; the lines wait and are written when the disk is back."""
    hass_storage[KEY] = OLD_FORMAT
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    await advance(hass, clock, 0.1)
    real_append = journal_log.MonthFiles.append
    with patch.object(journal_log.MonthFiles, "append", side_effect=OSError(28, "No space")):
        await _pause(hass, clock)
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": "switch.lagenhet_3_supervision"}, blocking=True
        )
        await advance(hass, clock, 0.2)  # one retry, failing too
    assert caplog.text.count("The supervision journal cannot be written") == 1
    assert "paused" not in [line["kind"] for line in _lines(hass, "2026-11")]
    with patch.object(journal_log.MonthFiles, "append", real_append):
        await advance(hass, clock, 0.2)
    kinds = [line["kind"] for line in _lines(hass, "2026-11")]
    assert kinds[-2:] == ["paused", "resumed"]
    assert "The supervision journal is written again" in caplog.text
    unit: CareUnit = entry.runtime_data
    assert [line["id"] for line in _lines(hass, "2026-11")] == [
        item.id for item in unit.journal.month_entries("2026-11")
    ]


async def test_an_interrupted_move_from_month_stores_runs_again(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """A month Store whose file was already written is removed; the file is what counts."""
    hass_storage[KEY] = _store({"version": 2, "next_id": 5, "months": ["2026-10"]}, KEY)
    stale = {"version": 1, "month": "2026-10", "entries": OLD_ENTRIES[1:2]}
    hass_storage[f"{KEY}.2026-10"] = _store(stale, f"{KEY}.2026-10")
    _write_file(
        hass, "2026-10", _header("2026-10"), *(json.dumps(e) + "\n" for e in OLD_ENTRIES[1:3])
    )
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    assert f"{KEY}.2026-10" not in hass_storage
    unit: CareUnit = entry.runtime_data
    assert [item.id for item in unit.journal.entries[:2]] == [2, 3]
    assert hass_storage[KEY]["data"]["version"] == 3


async def test_a_listed_month_without_a_file_is_named(
    hass: HomeAssistant,
    clock: Any,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The index names a month whose file is gone: a warning, the other months load."""
    months = ["2026-10", "2026-11"]
    hass_storage[KEY] = _store({"version": 3, "next_id": 5, "months": months}, KEY)
    _write_file(hass, "2026-11", _header("2026-11"), json.dumps(OLD_ENTRIES[3]) + "\n")
    entry = await setup_care(hass, care_entry(entry_id=ENTRY_ID))
    assert "Supervision journal month 2026-10 is in the index but has no file" in caplog.text
    unit: CareUnit = entry.runtime_data
    assert unit.journal.entries[0].id == 4
    assert hass_storage[KEY]["data"]["months"] == ["2026-11"]


class _TornFile(io.BytesIO):
    """A file whose next write lands halfway and then fails (the disk filled up)."""

    def write(self, data: Any) -> int:
        super().write(bytes(data)[: len(data) // 2])
        raise OSError(28, "No space left on device")


def test_a_torn_append_is_cut_off_and_reported(tmp_path: Path) -> None:
    """A failed append leaves the file as it was and hands the lines back for a retry."""
    files = journal_log.MonthFiles(tmp_path, "j.")
    files.append("2026-11", b'{"id": 1}\n')
    files.sync()
    before = files.path("2026-11").read_bytes()
    files._open.pop("2026-11").close()
    torn = files._open["2026-11"] = _TornFile(before)  # the month's open file
    torn.seek(0, io.SEEK_END)
    failed, error = files.write({"2026-11": b'{"id": 2}\n'}, (), sync=False)
    assert failed == {"2026-11": b'{"id": 2}\n'}
    assert "No space" in error
    assert torn.getvalue() == before  # the half line was cut off again
    files.remove("2026-11")
    assert not files.path("2026-11").exists()
    assert files.months() == []
    files.close()
