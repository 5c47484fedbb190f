"""The supervision journal: entries, retention, episodes and CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.municipal_iot.supervision.events import Event, EventKind
from custom_components.municipal_iot.supervision.journal import (
    DEFAULT_RETENTION,
    NOTIFIED,
    Episode,
    Journal,
    JournalEntry,
    build_episodes,
    outcome_of,
)
from custom_components.municipal_iot.supervision.journal_csv import (
    CsvLabels,
    episodes_to_csv,
    to_csv,
)

TZ = ZoneInfo("Europe/Stockholm")
EP = "apt-1-20250115T081000Z"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def event(kind: EventKind, at: datetime, apartment: str = "apt-1", **data) -> Event:
    return Event(kind, apartment, at, data)


def episode_journal() -> Journal:
    """One full episode plus an unrelated check, as the adapter would journal them."""
    journal = Journal()
    journal.add(
        event(EventKind.CHECK_PASSED, local(2025, 1, 15, 8, 0), window="07:00-08:00"),
        apartment_label="Lgh 1101",
    )
    journal.add(
        event(
            EventKind.ALARM_RAISED,
            local(2025, 1, 15, 9, 10),
            episode_id=EP,
            reason="inactivity",
            still_minutes=70,
        ),
        apartment_label="Lgh 1101",
    )
    journal.record(
        at=local(2025, 1, 15, 9, 10, 5),
        apartment_id="apt-1",
        apartment_label="Lgh 1101",
        kind=NOTIFIED,
        data={"episode_id": EP, "phones": 3},
    )
    journal.add(
        event(EventKind.ESCALATE, local(2025, 1, 15, 9, 15), episode_id=EP),
        apartment_label="Lgh 1101",
    )
    journal.add(
        event(EventKind.REMIND, local(2025, 1, 15, 9, 15), episode_id=EP, count=1),
        apartment_label="Lgh 1101",
    )
    journal.add(
        event(
            EventKind.ACKNOWLEDGED,
            local(2025, 1, 15, 9, 13, 30),  # journaled late: inserted in time order
            episode_id=EP,
            user_id="user-abc",
        ),
        apartment_label="Lgh 1101",
    )
    journal.add(
        event(EventKind.MOTION_RETURNED, local(2025, 1, 15, 9, 20), episode_id=EP),
        apartment_label="Lgh 1101",
    )
    journal.add(
        event(
            EventKind.RESOLVED,
            local(2025, 1, 15, 9, 40),
            episode_id=EP,
            user_id="user-def",
            outcome="visited_ok",
        ),
        apartment_label="Lgh 1101",
    )
    return journal


def test_entries_from_events_and_time_order():
    journal = episode_journal()
    entries = journal.entries
    assert len(journal) == 8
    assert [e.kind for e in entries] == [
        "check_passed",
        "alarm_raised",
        "notified",
        "acknowledged",
        "escalate",
        "remind",
        "motion_returned",
        "resolved",
    ]
    assert [e.id for e in entries] == [1, 2, 3, 6, 4, 5, 7, 8]
    ack = entries[3]
    assert ack == JournalEntry(
        6,
        local(2025, 1, 15, 9, 13, 30),
        "apt-1",
        "Lgh 1101",
        "acknowledged",
        "user-abc",
        {"episode_id": EP, "user_id": "user-abc"},
    )
    assert ack.episode_id == EP
    assert entries[0].episode_id is None
    assert entries[0].user_id is None


def test_between_and_apartment_filter():
    journal = episode_journal()
    journal.add(event(EventKind.PAUSED, local(2025, 1, 15, 9, 30), "apt-2"), apartment_label="B")
    entries = journal.between(local(2025, 1, 15, 9, 10), local(2025, 1, 15, 9, 40))
    assert [e.kind for e in entries] == [
        "alarm_raised",
        "notified",
        "acknowledged",
        "escalate",
        "remind",
        "motion_returned",
        "paused",
    ]  # start inclusive, end exclusive
    only_2 = journal.between(local(2025, 1, 15), local(2025, 1, 16), apartment_ids={"apt-2"})
    assert [e.apartment_id for e in only_2] == ["apt-2"]


def test_episode_summary():
    episodes = episode_journal().episodes(local(2025, 1, 15), local(2025, 1, 16))
    assert episodes == [
        Episode(
            episode_id=EP,
            apartment_id="apt-1",
            apartment_label="Lgh 1101",
            reason="inactivity",
            raised_at=local(2025, 1, 15, 9, 10),
            notified_at=local(2025, 1, 15, 9, 10, 5),
            escalated_at=local(2025, 1, 15, 9, 15),
            reminders=1,
            acknowledged_at=local(2025, 1, 15, 9, 13, 30),
            acknowledged_by="user-abc",
            motion_returned_at=local(2025, 1, 15, 9, 20),
            resolved_at=local(2025, 1, 15, 9, 40),
            resolved_by="user-def",
            outcome="visited_ok",
        )
    ]
    assert episodes[0].response_minutes == pytest.approx(3.5)


def test_episode_response_falls_back_to_resolve_and_open_episode_has_none():
    entries = [
        JournalEntry(
            1, local(2025, 1, 15, 9, 0), "a", "A", "alarm_raised", None, {"episode_id": "e1"}
        ),
        JournalEntry(2, local(2025, 1, 15, 9, 12), "a", "A", "resolved", "u", {"episode_id": "e1"}),
        JournalEntry(
            3, local(2025, 1, 15, 9, 5), "b", "B", "alarm_raised", None, {"episode_id": "e2"}
        ),
    ]
    entries.append(JournalEntry(4, local(2025, 1, 15, 9, 6), "a", "A", "check_passed"))
    entries.append(
        JournalEntry(5, local(2025, 1, 15, 9, 7), "a", "A", "comment", "u", {"episode_id": "e1"})
    )
    first, second = build_episodes(entries)
    assert (first.episode_id, first.response_minutes) == ("e1", 12.0)
    assert (second.episode_id, second.response_minutes) == ("e2", None)


def test_export_period_lists_the_whole_episode():
    journal = Journal()
    journal.add(
        event(EventKind.ALARM_RAISED, local(2025, 1, 31, 23, 50), episode_id="e", reason="x"),
        apartment_label="A",
    )
    journal.add(
        event(EventKind.RESOLVED, local(2025, 2, 1, 0, 10), episode_id="e", outcome="ok"),
        apartment_label="A",
    )
    (episode,) = journal.episodes(local(2025, 2, 1), local(2025, 3, 1))
    assert episode.raised_at == local(2025, 1, 31, 23, 50)
    assert episode.resolved_at == local(2025, 2, 1, 0, 10)
    assert journal.episodes(local(2025, 2, 2), local(2025, 3, 1)) == []


def test_prune_default_retention_keeps_episodes_whole():
    now = local(2026, 3, 1, 12, 0)
    cutoff = now - DEFAULT_RETENTION
    assert timedelta(days=396) == DEFAULT_RETENTION
    journal = Journal()
    journal.add(event(EventKind.PAUSED, cutoff - timedelta(minutes=1)), apartment_label="A")
    journal.add(event(EventKind.RESUMED, cutoff), apartment_label="A")
    journal.add(
        event(EventKind.ALARM_RAISED, cutoff - timedelta(minutes=2), episode_id="kept"),
        apartment_label="A",
    )
    journal.add(
        event(EventKind.RESOLVED, cutoff + timedelta(minutes=2), episode_id="kept"),
        apartment_label="A",
    )
    journal.add(
        event(EventKind.ALARM_RAISED, cutoff - timedelta(days=3), episode_id="old"),
        apartment_label="A",
    )
    journal.add(
        event(EventKind.RESOLVED, cutoff - timedelta(days=2), episode_id="old"),
        apartment_label="A",
    )
    assert journal.prune(now=now) == 3
    assert [(e.kind, e.episode_id) for e in journal.entries] == [
        ("alarm_raised", "kept"),
        ("resumed", None),
        ("resolved", "kept"),
    ]
    assert journal.prune(now=now, retention=timedelta(days=1)) == 3
    assert len(journal) == 0


def test_json_round_trip_keeps_ids_after_pruning():
    journal = episode_journal()
    journal.prune(now=local(2030, 1, 1))
    restored = Journal.from_dict(json.loads(json.dumps(journal.to_dict())))
    assert len(restored) == 0
    entry = restored.record(
        at=local(2030, 1, 1), apartment_id="a", apartment_label="A", kind="comment"
    )
    assert entry.id == 9  # ids are never reused
    full = episode_journal()
    again = Journal.from_dict(json.loads(json.dumps(full.to_dict())))
    assert again.entries == full.entries


def test_journal_version_is_checked():
    with pytest.raises(ValueError, match="version"):
        Journal.from_dict({"version": 2, "entries": []})


def test_csv_excel_sv_format():
    journal = episode_journal()
    text = to_csv(journal.entries[:4], tz=TZ, excel_sv=True)
    assert text.startswith(
        "\ufeffentry_id;time;apartment_id;apartment;event;user;outcome;note;episode_id;details\r\n"
    )
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert (
        lines[1]
        == '1;2025-01-15 08:00:00;apt-1;Lgh 1101;check_passed;;;;;"{""window"": ""07:00-08:00""}"'
    )
    assert lines[2] == (
        f"2;2025-01-15 09:10:00;apt-1;Lgh 1101;alarm_raised;;;;{EP};"
        '"{""reason"": ""inactivity"", ""still_minutes"": 70}"'
    )
    assert lines[4] == f"6;2025-01-15 09:13:30;apt-1;Lgh 1101;acknowledged;user-abc;;;{EP};"
    assert lines[5] == ""  # the file ends with CRLF
    assert "\n" not in text.replace("\r\n", "")


def test_csv_plain_format():
    text = to_csv(episode_journal().entries[:1], tz=TZ)
    assert text == (
        "entry_id;time;apartment_id;apartment;event;user;outcome;note;episode_id;details\n"
        "1;2025-01-15T08:00:00+01:00;apt-1;Lgh 1101;check_passed;;;;;"
        '"{""window"": ""07:00-08:00""}"\n'
    )


def test_csv_local_time_follows_dst():
    journal = Journal()
    journal.add(
        event(EventKind.PAUSED, datetime(2025, 7, 1, 6, 0, tzinfo=UTC)), apartment_label="A"
    )
    assert "2025-07-01 08:00:00" in to_csv(journal.entries, tz=TZ, excel_sv=True)


def test_csv_quotes_separators_and_neutralises_formulas():
    journal = Journal()
    journal.add(event(EventKind.PAUSED, local(2025, 1, 15, 8, 0)), apartment_label="Hus A; plan 2")
    journal.add(event(EventKind.PAUSED, local(2025, 1, 15, 9, 0)), apartment_label="=HYPERLINK(1)")
    rows = list(
        csv.reader(io.StringIO(to_csv(journal.entries, tz=TZ, excel_sv=True)), delimiter=";")
    )
    assert rows[1][3] == "Hus A; plan 2"
    assert rows[2][3] == "'=HYPERLINK(1)"
    plain = list(csv.reader(io.StringIO(to_csv(journal.entries, tz=TZ)), delimiter=";"))
    assert plain[2][3] == "=HYPERLINK(1)"


def test_episodes_csv_excel_sv_decimal_comma():
    episodes = episode_journal().episodes(local(2025, 1, 15), local(2025, 1, 16))
    text = episodes_to_csv(episodes, tz=TZ, excel_sv=True)
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert text.startswith("\ufeff")
    assert lines[0] == (
        "episode_id;apartment_id;apartment;reason;raised_at;notified_at;escalated_at;reminders;"
        "acknowledged_at;acknowledged_by;motion_returned_at;resolved_at;resolved_by;outcome;"
        "closed_without_motion;note;response_minutes"
    )
    assert lines[1] == (
        f"{EP};apt-1;Lgh 1101;inactivity;2025-01-15 09:10:00;2025-01-15 09:10:05;"
        "2025-01-15 09:15:00;1;2025-01-15 09:13:30;user-abc;2025-01-15 09:20:00;"
        "2025-01-15 09:40:00;user-def;visited_ok;false;;3,5"
    )
    assert lines[2] == ""


def test_episodes_csv_plain_and_open_episode():
    open_episode = Episode("e9", "apt-9", "Lgh 9", raised_at=local(2025, 1, 15, 9, 0))
    text = episodes_to_csv([open_episode], tz=TZ)
    assert text.splitlines()[1] == "e9;apt-9;Lgh 9;;2025-01-15T09:00:00+01:00;;;0;;;;;;;;;"
    closed = episode_journal().episodes(local(2025, 1, 15), local(2025, 1, 16))
    assert episodes_to_csv(closed, tz=TZ).splitlines()[1].endswith(";visited_ok;false;;3.5")


SV = CsvLabels(
    columns={"time": "Tid", "event": "Händelse", "user": "Användare", "outcome": "Utfall"},
    values={
        "event.resolved_without_motion": "Larm avslutat utan rörelse",
        "event.acknowledged": "Larm kvitterat",
        "outcome.visited_all_ok": "Besök gjort \u2013 allt väl",
        "reason.inactivity": "Ingen rörelse",
        "bool.true": "ja",
    },
    users={"user-abc": "Anna Andersson", "user-def": "Bo Berg"},
)


def test_csv_labels_translate_and_name_users():
    """Headers and values in the labels' language; user names instead of ids."""
    journal = Journal()
    journal.add(
        event(EventKind.ACKNOWLEDGED, local(2025, 1, 15, 9, 0), episode_id="e", user_id="user-abc"),
        apartment_label="Lgh 1",
    )
    journal.add(
        event(
            EventKind.RESOLVED,
            local(2025, 1, 15, 9, 5),
            episode_id="e",
            user_id="user-gone",
            outcome="ok",  # an old journal's outcome
            motion_returned=False,
            note="Sov gott",
        ),
        apartment_label="Lgh 1",
    )
    rows = list(csv.reader(io.StringIO(to_csv(journal.entries, tz=TZ, labels=SV)), delimiter=";"))
    assert rows[0][:8] == [
        "entry_id",
        "Tid",
        "apartment_id",
        "apartment",
        "Händelse",
        "Användare",
        "Utfall",
        "note",
    ]
    assert rows[1][4:7] == ["Larm kvitterat", "Anna Andersson", ""]
    # A removed user shows as the id; a close without motion says so; old "ok" is "all well".
    assert rows[2][4:8] == [
        "Larm avslutat utan rörelse",
        "user-gone",
        "Besök gjort \u2013 allt väl",
        "Sov gott",
    ]
    episodes = journal.episodes(local(2025, 1, 15), local(2025, 1, 16))
    (episode,) = episodes
    assert (episode.outcome, episode.closed_without_motion, episode.note) == (
        "visited_all_ok",
        True,
        "Sov gott",
    )
    line = episodes_to_csv(episodes, tz=TZ, labels=SV).splitlines()[1].split(";")
    assert line[9] == "Anna Andersson"
    assert line[13:16] == ["Besök gjort \u2013 allt väl", "ja", "Sov gott"]


