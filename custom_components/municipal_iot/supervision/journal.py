"""The supervision journal: every check, alarm and staff action, with export.

The journal is the integration's own record (the HA recorder purges after ten
days by default). Entries hold only timestamps, apartment ids and labels, HA
user ids and event data; no personal names. An adapter adds the engine's events
with :meth:`Journal.add` and its own entries (for example ``"notified"`` when
push notifications for an episode went out, with ``data["episode_id"]``) with
:meth:`Journal.record`, and calls :meth:`Journal.prune_months` daily.

Storage is by calendar month (UTC): :meth:`Journal.month_data` is one month's
stored form, :meth:`Journal.take_changes` tells which months changed or were
dropped since the last save, :meth:`Journal.take_added` which entries were
recorded since (so only those are appended), and
:meth:`Journal.from_months` rebuilds from the months' stored forms.
:meth:`Journal.to_dict` / :meth:`Journal.from_dict` are the single-document form
(version 1, the storage before month segments; kept for migration).

Export: see :mod:`.journal_csv` (entries, or one row per alarm episode).
:meth:`Journal.episodes` returns every episode touching a period with *all* its entries, also those
outside the period, so an export never cuts an episode in half.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .events import Event, EventKind
from .timeutil import iso, parse_iso, utc

DEFAULT_RETENTION = timedelta(days=396)  # about 13 months
NOTIFIED = "notified"  # adapter entry: notifications for data["episode_id"] were sent
JOURNAL_VERSION = 1  # of an entry list (a month's segment, or the old single document)
# Outcomes of closing an alarm; journals written before they existed say "ok" or "visited".
OUTCOMES = ("visited_all_ok", "visited_needed_help", "false_alarm", "technical_fault")
LEGACY_OUTCOMES = {"ok": "visited_all_ok", "visited": "visited_all_ok"}
RESOLVED_WITHOUT_MOTION = "resolved_without_motion"  # how a resolve without motion reads


def outcome_of(value: object) -> str | None:
    """Return an outcome in today's vocabulary (old journals' values mapped)."""
    if not isinstance(value, str):
        return None
    return LEGACY_OUTCOMES.get(value, value)


def entry_kind_label(entry: JournalEntry) -> str:
    """Return the kind an entry is shown as: a resolve without motion says so."""
    if entry.kind == EventKind.RESOLVED and entry.data.get("motion_returned") is False:
        return RESOLVED_WITHOUT_MOTION
    return entry.kind


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal line."""

    id: int
    at: datetime
    apartment_id: str
    apartment_label: str
    kind: str  # an EventKind value or an adapter kind such as NOTIFIED
    user_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def episode_id(self) -> str | None:
        """Return the alarm episode this entry belongs to, if any."""
        value = self.data.get("episode_id")
        return value if isinstance(value, str) else None

    def to_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return {
            "id": self.id,
            "at": iso(self.at),
            "apartment_id": self.apartment_id,
            "apartment_label": self.apartment_label,
            "kind": self.kind,
            "user_id": self.user_id,
            "data": dict(self.data),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JournalEntry:
        """Rebuild from the stored form."""
        return cls(
            id=int(data["id"]),
            at=parse_iso(data["at"]),
            apartment_id=str(data["apartment_id"]),
            apartment_label=str(data.get("apartment_label", "")),
            kind=str(data["kind"]),
            user_id=data.get("user_id"),
            data=dict(data.get("data") or {}),
        )


@dataclass(slots=True)
class Episode:
    """One alarm episode assembled from journal entries."""

    episode_id: str
    apartment_id: str
    apartment_label: str
    reason: str | None = None
    raised_at: datetime | None = None
    notified_at: datetime | None = None
    escalated_at: datetime | None = None
    reminders: int = 0
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    motion_returned_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    outcome: str | None = None
    note: str = ""
    closed_without_motion: bool = False

    @property
    def response_minutes(self) -> float | None:
        """Return minutes from raise to the first staff reaction (acknowledge or resolve)."""
        reacted = self.acknowledged_at or self.resolved_at
        if self.raised_at is None or reacted is None:
            return None
        return (reacted - self.raised_at).total_seconds() / 60

    def apply(self, entry: JournalEntry) -> None:
        """Fold one entry of this episode into the summary."""
        match entry.kind:
            case EventKind.ALARM_RAISED:
                self.raised_at = entry.at
                self.reason = entry.data.get("reason")
            case "notified":
                self.notified_at = self.notified_at or entry.at
            case EventKind.ESCALATE:
                self.escalated_at = entry.at
            case EventKind.REMIND:
                self.reminders += 1
            case EventKind.ACKNOWLEDGED:
                self.acknowledged_at = entry.at
                self.acknowledged_by = entry.user_id
            case EventKind.MOTION_RETURNED:
                self.motion_returned_at = entry.at
            case EventKind.RESOLVED:
                self.resolved_at = entry.at
                self.resolved_by = entry.user_id
                self.outcome = outcome_of(entry.data.get("outcome"))
                self.note = str(entry.data.get("note") or "")
                self.closed_without_motion = entry.data.get("motion_returned") is False
            case _:
                pass


def build_episodes(entries: Iterable[JournalEntry]) -> list[Episode]:
    """Group entries with an ``episode_id`` into episodes, ordered by first entry."""
    episodes: dict[str, Episode] = {}
    for entry in sorted(entries, key=lambda item: (item.at, item.id)):
        episode_id = entry.episode_id
        if episode_id is None:
            continue
        episode = episodes.get(episode_id)
        if episode is None:
            episode = episodes[episode_id] = Episode(
                episode_id, entry.apartment_id, entry.apartment_label
            )
        episode.apply(entry)
    return list(episodes.values())


def month_of(at: datetime) -> str:
    """Return the storage month (``YYYY-MM``, UTC) of an instant."""
    at = utc(at)
    return f"{at.year:04d}-{at.month:02d}"


def month_start(month: str) -> datetime:
    """Return the first instant (UTC) of a ``YYYY-MM`` month."""
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=UTC)


