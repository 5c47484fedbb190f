"""Notification texts (English and Swedish) and delivery to notify actions.

Notifications are plain text in the language of the HA installation (Swedish
when it is ``sv``, English otherwise), like the CSV. The texts live in the
translation files under ``common.water_*``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import get_args

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .water.csv_export import Language
from .water.report import Report

NOTIFY_DOMAIN = "notify"
TOP_IN_SUMMARY = 5


def _load_texts() -> dict[Language, dict[str, str]]:
    """Read the ``common.water_*`` texts of both languages from the translation files."""
    folder = Path(__file__).parent / "translations"
    texts: dict[Language, dict[str, str]] = {}
    for lang in get_args(Language.__value__):
        common = json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))["common"]
        texts[lang] = {
            key.removeprefix("water_"): value
            for key, value in common.items()
            if key.startswith("water_")
        }
    return texts


# Read once, at import (Home Assistant imports integrations in an executor thread).
_TEXT = _load_texts()


def language(hass: HomeAssistant) -> Language:
    """Return the language for texts and CSV files."""
    return "sv" if hass.config.language.split("-")[0] == "sv" else "en"


def text(lang: Language, key: str, **values: object) -> str:
    """Return one text with its placeholders filled."""
    return _TEXT[lang][key].format(**values)


def number(lang: Language, value: float, decimals: int = 3) -> str:
    """Format a number, with a decimal comma in Swedish."""
    formatted = f"{value:.{decimals}f}"
    return formatted.replace(".", ",") if lang == "sv" else formatted


def local_time(value: datetime) -> str:
    """Format a time in HA's time zone."""
    return dt_util.as_local(value).strftime("%Y-%m-%d %H:%M")


def period_text(start: datetime, end: datetime) -> str:
    """Format a report period (``end`` exclusive)."""
    return f"{local_time(start)} - {local_time(end)}"


def report_summary(
    lang: Language, report: Report, title: str, path: str, *, detailed: bool
) -> tuple[str, str]:
    """Return the title and message of a report notification."""
    total = report.total
    lines = [
        text(
            lang,
            "total",
            total=number(lang, total.consumption_m3),
            with_data=total.meters_with_data,
            meters=total.meters,
            pct=number(lang, total.completeness * 100, 1),
        )
    ]
    if detailed:
        lines.extend(
            "- "
            + text(
                lang,
                "area",
                area=area.area or text(lang, "no_area"),
                total=number(lang, area.consumption_m3),
                meters=area.meters,
            )
            for area in report.areas
        )
    top = report.top[:TOP_IN_SUMMARY]
    if top:
        items = ", ".join(
            f"{line.name} {number(lang, line.consumption_m3 or 0.0)} m³" for line in top
        )
        lines.append(text(lang, "top", items=items))
    if report.anomalies:
        counts: dict[str, int] = {}
        for anomaly in report.anomalies:
            counts[anomaly.kind] = counts.get(anomaly.kind, 0) + 1
        items = ", ".join(f"{text(lang, kind)} {count}" for kind, count in counts.items())
        lines.append(text(lang, "anomalies", items=items))
        if detailed:
            lines.extend(
                f"- {anomaly.name} ({anomaly.entity_id}): {text(lang, anomaly.kind)}"
                for anomaly in report.anomalies
            )
    else:
        lines.append(text(lang, "no_anomalies"))
    lines.append(text(lang, "file", path=path))
    heading = text(
        lang,
        "report_title",
        title=title,
        period=period_text(report.period_start, report.period_end),
    )
    return heading, "\n".join(lines)


async def async_notify(
    hass: HomeAssistant, recipients: Iterable[str], title: str, message: str
) -> None:
    """Send a message to each ``notify.<name>`` recipient that exists."""
    for recipient in recipients:
        domain, _, service = recipient.partition(".")
        if domain != NOTIFY_DOMAIN or not hass.services.has_service(domain, service):
            LOGGER.warning("Notify action %s does not exist; message not sent", recipient)
            continue
        try:
            await hass.services.async_call(
                domain, service, {"title": title, "message": message}, blocking=True
            )
        except HomeAssistantError as err:
            LOGGER.warning("Could not notify %s: %s", recipient, err)
