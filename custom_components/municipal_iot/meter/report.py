"""Meter reports from long-term statistics: computation, CSV file, notifications.

For each meter the statistic is our external one (own LoRaWAN meters, when it
exists) or the entity's own. Rows come from :func:`.meter_recorder.boundary_rows`
and the report from :func:`.water.report.compute_report`. Recorded replacements
are applied to the rows (``sum`` becomes the continuous register), so a swap
never shows as a jump, whichever integration compiled the statistic. Alarms and
leaks during the period come from the water journal.

The CSV goes to ``<config>/municipal_iot/reports/`` (a fixed folder, never a
user-supplied path) with the period in its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..water.csv_export import report_csv, report_filename
from ..water.replacement import Replacement, continuous_register
from ..water.report import (
    DEFAULT_OPTIONS,
    BoundaryReading,
    MeterMeta,
    MeterReport,
    Report,
    ReportOptions,
    Totals,
    compute_report,
)
from .const import REPORTS_DIR
from .journal import WaterJournal, async_get_journal
from .notify import async_notify, language, report_summary, water_texts
from .recorder import HOUR_S, BoundaryRows, Row, async_run, boundary_rows
from .sources import MeterSource

LEAK_CODES = frozenset({"leak", "burst"})


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """Where a report goes and how its CSV looks."""

    title: str = "meter_report"
    separator: str = ";"
    decimal_comma: bool = True
    recipients: tuple[str, ...] = ()
    entry_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A computed report and the statistic used for each meter."""

    report: Report
    statistic_ids: dict[str, str | None]  # entity_id -> statistic id (None: no statistics)


def _continuous_rows(rows: list[Row], swaps: tuple[Replacement, ...]) -> list[Row]:
    """Replace ``sum`` by the continuous register across recorded swaps."""
    return [
        {
            "start": row["start"],
            "state": state,
            "sum": continuous_register(
                datetime.fromtimestamp(float(row["start"] or 0) + HOUR_S, UTC), state, swaps
            ),
        }
        for row in rows
        if (state := row["state"]) is not None
    ]


def _swap_inside(rows: list[Row], swaps: tuple[Replacement, ...]) -> bool:
    if not rows:
        return False
    first = datetime.fromtimestamp(float(rows[0]["start"] or 0), UTC)
    last = datetime.fromtimestamp(float(rows[-1]["start"] or 0) + HOUR_S, UTC)
    return any(first <= swap.at < last for swap in swaps)


async def async_build_report(  # noqa: PLR0913 - keyword-only report options
    hass: HomeAssistant,
    sources: list[MeterSource],
    start: datetime,
    end: datetime,
    journal: WaterJournal,
    *,
    options: ReportOptions = DEFAULT_OPTIONS,
) -> ReportResult:
    """Compute the report of ``[start, end)`` for the meters."""
    candidates: set[str] = set()
    for source in sources:
        candidates.add(source.entity_id)
        if source.external_statistic_id is not None:
            candidates.add(source.external_statistic_id)
    fetched: dict[str, BoundaryRows] = await async_run(
        hass,
        boundary_rows,
        hass,
        candidates,
        start.timestamp(),
        end.timestamp(),
        options.max_interpolation_gap.total_seconds(),
    )
    metas: list[MeterMeta] = []
    rows_by_meter: dict[str, list[Row]] = {}
    counts: dict[str, int] = {}
    used: dict[str, str | None] = {}
    for source in sources:
        stat_id = next(
            (
                candidate
                for candidate in (source.external_statistic_id, source.entity_id)
                if candidate is not None and candidate in fetched
            ),
            None,
        )
        used[source.entity_id] = stat_id
        key = source.key
        swaps = journal.replacements(key)
        if stat_id is not None:
            rows = fetched[stat_id].rows
            if _swap_inside(rows, swaps):
                rows = _continuous_rows(rows, swaps)
            rows_by_meter[key] = rows
            counts[key] = fetched[stat_id].count
        alarms = journal.alarms_between(key, start, end)
        metas.append(
            MeterMeta(
                entity_id=source.entity_id,
                name=source.name,
                area=source.area,
                statistic_id=key,
                replacements=tuple(swap for swap in swaps if start <= swap.at < end),
                alarms=alarms,
                leak=journal.leak_between(key, start, end) or bool(LEAK_CODES & set(alarms)),
            )
        )
    report = compute_report(start, end, metas, rows_by_meter, options, rows_in_period=counts)
    return ReportResult(report=report, statistic_ids=used)


