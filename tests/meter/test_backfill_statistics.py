"""Water history fetched by the The Things Stack backfill becomes statistics, as by webhook."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from tests.meter import hourly_rows, utc
from tests.network import WEBHOOK_TTS, Poster, load_json, network_entry, setup_entry, tts_uplink
from tests.storage_server import API_KEY, storage_server

METER = "a81758fffe0312ab"
STAT = f"municipal_iot:water_{METER}"
AXIOMA = load_json("vectors_water.json")["lorawan"]["axioma"]
VECTOR = next(v for v in AXIOMA if v["id"] == "axioma-w1-ttn-enhanced24h")
pytestmark = pytest.mark.usefixtures("recorder_mock", "socket_enabled")


def axioma(payload: str, f_port: int, f_cnt: int, at: str) -> dict[str, Any]:
    return tts_uplink(
        payload,
        f_port=f_port,
        f_cnt=f_cnt,
        device_id="vm-7",
        brand="axioma",
        model="qalcosonic-w1",
        received_at=at,
    )


async def test_backfilled_axioma_history_reaches_statistics(
    hass: HomeAssistant, post: Poster, freezer: Any
) -> None:
    """HA down over the daily frame: at start it is fetched and its 23 hourly rows imported."""
    freezer.move_to("2026-09-02T10:05:00+00:00")
    async with storage_server() as server:
        entry = await setup_entry(
            hass,
            network_entry(
                "tts",
                WEBHOOK_TTS,
                storage_url=server.url,
                storage_application_id="solrosen",
                storage_api_key=API_KEY,
            ),
        )
        # An alarm frame by webhook makes the meter known (no history in it).
        assert await post(WEBHOOK_TTS, axioma("dd48ae6010", 103, 1, "2026-09-02T10:00:00Z")) == (
            200,
            "ok",
        )
        assert await hass.config_entries.async_unload(entry.entry_id)
        freezer.move_to("2026-09-02T23:15:00+00:00")
        server.store(axioma(VECTOR["payload_hex"], 100, 2, "2026-09-02T23:10:00Z"))
        assert await hass.config_entries.async_setup(entry.entry_id)
        rows = await hourly_rows(hass, STAT, utc("2026-09-01T00:00:00+00:00"))
        assert len(server.requests) == 1
    expected = VECTOR["expected"]["data"]
    registers = [expected["log_volume_m3"]]
    for k in range(1, 23):
        registers.append(registers[-1] + expected[f"delta_{k}_m3"])
    assert [row["start"] for row in rows] == [
        utc("2026-09-01T23:00:00+00:00").timestamp() + 3600 * k for k in range(23)
    ]
    assert [row["state"] for row in rows] == pytest.approx(registers)
    assert rows[-1]["sum"] == pytest.approx(
        expected["current_volume_m3"] - expected["log_volume_m3"]
    )