def test_outcome_of_maps_old_values():
    assert [outcome_of(value) for value in ("ok", "visited", "false_alarm", None)] == [
        "visited_all_ok",
        "visited_all_ok",
        "false_alarm",
        None,
    ]


def test_engine_events_journal_end_to_end(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make({"sensors": ["a"], "continuous_minutes": 60, "grace_minutes": 0})
    journal = Journal()
    clock.set(local(2025, 1, 15, 9, 0))
    for item in sup.tick():
        journal.add(item, apartment_label="Lgh 2")
    clock.set(local(2025, 1, 15, 9, 6))
    for item in sup.acknowledge("user-x") + sup.resolve("user-x", "false_alarm"):
        journal.add(item, apartment_label="Lgh 2")
    (episode,) = build_episodes(journal.entries)
    assert episode.episode_id == "apt-1-20250115T080000Z"
    assert episode.response_minutes == pytest.approx(6.0)
    assert (episode.acknowledged_by, episode.resolved_by, episode.outcome) == (
        "user-x",
        "user-x",
        "false_alarm",
    )


def _at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_months_and_changes():
    """Entries fall into UTC months; the months written since the last save are told."""
    journal = Journal()
    journal.add(event(EventKind.PAUSED, _at(2026, 1, 31, 23)), apartment_label="A")
    journal.add(event(EventKind.RESUMED, _at(2026, 3, 1, 0)), apartment_label="A")
    assert journal.months() == ["2026-01", "2026-03"]
    assert journal.take_changes() == ({"2026-01", "2026-03"}, set())
    assert journal.take_changes() == (set(), set())
    journal.add(event(EventKind.PAUSED, _at(2026, 3, 2)), apartment_label="A")
    assert journal.take_changes() == ({"2026-03"}, set())
    data = journal.month_data("2026-03")
    assert [item["kind"] for item in data["entries"]] == ["resumed", "paused"]
    restored, warnings = Journal.from_months(
        [journal.month_data(month) for month in journal.months()], next_id=journal.next_id
    )
    assert warnings == []
    assert restored.entries == journal.entries
    assert restored.next_id == journal.next_id


def test_take_added_tells_each_new_entry_once_also_out_of_order():
    """The entries recorded since the last call, in the order recorded, loaded ones not."""
    loaded = Journal([JournalEntry(1, _at(2026, 3, 5), "a", "A", "paused")])
    assert loaded.take_added() == []
    late = loaded.add(event(EventKind.RESUMED, _at(2026, 3, 6)), apartment_label="A")
    early = loaded.add(event(EventKind.PAUSED, _at(2026, 3, 1)), apartment_label="A")
    assert loaded.take_added() == [late, early]
    assert [entry.id for entry in loaded.entries] == [early.id, 1, late.id]
    assert loaded.take_added() == []


def test_prune_months_drops_whole_months_and_keeps_episodes_whole():
    """Retention removes months that ended before the cutoff, unless an episode goes on."""
    journal = Journal()
    journal.add(event(EventKind.PAUSED, _at(2025, 9, 10)), apartment_label="A")
    journal.add(
        event(EventKind.ALARM_RAISED, _at(2025, 10, 31, 23), episode_id="e"), apartment_label="A"
    )
    journal.add(event(EventKind.RESOLVED, _at(2025, 11, 1, 1), episode_id="e"), apartment_label="A")
    journal.add(event(EventKind.PAUSED, _at(2026, 1, 5)), apartment_label="A")
    journal.take_changes()
    # Cutoff 2025-12-15: September, October and November are over, but the episode
    # of October goes on in November, which is over too: all three go.
    assert journal.prune_months(now=_at(2025, 12, 15), retention=timedelta(0)) == [
        "2025-09",
        "2025-10",
        "2025-11",
    ]
    assert journal.take_changes() == (set(), {"2025-09", "2025-10", "2025-11"})
    assert journal.months() == ["2026-01"]

    journal = Journal()
    journal.add(event(EventKind.PAUSED, _at(2025, 9, 10)), apartment_label="A")
    journal.add(
        event(EventKind.ALARM_RAISED, _at(2025, 10, 31, 23), episode_id="e"), apartment_label="A"
    )
    journal.add(event(EventKind.RESOLVED, _at(2025, 11, 1, 1), episode_id="e"), apartment_label="A")
    # Cutoff 2025-11-15: November is not over, so October (same episode) stays too.
    assert journal.prune_months(now=_at(2025, 11, 15), retention=timedelta(0)) == ["2025-09"]
    assert journal.months() == ["2025-10", "2025-11"]
    assert journal.prune_months(now=_at(2025, 11, 15), retention=timedelta(0)) == []


def test_from_months_drops_bad_entries_by_name():
    """An unreadable entry is dropped with a warning; the rest of the month stays."""
    good = Journal()
    good.add(event(EventKind.PAUSED, _at(2026, 2, 1)), apartment_label="A")
    month = good.month_data("2026-02")
    month["entries"].append({"id": 9, "at": "not a time"})
    journal, warnings = Journal.from_months([month])
    assert len(journal) == 1
    assert len(warnings) == 1
    assert warnings[0].startswith("2026-02: entry")


def test_month_tail_only_after_appends():
    """The entries after a known prefix, or None once an entry was put among them."""
    journal = Journal()
    first = journal.add(event(EventKind.PAUSED, _at(2026, 2, 1)), apartment_label="A")
    second = journal.add(event(EventKind.RESUMED, _at(2026, 2, 3)), apartment_label="A")
    assert journal.month_tail("2026-02", 1, first.id) == [second]
    assert journal.month_tail("2026-02", 2, second.id) == []
    assert journal.month_tail("2026-02", 0, 0) is None
    journal.add(event(EventKind.PAUSED, _at(2026, 2, 2)), apartment_label="A")  # out of order
    assert journal.month_tail("2026-02", 2, second.id) is None
    assert journal.month_tail("2026-02", 5, second.id) is None
