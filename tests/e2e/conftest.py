"""The one Home Assistant the end-to-end tests share, and the site built in it."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_socket

from scripts.demo import site
from scripts.demo.client import Client, Websocket
from scripts.demo.hass import Hass, free_port, prepare_config
from scripts.demo.phone import Phone
from scripts.simulator.scenarios import SCENARIOS, Request, Simulation
from tests.e2e import LoopThread

# The still apartment alarms one minute after its last motion, with no grace.
E2E_STILL_RULES = {**site.STILL_RULES, "continuous_minutes": 1, "grace_minutes": 0}
BLUEPRINT_TITLES = {
    "tillsyn_alarm": "E2E tillsyn {{ apartment }}",
    "leak_alert": "E2E läcka {{ meter }}",
}


@dataclass
class E2E:
    """What the tests reach: the client, the phone and what was sent."""

    loop: LoopThread
    client: Client
    ws: Websocket
    phone: Phone
    state: site.DemoState
    config: Path
    port: int
    unit_entry_id: str = ""
    report_entry_id: str = ""
    alarm_due: float = 0.0  # time.monotonic() when the still apartment alarms
    sent: list[tuple[datetime, Request]] = field(default_factory=list)
    entities: dict[str, dict[str, str]] = field(default_factory=dict)

    def run(self, coro: Any, timeout: float = 120) -> Any:
        """Run a coroutine on the test loop."""
        return self.loop.run(coro, timeout)

    def states(self) -> dict[str, dict[str, Any]]:
        """Return every state by entity id."""
        states = self.run(self.client.request("GET", "/api/states"))
        return {state["entity_id"]: state for state in states}

    async def post(self, server: str, request: Request) -> int:
        """POST one simulator request to the connection of ``server``."""
        connection = self.state.connections[server]
        async with self.client.session.post(
            f"{self.client.base_url}/api/webhook/{connection.webhook_id}{request.query}",
            json=request.body,
            headers={"Authorization": connection.token},
        ) as response:
            return response.status

    async def simulate(self, server: str, scenarios: tuple[str, ...]) -> None:
        """Send one round of the scenarios' uplinks (joins first) through ``server``."""
        sim = Simulation(server, scenarios)
        sim.start(datetime.now(UTC))
        while not sim.every_device_reported:
            for request in sim.due(datetime.now(UTC)):
                assert await self.post(server, request) == 200, request.what
                self.sent.append((datetime.now(UTC), request))
            await asyncio.sleep(0.1)


async def _build(e2e: E2E) -> None:
    client = e2e.client
    await client.wait_until_up()
    cleanup = await site.onboard(client, e2e.state)
    e2e.ws = await client.websocket()
    await site.create_staff_user(e2e.ws, e2e.state.staff)
    for server, name in (("chirpstack", "ChirpStack E2E"), ("tts", "TTS E2E")):
        e2e.state.connections[server] = await site.create_connection(client, name, server)
    staff_token = await client.login(e2e.state.staff)
    push_port = free_port()
    webhook_id = await site.register_phone(client, staff_token, push_port)
    e2e.state.phone_webhook_id = webhook_id
    e2e.phone = Phone(client, staff_token, webhook_id, push_port, lambda _text: None)
    await e2e.phone.start()
    await e2e.simulate("chirpstack", ("moving", "still", "silent"))
    motion = await site.wait_for(
        lambda: site.entity_ids(e2e.ws, "motion", site.motion_euis()), "motion sensors"
    )
    # A care unit follows the batteries its sensors' devices have when it starts.
    await site.wait_for(lambda: site.entity_ids(e2e.ws, "battery", site.motion_euis()), "batteries")
    e2e.unit_entry_id = await site.create_care_unit(client, motion, E2E_STILL_RULES)
    e2e.alarm_due = time.monotonic() + 60
    await _add_blueprint_automations(
        e2e,
        {
            "tillsyn_alarm": {"title": BLUEPRINT_TITLES["tillsyn_alarm"]},
            "leak_alert": {"title": BLUEPRINT_TITLES["leak_alert"]},
            "weekly_low_battery": {},
        },
    )
    await e2e.simulate("tts", ("history", "leak"))
    volume = await site.wait_for(
        lambda: site.entity_ids(e2e.ws, "volume", site.meter_euis()), "water meters"
    )
    e2e.entities = {"motion": motion, "volume": volume}
    # The leak rules turn on when the report is set up (the leak blueprint listens already),
    # from the history in the recorder, as after meters have reported for a while.
    await site.wait_for(lambda: site.statistics_ready(e2e.ws, site.meter_euis()), "statistics")
    e2e.report_entry_id = await site.create_meter_report(client, list(volume.values()))
    await _add_blueprint_automations(
        e2e, {"monthly_meter_report": {"report_entry": e2e.report_entry_id}}
    )
    assert cleanup is not None
    await cleanup


async def _add_blueprint_automations(e2e: E2E, inputs: dict[str, dict[str, str]]) -> None:
    notify = f"notify.{site.PHONE_SERVICE}"
    for name, values in inputs.items():
        await e2e.client.request(
            "POST",
            f"/api/config/automation/config/e2e_{name}",
            {
                "alias": f"E2E {name}",
                "use_blueprint": {
                    "path": f"municipal_iot/{name}.yaml",
                    "input": {"notify_action": notify, **values},
                },
            },
        )


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(autouse=True)
def loopback_sockets() -> None:
    """Let the e2e tests open sockets; the test plugin's guard still allows only 127.0.0.1."""
    pytest_socket.enable_socket()


@pytest.fixture(scope="session")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Generator[E2E]:
    """Start Home Assistant, build the site, and stop it all after the last e2e test."""
    assert set(SCENARIOS) == {"moving", "still", "silent", "history", "leak"}
    pytest_socket.enable_socket()  # before the per-test fixture: session fixtures come first
    config = tmp_path_factory.mktemp("e2e-config")
    port = free_port()
    prepare_config(config, port)
    hass = Hass(config, config / "hass.out")
    loop = LoopThread()
    session = loop.run(_session())
    e2e = E2E(
        loop=loop,
        client=Client(f"http://127.0.0.1:{port}", session),
        ws=None,  # type: ignore[arg-type]
        phone=None,  # type: ignore[arg-type]
        state=site.new_state(),
        config=config,
        port=port,
    )
    hass.start()
    try:
        loop.run(_build(e2e), timeout=150)
        yield e2e
    finally:
        if e2e.phone is not None:
            loop.run(e2e.phone.stop())
        if e2e.ws is not None:
            loop.run(e2e.ws.close())
        loop.run(session.close())
        loop.stop()
        code = hass.stop()
        assert code == 0, f"hass exited with {code}; see {config / 'hass.out'}"
        assert not _port_open(port), f"port {port} is still open"


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()
