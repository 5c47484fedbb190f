"""The planned-checks view of the journal: one row per planned check, from engine events."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from custom_components.municipal_iot.supervision.engine import ApartmentSupervisor
from custom_components.municipal_iot.supervision.journal import Journal
from custom_components.municipal_iot.supervision.journal_csv import (
    PLANNED_COLUMNS,
    CsvLabels,
    planned_rows,
    planned_to_csv,
    to_csv,
)
from custom_components.municipal_iot.supervision.rules import ApartmentRules

TZ = ZoneInfo("Europe/Stockholm")
RULES = ApartmentRules.from_dict(
    {
        "sensors": ["pir"],
        "grace_minutes": 10,
        "planned": {"times": [{"at": "23:00"}, {"at": "02:00"}, {"at": "05:00"}]},
    }
)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def night() -> Journal:
    """23:00 done digitally, 02:00 missed and closed by a visit, 05:00 paused; a 2nd flat."""
    clock = Clock(local(2025, 1, 15, 22, 0))
    journal = Journal()
    sups = {
        label: ApartmentSupervisor(label, RULES, tz=TZ, clock=clock) for label in ("apt-1", "apt-2")
    }

    def run(label: str, events: list) -> None:
        for item in events:
            journal.add(item, apartment_label=f"Lgh {label[-1]}")

    def at(when: datetime) -> None:
        clock.now = when
        for label, sup in sups.items():
            run(label, sup.tick())

    clock.now = local(2025, 1, 15, 22, 50)
    run("apt-1", sups["apt-1"].sensor_update("pir", motion=True, available=True))
    run("apt-2", sups["apt-2"].sensor_update("pir", motion=True, available=True))
    at(local(2025, 1, 15, 23, 0))
    at(local(2025, 1, 16, 2, 0))
    at(local(2025, 1, 16, 2, 10))  # both alarms raised
    clock.now = local(2025, 1, 16, 2, 20)
    run("apt-1", sups["apt-1"].resolve("user-1", "visited_all_ok"))
    run("apt-1", sups["apt-1"].pause(until=None, reason="=guests", user_id="user-1"))
    at(local(2025, 1, 16, 5, 0))
    return journal


def test_rows_one_per_planned_check_with_outcome_evidence_and_who_closed():
    journal = night()
    rows = planned_rows(journal.entries, local(2025, 1, 15, 0, 0), local(2025, 1, 17, 0, 0))
    table = [
        (row.apartment_label, row.planned_at.astimezone(TZ).strftime("%H:%M"), row.outcome)
        for row in rows
    ]
    assert table == [
        ("Lgh 1", "23:00", "done_digital"),
        ("Lgh 2", "23:00", "done_digital"),
        ("Lgh 1", "02:00", "done_visit"),
        ("Lgh 2", "02:00", "missed"),  # the alarm is still open
        ("Lgh 1", "05:00", "not_done_paused"),
        ("Lgh 2", "05:00", "missed"),  # joined the open alarm
    ]
    assert rows[0].evidence_at == local(2025, 1, 15, 22, 50)
    visit = rows[2]
    assert (visit.closed_by, visit.closed_outcome) == ("user-1", "visited_all_ok")
    assert visit.evidence_at == local(2025, 1, 16, 2, 20)
    assert visit.episode_id is not None
    assert rows[3].episode_id is None  # grace, then the alarm: not in the missed entry
    assert rows[5].episode_id is not None
    # A period holds the checks planned inside it, even if their outcome came later.
    later = planned_rows(journal.entries, local(2025, 1, 16, 1, 0), local(2025, 1, 16, 3, 0))
    assert [row.outcome for row in later] == ["done_visit", "missed"]


def test_csv_translated_and_formula_safe():
    journal = night()
    rows = planned_rows(journal.entries, local(2025, 1, 15, 0, 0), local(2025, 1, 17, 0, 0))
    labels = CsvLabels(
        columns={column: column.upper() for column in PLANNED_COLUMNS},
        values={
            "planned.done_digital": "Tillsyn utförd digitalt",
            "planned.done_visit": "Tillsyn utförd genom besök",
            "outcome.visited_all_ok": "Besök gjort \u2013 allt väl",
        },
        users={"user-1": "Anna"},
    )
    text = planned_to_csv(rows, tz=TZ, excel_sv=True, labels=labels)
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert parsed[0] == [column.upper() for column in PLANNED_COLUMNS]
    assert parsed[1][:5] == [
        "Lgh 1",
        "2025-01-15 23:00:00",
        "23:00",
        "Tillsyn utförd digitalt",
        "2025-01-15 22:50:00",
    ]
    assert parsed[3][3:7] == [
        "Tillsyn utförd genom besök",
        "2025-01-16 02:20:00",
        "Anna",
        "Besök gjort \u2013 allt väl",
    ]
    # The pause reason is shown; one starting like a formula is neutralised.
    assert parsed[5][3] == "not_done_paused"
    assert parsed[5][7] == "'=guests"
    plain = planned_to_csv(rows, tz=TZ)
    assert plain.splitlines()[1].split(";")[1] == "2025-01-15T23:00:00+01:00"


def test_entries_csv_names_a_planned_checks_outcome():
    labels = CsvLabels(values={"planned.done_digital": "Tillsyn utförd digitalt"})
    text = to_csv(night().entries, tz=TZ, labels=labels)
    rows = [line.split(";") for line in text.splitlines()[1:]]
    first = next(row for row in rows if row[4] == "planned_check")
    assert first[6] == "Tillsyn utförd digitalt"


def test_two_times_meeting_on_the_spring_night_are_two_rows():
    rules = ApartmentRules.from_dict(
        {"sensors": ["pir"], "planned": {"times": [{"at": "02:00"}, {"at": "03:00"}]}}
    )
    clock = Clock(datetime(2025, 3, 29, 23, 0, tzinfo=UTC))
    sup = ApartmentSupervisor("apt-1", rules, tz=TZ, clock=clock)
    journal = Journal()
    clock.now = datetime(2025, 3, 30, 0, 50, tzinfo=UTC)
    sup.sensor_update("pir", motion=True, available=True)
    clock.now = datetime(2025, 3, 30, 1, 0, tzinfo=UTC)  # 03:00 CEST, just after the jump
    for item in sup.tick():
        journal.add(item, apartment_label="Lgh 1")
    rows = planned_rows(journal.entries, clock.now - timedelta(hours=3), clock.now + timedelta(1))
    assert [(row.planned_at, row.planned, row.outcome) for row in rows] == [
        (clock.now, "02:00", "done_digital"),
        (clock.now, "03:00", "done_digital"),
    ]
