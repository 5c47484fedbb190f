"""The journal as CSV for people: translated headers and values, and user names.

Used by the ``export_journal`` action (a file in the config folder) and by the
authenticated download view of the panel and the entry page. User names are
read when the export is made, so the file names people as they are called now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util import slugify

from ..supervision.events import EventKind
from ..supervision.journal import OUTCOMES, RESOLVED_WITHOUT_MOTION, Episode
from ..supervision.journal_csv import (
    ENTRY_COLUMNS,
    EPISODE_COLUMNS,
    PLANNED_COLUMNS,
    PLANNED_MISSED,
    CsvLabels,
    episodes_to_csv,
    planned_rows,
    planned_to_csv,
    to_csv,
)
from ..supervision.planned import PLANNED_OUTCOMES, REASON_PLANNED
from ..texts import Texts, async_get_texts
from .const import (
    JOURNAL_DELIVERY_GAVE_UP,
    JOURNAL_NOTIFY_FAILED,
    JOURNAL_OUTAGE,
    PAUSE_REASONS,
)
from .unit import CareUnit
from .unit_push import UNIT_RULE_KINDS
from .users import async_user_names

CONTENT_ENTRIES = "entries"
CONTENT_EPISODES = "episodes"
CONTENT_PLANNED = "planned_checks"
CONTENTS = (CONTENT_ENTRIES, CONTENT_EPISODES, CONTENT_PLANNED)
ENTRY_KINDS = (*(kind.value for kind in EventKind), RESOLVED_WITHOUT_MOTION, "notified")
ALARM_REASONS = ("inactivity", "check_window", "not_back", "night_exit", REASON_PLANNED)


@dataclass(frozen=True, slots=True)
class JournalExport:
    """One export: its file name, text, row count and the episodes it covers."""

    filename: str
    text: str
    rows: int
    episodes: list[Episode]


def csv_labels(texts: Texts, users: dict[str, str]) -> CsvLabels:
    """Return the export's headers and values in the texts' language."""
    values = {f"event.{kind}": texts.get(f"csv_event_{kind}") for kind in ENTRY_KINDS}
    for kind in (JOURNAL_NOTIFY_FAILED, JOURNAL_DELIVERY_GAVE_UP, JOURNAL_OUTAGE, *UNIT_RULE_KINDS):
        values[f"event.{kind}"] = texts.get(f"csv_event_{kind}")
    values |= {f"outcome.{outcome}": texts.get(f"outcome_{outcome}") for outcome in OUTCOMES}
    values |= {f"reason.{reason}": texts.get(f"csv_reason_{reason}") for reason in ALARM_REASONS}
    values |= {"bool.true": texts.get("csv_yes"), "bool.false": texts.get("csv_no")}
    values |= {
        f"planned.{outcome}": texts.get(f"csv_planned_{outcome}")
        for outcome in (*PLANNED_OUTCOMES, PLANNED_MISSED)
    }
    values |= {f"pause.{reason}": texts.get(f"pause_reason_{reason}") for reason in PAUSE_REASONS}
    columns = {
        column: texts.get(f"csv_col_{column}")
        for column in {*ENTRY_COLUMNS, *EPISODE_COLUMNS, *PLANNED_COLUMNS}
    }
    return CsvLabels(columns=columns, values=values, users=users)


async def async_export_journal(  # noqa: PLR0913 - the period, the content and the flavour
    hass: HomeAssistant,
    unit: CareUnit,
    first: date,
    last: date,
    *,
    content: str,
    excel: bool,
    language: str | None = None,
) -> JournalExport:
    """Return the journal of the days ``first`` to ``last`` (inclusive) as CSV.

    Swedish Excel settings come with Swedish headers and values unless another
    language is asked for.
    """
    texts = await async_get_texts(hass, language or ("sv" if excel else None))
    labels = csv_labels(texts, await async_user_names(hass))
    start = dt_util.start_of_local_day(first)
    end = dt_util.start_of_local_day(last + timedelta(days=1))
    journal = unit.journal
    episodes = journal.episodes(start, end)
    if content == CONTENT_PLANNED:
        # Every entry: a check planned in the period may get its outcome (a visit) later.
        checks = planned_rows(journal.entries, start, end)
        text = planned_to_csv(checks, tz=unit.tz, excel_sv=excel, labels=labels)
        rows = len(checks)
    elif content == CONTENT_EPISODES:
        text = episodes_to_csv(episodes, tz=unit.tz, excel_sv=excel, labels=labels)
        rows = len(episodes)
    else:
        # Whole episodes: entries of an episode that began before the period come along.
        wanted = {episode.episode_id for episode in episodes}
        entries = [
            item for item in journal.entries if start <= item.at < end or item.episode_id in wanted
        ]
        text = to_csv(entries, tz=unit.tz, excel_sv=excel, labels=labels)
        rows = len(entries)
    name = f"{slugify(unit.config.title)}_{content}_{first.isoformat()}_{last.isoformat()}.csv"
    return JournalExport(name, text, rows, episodes)