def reports_dir(hass: HomeAssistant) -> Path:
    """Return the fixed folder reports are written to."""
    return Path(hass.config.path(*REPORTS_DIR))


def report_text(hass: HomeAssistant, report: Report, settings: ReportSettings) -> tuple[str, str]:
    """Return the report's file name and CSV text (UTF-8 with BOM, for Excel)."""
    tz = dt_util.get_default_time_zone()
    content = report_csv(
        report,
        tz,
        separator=settings.separator,
        decimal_comma=settings.decimal_comma,
        bom=True,
        language=language(hass),
    )
    return report_filename(report.period_start, report.period_end, settings.title, tz=tz), content


async def async_write_csv(hass: HomeAssistant, report: Report, settings: ReportSettings) -> Path:
    """Write the report CSV and return its path."""
    name, content = report_text(hass, report, settings)
    folder = reports_dir(hass)
    path = folder / name

    def write() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="")

    await hass.async_add_executor_job(write)
    return path


def _reading(reading: BoundaryReading | None) -> dict[str, Any] | None:
    if reading is None:
        return None
    return {
        "at": reading.at.isoformat(),
        "reading_m3": reading.state_m3,
        "estimated": reading.estimated,
    }


def _line(line: MeterReport, statistic_id: str | None) -> dict[str, Any]:
    return {
        "entity_id": line.entity_id,
        "name": line.name,
        "area": line.area,
        "statistic_id": statistic_id,
        "start": _reading(line.start),
        "end": _reading(line.end),
        "consumption_m3": line.consumption_m3,
        "hours_with_data": line.hours_with_data,
        "hours_in_period": line.hours_in_period,
        "completeness": round(line.completeness, 4),
        "estimated": line.estimated,
        "flags": list(line.flags),
        "alarms": list(line.alarms),
        "leak": line.leak,
        "replacements": [
            {
                "at": swap.at.isoformat(),
                "old_final_m3": swap.old_final_m3,
                "new_initial_m3": swap.new_initial_m3,
            }
            for swap in line.replacements
        ],
    }


def _totals(totals: Totals) -> dict[str, Any]:
    return {
        "area": totals.area,
        "meters": totals.meters,
        "meters_with_data": totals.meters_with_data,
        "consumption_m3": totals.consumption_m3,
        "completeness": round(totals.completeness, 4),
        "estimated": totals.estimated,
        "leaks": totals.leaks,
    }


def report_response(result: ReportResult, path: Path) -> dict[str, Any]:
    """Return the action response for a report."""
    report = result.report
    total = _totals(report.total)
    total.pop("area")
    return {
        "period": {
            "start": report.period_start.isoformat(),
            "end": report.period_end.isoformat(),
            "hours": report.hours_in_period,
        },
        "meters": [_line(line, result.statistic_ids.get(line.entity_id)) for line in report.meters],
        "areas": [_totals(area) for area in report.areas],
        "total": total,
        "top": [
            {"entity_id": line.entity_id, "name": line.name, "consumption_m3": line.consumption_m3}
            for line in report.top
        ],
        "anomalies": [
            {"entity_id": item.entity_id, "name": item.name, "kind": item.kind}
            for item in report.anomalies
        ],
        "csv_file": str(path),
    }


async def async_deliver(
    hass: HomeAssistant, report: Report, settings: ReportSettings, path: Path
) -> None:
    """Send the summary to the recipients and show a persistent notification."""
    texts = water_texts(hass)
    title, message = report_summary(texts, report, settings.title, str(path), detailed=False)
    await async_notify(hass, settings.recipients, title, message)
    title, message = report_summary(texts, report, settings.title, str(path), detailed=True)
    persistent_notification.async_create(
        hass,
        message,
        title,
        notification_id=f"{DOMAIN}_meter_report_{settings.entry_id or 'action'}",
    )


async def async_create_report(  # noqa: PLR0913 - one call does the whole run
    hass: HomeAssistant,
    sources: list[MeterSource],
    start: datetime,
    end: datetime,
    settings: ReportSettings,
    *,
    notify: bool,
) -> dict[str, Any]:
    """Compute a report, write its CSV, optionally notify; return the response data."""
    journal = await async_get_journal(hass)
    result = await async_build_report(hass, sources, start, end, journal)
    path = await async_write_csv(hass, result.report, settings)
    if notify:
        await async_deliver(hass, result.report, settings, path)
    return report_response(result, path)