def next_month(month: str) -> str:
    """Return the month after ``YYYY-MM``."""
    start = month_start(month)
    return month_of((start + timedelta(days=32)).replace(day=1))


class Journal:
    """Journal entries in time order, with retention and JSON round-trip."""

    def __init__(self, entries: Iterable[JournalEntry] = (), *, next_id: int = 1) -> None:
        """Create a journal from existing entries."""
        self._entries = sorted(entries, key=lambda item: (item.at, item.id))
        self._next_id = max([next_id, *(entry.id + 1 for entry in self._entries)])
        self._changed: set[str] = set()  # months written to since take_changes()
        self._dropped: set[str] = set()  # months removed by retention since take_changes()
        self._added: list[JournalEntry] = []  # entries recorded since take_added()

    def __len__(self) -> int:
        """Return the number of entries."""
        return len(self._entries)

    @property
    def entries(self) -> list[JournalEntry]:
        """Return all entries, oldest first (a copy)."""
        return list(self._entries)

    def add(self, event: Event, *, apartment_label: str) -> JournalEntry:
        """Journal an engine event; the user id comes from ``event.data["user_id"]``."""
        user_id = event.data.get("user_id")
        return self.record(
            at=event.at,
            apartment_id=event.apartment_id,
            apartment_label=apartment_label,
            kind=str(event.kind),
            user_id=user_id if isinstance(user_id, str) else None,
            data=event.data,
        )

    def record(  # noqa: PLR0913 - one keyword per journal column
        self,
        *,
        at: datetime,
        apartment_id: str,
        apartment_label: str,
        kind: str,
        user_id: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> JournalEntry:
        """Journal an adapter entry (``data`` must be JSON-serialisable)."""
        entry = JournalEntry(
            self._next_id, utc(at), apartment_id, apartment_label, kind, user_id, dict(data or {})
        )
        self._next_id += 1
        self._changed.add(month_of(entry.at))
        self._added.append(entry)
        if self._entries and entry.at < self._entries[-1].at:
            bisect.insort(self._entries, entry, key=lambda item: (item.at, item.id))
        else:
            self._entries.append(entry)
        return entry

    def prune(self, *, now: datetime, retention: timedelta = DEFAULT_RETENTION) -> int:
        """Drop entries older than ``retention``; return how many were dropped.

        An episode is dropped only when all of its entries are older, so an
        episode is never cut in half.
        """
        cutoff = utc(now) - retention
        keep_episodes = {
            entry.episode_id
            for entry in self._entries
            if entry.at >= cutoff and entry.episode_id is not None
        }
        kept = [
            entry
            for entry in self._entries
            if entry.at >= cutoff or entry.episode_id in keep_episodes
        ]
        dropped = len(self._entries) - len(kept)
        self._entries = kept
        return dropped

    def prune_months(self, *, now: datetime, retention: timedelta = DEFAULT_RETENTION) -> list[str]:
        """Drop whole months that ended before ``now - retention``; return them.

        A month holding part of an episode that goes on in a kept month stays:
        an episode is never cut in half.
        """
        cutoff = utc(now) - retention
        old = [month for month in self.months() if month_start(next_month(month)) <= cutoff]
        if not old:
            return []
        boundary = month_start(next_month(old[-1]))
        kept = bisect.bisect_left(self._entries, boundary, key=lambda item: item.at)
        ongoing = {entry.episode_id for entry in self._entries[kept:] if entry.episode_id}
        dropped: set[str] = set()
        for month in reversed(old):  # newest first: a kept month keeps its episodes whole
            episodes = {entry.episode_id for entry in self.month_entries(month) if entry.episode_id}
            if episodes & ongoing:
                ongoing |= episodes
            else:
                dropped.add(month)
        if dropped:
            self._entries = [entry for entry in self._entries if month_of(entry.at) not in dropped]
            self._dropped |= dropped
            self._changed -= dropped
        return sorted(dropped)

    def months(self) -> list[str]:
        """Return the months that hold entries, oldest first."""
        months: list[str] = []
        index = 0
        while index < len(self._entries):
            month = month_of(self._entries[index].at)
            months.append(month)
            end = month_start(next_month(month))
            index = bisect.bisect_left(self._entries, end, lo=index, key=lambda item: item.at)
        return months

    def month_entries(self, month: str) -> list[JournalEntry]:
        """Return the entries of one ``YYYY-MM`` month."""
        return self.between(month_start(month), month_start(next_month(month)))

    def month_tail(self, month: str, count: int, last_id: int) -> list[JournalEntry] | None:
        """Return the month's entries after its first ``count``, if those are unchanged.

        ``last_id`` is the id of the ``count``-th entry when it was last seen; if an
        entry was inserted among them since (out of order), None is returned and
        the caller starts over. Lets a writer encode only new entries.
        """
        low = bisect.bisect_left(self._entries, month_start(month), key=lambda item: item.at)
        high = bisect.bisect_left(
            self._entries, month_start(next_month(month)), lo=low, key=lambda item: item.at
        )
        if count == 0 or high - low < count or self._entries[low + count - 1].id != last_id:
            return None
        return self._entries[low + count : high]

    def month_data(self, month: str) -> dict[str, Any]:
        """Return one month's stored form (JSON-serialisable)."""
        return {
            "version": JOURNAL_VERSION,
            "month": month,
            "entries": [entry.to_dict() for entry in self.month_entries(month)],
        }

    @property
    def next_id(self) -> int:
        """Return the id the next entry gets."""
        return self._next_id

    def take_changes(self) -> tuple[set[str], set[str]]:
        """Return (months changed, months dropped) since the last call, and forget them."""
        changed, dropped = self._changed, self._dropped
        self._changed, self._dropped = set(), set()
        return changed, dropped

    def take_added(self) -> list[JournalEntry]:
        """Return the entries recorded since the last call (for an append-only writer)."""
        added, self._added = self._added, []
        return added

    @classmethod
    def from_months(
        cls, months: Iterable[Mapping[str, Any]], *, next_id: int = 1
    ) -> tuple[Journal, list[str]]:
        """Rebuild from months' stored forms; also return a warning per entry dropped.

        An entry that cannot be read is dropped (named in the warnings); the
        rest of its month is kept.
        """
        entries: list[JournalEntry] = []
        warnings: list[str] = []
        for month in months:
            for item in month.get("entries") or ():
                try:
                    entries.append(JournalEntry.from_dict(item))
                except (KeyError, TypeError, ValueError, AttributeError) as err:
                    warnings.append(f"{month.get('month')}: entry {item!r:.80} ({err!r})")
        return cls(entries, next_id=next_id), warnings

    def between(
        self,
        start: datetime,
        end: datetime,
        apartment_ids: Collection[str] | None = None,
    ) -> list[JournalEntry]:
        """Return entries with ``start <= at < end``, optionally for some apartments."""
        low = bisect.bisect_left(self._entries, utc(start), key=lambda item: item.at)
        high = bisect.bisect_left(self._entries, utc(end), key=lambda item: item.at)
        return [
            entry
            for entry in self._entries[low:high]
            if apartment_ids is None or entry.apartment_id in apartment_ids
        ]

    def episodes(
        self,
        start: datetime,
        end: datetime,
        apartment_ids: Collection[str] | None = None,
    ) -> list[Episode]:
        """Return the episodes with an entry in the period, built from all their entries."""
        wanted = {
            entry.episode_id
            for entry in self.between(start, end, apartment_ids)
            if entry.episode_id is not None
        }
        return build_episodes(entry for entry in self._entries if entry.episode_id in wanted)

    def to_dict(self) -> dict[str, Any]:
        """Return the stored form (JSON-serialisable)."""
        return {
            "version": JOURNAL_VERSION,
            "next_id": self._next_id,
            "entries": [entry.to_dict() for entry in self._entries],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Journal:
        """Rebuild from the stored form."""
        version = data.get("version")
        if version != JOURNAL_VERSION:
            raise ValueError(f"unsupported journal version {version!r}")
        return cls(
            (JournalEntry.from_dict(item) for item in data.get("entries", ())),
            next_id=int(data.get("next_id", 1)),
        )
