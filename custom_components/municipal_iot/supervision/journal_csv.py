"""CSV export of the supervision journal: entries, one row per alarm, or per planned check.

:func:`to_csv` lists entries; :func:`episodes_to_csv` lists one row per alarm
episode; :func:`planned_to_csv` one row per planned check (:func:`planned_rows`).
All take optional :class:`CsvLabels` (translated headers and values,
and user names resolved when the export is made).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from .events import EventKind
from .journal import Episode, JournalEntry, entry_kind_label, outcome_of
from .timeutil import parse_iso

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# ------------------------------------------------------------------ CSV export


@dataclass(frozen=True, slots=True)
class CsvLabels:
    """Translated headers and values, and user names, for an export.

    ``columns`` maps a column key to its header; ``values`` maps
    ``"event.<kind>"``, ``"outcome.<outcome>"`` and ``"reason.<reason>"`` to their
    text; ``users`` maps a user id to the user's name. Anything missing is shown
    as its key or id.
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)
    users: Mapping[str, str] = field(default_factory=dict)

    def header(self, columns: Iterable[str]) -> list[str]:
        """Return the header row."""
        return [self.columns.get(column, column) for column in columns]

    def value(self, group: str, value: str | None) -> str:
        """Return a value's text, or the value itself."""
        if value is None:
            return ""
        return self.values.get(f"{group}.{value}", value)

    def user(self, user_id: str | None) -> str:
        """Return a user's name, or the id of a user that no longer exists."""
        if user_id is None:
            return ""
        return self.users.get(user_id, user_id)


class _Csv:
    """Cell formatting for one export flavour."""

    def __init__(self, tz: ZoneInfo, *, excel_sv: bool) -> None:
        self.tz = tz
        self.excel_sv = excel_sv
        self.buffer = io.StringIO()
        if excel_sv:
            self.buffer.write("\ufeff")  # BOM: Excel then reads UTF-8
        self.writer = csv.writer(
            self.buffer, delimiter=";", lineterminator="\r\n" if excel_sv else "\n"
        )

    def time(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.tz)
        if self.excel_sv:
            return local.strftime("%Y-%m-%d %H:%M:%S")
        return local.isoformat(timespec="seconds")

    def number(self, value: float | None) -> str:
        if value is None:
            return ""
        text = f"{value:.1f}"
        return text.replace(".", ",") if self.excel_sv else text

    def text(self, value: object) -> str:
        text = "" if value is None else str(value)
        if self.excel_sv and text.startswith(_FORMULA_START):
            return "'" + text  # keep Excel from running it as a formula
        return text

    def row(self, cells: Iterable[str]) -> None:
        self.writer.writerow(list(cells))

    def result(self) -> str:
        return self.buffer.getvalue()


ENTRY_COLUMNS = (
    "entry_id",
    "time",
    "apartment_id",
    "apartment",
    "event",
    "user",
    "outcome",
    "note",
    "episode_id",
    "details",
)
EPISODE_COLUMNS = (
    "episode_id",
    "apartment_id",
    "apartment",
    "reason",
    "raised_at",
    "notified_at",
    "escalated_at",
    "reminders",
    "acknowledged_at",
    "acknowledged_by",
    "motion_returned_at",
    "resolved_at",
    "resolved_by",
    "outcome",
    "closed_without_motion",
    "note",
    "response_minutes",
)


_SHOWN_KEYS = frozenset({"episode_id", "user_id", "outcome", "note"})


def _entry_outcome(labels: CsvLabels, entry: JournalEntry) -> str:
    """Return an entry's outcome in words: a planned check's, or an alarm's."""
    outcome = entry.data.get("outcome")
    if entry.kind == EventKind.PLANNED_CHECK and isinstance(outcome, str):
        return labels.value("planned", outcome)
    return labels.value("outcome", outcome_of(outcome))


def to_csv(
    entries: Iterable[JournalEntry],
    *,
    tz: ZoneInfo,
    excel_sv: bool = False,
    labels: CsvLabels | None = None,
) -> str:
    """Export entries as semicolon-separated CSV.

    ``excel_sv=True`` targets Excel with Swedish settings: a UTF-8 BOM, CRLF line
    ends, local times as ``YYYY-MM-DD HH:MM:SS`` and a decimal comma. Otherwise
    times are ISO 8601 with the local offset. ``details`` is the event data as
    JSON (without the columns already shown).
    """
    labels = labels or CsvLabels()
    out = _Csv(tz, excel_sv=excel_sv)
    out.row(labels.header(ENTRY_COLUMNS))
    for entry in entries:
        details = {k: v for k, v in entry.data.items() if k not in _SHOWN_KEYS}
        out.row(
            [
                str(entry.id),
                out.time(entry.at),
                out.text(entry.apartment_id),
                out.text(entry.apartment_label),
                labels.value("event", entry_kind_label(entry)),
                out.text(labels.user(entry.user_id)),
                _entry_outcome(labels, entry),
                out.text(entry.data.get("note")),
                out.text(entry.episode_id),
                json.dumps(details, sort_keys=True, ensure_ascii=False) if details else "",
            ]
        )
    return out.result()


