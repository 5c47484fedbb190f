"""``scripts/screenshots``: the documentation's pictures, taken from a fresh demo.

A demo runs in a temporary config on a free loopback port; once Lgh 4 is in
alarm and the leak and the meter report are there, headless Debian Chromium
(driven by Playwright's Python package, no browser download) takes each shot
in :data:`SHOTS` into ``docs/images/``. A shot is one line there.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from playwright.async_api import Page, async_playwright

from scripts.simulator.world import LEAKING_METER

from . import site
from .chromium import CHROMIUM, CHROMIUM_ARGS
from .client import Client
from .demo import Demo
from .hass import ROOT, free_port

IMAGES = ROOT / "docs" / "images"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Shot:
    """One picture: a file name, a page size, and how to get the page there."""

    name: str
    viewport: dict[str, int]
    show: Callable[[Page, Demo, dict[str, str]], Awaitable[None]]


async def _goto(page: Page, demo: Demo, path: str) -> None:
    await page.goto(demo.url + path)
    await page.wait_for_load_state("networkidle")
    await page.wait_for_timeout(2500)  # charts and cards finish drawing


async def integration_page(page: Page, demo: Demo, ids: dict[str, str]) -> None:
    """The integration's page with its entries."""
    await _goto(page, demo, "/config/integrations/integration/municipal_iot")


async def chirpstack_step(page: Page, demo: Demo, ids: dict[str, str]) -> None:
    """The last step of a new ChirpStack connection: what to paste into ChirpStack."""
    await _goto(page, demo, "/config/integrations/dashboard/add?domain=municipal_iot")
    await page.get_by_role("button", name="OK").click()  # "Vill du konfigurera ...?"
    await page.get_by_text("LoRaWAN-nätverksserver").click()
    await page.get_by_role("textbox", name="Namn").fill("ChirpStack Ånge hus B")
    await page.get_by_role("button", name="Bekräfta").click()
    await page.get_by_text("Payload encoding").wait_for()
    await page.wait_for_timeout(1000)
    ids["flow_open"] = "yes"


async def apartment_page(page: Page, demo: Demo, ids: dict[str, str]) -> None:
    """The device page of Lgh 4 in alarm."""
    await _goto(page, demo, f"/config/devices/device/{ids['apartment']}")


async def meter_statistics(page: Page, demo: Demo, ids: dict[str, str]) -> None:
    """A meter's hourly consumption from long-term statistics (a statistics-graph card)."""
    await _goto(page, demo, "/demo-vatten/0")


async def leak_page(page: Page, demo: Demo, ids: dict[str, str]) -> None:
    """The device page of the leaking meter."""
    await _goto(page, demo, f"/config/devices/device/{ids['leaking_meter']}")


async def tillsyn_panel(page: Page, demo: Demo, ids: dict[str, str]) -> None:
    """The Tillsyn panel with Lgh 4 in alarm, as staff see it on a phone."""
    await _goto(page, demo, "/tillsyn")


async def report_notification(page: Page, demo: Demo, ids: dict[str, str]) -> None:
    """The meter report's persistent notification."""
    await _goto(page, demo, "/config/integrations/integration/municipal_iot")
    await page.get_by_text("Aviseringar").first.click()
    await page.get_by_text("Mätarrapport").first.wait_for()
    await page.wait_for_timeout(1000)


SHOTS: tuple[Shot, ...] = (
    Shot("integration.png", DESKTOP, integration_page),
    Shot("chirpstack_step.png", DESKTOP, chirpstack_step),
    Shot("apartment_alarm.png", DESKTOP, apartment_page),
    Shot("tillsyn_panel_phone.png", PHONE, tillsyn_panel),
    Shot("meter_statistics.png", DESKTOP, meter_statistics),
    Shot("meter_leak.png", DESKTOP, leak_page),
    Shot("meter_report_notification.png", DESKTOP, report_notification),
)


async def _ids(demo: Any) -> dict[str, str]:
    still = await site.apartment_entities(demo.ws, demo.state.unit_entry_id, site.STILL_APARTMENT)
    volume = await site.entity_ids(demo.ws, "volume", [LEAKING_METER.device.dev_eui]) or {}
    registry = await demo.ws.call("config/entity_registry/list")
    device_of = {item["entity_id"]: item["device_id"] for item in registry}
    return {
        "apartment": still["device_id"],
        "status": still["status"],
        "leaking_meter": device_of[volume[LEAKING_METER.device.dev_eui]],
    }


