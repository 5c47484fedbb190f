"""The Tillsyn panel in a real Home Assistant and a real browser, as a staff member.

Home Assistant runs as a subprocess with a temporary configuration on a free
loopback port, with a care unit of 200 apartments. Debian's chromium, driven by
Playwright, logs in as a non-admin staff user at phone size (390 by 844) and:
sees an alarm raised while the panel is open come first, acknowledges it,
closes it with an outcome and a note (without motion), pauses another
apartment with a reason and an end, and downloads the journal CSV, which has
Swedish headers and the staff member's name; the care card shows the same
tiles. The screenshots go to a temporary folder, or to docs/images/ for the
README when MUNICIPAL_IOT_SCREENSHOTS=1 (so a test run leaves the tree clean).
The warm load of the panel with 200 apartments is printed (not asserted) at the
end of the test run.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from scripts.demo.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.care import (
    REPO,
    STAFF_LOGIN,
    STAFF_NAME,
    UNIT_ENTRY,
    RealHass,
    apartment_id,
    free_port,
    lower_threshold,
    write_real_config,
)

APARTMENTS = 200
DOCS_IMAGES = REPO / "docs" / "images"
ALL_WELL = "Besök gjort \u2013 allt väl"


@pytest.fixture
def real_hass(tmp_path: Path, socket_enabled: None) -> Any:
    """A running Home Assistant with the care unit, onboarded, with a staff user."""
    port = free_port()
    config = tmp_path / "config"
    write_real_config(config, port, APARTMENTS)
    hass = RealHass(config, port)
    try:
        hass.wait()
        token = hass.onboard()
        asyncio.run(hass.async_create_staff(token))
        for number in range(1, APARTMENTS + 1):
            status, _ = hass.call(
                "POST",
                f"/api/states/binary_sensor.lgh_{number}_motion",
                {"state": "off", "attributes": {"device_class": "motion"}},
                token,
            )
            assert status in {200, 201}
        hass.token = token  # type: ignore[attr-defined]
        yield hass
    finally:
        hass.stop()


def tile(page: Page, number: int) -> Any:
    """Return the tile of apartment ``number``."""
    return page.locator(f"article.tile[data-apartment='{apartment_id(number)}']")


def log_in(page: Page, base: str) -> None:
    """Log in through Home Assistant's own login page, as the staff member."""
    page.goto(f"{base}/tillsyn")
    page.locator("input[autocomplete='username']").fill(STAFF_LOGIN[0])
    page.locator("input[autocomplete='current-password']").fill(STAFF_LOGIN[1])
    page.keyboard.press("Enter")
    expect(page.locator("article.tile")).to_have_count(APARTMENTS, timeout=30_000)


def alarm_comes_first(page: Page, hass: RealHass, token: str, images: Path) -> None:
    """An alarm raised while the panel is open comes first, live (no reload)."""
    first = page.locator("article.tile").first
    expect(first).to_have_attribute("data-status", "ok")
    lower_threshold(hass, token, 7)
    expect(first).to_have_attribute("data-apartment", apartment_id(7))
    expect(first).to_have_attribute("data-status", "alarm")
    expect(first).to_contain_text("Lgh 7")
    expect(first).to_contain_text("Larm")
    expect(first).to_contain_text("Handlingsplan: Knacka två gånger och vänta.")
    page.screenshot(path=str(images / "panel_alarm.png"))


def acknowledge_and_close(page: Page, images: Path) -> None:
    """ "Jag tar det", then "Avsluta" with an outcome and a note, without motion."""
    tile(page, 7).get_by_role("button", name="Jag tar det").click()
    expect(tile(page, 7)).to_have_attribute("data-status", "acknowledged")
    expect(tile(page, 7)).to_contain_text(f"{STAFF_NAME} tar det")  # everyone sees who
    tile(page, 7).get_by_role("button", name="Avsluta").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Skriv inga namn eller personuppgifter.")
    expect(dialog).to_contain_text("avslutas utan rörelse")
    confirm = dialog.locator("button[name='confirm']")
    expect(confirm).to_be_disabled()  # an outcome is required
    dialog.locator("[data-outcome='visited_all_ok']").click()
    dialog.locator("textarea[name='note']").fill("Sov, allt lugnt.")
    page.screenshot(path=str(images / "panel_close.png"))
    confirm.click()
    expect(dialog).to_have_count(0)
    expect(tile(page, 7)).to_have_attribute("data-status", "ok")
    journal = page.locator("ul.journal li[data-kind='resolved_without_motion']")
    expect(journal).to_contain_text(f"Lgh 7 Larm avslutat utan rörelse: {ALL_WELL}")
    expect(journal).to_contain_text(STAFF_NAME)


