"""The running demo: Home Assistant, the site, the simulators and the staff phone."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Self

import aiohttp

from . import site
from .client import ApiError, Client, Websocket
from .hass import ROOT, Hass, free_port, prepare_config
from .phone import Phone
from .site import DemoState

# The care sensors report to the ChirpStack connection, the meters to The Things Stack.
CONNECTIONS = {
    "chirpstack": ("ChirpStack Ånge", "care"),
    "tts": ("The Things Stack Ånge vatten", "water"),
}


def say(text: str) -> None:
    """Print one line of the demo's story."""
    print(f"{datetime.now().astimezone():%H:%M:%S}  {text}", flush=True)


class Demo:
    """Start everything on enter, stop everything on exit."""

    def __init__(
        self,
        config: Path,
        port: int = 8123,
        *,
        speed: float = 1.0,
        answer: str | None = "ack",
        answer_after: float = 90.0,
        log: Callable[[str], None] = say,
    ) -> None:
        """Describe the demo (nothing starts before ``async with``)."""
        self.config = config
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.speed = speed
        self.answer = answer
        self.answer_after = answer_after
        self.log = log
        self.work = config / ".municipal_iot_demo"
        self.hass = Hass(config, self.work / "home-assistant.out")
        self.simulators: list[subprocess.Popen[bytes]] = []
        self.session: aiohttp.ClientSession | None = None
        self.client: Client
        self.ws: Websocket
        self.phone: Phone
        self.state: DemoState
        self.reused = False
        self.entities: dict[str, dict[str, str]] = {}

    async def __aenter__(self) -> Self:
        """Start Home Assistant, build or reuse the site, start phone and simulators."""
        self.work.mkdir(parents=True, exist_ok=True)
        prepare_config(self.config, None if self.port == 8123 else self.port)
        self.hass.start()
        self.session = aiohttp.ClientSession()
        try:
            await self._start()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _start(self) -> None:
        self.client = Client(self.url, self.session)  # type: ignore[arg-type]
        self.log(f"starting Home Assistant ({self.hass.log})")
        await self.client.wait_until_up()
        state_file = self.work / "state.json"
        loaded = DemoState.load(state_file)
        if loaded is None and await self.client.onboarded():
            raise ApiError(
                f"{self.config} was onboarded by hand: run scripts/develop --empty, "
                "or remove its .storage folder for a fresh demo"
            )
        self.reused = loaded is not None
        self.state = loaded or site.new_state()
        cleanup = await site.onboard(self.client, self.state)
        self.ws = await self.client.websocket()
        await site.create_staff_user(self.ws, self.state.staff)
        for server, (name, _) in CONNECTIONS.items():
            if server not in self.state.connections:
                self.state.connections[server] = await site.create_connection(
                    self.client, name, server
                )
                self.log(f"created the {name} connection")
        self.state.save(state_file)
        await self._start_phone()
        self.state.save(state_file)
        for server, (_, scenario) in CONNECTIONS.items():
            self._start_simulator(server, scenario)
        await self._build()
        if cleanup is not None:
            await cleanup
        self.state.save(state_file)

    async def _start_phone(self) -> None:
        staff_token = await self.client.login(self.state.staff)
        if not self.state.phone_webhook_id:
            self.state.phone_push_port = free_port()
            self.state.phone_webhook_id = await site.register_phone(
                self.client, staff_token, self.state.phone_push_port
            )
            self.log(f"registered the staff phone {site.PHONE_NAME}")
        try:
            self.phone = self._phone(staff_token)
            await self.phone.start()
        except OSError:  # the old push port is taken: move the push URL
            self.state.phone_push_port = free_port()
            await self.client.request(
                "POST",
                f"/api/webhook/{self.state.phone_webhook_id}",
                {
                    "type": "update_registration",
                    "data": {
                        "app_data": site.phone_app_data(self.state.phone_push_port),
                        "app_version": "2026.11.1-demo",
                        "device_name": site.PHONE_NAME,
                        "manufacturer": "Municipal IoT demo",
                        "model": "Simulated phone",
                        "os_version": "15",
                    },
                },
            )
            self.phone = self._phone(staff_token)
            await self.phone.start()

        async def notify_ready() -> bool:
            services = await self.client.request("GET", "/api/services")
            notify = next((s for s in services if s["domain"] == "notify"), {})
            return site.PHONE_SERVICE in notify.get("services", {})

        await site.wait_for(notify_ready, "the phone's notify action")

    def _phone(self, token: str) -> Phone:
        return Phone(
            self.client,
            token,
            self.state.phone_webhook_id,
            self.state.phone_push_port,
            lambda text: self.log(f"[{site.PHONE_NAME}] {text}"),
            answer=self.answer,
            answer_after=self.answer_after,
        )

    def _start_simulator(self, server: str, scenario: str) -> None:
        connection = self.state.connections[server]
        out = (self.work / f"simulator-{server}.log").open("ab")
        command = [sys.executable, "-m", "scripts.simulator", "--url", self.url]
        command += ["--webhook-id", connection.webhook_id, "--token", connection.token]
        command += ["--server", server, "--scenario", scenario, "--speed", str(self.speed)]
        command += ["--state", str(self.work / f"simulator-{server}.json")]
        self.simulators.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    async def _build(self) -> None:
        motion = await site.wait_for(
            lambda: site.entity_ids(self.ws, "motion", site.motion_euis()), "motion sensors"
        )
        # A care unit follows the batteries its sensors' devices have when it starts.
        await site.wait_for(
            lambda: site.entity_ids(self.ws, "battery", site.motion_euis()), "batteries"
        )
        volume = await site.wait_for(
            lambda: site.entity_ids(self.ws, "volume", site.meter_euis()), "water meters"
        )
        self.entities = {"motion": motion, "volume": volume}
        self.log(f"{len(motion)} motion sensors and {len(volume)} water meters report")
        if not self.state.unit_entry_id:
            self.state.unit_entry_id = await site.create_care_unit(self.client, motion)
            self.log(f"created the care unit {site.UNIT_NAME} with {len(motion)} apartments")
        else:
            await self._close_open_alarms()
        if not self.state.report_entry_id:
            # The leak rules start from the recorder: wait for the first histories there.
            await site.wait_for(
                lambda: site.statistics_ready(self.ws, site.meter_euis()), "meter statistics"
            )
            self.state.report_entry_id = await site.create_meter_report(
                self.client, list(volume.values())
            )
            self.log(f"created the meter report {site.REPORT_NAME}")
        await asyncio.sleep(2)
        report = await site.run_meter_report(self.ws, self.state.report_entry_id)
        total = report["total"]["consumption_m3"]
        self.log(f"ran the meter report for today: {total} m³ so far, sent to the phone")

    async def _close_open_alarms(self) -> None:
        """Close the alarms a previous run left open, so the story starts again."""
        states = await self.client.request("GET", "/api/states")
        registry = await self.ws.call("config/entity_registry/list")
        unit = self.state.unit_entry_id
        for item in registry:
            if item["config_entry_id"] != unit or not item["unique_id"].endswith("_status"):
                continue
            state = next((s for s in states if s["entity_id"] == item["entity_id"]), None)
            if state and state["state"] in {"alarm", "acknowledged"}:
                await self.ws.call(
                    "call_service",
                    domain=site.DOMAIN,
                    service="resolve_alarm",
                    service_data={"device_id": item["device_id"], "outcome": "ok"},
                )
                self.log(f"closed the alarm the last run left open ({item['entity_id']})")

    async def alarm_eta(self) -> datetime | None:
        """Return when Lgh 4's alarm is due (its "next check" sensor)."""
        entities = await site.apartment_entities(
            self.ws, self.state.unit_entry_id, site.STILL_APARTMENT
        )
        state = await self.client.request("GET", f"/api/states/{entities['next_check']}")
        return _parse_time(state["state"])

    async def __aexit__(self, *exc: object) -> None:
        """Stop the simulators, the phone and Home Assistant."""
        for process in self.simulators:
            process.terminate()
        for process in self.simulators:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if hasattr(self, "phone"):
            await self.phone.stop()
        if hasattr(self, "ws"):
            await self.ws.close()
        if self.session is not None:
            await self.session.close()
        self.hass.stop()


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def minutes_until(moment: datetime | None) -> str:
    """Return "about N min" until ``moment``."""
    if moment is None:
        return "soon"
    minutes = max(0, round((moment - datetime.now(moment.tzinfo)) / timedelta(minutes=1)))
    return f"in about {minutes} min (at {moment.astimezone():%H:%M})"