async def _dashboard(demo: Demo) -> None:
    """Add a dashboard with the meters' hourly consumption from their statistics."""
    statistics = [f"{site.DOMAIN}:water_{eui}" for eui in site.meter_euis()]
    dashboards = await demo.ws.call("lovelace/dashboards/list")
    if not any(item["url_path"] == "demo-vatten" for item in dashboards):
        await demo.ws.call(
            "lovelace/dashboards/create",
            url_path="demo-vatten",
            title="Vatten",
            icon="mdi:water",
            show_in_sidebar=True,
            require_admin=False,
            mode="storage",
        )
    card = {
        "type": "statistics-graph",
        "title": "Förbrukning per timme",
        "entities": statistics,
        "stat_types": ["change"],
        "chart_type": "bar",
        "period": "hour",
        "days_to_show": 2,
    }
    config = {"views": [{"title": "Vatten", "type": "panel", "cards": [card]}]}
    await demo.ws.call("lovelace/config/save", url_path="demo-vatten", config=config)


async def _wait_for_alarm(demo: Demo, entity_id: str, limit: float = 420) -> None:
    deadline = time.monotonic() + limit
    while (await demo.client.request("GET", f"/api/states/{entity_id}"))["state"] != "alarm":
        if time.monotonic() > deadline:
            raise TimeoutError("Lgh 4 did not alarm")
        await asyncio.sleep(2)


async def take(names: set[str] | None = None) -> list[Path]:
    """Run a fresh demo and take the shots (all, or those named); return the files written."""
    with tempfile.TemporaryDirectory(prefix="municipal-iot-shots-") as tmp:
        async with Demo(Path(tmp), free_port(), answer=None, log=print) as demo:
            return await shoot(demo, names)


async def attach(config: Path, port: int, names: set[str] | None) -> list[Path]:
    """Take the shots of a demo that already runs (``scripts/develop --config ... --port ...``)."""
    async with aiohttp.ClientSession() as session:
        running = Attached(f"http://127.0.0.1:{port}", session, config)
        await running.connect()
        try:
            return await shoot(running, names)
        finally:
            await running.ws.close()


class Attached:
    """The parts of a running demo the shots use: URL, client, websocket, state."""

    def __init__(self, url: str, session: aiohttp.ClientSession, config: Path) -> None:
        """Read the demo's state file."""
        state = site.DemoState.load(config / ".municipal_iot_demo" / "state.json")
        if state is None:
            raise SystemExit(f"no demo state in {config}")
        self.url = url
        self.state = state
        self.client = Client(url, session)

    async def connect(self) -> None:
        """Log in as the demo's admin."""
        self.client.token = await self.client.login(self.state.admin)
        self.ws = await self.client.websocket()


async def shoot(demo: Any, names: set[str] | None) -> list[Path]:
    """Take the shots once Lgh 4 is in alarm; return the files written."""
    written: list[Path] = []
    ids = await _ids(demo)
    await _dashboard(demo)
    print("waiting for Lgh 4 to alarm (about 2 minutes after the start)")
    await _wait_for_alarm(demo, ids["status"])
    tokens = await demo.client.login_tokens(demo.state.admin)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for shot in SHOTS:
                if names and shot.name not in names:
                    continue
                context = await browser.new_context(
                    viewport=shot.viewport, locale="sv-SE", timezone_id="Europe/Stockholm"
                )
                await context.add_init_script(_tokens_script(demo.url, tokens))
                page = await context.new_page()
                try:
                    await shot.show(page, demo, ids)
                    path = IMAGES / shot.name
                    await page.screenshot(path=str(path))
                finally:
                    await context.close()
                    if ids.pop("flow_open", None):
                        await _abort_flows(demo)
                written.append(path)
                print(f"wrote {path.relative_to(ROOT)}")
        finally:
            await browser.close()
    return written


async def _abort_flows(demo: Demo) -> None:
    for flow in await demo.ws.call("config_entries/flow/progress"):
        await demo.client.request(
            "DELETE", f"/api/config/config_entries/flow/{flow['flow_id']}", expect=(200, 404)
        )


def _tokens_script(url: str, tokens: dict[str, Any]) -> str:
    stored = {
        **tokens,
        "hassUrl": url,
        "clientId": f"{url}/",
        "expires": int(time.time() * 1000) + 1000 * int(tokens["expires_in"]),
    }
    return (
        f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(stored))});"
        "localStorage.setItem('selectedLanguage', '\"sv\"');"
    )


def main() -> None:
    """Take the shots: ``[--attach CONFIG PORT] [NAME.png ...]``."""
    args = sys.argv[1:]
    if args[:1] == ["--attach"]:
        config, port = Path(args[1]), int(args[2])
        asyncio.run(attach(config, port, set(args[3:]) or None))
    else:
        asyncio.run(take(set(args) or None))


if __name__ == "__main__":
    main()