def pause(page: Page, images: Path) -> None:
    """ "Pausa" needs a reason and an end; the pause is listed with who made it."""
    tile(page, 3).get_by_role("button", name="Pausa").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("button[name='confirm']")).to_be_disabled()
    dialog.locator("[data-reason='away']").click()
    dialog.locator("[data-end='tomorrow']").click()
    page.screenshot(path=str(images / "panel_pause.png"))
    dialog.locator("button[name='confirm']").click()
    expect(tile(page, 3)).to_have_attribute("data-status", "paused")
    expect(tile(page, 3)).to_contain_text("07:00")
    expect(page.locator("ul.pauses")).to_contain_text("Lgh 3")
    expect(page.locator("ul.pauses")).to_contain_text(f"av {STAFF_NAME} · Borta")


def download_csv(page: Page) -> None:
    """The journal CSV, through the signed download link: Swedish, with names."""
    with page.expect_download() as download:
        page.locator("button[name='download']").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:8] == [
        "Post",
        "Tid",
        "Lägenhets-id",
        "Lägenhet",
        "Händelse",
        "Användare",
        "Utfall",
        "Anteckning",
    ]
    done = {(row[3], row[4], row[5], row[6], row[7]) for row in rows[1:]}
    assert ("Lgh 7", "Larm utlöst", "", "", "") in done
    assert ("Lgh 7", "Larm kvitterat", STAFF_NAME, "", "") in done
    assert ("Lgh 7", "Larm avslutat utan rörelse", STAFF_NAME, ALL_WELL, "Sov, allt lugnt.") in done
    assert ("Lgh 3", "Tillsynen pausad", STAFF_NAME, "", "") in done


def care_card(page: Page) -> None:
    """The Lovelace card shows the same tiles for one unit (from the same bundle)."""
    page.evaluate(
        """(entry) => {
            const card = document.createElement("municipal-iot-care-card");
            card.setConfig({ entry_id: entry });
            card.hass = document.querySelector("home-assistant").hass;
            card.id = "care-card";
            document.body.appendChild(card);
        }""",
        UNIT_ENTRY,
    )
    tiles = page.locator("#care-card article.tile")
    expect(tiles).to_have_count(APARTMENTS)
    expect(page.locator("#care-card article.tile[data-status='paused']")).to_contain_text("Lgh 3")


def measure_load(page: Page, base: str) -> str:
    """Load the panel again on the warm Home Assistant; return the figures (not asserted)."""
    started = time.monotonic()
    page.goto(f"{base}/tillsyn")
    expect(page.locator("article.tile")).to_have_count(APARTMENTS)
    loaded = time.monotonic() - started
    main = page.locator("main[data-rendered-ms]")
    expect(main).to_have_count(1)
    return (
        f"Tillsyn panel, {APARTMENTS} apartments, warm HA: page load (the whole Home "
        f"Assistant frontend) to every tile shown {loaded * 1000:.0f} ms; in the panel, "
        f"subscribe to snapshot {main.get_attribute('data-loaded-ms')} ms, to every tile "
        f"rendered {main.get_attribute('data-rendered-ms')} ms"
    )


def test_staff_handle_an_alarm_in_the_panel(
    real_hass: RealHass, record_property: Any, tmp_path: Path
) -> None:
    """Alarm first, acknowledge, close with an outcome, pause, download the Swedish CSV."""
    hass = real_hass
    images = DOCS_IMAGES if os.environ.get("MUNICIPAL_IOT_SCREENSHOTS") == "1" else tmp_path
    images.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            locale="sv-SE",
            timezone_id="Europe/Stockholm",
            accept_downloads=True,
        )
        page = context.new_page()
        log_in(page, hass.base)
        alarm_comes_first(page, hass, hass.token, images)  # type: ignore[attr-defined]
        acknowledge_and_close(page, images)
        pause(page, images)
        download_csv(page)
        care_card(page)
        record_property("figure", measure_load(page, hass.base))
        browser.close()
