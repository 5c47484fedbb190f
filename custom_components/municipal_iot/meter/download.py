"""The authenticated CSV download of a meter report, for the entry's page.

``GET /api/municipal_iot/meter_report/<entry id>?start=YYYY-MM-DD&end=YYYY-MM-DD``
(the end day included) returns the report of the entry's meters in the entry's
CSV format, computed from long-term statistics like the ``meter_report``
action, without writing a file. The options flow hands out a signed link.
"""

from __future__ import annotations

from datetime import date, timedelta
from http import HTTPStatus
from typing import Any

import probatio as vol
from aiohttp import web
from homeassistant.components.http.auth import async_sign_path
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..selectors import period_fields, this_month
from .entry import entry_meters, report_settings
from .journal import async_get_journal
from .recorder import RecorderUnavailableError
from .report import async_build_report, report_text
from .services import report_entry

REPORT_CSV_URL = "/api/municipal_iot/meter_report/{entry_id}"
MAX_DAYS = 366
LINK_MINUTES = 5


def period(start: str | None, end: str | None) -> tuple[date, date] | None:
    """Return the days of a valid period (at most a year, not ending before it starts)."""
    try:
        first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        return None
    if last < first or (last - first).days >= MAX_DAYS:
        return None
    return first, last


class MeterReportDownloadView(HomeAssistantView):
    """Download a meter report as CSV."""

    url = REPORT_CSV_URL
    name = f"api:{DOMAIN}:meter_report"
    requires_auth = True

    async def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Return the CSV, or 400/404 with the reason."""
        hass = request.app[KEY_HASS]
        try:
            entry = report_entry(hass, entry_id)
        except ServiceValidationError as err:
            return self.json_message(str(err), HTTPStatus.NOT_FOUND)
        if (days := period(request.query.get("start"), request.query.get("end"))) is None:
            return self.json_message(
                f"start and end must be dates (YYYY-MM-DD), the end not before the start, "
                f"at most {MAX_DAYS} days",
                HTTPStatus.BAD_REQUEST,
            )
        start = dt_util.start_of_local_day(days[0])
        end = dt_util.start_of_local_day(days[1] + timedelta(days=1))
        try:
            result = await async_build_report(
                hass, entry_meters(hass, entry.data), start, end, await async_get_journal(hass)
            )
        except RecorderUnavailableError as err:
            return self.json_message(str(err), HTTPStatus.SERVICE_UNAVAILABLE)
        name, text = report_text(hass, result.report, report_settings(entry))
        return web.Response(
            text=text,
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


class ReportDownloadStep(OptionsFlow):
    """The options step that hands out a signed link to a meter report's CSV."""

    async def async_step_download_report(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the days; the answer is a link, valid a few minutes."""
        errors: dict[str, str] = {}
        if user_input is not None:
            start, end = user_input.get("start"), user_input.get("end")
            if period(start, end) is None:
                errors["base"] = "invalid_download_period"
            else:
                path = REPORT_CSV_URL.format(entry_id=self.config_entry.entry_id)
                url = async_sign_path(
                    self.hass, f"{path}?start={start}&end={end}", timedelta(minutes=LINK_MINUTES)
                )
                return self.async_abort(
                    reason="download_ready",
                    description_placeholders={"url": url, "minutes": str(LINK_MINUTES)},
                )
        return self.async_show_form(
            step_id="download_report",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(period_fields()), user_input or this_month()
            ),
            errors=errors,
        )
