"""Water notification texts and delivery to notify actions.

Texts are plain text in the language of the HA installation, from the
translation files under ``common.water_*``; numbers get a decimal comma in
Swedish, like the CSV.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..texts import Texts, cached_texts
from ..water.csv_export import Language
from ..water.report import Report

NOTIFY_DOMAIN = "notify"
TOP_IN_SUMMARY = 5


def language(hass: HomeAssistant) -> Language:
    """Return the language for CSV files and number formats."""
    return "sv" if hass.config.language.split("-")[0] == "sv" else "en"


@dataclass(frozen=True, slots=True)
class WaterTexts:
    """The water texts and number format of one language."""

    texts: Texts
    lang: Language

    def text(self, key: str, **values: object) -> str:
        """Return one ``water_<key>`` text with its placeholders filled."""
        return self.texts.get(f"water_{key}", **values)

    def number(self, value: float, decimals: int = 3) -> str:
        """Format a number, with a decimal comma in Swedish."""
        return number(self.lang, value, decimals)


def water_texts(hass: HomeAssistant) -> WaterTexts:
    """Return the water texts in the system language."""
    return WaterTexts(cached_texts(hass), language(hass))


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
    texts: WaterTexts, report: Report, title: str, path: str, *, detailed: bool
) -> tuple[str, str]:
    """Return the title and message of a report notification."""
    text, num = texts.text, texts.number
    total = report.total
    lines = [
        text(
            "total",
            total=num(total.consumption_m3),
            with_data=total.meters_with_data,
            meters=total.meters,
            pct=num(total.completeness * 100, 1),
        )
    ]
    if detailed:
        lines.extend(
            "- "
            + text(
                "area",
                area=area.area or text("no_area"),
                total=num(area.consumption_m3),
                meters=area.meters,
            )
            for area in report.areas
        )
    top = report.top[:TOP_IN_SUMMARY]
    if top:
        items = ", ".join(f"{line.name} {num(line.consumption_m3 or 0.0)} m³" for line in top)
        lines.append(text("top", items=items))
    if report.anomalies:
        counts: dict[str, int] = {}
        for anomaly in report.anomalies:
            counts[anomaly.kind] = counts.get(anomaly.kind, 0) + 1
        items = ", ".join(f"{text(kind)} {count}" for kind, count in counts.items())
        lines.append(text("anomalies", items=items))
        if detailed:
            lines.extend(
                f"- {anomaly.name} ({anomaly.entity_id}): {text(anomaly.kind)}"
                for anomaly in report.anomalies
            )
    else:
        lines.append(text("no_anomalies"))
    lines.append(text("file", path=path))
    heading = text(
        "report_title",
        title=title,
        period=period_text(report.period_start, report.period_end),
    )
    return heading, _markdown(lines) if detailed else "\n".join(lines)


def _markdown(lines: list[str]) -> str:
    """Join lines with a blank line between a list and the text around it.

    Without it, Markdown reads the text after a list as part of its last item.
    """
    out: list[str] = []
    for line in lines:
        if out and out[-1].startswith("- ") != line.startswith("- "):
            out.append("")
        out.append(line)
    return "\n".join(out)


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
