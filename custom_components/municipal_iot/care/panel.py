"""The Tillsyn sidebar panel and the care card: the bundle, the panel, the views.

The bundle (built by ``scripts/build-frontend`` from ``frontend/`` at the
repository root and committed in the integration's ``frontend/`` folder,
because HACS installs only that folder) defines both the panel and the Lovelace
card ``custom:municipal-iot-care-card``. It is served once as a static path and
loaded on every page (for the card); the panel is in the sidebar while a care
unit is loaded, for every user (staff are non-admin users).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components import frontend, panel_custom
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from ..texts import async_get_texts
from .apartment import SIGNAL_CARE_UNITS
from .const import BUNDLE_FILE, FRONTEND_URL, PANEL_ELEMENT, PANEL_ICON, PANEL_URL_PATH
from .download import JournalDownloadView
from .unit import CareUnit
from .websocket import DATA_UNITS, async_register_commands

FRONTEND_DIR = Path(__file__).parent.parent / "frontend"
DATA_PANEL = "municipal_iot_panel"  # hass.data: the panel is registered


def _bundle_version() -> str:
    return hashlib.sha256((FRONTEND_DIR / BUNDLE_FILE).read_bytes()).hexdigest()[:12]


async def async_setup_frontend(hass: HomeAssistant) -> None:
    """Serve the bundle, load it on every page, register the views and commands."""
    version = await hass.async_add_executor_job(_bundle_version)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(FRONTEND_URL, str(FRONTEND_DIR), cache_headers=True)]
    )
    hass.data[DATA_PANEL] = {"module_url": f"{FRONTEND_URL}/{BUNDLE_FILE}?v={version}"}
    frontend.add_extra_js_url(hass, hass.data[DATA_PANEL]["module_url"])
    hass.http.register_view(JournalDownloadView())
    async_register_commands(hass)


async def async_care_units_changed(hass: HomeAssistant, unit: CareUnit, *, running: bool) -> None:
    """Show the panel while a care unit runs; tell subscribers about the change."""
    units: dict[str, CareUnit] = hass.data.setdefault(DATA_UNITS, {})
    if running:
        units[unit.entry.entry_id] = unit
    else:
        units.pop(unit.entry.entry_id, None)
    shown = hass.data[DATA_PANEL]
    if units:
        if not shown.get("registered"):
            texts = await async_get_texts(hass)
            await panel_custom.async_register_panel(
                hass,
                frontend_url_path=PANEL_URL_PATH,
                webcomponent_name=PANEL_ELEMENT,
                module_url=shown["module_url"],
                sidebar_title=texts.get("panel_title"),
                sidebar_icon=PANEL_ICON,
                require_admin=False,
            )
            shown["registered"] = True
    elif shown.get("registered"):
        frontend.async_remove_panel(hass, PANEL_URL_PATH)
        shown["registered"] = False
    _notify(hass)


@callback
def _notify(hass: HomeAssistant) -> None:
    async_dispatcher_send(hass, SIGNAL_CARE_UNITS)
