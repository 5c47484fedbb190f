"""A small client for Home Assistant's public APIs: onboarding, auth, REST, websocket."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

import aiohttp


class ApiError(Exception):
    """Home Assistant answered something other than what was asked for."""


@dataclass(frozen=True, slots=True)
class Login:
    """A user name and password of the demo."""

    name: str
    username: str
    password: str


class Client:
    """REST and websocket calls against one Home Assistant."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        """Bind to ``base_url`` (no trailing slash)."""
        self.base_url = base_url.rstrip("/")
        self.client_id = f"{self.base_url}/"
        self.session = session
        self.token: str | None = None

    # ------------------------------------------------------------------ REST

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        form: bool = False,
        expect: tuple[int, ...] = (200, 201),
    ) -> Any:
        """Make one call; return the parsed answer, raise :class:`ApiError` otherwise."""
        headers = {}
        if (bearer := token or self.token) is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        kwargs: dict[str, Any] = {"data": body} if form else {"json": body}
        async with self.session.request(
            method, self.base_url + path, headers=headers, **kwargs
        ) as response:
            text = await response.text()
            if response.status not in expect:
                raise ApiError(f"{method} {path}: {response.status} {text[:500]}")
            if response.content_type == "application/json":
                return await response.json()
            return text

    async def wait_until_up(self, limit: float = 120.0) -> None:
        """Wait until the HTTP server answers and the core has started."""
        deadline = asyncio.get_running_loop().time() + limit
        while True:
            try:
                async with self.session.get(f"{self.base_url}/manifest.json") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise ApiError(f"Home Assistant did not answer at {self.base_url}")
            await asyncio.sleep(0.25)

    # ------------------------------------------------------------ onboarding and auth

    async def onboarded(self) -> bool:
        """Return True when every onboarding step is done."""
        steps = await self.request("GET", "/api/onboarding", expect=(200, 404))
        return not isinstance(steps, list) or all(step["done"] for step in steps)

    async def onboard(self, owner: Login, language: str) -> str:
        """Onboard through the onboarding API, keeping the configured location and units."""
        created = await self.request(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": self.client_id,
                "name": owner.name,
                "username": owner.username,
                "password": owner.password,
                "language": language,
            },
        )
        token = await self._token(created["auth_code"])
        # core_config only marks the step done: the time zone, country and units set
        # in configuration.yaml are kept (the browser's would overwrite them).
        await self.request("POST", "/api/onboarding/core_config", {}, token=token)
        await self.request("POST", "/api/onboarding/analytics", {}, token=token)
        await self.request(
            "POST",
            "/api/onboarding/integration",
            {"client_id": self.client_id, "redirect_uri": self.client_id},
            token=token,
        )
        return token

    async def login(self, login: Login) -> str:
        """Log in through the login flow; return an access token."""
        return str((await self.login_tokens(login))["access_token"])

    async def login_tokens(self, login: Login) -> dict[str, Any]:
        """Log in through the login flow; return the tokens (access and refresh)."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        done = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": self.client_id, "username": login.username, "password": login.password},
        )
        if done.get("type") != "create_entry":
            raise ApiError(f"login of {login.username} failed: {done}")
        return await self._tokens(done["result"])

    async def _token(self, code: str) -> str:
        return str((await self._tokens(code))["access_token"])

    async def _tokens(self, code: str) -> dict[str, Any]:
        tokens = await self.request(
            "POST",
            "/auth/token",
            {"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
            form=True,
        )
        return dict(tokens)

    # ------------------------------------------------------------------ flows

    async def flow_steps(
        self, handler: Any, steps: list[dict[str, Any]], *, kind: str = "flow"
    ) -> list[dict[str, Any]]:
        """Run a config (or subentry) flow through its steps; return every answer.

        ``kind`` is ``flow`` or ``subentries/flow``. A step that answers with an
        error, or a flow that ends before its steps do, raises :class:`ApiError`.
        """
        base = f"/api/config/config_entries/{kind}"
        results = [await self.request("POST", base, {"handler": handler})]
        for user_input in steps:
            if results[-1].get("type") not in {"form", "menu"}:
                raise ApiError(f"flow {handler} ended early: {results[-1]}")
            result = await self.request("POST", f"{base}/{results[-1]['flow_id']}", user_input)
            # The same form again with errors means the input was refused; a new form
            # may carry an advisory error (for example "no external URL").
            if result.get("errors") and result.get("step_id") == results[-1].get("step_id"):
                raise ApiError(f"flow {handler} step {result.get('step_id')}: {result['errors']}")
            results.append(result)
        if results[-1].get("type") != "create_entry":
            raise ApiError(f"flow {handler} did not create an entry: {results[-1]}")
        return results

    async def entries(self, domain: str) -> list[dict[str, Any]]:
        """Return the config entries of a domain."""
        entries = await self.request("GET", f"/api/config/config_entries/entry?domain={domain}")
        return list(entries)

    async def websocket(self, token: str | None = None) -> Websocket:
        """Open and authenticate a websocket connection."""
        ws = await self.session.ws_connect(f"{self.base_url}/api/websocket", heartbeat=30)
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token or self.token})
        answer = await ws.receive_json()
        if answer.get("type") != "auth_ok":
            raise ApiError(f"websocket auth failed: {answer}")
        return Websocket(ws)


class Websocket:
    """One authenticated websocket connection: commands and subscriptions."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Wrap ``ws`` and read its messages in the background."""
        self._ws = ws
        self._ids = itertools.count(1)
        self._results: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: dict[int, asyncio.Queue[Any]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self._ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            data = message.json()
            for item in data if isinstance(data, list) else [data]:
                if item.get("type") == "event" and item["id"] in self._events:
                    self._events[item["id"]].put_nowait(item["event"])
                elif (future := self._results.pop(item.get("id"), None)) and not future.done():
                    future.set_result(item)
        for future in self._results.values():
            if not future.done():
                future.set_exception(ApiError("websocket closed"))

    async def call(self, command: str, **fields: Any) -> Any:
        """Send one command; return its result or raise :class:`ApiError`."""
        msg_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._results[msg_id] = future
        await self._ws.send_json({"id": msg_id, "type": command, **fields})
        answer = await asyncio.wait_for(future, 60)
        if not answer.get("success"):
            raise ApiError(f"{command}: {answer.get('error')}")
        return answer.get("result")

    async def subscribe(self, command: str, **fields: Any) -> asyncio.Queue[Any]:
        """Start a subscription; return the queue its events arrive in."""
        msg_id = next(self._ids)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._events[msg_id] = queue
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._results[msg_id] = future
        await self._ws.send_json({"id": msg_id, "type": command, **fields})
        answer = await asyncio.wait_for(future, 60)
        if not answer.get("success"):
            raise ApiError(f"{command}: {answer.get('error')}")
        return queue

    async def close(self) -> None:
        """Close the connection."""
        await self._ws.close()
        self._reader.cancel()
