"""CSV text and file name for a water report.

:func:`report_csv` writes one header row, one row per meter (in report order),
one row per area total and a final overall total row, with CRLF line endings.
Column keys (:data:`COLUMNS`) are stable English names; ``language="sv"`` swaps
the header labels, yes/no values, row types, flags and alarm names for Swedish
ones. Options: separator (default ``;``), decimal comma (Swedish Excel), UTF-8
BOM (so Excel detects the encoding), and the time zone for timestamps, which are
written as local ``YYYY-MM-DD HH:MM``.

Text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR get a leading
apostrophe so a spreadsheet never evaluates a meter name as a formula.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, time, timedelta, tzinfo
from typing import Literal

from .report import BoundaryReading, MeterReport, Report, Totals

type Language = Literal["en", "sv"]

COLUMNS = (
    "row_type",
    "entity_id",
    "name",
    "area",
    "start_time",
    "start_reading_m3",
    "start_estimated",
    "end_time",
    "end_reading_m3",
    "end_estimated",
    "consumption_m3",
    "completeness_pct",
    "hours_with_data",
    "hours_in_period",
    "meters",
    "flags",
    "alarms",
    "leak",
)

_SV_HEADERS = {
    "row_type": "Radtyp",
    "entity_id": "Entitets-id",
    "name": "Namn",
    "area": "Område",
    "start_time": "Starttid",
    "start_reading_m3": "Mätarställning start (m³)",
    "start_estimated": "Start uppskattad",
    "end_time": "Sluttid",
    "end_reading_m3": "Mätarställning slut (m³)",
    "end_estimated": "Slut uppskattad",
    "consumption_m3": "Förbrukning (m³)",
    "completeness_pct": "Fullständighet (%)",
    "hours_with_data": "Timmar med data",
    "hours_in_period": "Timmar i perioden",
    "meters": "Antal mätare",
    "flags": "Anmärkningar",
    "alarms": "Larm",
    "leak": "Läcka",
}

_WORDS: Mapping[Language, Mapping[str, str]] = {
    "en": {
        "yes": "yes",
        "no": "no",
        "meter": "meter",
        "area": "area",
        "total": "total",
        "no_area": "(no area)",
    },
    "sv": {
        "yes": "ja",
        "no": "nej",
        "meter": "mätare",
        "area": "område",
        "total": "totalt",
        "no_area": "(inget område)",
        # flags
        "no_data": "saknar data",
        "incomplete": "ofullständig",
        "partial": "del av perioden",
        "estimated": "uppskattad",
        "reset": "nollställd",
        "negative_clamped": "negativ förbrukning nollad",
        "leak": "läcka",
        "alarm": "larm",
        "zero_consumption": "ingen förbrukning",
        "replacement": "mätarbyte",
        # meter alarm codes
        "burst": "rörbrott",
        "backflow": "backflöde",
        "dry": "tomt rör",
        "tamper": "manipulation",
        "freeze": "frysrisk",
        "low_battery": "lågt batteri",
    },
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _word(language: Language, word: str) -> str:
    return _WORDS[language].get(word, word)


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


class _Formatter:
    def __init__(self, tz: tzinfo, language: Language, decimal_comma: bool, decimals: int) -> None:
        self.tz = tz
        self.language = language
        self.decimal_comma = decimal_comma
        self.decimals = decimals

    def number(self, value: float | None, decimals: int | None = None) -> str:
        if value is None:
            return ""
        text = f"{value:.{self.decimals if decimals is None else decimals}f}"
        return text.replace(".", ",") if self.decimal_comma else text

    def time(self, value: datetime | None) -> str:
        return "" if value is None else value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def boolean(self, value: bool) -> str:
        return _word(self.language, "yes" if value else "no")

    def words(self, values: tuple[str, ...]) -> str:
        return ", ".join(_word(self.language, value) for value in values)

    def reading(self, reading: BoundaryReading | None) -> list[str]:
        if reading is None:
            return ["", "", ""]
        return [
            self.time(reading.at),
            self.number(reading.state_m3),
            self.boolean(reading.estimated),
        ]

    def meter_row(self, line: MeterReport) -> list[str]:
        return [
            _word(self.language, "meter"),
            _text(line.entity_id),
            _text(line.name),
            _text(line.area or ""),
            *self.reading(line.start),
            *self.reading(line.end),
            self.number(line.consumption_m3),
            self.number(line.completeness * 100, 1),
            str(line.hours_with_data),
            str(line.hours_in_period),
            "",
            self.words(line.flags),
            self.words(line.alarms),
            self.boolean(line.leak),
        ]

    def totals_row(self, row_type: str, totals: Totals, area: str) -> list[str]:
        return [
            _word(self.language, row_type),
            "",
            "",
            _text(area),
            *[""] * 6,
            self.number(totals.consumption_m3),
            self.number(totals.completeness * 100, 1),
            str(totals.hours_with_data),
            str(totals.hours_expected),
            str(totals.meters),
            "",
            "",
            "",
        ]


def report_csv(  # noqa: PLR0913 - keyword-only formatting options
    report: Report,
    tz: tzinfo,
    *,
    separator: str = ";",
    decimal_comma: bool = False,
    bom: bool = False,
    language: Language = "en",
    decimals: int = 3,
) -> str:
    """Return the report as CSV text."""
    fmt = _Formatter(tz, language, decimal_comma, decimals)
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow([_SV_HEADERS[key] for key in COLUMNS] if language == "sv" else COLUMNS)
    writer.writerows(fmt.meter_row(line) for line in report.meters)
    for totals in report.areas:
        area = totals.area if totals.area is not None else _word(language, "no_area")
        writer.writerow(fmt.totals_row("area", totals, area))
    writer.writerow(fmt.totals_row("total", report.total, ""))
    return buffer.getvalue()


def _safe_name(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9-]+", "_", ascii_name).strip("_-")
    return cleaned[:80].rstrip("_-") or "report"


def report_filename(
    period_start: datetime,
    period_end: datetime,
    name: str,
    *,
    tz: tzinfo | None = None,
    extension: str = "csv",
) -> str:
    """Return a safe file name (no path separators) that contains the period.

    Dates are shown in ``tz`` (the datetimes' own zone when None). A period
    between local midnights shows its first and last day (``end`` is
    exclusive), or one day for a one-day period; other periods show both
    exclusive bounds with minutes.
    """
    start = period_start.astimezone(tz) if tz is not None else period_start
    end = period_end.astimezone(tz) if tz is not None else period_end
    if start.time() == time(0) and end.time() == time(0):
        last_day = end.date() - timedelta(days=1)
        dates = f"{start.date():%Y-%m-%d}"
        if last_day != start.date():
            dates += f"_{last_day:%Y-%m-%d}"
    else:
        dates = f"{start:%Y-%m-%dT%H%M}_{end:%Y-%m-%dT%H%M}"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", extension).lower() or "csv"
    return f"{_safe_name(name)}_{dates}.{suffix}"
