"""The Things Stack Storage Integration API: stored uplinks, page by page.

``GET <cluster>/api/v3/as/applications/<app>/packages/storage/uplink_message``
with ``Authorization: Bearer <key>`` and ``Accept: text/event-stream`` answers
newline-delimited JSON, one ``{"result": <ApplicationUp>}`` per line, where the
ApplicationUp has the webhook body's shape. Pages are ``limit`` long and ordered
by ``received_at``; the next page starts ``after`` the last one's receive time
(sent back as the server wrote it: nanoseconds, which Python's datetime drops).

Bounded: a timeout per request, a byte cap per page, a page cap per run, and a
few waits on 429 (``Retry-After``). No Home Assistant here: the aiohttp session,
``sleep`` and the clock are passed in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, Final

import aiohttp
import orjson
from yarl import URL

PAGE_LIMIT: Final = 100
REQUEST_TIMEOUT: Final = 30.0  # seconds per page
MAX_LINE_BYTES: Final = 64 * 1024  # the webhook's body limit, per stored uplink
MAX_PAGES: Final = 100  # per run; the next run continues where this one stopped
RATE_LIMIT_RETRIES: Final = 3
DEFAULT_RETRY_AFTER: Final = 30.0  # seconds, when a 429 names no time
MAX_RETRY_AFTER: Final = 300.0

type Sleep = Callable[[float], Awaitable[None]]


class StorageError(Exception):
    """A request failed; ``str()`` is a short reason for diagnostics and the log."""


class StorageAuthError(StorageError):
    """The API key was refused (401 or 403)."""


class StorageNotFoundError(StorageError):
    """No such application, or its Storage Integration is not enabled (404)."""


class StorageRateLimitedError(StorageError):
    """Still 429 after the allowed waits."""


@dataclass(slots=True)
class Page:
    """One answer: its uplink bodies (with their receive times as sent) and bad lines."""

    results: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)  # a short reason per bad line
    lines: int = 0  # non-empty lines; a full page has ``limit`` of them

    @property
    def cursor(self) -> str | None:
        """The receive time the next page starts after."""
        return self.results[-1][0] if self.results else None


def normalise_cluster_url(text: str) -> str | None:
    """Return ``scheme://host[:port]`` of a cluster address, or None when it is not one."""
    try:
        url = URL(text.strip())
    except ValueError:
        return None
    if url.scheme not in {"http", "https"} or not url.host:
        return None
    return str(url.origin())


def uplinks_url(cluster: str, application: str) -> URL:
    """Return the stored-uplinks endpoint of an application."""
    return URL(cluster) / "api/v3/as/applications" / application / "packages/storage/uplink_message"


def rfc3339(at: datetime) -> str:
    """Format an aware time the way the API's ``after``/``before`` take it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_page(body: bytes) -> Page:
    """Split an answer into uplink bodies and bad lines (which are reported, not fatal).

    A line ``{"error": ...}`` is the gateway reporting a failure mid-stream: the page
    is not complete, so it raises.
    """
    page = Page()
    for raw in body.splitlines():
        if not raw.strip():
            continue
        page.lines += 1
        if len(raw) > MAX_LINE_BYTES:
            page.malformed.append("line over 64 KiB")
            continue
        try:
            line = orjson.loads(raw)
        except orjson.JSONDecodeError:
            page.malformed.append("line is not JSON")
            continue
        if not isinstance(line, dict):
            page.malformed.append("line is not a JSON object")
            continue
        if "error" in line and "result" not in line:
            raise StorageError(f"the server reported an error: {_error_text(line['error'])}")
        result = line.get("result")
        received_at = result.get("received_at") if isinstance(result, dict) else None
        if not isinstance(result, dict) or not isinstance(received_at, str):
            page.malformed.append("line has no result with a received_at")
            continue
        page.results.append((received_at, result))
    return page


def _error_text(error: Any) -> str:
    if isinstance(error, Mapping):
        return str(error.get("message") or error.get("code") or "unknown")[:120]
    return str(error)[:120]


def retry_after_seconds(header: str | None, now: datetime) -> float:
    """Return how long a 429 asks us to wait (seconds or an HTTP date), capped."""
    if header is None or not header.strip():
        return DEFAULT_RETRY_AFTER
    text = header.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            seconds = (parsedate_to_datetime(text) - now).total_seconds()
        except TypeError, ValueError:
            return DEFAULT_RETRY_AFTER
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


@dataclass(frozen=True, slots=True)
class StorageAccess:
    """Where the stored uplinks are, and the key that may read them."""

    cluster: str  # scheme://host[:port], see normalise_cluster_url
    application: str
    api_key: str


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one client asks for and waits."""

    page: int = PAGE_LIMIT
    timeout: float = REQUEST_TIMEOUT
    retries: int = RATE_LIMIT_RETRIES  # waits on 429 before giving up


