"""A small The Things Stack Storage Integration server for tests (aiohttp, loopback).

It implements the documented stored-uplinks endpoint
(``GET /api/v3/as/applications/{app}/packages/storage/uplink_message``, see
``shared/reference/network-servers.md`` section 4 and The Things Stack docs
``integrations/storage/retrieve``): bearer key, ``after``/``before``/``limit``/``order``,
newline-delimited ``{"result": <ApplicationUp>}`` lines. Tests script its error
answers: a queue of statuses (429 with ``Retry-After``, 401, 403, 500), a slow answer,
malformed lines, and whether ``after`` is inclusive (the docs do not say).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

API_KEY = "NNSXS.TESTKEY.0123456789"  # the shape of a TTS API key; not a real one


def nanoseconds(text: str) -> int:
    """Return an RFC 3339 time as integer nanoseconds (keeps the nanoseconds TTS sends)."""
    text = text.replace("Z", "+00:00")
    fraction = 0
    if "." in text:
        head, rest = text.split(".", 1)
        digits = "".join(itertools.takewhile(str.isdigit, rest))
        zone = rest[len(digits) :]
        fraction = int(digits.ljust(9, "0")[:9])
        text = head + zone
    seconds = int(datetime.fromisoformat(text).astimezone(UTC).timestamp())
    return seconds * 1_000_000_000 + fraction


@dataclass
class StorageServer:
    """What the server stores, how it answers, and what it was asked."""

    application: str = "solrosen"
    api_key: str = API_KEY
    uplinks: list[dict[str, Any]] = field(default_factory=list)  # ApplicationUp bodies
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # scripted first
    inclusive_after: bool = False
    delay: float = 0.0  # seconds before answering (timeouts)
    gate: asyncio.Event | None = None  # when set, answers wait until it is set
    asked: asyncio.Event = field(default_factory=asyncio.Event)  # set by the first request
    extra_lines: list[bytes] = field(default_factory=list)  # appended to the next 200 answer
    requests: list[dict[str, str]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    def store(self, *bodies: dict[str, Any]) -> None:
        """Store uplinks (any order; answers are sorted by receive time)."""
        self.uplinks.extend(bodies)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The stored-uplinks endpoint."""
        self.requests.append(dict(request.query))
        self.headers.append(dict(request.headers))
        self.asked.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.gate is not None:
            await self.gate.wait()
        if self.answers:
            status, headers = self.answers.pop(0)
            return web.Response(status=status, headers=headers, text='{"code": 0}')
        if request.match_info["app"] != self.application:
            return web.json_response({"code": 5, "message": "not found"}, status=404)
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return web.json_response({"code": 16, "message": "unauthenticated"}, status=401)
        return web.Response(body=self._page(request.query), content_type="text/event-stream")

    def _page(self, query: Any) -> bytes:
        after = nanoseconds(query["after"]) if "after" in query else None
        before = nanoseconds(query["before"]) if "before" in query else None
        limit = int(query.get("limit", "1000"))
        chosen = sorted(self.uplinks, key=lambda body: nanoseconds(body["received_at"]))
        if query.get("order") == "-received_at":
            chosen.reverse()

        def wanted(body: dict[str, Any]) -> bool:
            at = nanoseconds(body["received_at"])
            if after is not None and (at < after if self.inclusive_after else at <= after):
                return False
            return before is None or at < before

        lines = [json.dumps({"result": body}).encode() for body in chosen if wanted(body)][:limit]
        lines += self.extra_lines
        self.extra_lines = []
        return b"\n".join(lines) + (b"\n" if lines else b"")


@contextlib.asynccontextmanager
async def storage_server(server: StorageServer | None = None) -> AsyncIterator[StorageServer]:
    """Run the server on a free loopback port; ``server.url`` is its cluster address."""
    server = server or StorageServer()
    app = web.Application()
    app.router.add_get(
        "/api/v3/as/applications/{app}/packages/storage/uplink_message", server.handle
    )
    runner = web.AppRunner(app, access_log=None)  # its local-time lookup fails under freezegun
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = "http://{}:{}".format(*runner.addresses[0][:2])
    try:
        yield server
    finally:
        await runner.cleanup()
