"""Planned checks through Home Assistant: the sensor, the push, the closure and the CSV view.

The clock starts at 2026-11-26 10:15 UTC (11:15 in Stockholm). The apartment has its
own rules: planned checks at 12:00 and 13:00 with a 30-minute look-back, no other rule.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import CLIENT_ID, MockConfigEntry, MockUser

from custom_components.municipal_iot.const import DOMAIN
from tests.care import (
    APT,
    MOTION,
    RULES,
    STAFF,
    STATUS,
    Phones,
    advance,
    apartment,
    care_entry,
    setup_care,
    state,
)

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off")

NEXT_PLANNED = "sensor.lagenhet_3_next_planned_check"
PLANNED = {"times": [{"at": "12:00"}, {"at": "13:00"}], "lookback_minutes": 30}


def planned_entry() -> MockConfigEntry:
    """The care unit whose apartment has planned checks and no other rule."""
    rules = dict(RULES) | {"continuous_minutes": None, "planned": PLANNED}
    return care_entry(apartment(rules_mode="custom", rules=rules))


async def motion(hass: HomeAssistant) -> None:
    """The motion sensor shows motion, then clears."""
    for value in ("on", "off"):
        hass.states.async_set(MOTION, value, {"device_class": "motion"})
        await hass.async_block_till_done()


def planned_entries(entry: MockConfigEntry) -> list[dict[str, Any]]:
    journal = entry.runtime_data.journal
    return [
        {"kind": item.kind, "user": item.user_id, **item.data}
        for item in journal.entries
        if item.kind.startswith("planned_check")
    ]


async def test_planned_checks_done_digitally_and_by_a_visit(
    hass: HomeAssistant,
    clock: Any,
    phones: Phones,
    staff_user: MockUser,
    hass_admin_user: MockUser,
    hass_client_no_auth: Any,
) -> None:
    entry = await setup_care(hass, planned_entry())
    assert state(hass, NEXT_PLANNED) == "2026-11-26T11:00:00+00:00"  # 12:00 in Stockholm
    await advance(hass, clock, 25)
    await motion(hass)  # 11:40
    await advance(hass, clock, 20)  # 12:00: motion 20 minutes ago
    assert planned_entries(entry) == [
        {
            "kind": "planned_check",
            "user": None,
            "planned_at": "2026-11-26T11:00:00+00:00",
            "planned": "12:00",
            "outcome": "done_digital",
            "evidence_at": "2026-11-26T10:40:00+00:00",
        }
    ]
    assert state(hass, STATUS) == "ok"
    assert state(hass, NEXT_PLANNED) == "2026-11-26T12:00:00+00:00"
    for calls in phones.values():
        assert calls == []

    await advance(hass, clock, 60)  # 13:00: nothing since 11:40
    assert state(hass, STATUS) == "grace"
    await advance(hass, clock, 10)
    assert state(hass, STATUS) == "alarm"
    (push,) = [call.data for call in phones[STAFF[0]]]
    assert push["title"] == "Alarm: Lägenhet 3"
    assert push["message"].splitlines()[0] == (
        "Planned check 13:00: no sign of activity. Make a visit."
    )
    assert state(hass, NEXT_PLANNED) == "2026-11-27T11:00:00+00:00"

    await advance(hass, clock, 5)
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, APT), entry.entry_id)
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "resolve_alarm",
        {"device_id": device.id},
        blocking=True,
        context=Context(user_id=staff_user.id),
    )
    visit = planned_entries(entry)[-1]
    assert visit["kind"] == "planned_check"
    assert visit["outcome"] == "done_visit"
    assert visit["user"] == staff_user.id
    assert visit["closed_outcome"] == "visited_all_ok"
    assert visit["planned"] == "13:00"

    # The planned-checks view: one row per check, Swedish headers for Swedish Excel.
    response = await hass.services.async_call(
        DOMAIN,
        "export_journal",
        {
            "config_entry_id": entry.entry_id,
            "start": "2026-11-26",
            "end": "2026-11-26",
            "excel_sv": True,
            "content": "planned_checks",
        },
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
        return_response=True,
    )
    assert response["rows"] == 2
    assert response["file"].endswith("solrosen_planned_checks_2026-11-26_2026-11-26.csv")
    text = await hass.async_add_executor_job(Path(response["file"]).read_text, "utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == [
        "Lägenhet",
        "Planerad tid",
        "Tid enligt beslutet",
        "Tillsynens utfall",
        "Rörelse eller besök kl",
        "Avslutat av",
        "Utfall",
        "Pausorsak eller borta sedan",
        "Larm-id",
    ]
    episode_id = visit["episode_id"]
    assert rows[1:] == [
        [
            "Lägenhet 3",
            "2026-11-26 12:00:00",
            "12:00",
            "Tillsyn utförd digitalt",
            "2026-11-26 11:40:00",
            "",
            "",
            "",
            "",
        ],
        [
            "Lägenhet 3",
            "2026-11-26 13:00:00",
            "13:00",
            "Tillsyn utförd genom besök",
            "2026-11-26 13:15:00",
            "Staff",
            "Besök gjort \u2013 allt väl",
            "",
            episode_id,
        ],
    ]
    # The download view serves the same view (English here); a token made now (the
    # fixture's token expired while the clock moved).
    refresh = await hass.auth.async_create_refresh_token(hass_admin_user, CLIENT_ID)
    token = hass.auth.async_create_access_token(refresh)
    client = await hass_client_no_auth()
    download = await client.get(
        f"/api/municipal_iot/journal/{entry.entry_id}"
        "?start=2026-11-26&end=2026-11-26&content=planned_checks&language=en",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert download.status == 200
    lines = (await download.text()).splitlines()
    assert lines[0].startswith("Apartment;Planned time;Time in the decision;Check outcome;")
    assert [line.split(";")[3] for line in lines[1:]] == ["Done digitally", "Done by a visit"]


async def test_paused_apartment_documents_not_done(
    hass: HomeAssistant, clock: Any, phones: Phones, staff_user: MockUser
) -> None:
    entry = await setup_care(hass, planned_entry())
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, APT), entry.entry_id)
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "pause_supervision",
        {"device_id": device.id, "reason": "guests", "until": "2026-11-26T15:00:00+01:00"},
        blocking=True,
        context=Context(user_id=staff_user.id),
    )
    for calls in phones.values():
        calls.clear()  # the pause itself is announced to staff
    await advance(hass, clock, 45)  # 12:00
    [check] = planned_entries(entry)
    assert check["outcome"] == "not_done_paused"
    assert check["pause_reason"] == "guests"
    for calls in phones.values():
        assert calls == []
