"""A simulated staff phone: the Home Assistant app's push channels, without a phone.

It listens on the mobile app's local push channel (the websocket the app keeps
open on the local network) and on a push URL (what HA falls back to when the
channel is down), logs every notification, confirms the local pushes as the app
does, and can answer an alarm's action buttons after a delay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from .client import Client, Websocket

# Which action button the phone presses: "ack" = "Jag tar det", "ok" = "Kontrollerat, allt OK".
ANSWERS = {"ack": "MIOT_ACK_", "ok": "MIOT_OK_"}


class Phone:
    """The demo's staff phone."""

    def __init__(
        self,
        client: Client,
        token: str,
        webhook_id: str,
        push_port: int,
        log: Callable[[str], None],
        *,
        answer: str | None = None,
        answer_after: float = 90.0,
    ) -> None:
        """Bind to the registration (``token`` is the phone user's)."""
        self.client = client
        self.token = token
        self.webhook_id = webhook_id
        self.push_port = push_port
        self.log = log
        self.answer = answer
        self.answer_after = answer_after
        self.pushes: list[dict[str, Any]] = []
        self.answered: list[str] = []
        self._ws: Websocket | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.received = asyncio.Event()

    async def start(self) -> None:
        """Open the push URL and the local push channel."""
        app = web.Application()
        app.router.add_post("/push", self._on_http_push)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.push_port).start()
        self._ws = await self.client.websocket(self.token)
        queue = await self._ws.subscribe(
            "mobile_app/push_notification_channel",
            webhook_id=self.webhook_id,
            support_confirm=True,
        )
        self._spawn(self._read_channel(queue))

    async def stop(self) -> None:
        """Close both channels and drop pending answers."""
        for task in list(self._tasks):
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_channel(self, queue: asyncio.Queue[Any]) -> None:
        while True:
            data = await queue.get()
            if (confirm_id := data.pop("hass_confirm_id", None)) and self._ws is not None:
                await self._ws.call(
                    "mobile_app/push_notification_confirm",
                    webhook_id=self.webhook_id,
                    confirm_id=confirm_id,
                )
            self._on_push(data, "local push")

    async def _on_http_push(self, request: web.Request) -> web.Response:
        data = await request.json()
        data.pop("push_token", None)
        data.pop("registration_info", None)
        self._on_push(data, "push URL")
        return web.json_response({"rateLimits": {"successful": 1, "maximum": 300}}, status=201)

    def _on_push(self, push: dict[str, Any], via: str) -> None:
        push["received_at"] = datetime.now().astimezone().isoformat()
        push["via"] = via
        self.pushes.append(push)
        self.received.set()
        data = push.get("data") or {}
        if push.get("message") == "clear_notification":
            self.log(f"cleared notification {data.get('tag')}")
            return
        via = "" if via == "local push" else f" (via {via})"
        buttons = [action["title"] for action in data.get("actions", [])]
        text = " / ".join(line for line in str(push.get("message", "")).splitlines() if line)
        self.log(
            f"{push.get('title', '')}: {text}"
            + (f"  [{'] ['.join(buttons)}]" if buttons else "")
            + via
        )
        action = self._answer_for(data.get("actions", []))
        if action is not None and action["action"] not in self.answered:
            self.answered.append(action["action"])
            self._spawn(self._press_later(action, data))

    def _answer_for(self, actions: list[dict[str, Any]]) -> dict[str, Any] | None:
        if self.answer is None:
            return None
        prefix = ANSWERS[self.answer]
        return next((a for a in actions if str(a.get("action", "")).startswith(prefix)), None)

    async def _press_later(self, action: dict[str, Any], data: dict[str, Any]) -> None:
        await asyncio.sleep(self.answer_after)
        self.log(f"staff press \u201c{action['title']}\u201d")
        await self.press(action["action"], data.get("tag"))

    async def press(self, action: str, tag: str | None = None) -> None:
        """Press an action button, as the app reports it (event with the phone user)."""
        await self.client.request(
            "POST",
            f"/api/webhook/{self.webhook_id}",
            {
                "type": "fire_event",
                "data": {
                    "event_type": "mobile_app_notification_action",
                    "event_data": {"action": action, "tag": tag},
                },
            },
            token=None,
        )

    async def wait_for(
        self, match: Callable[[dict[str, Any]], bool], limit: float
    ) -> dict[str, Any]:
        """Return the first push for which ``match`` is true, waiting up to ``limit`` s."""
        async with asyncio.timeout(limit):
            while True:
                for push in self.pushes:
                    if match(push):
                        return push
                self.received.clear()
                await self.received.wait()
