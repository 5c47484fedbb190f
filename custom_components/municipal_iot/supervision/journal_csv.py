"""CSV export of the supervision journal: entries, or one row per alarm episode.

:func:`to_csv` lists entries; :func:`episodes_to_csv` lists one row per alarm
episode. Both take optional :class:`CsvLabels` (translated headers and values,
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

from .journal import Episode, JournalEntry, entry_kind_label, outcome_of

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
                labels.value("outcome", outcome_of(entry.data.get("outcome"))),
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
