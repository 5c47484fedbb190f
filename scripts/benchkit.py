"""Shared pieces of the benchmarks: realistic bodies, a temporary HA, rounds.

The real broker is tests/mosquitto.py (shared with the tests).

Imported by the ``scripts/bench_*.py`` scripts (run them through ``scripts/bench``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeassistant import bootstrap, loader
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import category_registry as cr
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers import label_registry as lr
from homeassistant.helpers import restore_state as rs
from pytest_homeassistant_custom_component.common import async_test_home_assistant

GATEWAYS = ("0016c001f153a14c", "0016c001f1540321", "7276ff002e0625ab")


def rss_kib() -> int:
    """Resident set size of this process in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def elsys_values(f_cnt: int) -> dict[str, float]:
    """The readings an Elsys ERS Eye reports in uplink ``f_cnt`` (they change every uplink)."""
    return {
        "temperature": (200 + f_cnt % 50) / 10,
        "humidity": 40 + f_cnt % 20,
        "light": f_cnt % 200,
        "motion": f_cnt % 3,
        "occupancy": f_cnt % 2,
        "vdd": 3426,
    }


def elsys_payload(values: dict[str, float]) -> bytes:
    """The FRMPayload of ``values`` in the Elsys layout (types 01, 02, 04, 05, 11, 07)."""
    temp = round(values["temperature"] * 10)
    vdd = int(values["vdd"])
    return bytes(
        [
            *(0x01, temp >> 8, temp & 0xFF, 0x02, int(values["humidity"])),
            *(0x04, 0x00, int(values["light"]), 0x05, int(values["motion"])),
            *(0x11, int(values["occupancy"]), 0x07, vdd >> 8, vdd & 0xFF),
        ]
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _dedup_id(dev_eui: str, f_cnt: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{dev_eui}/{f_cnt}"))


def _rx_info(f_cnt: int, now: str) -> list[dict[str, Any]]:
    return [
        {
            "gatewayId": gateway,
            "uplinkId": 4217106255 + f_cnt * 3 + n,
            "gwTime": now,
            "nsTime": now,
            "rssi": -70 - f_cnt % 20 - 6 * n,
            "snr": 7.5 - n,
            "channel": 3,
            "rfChain": 1,
            "location": {"latitude": 62.4189, "longitude": 15.6547, "altitude": 210.0},
            "context": "E3OWOQ==",
            "metadata": {"region_config_id": "eu868", "region_common_name": "EU868"},
            "crcStatus": "CRC_OK",
        }
        for n, gateway in enumerate(GATEWAYS)
    ]


def chirpstack_up(dev_eui: str, f_cnt: int, *, with_object: bool = False) -> bytes:
    """A ChirpStack v4 ``up`` event as its HTTP and MQTT integrations send it (compact JSON).

    ``with_object`` adds the decoded ``object`` a device-profile codec puts there, which is
    what users of HA's MQTT sensors template over.
    """
    values = elsys_values(f_cnt)
    now = _now()
    event: dict[str, Any] = {
        "deduplicationId": _dedup_id(dev_eui, f_cnt),
        "time": now,
        "deviceInfo": {
            "tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242",
            "tenantName": "Ange kommun",
            "applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97",
            "applicationName": "Gruppbostad Solrosen",
            "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad",
            "deviceProfileName": "Elsys ERS Eye",
            "deviceName": f"apt-{dev_eui[-4:]}",
            "devEui": dev_eui,
            "deviceClassEnabled": "CLASS_A",
            "tags": {"building": "solrosen", "floor": "1"},
        },
        "devAddr": "00189440",
        "adr": True,
        "dr": 5,
        "fCnt": f_cnt,
        "fPort": 5,
        "confirmed": False,
        "data": base64.b64encode(elsys_payload(values)).decode(),
        "rxInfo": _rx_info(f_cnt, now),
        "txInfo": {
            "frequency": 867100000,
            "modulation": {
                "lora": {"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5"}
            },
        },
    }
    if with_object:
        event["object"] = values
    return json.dumps(event, separators=(",", ":")).encode()


def tts_uplink(dev_eui: str, f_cnt: int) -> bytes:
    """A The Things Stack webhook uplink message with three gateways (compact JSON)."""
    values = elsys_values(f_cnt)
    now = _now()
    rx = [
        {
            "gateway_ids": {"gateway_id": f"gw-{n}", "eui": gateway.upper()},
            "time": now,
            "timestamp": 2463457000 + n,
            "rssi": -70 - f_cnt % 20 - 6 * n,
            "channel_rssi": -70 - f_cnt % 20 - 6 * n,
            "snr": 7.5 - n,
            "location": {"latitude": 62.4189, "longitude": 15.6547, "altitude": 210},
            "uplink_token": "ChsKGQoNZ3ctMDAxNmMwMDFmMTUzYTE0YxIIABbAAfFToUwQ6M+B5ggaDAiw9vzOB"
            "hD4lKXGARigzqaV6ZkF",
            "received_at": now,
        }
        for n, gateway in enumerate(GATEWAYS)
    ]
    message = {
        "end_device_ids": {
            "device_id": f"apt-{dev_eui[-4:].lower()}",
            "application_ids": {"application_id": "solrosen"},
            "dev_eui": dev_eui.upper(),
            "join_eui": "70B3D57ED0000000",
            "dev_addr": "260B1234",
        },
        "correlation_ids": [
            f"as:up:01HQ{f_cnt:022d}",
            f"rpc:/ttn.lorawan.v3.GsNs/HandleUplink:{f_cnt}",
        ],
        "received_at": now,
        "uplink_message": {
            "session_key_id": "AYmBXi0TXHZsq4GxU+8eIg==",
            "f_port": 5,
            "f_cnt": f_cnt,
            "frm_payload": base64.b64encode(elsys_payload(values)).decode(),
            "rx_metadata": rx,
            "settings": {
                "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}},
                "frequency": "867100000",
                "timestamp": 2463457000,
            },
            "received_at": now,
            "consumed_airtime": "0.061696s",
            "version_ids": {"brand_id": "elsys", "model_id": "ers", "band_id": "EU_863_870"},
            "network_ids": {"net_id": "000013", "tenant_id": "ttn", "cluster_id": "eu1"},
        },
    }
    return json.dumps(message, separators=(",", ":")).encode()


@dataclass
class Figure:
    """One measured quantity over several rounds."""

    name: str
    values: list[float]
    unit: str = "µs"

    @property
    def min(self) -> float:
        """The smallest round."""
        return min(self.values)

    @property
    def median(self) -> float:
        """The median round."""
        return statistics.median(self.values)

    def line(self, width: int = 58) -> str:
        """``name ... min / median unit``."""
        return f"{self.name:<{width}} {self.min:9.1f} / {self.median:9.1f} {self.unit}"


def ratio_line(name: str, top: Figure, bottom: Figure, width: int = 58) -> str:
    """The ratio of two figures' medians (and of their minima)."""
    return f"{name:<{width}} {top.min / bottom.min:9.2f} / {top.median / bottom.median:9.2f}"


def _write_config(config_dir: Path, yaml: str) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(yaml or "{}\n", encoding="utf-8")


async def _load_registries(hass: HomeAssistant) -> None:
    """Load the registries and restored states from ``.storage``, as HA does at start."""
    dr.async_setup(hass)
    for registry in (ar, cr, dr, er, fr, ir, lr, rs):
        await registry.async_load(hass)
    hass.data[bootstrap.DATA_REGISTRIES_LOADED] = None


@contextlib.asynccontextmanager
async def temporary_hass(
    config_dir: Path, *, yaml: str = "", restart: bool = False
) -> AsyncIterator[HomeAssistant]:
    """A test Home Assistant whose config (and .storage) live in ``config_dir``.

    With ``restart`` the registries are read from ``.storage`` (the test harness
    otherwise starts them empty), so a second instance is a real restart.
    """
    _write_config(config_dir, yaml)
    async with async_test_home_assistant(
        config_dir=str(config_dir), load_registries=not restart
    ) as hass:
        if restart:
            await _load_registries(hass)
        # The test harness hides custom integrations; the benchmarks need ours.
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        try:
            yield hass
        finally:
            await hass.async_stop(force=True)


@contextlib.contextmanager
def temporary_dir(prefix: str) -> Iterator[Path]:
    """A temporary directory, removed afterwards (never inside the venv)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def cpu_seconds() -> float:
    """CPU time of this process, all threads (HA's loop, recorder, executors)."""
    return time.process_time()


def run_client(script: str, *args: str) -> subprocess.Popen[bytes]:
    """Start a load client in another process (so its CPU is not counted as ours)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )


def summary(figures: Sequence[Figure]) -> list[str]:
    """The figure lines, in order."""
    return [figure.line() for figure in figures]