class StorageClient:
    """Reads one application's stored uplinks."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access: StorageAccess,
        *,
        now: Callable[[], datetime],
        sleep: Sleep = asyncio.sleep,
        limits: Limits = Limits(),
    ) -> None:
        """Remember where and how to ask."""
        self._session = session
        self._url = uplinks_url(access.cluster, access.application)
        self._headers = {
            "Authorization": f"Bearer {access.api_key}",
            "Accept": "text/event-stream",
        }
        self._now = now
        self._sleep = sleep
        self.limit = limits.page
        self._timeout = aiohttp.ClientTimeout(total=limits.timeout)
        self._retries = limits.retries
        self.waited = 0.0  # seconds spent waiting on 429 answers
        self.requests = 0

    async def fetch(self, after: str, before: str | None = None) -> Page:
        """Return one page of uplinks received after ``after`` (and before ``before``)."""
        query = {"after": after, "limit": str(self.limit), "order": "received_at"}
        if before is not None:
            query["before"] = before
        waits = 0
        status, retry_after, body = await self._get(query)
        while status == HTTPStatus.TOO_MANY_REQUESTS:
            if waits == self._retries:
                raise StorageRateLimitedError(
                    f"still rate limited (HTTP 429) after {self._retries} waits"
                )
            waits += 1
            wait = retry_after_seconds(retry_after, self._now())
            self.waited += wait
            await self._sleep(wait)
            status, retry_after, body = await self._get(query)
        if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            raise StorageAuthError(f"the API key was refused (HTTP {status})")
        if status == HTTPStatus.NOT_FOUND:
            raise StorageNotFoundError(
                "no such application, or its Storage Integration is not enabled (HTTP 404)"
            )
        if status != HTTPStatus.OK:
            raise StorageError(f"unexpected answer HTTP {status}")
        return parse_page(body)

    async def _get(self, query: dict[str, str]) -> tuple[int, str | None, bytes]:
        """One GET: status, Retry-After, and the body (bounded)."""
        self.requests += 1
        cap = self.limit * (MAX_LINE_BYTES + 64)
        try:
            async with self._session.get(
                self._url,
                params=query,
                headers=self._headers,
                timeout=self._timeout,
                allow_redirects=False,  # the key must not follow a redirect elsewhere
            ) as response:
                if response.status != HTTPStatus.OK:
                    return response.status, response.headers.get("Retry-After"), b""
                body = b""
                while len(body) <= cap:
                    chunk = await response.content.read(cap + 1 - len(body))
                    if not chunk:
                        break
                    body += chunk
        except TimeoutError:
            raise StorageError(f"no answer within {self._timeout.total:g} s") from None
        except aiohttp.ClientError as err:
            raise StorageError(f"cannot connect: {type(err).__name__}") from None
        if len(body) > cap:
            raise StorageError(f"page over {cap // 1024} KiB")
        return HTTPStatus.OK, None, body

    async def pages(self, after: str, before: str | None = None) -> AsyncIterator[Page]:
        """Yield pages until one is not full; ``after`` moves to each page's last uplink.

        Whether the server's ``after`` is inclusive is not documented: an uplink
        received exactly at the cursor that the previous page already had is dropped.
        """
        cursor = after
        tail: set[bytes] = set()
        for _ in range(MAX_PAGES):
            page = await self.fetch(cursor, before)
            fresh = [
                item for item in page.results if not (item[0] == cursor and _key(item) in tail)
            ]
            stalled = page.lines >= self.limit and not fresh and not page.malformed
            page.results = fresh
            yield page
            if page.lines < self.limit:
                return
            if stalled or page.cursor is None:
                raise StorageError("the next page does not move on (more uplinks at one time)")
            cursor = page.cursor
            tail = {_key(item) for item in fresh if item[0] == cursor}
        raise StorageError(f"stopped after {MAX_PAGES} pages; the next backfill continues")


def _key(item: tuple[str, dict[str, Any]]) -> bytes:
    return orjson.dumps(item[1], option=orjson.OPT_SORT_KEYS)
