"""The Tillsyn panel in a real Home Assistant and a real browser, as a staff member.

Home Assistant runs as a subprocess with a temporary configuration on a free
loopback port, with a care unit of 200 apartments. Debian's chromium, driven by
Playwright, logs in as a non-admin staff user at phone size (390 by 844) and:
sees an alarm raised while the panel is open come first, acknowledges it,
closes it with an outcome and a note (without motion), pauses another
apartment with a reason and an end, and downloads the journal CSV, which has
Swedish headers and the staff member's name; the care card shows the same
tiles. The unit banner shows a test alarm waiting for "Mottaget" (and
yesterday's unanswered one), both gone live when a phone answers; an apartment
with planned checks shows the next one; the download's planned-checks view
has one row per planned check. The screenshots go to a temporary folder, or to docs/images/ for the
README when MUNICIPAL_IOT_SCREENSHOTS=1 (so a test run leaves the tree clean).
The warm load of the panel with 200 apartments is printed (not asserted) at the
end of the test run.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from scripts.demo.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.care import (
    REPO,
    RULES,
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
PLANNED_APARTMENT = 5
TEST_ID = "test-seeded"


def seed_unit_rules(config: Path) -> list[str]:
    """Lgh 5 gets planned checks 3 and 4 hours from now; a test alarm waits for its answer.

    A sensor is offline one minute after it went unavailable (not 15), so that
    a network outage comes within the test.

    The test alarm was sent two minutes ago (its 30 minutes run during the test)
    and yesterday's was not answered, as the test alarm store keeps them.
    Returns the planned times (HH:MM, Stockholm).
    """
    local = datetime.now(ZoneInfo("Europe/Stockholm"))
    times = [(local + timedelta(hours=hours)).strftime("%H:%M") for hours in (3, 4)]
    entries = config / ".storage" / "core.config_entries"
    body = json.loads(entries.read_text(encoding="utf-8"))
    (entry,) = body["data"]["entries"]
    (subentry,) = [
        item
        for item in entry["subentries"]
        if item["subentry_id"] == apartment_id(PLANNED_APARTMENT)
    ]
    planned = {"times": [{"at": at} for at in times], "lookback_minutes": 30}
    fast = {"sensor_unavailable_minutes": 1}
    entry["data"]["rules"] |= fast
    rules = RULES | fast | {"continuous_minutes": 240, "grace_minutes": 0, "planned": planned}
    subentry["data"] |= {"rules_mode": "custom", "rules": rules}
    entries.write_text(json.dumps(body), encoding="utf-8")
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    key = f"municipal_iot.care.{UNIT_ENTRY}.test_alarm"
    data = {
        "next_at": None,
        "pending": [TEST_ID, (now - timedelta(minutes=2)).isoformat()],
        "last_unanswered": "test-yesterday",
        "unanswered": {
            "sent_at": yesterday.isoformat(),
            "due_at": (yesterday + timedelta(minutes=30)).isoformat(),
        },
    }
    store = {"version": 1, "minor_version": 1, "key": key, "data": data}
    (config / ".storage" / key).write_text(json.dumps(store), encoding="utf-8")
    return times


@pytest.fixture
def real_hass(tmp_path: Path, socket_enabled: None) -> Any:
    """A running Home Assistant with the care unit, onboarded, with a staff user."""
    port = free_port()
    config = tmp_path / "config"
    write_real_config(config, port, APARTMENTS)
    planned_times = seed_unit_rules(config)
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
        hass.planned_times = planned_times  # type: ignore[attr-defined]
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


def unit_banner_and_planned_checks(
    page: Page, hass: RealHass, token: str, times: list[str], images: Path
) -> None:
    """The unit banner at phone width, the next planned check, then a phone answers the test."""
    pending = page.locator("[data-notice='test_alarm_pending']")
    expect(pending).to_contain_text("Provlarm skickat kl")
    expect(pending).to_contain_text("tryck Mottaget i telefonen senast")
    unanswered = page.locator("[data-notice='test_alarm_unanswered']")
    expect(unanswered).to_contain_text("besvarades inte: kontrollera personalens telefoner")
    box = page.locator("div.notices").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390  # nothing sticks out at phone width
    page.screenshot(path=str(images / "panel_unit_banner.png"))
    planned = tile(page, PLANNED_APARTMENT)
    expect(planned).to_contain_text("Nästa tillsynstillfälle kl")
    expect(planned.locator(".line.planned")).to_contain_text(times[0])  # with the date if tomorrow
    planned.get_by_role("button", name="Detaljer").click()
    expect(planned).to_contain_text(f"Tillsynstillfällen kl {times[0]}, {times[1]}")
    page.screenshot(path=str(images / "panel_planned.png"))
    planned.get_by_role("button", name="Detaljer").click()

    # A phone taps "Mottaget": the banner goes, live; the journal names the test.
    status, _ = hass.call(
        "POST",
        "/api/events/mobile_app_notification_action",
        {"action": f"MIOT_TEST_{TEST_ID}"},
        token,
    )
    assert status == 200
    expect(pending).to_have_count(0)
    expect(unanswered).to_have_count(0)
    expect(page.locator("ul.journal li[data-kind='test_alarm_received']")).to_contain_text(
        "Solrosen Provlarm mottaget"
    )


def network_outage(page: Page, hass: RealHass, token: str, images: Path) -> None:
    """120 of 200 sensors go offline together: one banner, live, and it goes when they are back."""
    offline = range(81, APARTMENTS + 1)
    for number in offline:
        status, _ = hass.call(
            "POST",
            f"/api/states/binary_sensor.lgh_{number}_motion",
            {"state": "unavailable"},
            token,
        )
        assert status == 200
    banner = page.locator("[data-notice='network_outage']")
    # Offline after one minute: the outage starts with half of them and grows to all 120.
    expect(banner).to_contain_text(
        "Teknikfel: sensorer offline i 120 av 200 lägenheter", timeout=120_000
    )
    expect(banner).to_contain_text("Utan tillsyn: Lgh 81, Lgh 82,")
    expect(banner).to_contain_text("Lgh 92 och 108 till. Gör fysisk tillsyn")
    box = page.locator("div.notices").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    page.locator("div.notices").scroll_into_view_if_needed()
    page.screenshot(path=str(images / "panel_network_outage.png"))
    add_care_card(page)  # the card shows the same banner
    expect(page.locator("#care-card [data-notice='network_outage']")).to_contain_text(
        "sensorer offline i 120 av 200 lägenheter"
    )
    for number in offline:
        status, _ = hass.call(
            "POST",
            f"/api/states/binary_sensor.lgh_{number}_motion",
            {"state": "off", "attributes": {"device_class": "motion"}},
            token,
        )
        assert status == 200
    expect(banner).to_have_count(0)
    expect(page.locator("#care-card [data-notice='network_outage']")).to_have_count(0)


def download_planned_checks(page: Page) -> None:
    """The planned-checks view: one row per planned check (none has fallen due today)."""
    page.locator("select[name='content']").select_option("planned_checks")
    with page.expect_download() as download:
        page.locator("button[name='download']").click()
    assert "planned_checks" in download.value.suggested_filename
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Lägenhet", "Planerad tid", "Tid enligt beslutet", "Tillsynens utfall"]
    assert rows[1:] == []


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


def add_care_card(page: Page) -> None:
    """Put the care card on the page, with the page's Home Assistant."""
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


def care_card(page: Page) -> None:
    """The Lovelace card shows the same tiles for one unit (from the same bundle)."""
    add_care_card(page)
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
        unit_banner_and_planned_checks(
            page,
            hass,
            hass.token,  # type: ignore[attr-defined]
            hass.planned_times,  # type: ignore[attr-defined]
            images,
        )
        alarm_comes_first(page, hass, hass.token, images)  # type: ignore[attr-defined]
        acknowledge_and_close(page, images)
        pause(page, images)
        download_csv(page)
        download_planned_checks(page)
        care_card(page)
        record_property("figure", measure_load(page, hass.base))
        network_outage(page, hass, hass.token, images)  # type: ignore[attr-defined]
        browser.close()
