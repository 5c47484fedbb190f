"""The authenticated CSV download of a care unit's journal.

``GET /api/municipal_iot/journal/<entry id>?start=YYYY-MM-DD&end=YYYY-MM-DD``
(optional ``content=entries|episodes|planned_checks``, ``language=en|sv``, ``excel_sv=0|1``).
A browser link cannot send a bearer token, so the panel and the entry page ask
for a signed path (``async_sign_path``, valid a few minutes); Home Assistant's
auth middleware checks the signature. Any logged-in user may download: staff
are non-admin users and read the same journal in the panel.
"""

from __future__ import annotations

from datetime import date
from http import HTTPStatus

from aiohttp import web
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from ..const import DOMAIN
from ..texts import async_get_texts
from .const import JOURNAL_CSV_URL
from .export import CONTENT_ENTRIES, CONTENTS, async_export_journal
from .websocket import running_unit


def _date(value: str | None) -> date | None:
    try:
        return None if value is None else date.fromisoformat(value)
    except ValueError:
        return None


class JournalDownloadView(HomeAssistantView):
    """Download a care unit's journal as CSV."""

    url = JOURNAL_CSV_URL
    name = f"api:{DOMAIN}:journal"
    requires_auth = True

    async def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Return the CSV, or 400/404 with the reason."""
        hass = request.app[KEY_HASS]
        query = request.query
        language = query.get("language")
        texts = await async_get_texts(hass, language if language in {"en", "sv"} else None)
        if (unit := running_unit(hass, entry_id)) is None:
            return self.json_message(texts.get("download_no_unit"), HTTPStatus.NOT_FOUND)
        first, last = _date(query.get("start")), _date(query.get("end"))
        content = query.get("content", CONTENT_ENTRIES)
        if first is None or last is None or last < first:
            return self.json_message(texts.get("download_bad_period"), HTTPStatus.BAD_REQUEST)
        if content not in CONTENTS:
            return self.json_message(texts.get("download_bad_content"), HTTPStatus.BAD_REQUEST)
        export = await async_export_journal(
            hass,
            unit,
            first,
            last,
            content=content,
            excel=query.get("excel_sv") == "1",
            language=language if language in {"en", "sv"} else None,
        )
        return web.Response(
            text=export.text,
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
        )