def episodes_to_csv(
    episodes: Iterable[Episode],
    *,
    tz: ZoneInfo,
    excel_sv: bool = False,
    labels: CsvLabels | None = None,
) -> str:
    """Export one row per alarm episode (same CSV flavours as :func:`to_csv`)."""
    labels = labels or CsvLabels()
    out = _Csv(tz, excel_sv=excel_sv)
    out.row(labels.header(EPISODE_COLUMNS))
    for episode in episodes:
        out.row(
            [
                out.text(episode.episode_id),
                out.text(episode.apartment_id),
                out.text(episode.apartment_label),
                labels.value("reason", episode.reason),
                out.time(episode.raised_at),
                out.time(episode.notified_at),
                out.time(episode.escalated_at),
                str(episode.reminders),
                out.time(episode.acknowledged_at),
                out.text(labels.user(episode.acknowledged_by)),
                out.time(episode.motion_returned_at),
                out.time(episode.resolved_at),
                out.text(labels.user(episode.resolved_by)),
                labels.value("outcome", episode.outcome),
                labels.value("bool", str(episode.closed_without_motion).lower())
                if episode.resolved_at is not None
                else "",
                out.text(episode.note),
                out.number(episode.response_minutes),
            ]
        )
    return out.result()


# ------------------------------------------------------- planned checks view

PLANNED_COLUMNS = (
    "apartment",
    "planned_at",
    "planned",
    "planned_outcome",
    "evidence_at",
    "resolved_by",
    "outcome",
    "planned_detail",
    "episode_id",
)
PLANNED_MISSED = "missed"  # no sign of activity; the grace or the alarm is still open


@dataclass(slots=True)
class PlannedRow:
    """One planned check, assembled from its journal entries."""

    apartment_id: str
    apartment_label: str
    planned_at: datetime
    planned: str  # the time in the decision, "HH:MM" (02:00 is checked at 03:00 in spring)
    outcome: str = PLANNED_MISSED
    evidence_at: datetime | None = None
    closed_by: str | None = None
    closed_outcome: str | None = None
    pause_reason: str | None = None
    away_since: datetime | None = None
    episode_id: str | None = None

    def apply(self, entry: JournalEntry) -> None:
        """Fold one ``planned_check`` / ``planned_check_missed`` entry in."""
        data = entry.data
        self.episode_id = entry.episode_id or self.episode_id
        if entry.kind != EventKind.PLANNED_CHECK:
            return
        self.outcome = str(data.get("outcome"))
        self.evidence_at = _time_or_none(data.get("evidence_at"))
        self.closed_by = entry.user_id
        self.closed_outcome = outcome_of(data.get("closed_outcome"))
        self.pause_reason = data.get("pause_reason")
        self.away_since = _time_or_none(data.get("away_since"))


def _time_or_none(value: object) -> datetime | None:
    return None if value is None else parse_iso(value)


def planned_rows(
    entries: Iterable[JournalEntry], start: datetime, end: datetime
) -> list[PlannedRow]:
    """Return one row per planned check planned in ``start`` <= time < ``end``.

    ``entries`` may reach past ``end``: a check's outcome can come later (a visit).
    """
    rows: dict[tuple[str, str, object], PlannedRow] = {}
    kinds = {EventKind.PLANNED_CHECK, EventKind.PLANNED_CHECK_MISSED}
    for entry in sorted(entries, key=lambda item: (item.at, item.id)):
        planned = entry.data.get("planned_at")
        if entry.kind not in kinds or not isinstance(planned, str):
            continue
        # The label too: on the spring-forward night 02:00 and 03:00 are both due at 03:00.
        key = (entry.apartment_id, planned, entry.data.get("planned"))
        row = rows.get(key)
        if row is None:
            at = parse_iso(planned)
            if not start <= at < end:
                continue
            label = str(entry.data.get("planned") or "")
            row = rows[key] = PlannedRow(entry.apartment_id, entry.apartment_label, at, label)
        row.apply(entry)
    return sorted(rows.values(), key=lambda row: (row.planned_at, row.apartment_label, row.planned))


def planned_to_csv(
    rows: Iterable[PlannedRow],
    *,
    tz: ZoneInfo,
    excel_sv: bool = False,
    labels: CsvLabels | None = None,
) -> str:
    """Export one row per planned check (same CSV flavours as :func:`to_csv`).

    ``labels.values`` may name ``"planned.<outcome>"`` and ``"pause.<reason>"``.
    """
    labels = labels or CsvLabels()
    out = _Csv(tz, excel_sv=excel_sv)
    out.row(labels.header(PLANNED_COLUMNS))
    for row in rows:
        detail = out.time(row.away_since)
        if row.pause_reason is not None:
            detail = out.text(labels.value("pause", row.pause_reason))
        out.row(
            [
                out.text(row.apartment_label),
                out.time(row.planned_at),
                row.planned,
                labels.value("planned", row.outcome),
                out.time(row.evidence_at),
                out.text(labels.user(row.closed_by)),
                labels.value("outcome", row.closed_outcome),
                detail,
                out.text(row.episode_id),
            ]
        )
    return out.result()
