"""Benchmark: what the downlink hooks add to every uplink, against parsing that uplink.

Each webhook call and MQTT message now passes two hooks after the hub: one keeps the
The Things Stack push URL and key (``remember_push``), one logs downlink reports
(``report``). Both must stay a small fraction of what parsing the uplink already costs.
Figures are µs per uplink (min / median over rounds) and the ratio hooks / parsing,
measured in the same process. The benchmark fails unless the push URL was kept.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import Figure, chirpstack_up, ratio_line, tts_uplink
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from custom_components.municipal_iot.lorawan import chirpstack, tts
from custom_components.municipal_iot.lorawan.messages import Uplink
from custom_components.municipal_iot.network import downlink

ROUNDS = 7
CALLS = 50_000
PUSH = "https://eu1.cloud.thethings.network/api/v3/as/applications/a/webhooks/w/devices/d/down/push"


def timed(name: str, work: Callable[[], Any]) -> Figure:
    """µs per call of ``work`` in each round."""
    values = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(CALLS):
            work()
        values.append((time.perf_counter() - start) / CALLS * 1e6)
    return Figure(name, values)


def main() -> None:
    now = dt_util.utcnow()
    cs_body, tts_body = chirpstack_up("a81758fffe0312ab", 1), tts_uplink("A81758FFFE0312AC", 1)
    cs_message = chirpstack.parse("up", json_loads(cs_body), now)
    tts_message = tts.parse(json_loads(tts_body), now)
    if not isinstance(cs_message, Uplink) or not isinstance(tts_message, Uplink):
        raise SystemExit("the bodies did not parse as uplinks")
    # The hooks read only these attributes of hass, the entry and the store.
    store: Any = SimpleNamespace(async_delay_save=lambda *_: None)
    state = downlink.DownlinkState(store=store)
    hass: Any = SimpleNamespace(data={downlink._STATES: {"entry": state}})  # noqa: SLF001
    devices = {cs_message.device.dev_eui: None, tts_message.device.dev_eui: None}
    entry: Any = SimpleNamespace(entry_id="entry", runtime_data=SimpleNamespace(devices=devices))
    tts_headers = {"X-Downlink-Push": PUSH, "X-Downlink-Apikey": "NNSXS.KEY"}
    cs_headers = {"Content-Type": "application/json"}

    def hooks(message: Any, headers: dict[str, str]) -> None:
        downlink.remember_push(hass, entry, message, headers)
        downlink.report(hass, entry, message)

    figures = [
        (
            timed("ChirpStack: parse", lambda: chirpstack.parse("up", json_loads(cs_body), now)),
            timed("ChirpStack: downlink hooks", lambda: hooks(cs_message, cs_headers)),
        ),
        (
            timed("TTS: parse", lambda: tts.parse(json_loads(tts_body), now)),
            timed("TTS with push headers: downlink hooks", lambda: hooks(tts_message, tts_headers)),
        ),
    ]
    if state.push_urls != {tts_message.device.dev_eui: PUSH}:
        raise SystemExit("the push URL was not kept: the hooks did not run")
    print("Downlink hooks per uplink (µs, min / median)")
    for parse, hook in figures:
        for figure in (parse, hook):
            print(f"  {figure.name:<56} {figure.min:9.3f} / {figure.median:9.3f}")
        print(
            "  " + ratio_line(f"ratio hooks / parse ({parse.name.split(':')[0]})", hook, parse, 56)
        )


if __name__ == "__main__":
    main()
