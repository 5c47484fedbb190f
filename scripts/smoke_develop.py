"""Smoke test against a running `scripts/develop` Home Assistant.

Onboards a fresh dev instance (owner "dev" / password "dev-password"), creates a
ChirpStack and a The Things Stack network-server entry through the real config
flow API, posts every motion-sensor test vector wrapped in each server's real body
to the webhooks, and prints the resulting entity states.

Usage: .venv/bin/python scripts/smoke_develop.py [http://localhost:8123]
"""

from __future__ import annotations

import base64
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BASE = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8123"
CLIENT_ID = f"{BASE}/"

PROFILES = {
    "elsys": ("Elsys ERS", "elsys", "ers"),
    "milesight-ws202": ("Milesight WS202", "milesight-iot", "ws202"),
    "milesight-ws203": ("Milesight WS203", "milesight-iot", "ws203"),
    "milesight-vs340": ("Milesight VS340", "milesight-iot", "vs340"),
    "milesight-vs341": ("Milesight VS341", "milesight-iot", "vs341"),
    "browan": ("Browan TBMS100", "browan", "tbms100"),
}


def call(
    method: str, path: str, body: Any = None, token: str | None = None, form: bool = False
) -> tuple[int, Any]:
    """Make one HTTP request; return (status, parsed body or text)."""
    headers = {}
    data = None
    if body is not None:
        if form:
            data = "&".join(f"{k}={v}" for k, v in body.items()).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        status = err.code
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def access_token() -> str:
    """Onboard a fresh instance, or log in to an onboarded one."""
    status, result = call(
        "POST",
        "/api/onboarding/users",
        {
            "client_id": CLIENT_ID,
            "name": "Dev",
            "username": "dev",
            "password": "dev-password",
            "language": "sv",
        },
    )
    if status == 200:
        code = result["auth_code"]
    else:  # already onboarded: log in through the login flow
        _, flow = call(
            "POST",
            "/auth/login_flow",
            {"client_id": CLIENT_ID, "handler": ["homeassistant", None], "redirect_uri": CLIENT_ID},
        )
        _, done = call(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": CLIENT_ID, "username": "dev", "password": "dev-password"},
        )
        code = done["result"]
    _, tokens = call(
        "POST",
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        form=True,
    )
    token = str(tokens["access_token"])
    for step in ("core_config", "analytics"):
        call("POST", f"/api/onboarding/{step}", {}, token)
    redirect = {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID}
    call("POST", "/api/onboarding/integration", redirect, token)
    return token


def create_entry(token: str, name: str, server: str) -> tuple[str, str]:
    """Run the real config flow; return (webhook path, bearer header value)."""
    _, flow = call("POST", "/api/config/config_entries/flow", {"handler": "municipal_iot"}, token)
    flow_id = flow["flow_id"]
    path = f"/api/config/config_entries/flow/{flow_id}"
    _, form = call("POST", path, {"next_step_id": "network_server"}, token)
    assert form["step_id"] == "network_server", form
    _, instructions = call("POST", path, {"name": name, "server": server}, token)
    if instructions.get("type") == "abort":
        raise SystemExit(f"entry {name!r} exists already; remove config/.storage to start fresh")
    placeholders = instructions["description_placeholders"]
    _, created = call("POST", path, {}, token)
    assert created["type"] == "create_entry", created
    url = placeholders["url"]
    return url[url.index("/api/webhook/") :], placeholders["header_value"]


def vectors() -> list[dict[str, Any]]:
    """The motion-sensor vectors that carry values."""
    data = json.loads((FIXTURES / "vectors_motion.json").read_text())["lorawan"]
    return [v for vs in data.values() for v in vs if "errors" not in v["expected"]]


def profile(vector: dict[str, Any]) -> tuple[str, str, str]:
    """Network-server model hints for a vector."""
    if vector["vendor"] == "milesight":
        return PROFILES["milesight-" + vector["id"].split("-")[1]]
    return PROFILES[vector["vendor"]]


def post(path: str, header: str, body: dict[str, Any], event: str | None = None) -> int:
    """POST an uplink body to a webhook."""
    request = urllib.request.Request(
        BASE + path + (f"?event={event}" if event else ""),
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": header},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def main() -> None:
    """Create entries, post every vector through both servers, print states."""
    token = access_token()
    cs_path, cs_header = create_entry(token, "ChirpStack Ånge", "chirpstack")
    tts_path, tts_header = create_entry(token, "TTS Ånge", "tts")
    cs_template = json.loads((FIXTURES / "network" / "chirpstack_up.json").read_text())
    tts_template = json.loads((FIXTURES / "network" / "tts_uplink.json").read_text())
    for n, vector in enumerate(vectors()):
        name, brand, model = profile(vector)
        data = base64.b64encode(bytes.fromhex(vector["payload_hex"])).decode()
        port = vector["fPort"] or 1
        cs = json.loads(json.dumps(cs_template))
        cs["deviceInfo"].update(
            devEui=f"a81758fffe10{n:04x}", deviceName=f"cs-{vector['id']}", deviceProfileName=name
        )
        cs.update(deduplicationId=f"smoke-{n}", fPort=port, fCnt=n, data=data)
        cs.pop("time")
        tts = json.loads(json.dumps(tts_template))
        ids = tts["end_device_ids"]
        ids.update(dev_eui=f"A81758FFFE20{n:04X}", device_id=f"tts-{vector['id']}")
        up = tts["uplink_message"]
        up.update(f_port=port, f_cnt=n + 1, frm_payload=data)
        up["version_ids"] = {"brand_id": brand, "model_id": model}
        for key in ("decoded_payload", "decoded_payload_warnings"):
            up.pop(key)
        tts.pop("received_at")
        up.pop("received_at")
        print(
            f"{vector['id']:28} chirpstack {post(cs_path, cs_header, cs, 'up')}"
            f"  tts {post(tts_path, tts_header, tts)}"
        )
    _, states = call("GET", "/api/states", token=token)
    ours = sorted(
        (s["entity_id"], s["state"])
        for s in states
        if s["entity_id"].split(".")[1].startswith(("cs_", "tts_"))
    )
    for entity_id, state in ours:
        print(f"  {entity_id:70} {state}")
    print(f"{len(ours)} entities")


if __name__ == "__main__":
    main()
