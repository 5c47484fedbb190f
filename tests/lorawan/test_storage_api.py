"""The Things Stack Storage Integration client against a real aiohttp server on loopback."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.municipal_iot.lorawan import storage_api, tts
from custom_components.municipal_iot.lorawan.messages import Uplink
from custom_components.municipal_iot.lorawan.storage_api import (
    Limits,
    StorageAccess,
    StorageAuthError,
    StorageClient,
    StorageError,
    StorageNotFoundError,
    StorageRateLimitedError,
    normalise_cluster_url,
    parse_page,
    retry_after_seconds,
    rfc3339,
)
from tests.network import FIXTURES
from tests.storage_server import API_KEY, StorageServer, nanoseconds, storage_server

pytestmark = pytest.mark.usefixtures("socket_enabled")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
START = "2026-11-26T08:00:00.000000Z"


def stored(index: int, *, at: str | None = None) -> dict[str, Any]:
    """One stored ApplicationUp, ``index`` seconds after 08:00, with nanoseconds."""
    received = at or f"2026-11-26T08:{index // 60:02d}:{index % 60:02d}.123456789Z"
    return {
        "end_device_ids": {
            "device_id": f"dev-{index % 3}",
            "application_ids": {"application_id": "solrosen"},
            "dev_eui": f"a81758fffe0312a{index % 3}",
        },
        "received_at": received,
        "uplink_message": {
            "f_port": 1,
            "f_cnt": index,
            "frm_payload": base64.b64encode(b"\x01\x00\xe2").decode(),
            "received_at": received,
        },
    }


class Sleeps:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        """No waits yet."""
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        """Record one wait."""
        self.calls.append(seconds)


@pytest.fixture
async def server() -> AsyncIterator[StorageServer]:
    """The storage server, running."""
    async with storage_server() as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp client session."""
    async with aiohttp.ClientSession() as client:
        yield client


def client_for(
    session: aiohttp.ClientSession,
    server: StorageServer,
    *,
    key: str = API_KEY,
    sleep: Sleeps | None = None,
    **limits: Any,
) -> StorageClient:
    return StorageClient(
        session,
        StorageAccess(server.url, server.application, key),
        now=lambda: NOW,
        sleep=sleep or Sleeps(),
        limits=Limits(**limits),
    )


async def collect(client: StorageClient, after: str = START) -> list[dict[str, Any]]:
    return [body async for page in client.pages(after) for _at, body in page.results]


async def read_into(seen: list[int], client: StorageClient) -> None:
    """Read every page, keeping the frame counters read before a failure."""
    async for page in client.pages(START):
        seen += [body["uplink_message"]["f_cnt"] for _at, body in page.results]


def test_docs_example_line_parses_as_a_webhook_uplink() -> None:
    """The docs' answer line: its result goes through the webhook's TTS parser unchanged."""
    page = parse_page((FIXTURES / "network/tts_storage_page.ndjson").read_bytes())
    assert page.malformed == []
    assert page.lines == 1
    assert page.cursor == "2020-08-24T10:08:44.868680817Z"  # nanoseconds kept for `after`
    message = tts.parse(page.results[0][1], NOW)
    assert isinstance(message, Uplink)
    assert message.device.dev_eui == "1111111111111111"
    assert message.f_cnt == 43
    assert message.f_port == 10
    assert message.payload == base64.b64decode("AQoBCgEKAQo=")
    assert message.received_at == datetime(2020, 8, 24, 10, 8, 44, 868680, tzinfo=UTC)


def test_malformed_lines_are_counted_and_skipped() -> None:
    """Bad lines are reported one by one; the good ones around them still count."""
    good = b'{"result": {"received_at": "2026-11-26T08:00:00Z", "uplink_message": {}}}'
    body = b"\n".join(
        [
            good,
            b"",
            b"not json",
            b"[1, 2]",
            b'{"result": {"uplink_message": {}}}',
            b'{"something": 1}',
            b'{"result": "' + b"x" * (64 * 1024) + b'"}',
            good,
        ]
    )
    page = parse_page(body)
    assert len(page.results) == 2
    assert page.lines == 7
    assert page.malformed == [
        "line is not JSON",
        "line is not a JSON object",
        "line has no result with a received_at",
        "line has no result with a received_at",
        "line over 64 KiB",
    ]


def test_an_error_line_fails_the_page() -> None:
    """The gateway's mid-stream error object means the page is incomplete."""
    with pytest.raises(StorageError, match="the server reported an error: storage unavailable"):
        parse_page(b'{"error": {"code": 14, "message": "storage unavailable"}}\n')
    with pytest.raises(StorageError, match="reported an error: broken"):
        parse_page(b'{"error": "broken"}\n')


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (None, storage_api.DEFAULT_RETRY_AFTER),
        ("  ", storage_api.DEFAULT_RETRY_AFTER),
        ("soon", storage_api.DEFAULT_RETRY_AFTER),
        ("86400", storage_api.MAX_RETRY_AFTER),
        ("Thu, 26 Nov 2026 12:00:42 GMT", 42.0),
        ("Thu, 26 Nov 2026 11:00:00 GMT", 0.0),
    ],
)
def test_retry_after(header: str | None, seconds: float) -> None:
    """Retry-After in seconds or as an HTTP date, defaulted and capped."""
    assert retry_after_seconds(header, NOW) == seconds


@pytest.mark.parametrize(
    ("text", "cluster"),
    [
        ("https://eu1.cloud.thethings.network", "https://eu1.cloud.thethings.network"),
        (" https://eu1.cloud.thethings.network/api/v3/ ", "https://eu1.cloud.thethings.network"),
        ("http://10.0.0.5:1885/console", "http://10.0.0.5:1885"),
        ("eu1.cloud.thethings.network", None),
        ("ftp://eu1.cloud.thethings.network", None),
        ("https://", None),
        ("http://[::1", None),
    ],
)
def test_cluster_url(text: str, cluster: str | None) -> None:
    """Only the scheme, host and port of what the admin pasted are kept."""
    assert normalise_cluster_url(text) == cluster


def test_rfc3339_is_utc_with_microseconds() -> None:
    """The time format sent as ``after``."""
    at = datetime(2026, 11, 26, 13, 0, 1, 5, tzinfo=UTC) + timedelta(hours=0)
    assert rfc3339(at) == "2026-11-26T13:00:01.000005Z"


async def test_pages_follow_the_last_receive_time(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """250 uplinks in pages of 100: three requests, every uplink once, in receive order."""
    server.store(*(stored(i) for i in reversed(range(250))))
    client = client_for(session, server, page=100)
    bodies = await collect(client)
    assert [body["uplink_message"]["f_cnt"] for body in bodies] == list(range(250))
    assert client.requests == 3
    assert [request["after"] for request in server.requests] == [
        START,
        stored(99)["received_at"],  # the server's own nanoseconds, not a rounded time
        stored(199)["received_at"],
    ]
    assert all(request["limit"] == "100" for request in server.requests)
    assert all(request["order"] == "received_at" for request in server.requests)
    assert server.headers[0]["Authorization"] == f"Bearer {API_KEY}"
    assert server.headers[0]["Accept"] == "text/event-stream"


async def test_before_bounds_the_window(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """A gap's backfill asks only for the uplinks between its two ends."""
    server.store(*(stored(i) for i in range(10)))
    client = client_for(session, server)
    bodies = [
        body
        async for page in client.pages(stored(2)["received_at"], stored(7)["received_at"])
        for _at, body in page.results
    ]
    assert [body["uplink_message"]["f_cnt"] for body in bodies] == [3, 4, 5, 6]
    assert server.requests[0]["before"] == stored(7)["received_at"]


async def test_an_inclusive_after_repeats_nothing(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """If the server's ``after`` includes the cursor, the repeated uplink is dropped."""
    server.inclusive_after = True
    server.store(*(stored(i) for i in range(25)))
    bodies = await collect(client_for(session, server, page=10))
    assert [body["uplink_message"]["f_cnt"] for body in bodies] == list(range(25))
    assert len(server.requests) == 3


async def test_a_page_that_cannot_move_on_stops(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """More uplinks at one receive time than a page holds, inclusive ``after``: no endless loop."""
    server.inclusive_after = True
    same = "2026-11-26T08:00:01.000000001Z"
    server.store(*(stored(i, at=same) for i in range(5)))
    client = client_for(session, server, page=3)
    seen: list[int] = []
    with pytest.raises(StorageError, match="does not move on"):
        await read_into(seen, client)
    assert seen == [0, 1, 2]
    assert len(server.requests) == 2


async def test_a_run_stops_after_the_page_cap(
    server: StorageServer, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A huge backlog is read in bounded runs; the next run continues from there."""
    monkeypatch.setattr(storage_api, "MAX_PAGES", 2)
    server.store(*(stored(i) for i in range(10)))
    seen: list[int] = []
    with pytest.raises(StorageError, match="stopped after 2 pages"):
        await read_into(seen, client_for(session, server, page=2))
    assert seen == [0, 1, 2, 3]


async def test_429_waits_as_told_then_continues(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """Two 429 answers: waits of Retry-After seconds (then the default), then the page."""
    server.store(stored(1))
    server.answers = [(429, {"Retry-After": "4"}), (429, {})]
    sleeps = Sleeps()
    client = client_for(session, server, sleep=sleeps)
    assert len(await collect(client)) == 1
    assert sleeps.calls == [4.0, storage_api.DEFAULT_RETRY_AFTER]
    assert client.waited == 4.0 + storage_api.DEFAULT_RETRY_AFTER
    assert len(server.requests) == 3


async def test_429_gives_up_after_the_retries(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """Still 429 after the allowed waits: the run gives up with a reason."""
    server.answers = [(429, {"Retry-After": "1"})] * 3
    sleeps = Sleeps()
    with pytest.raises(StorageRateLimitedError, match="after 2 waits"):
        await collect(client_for(session, server, sleep=sleeps, retries=2))
    assert sleeps.calls == [1.0, 1.0]


@pytest.mark.parametrize(
    ("answer", "error", "reason"),
    [
        ((401, {}), StorageAuthError, "refused \\(HTTP 401\\)"),
        ((403, {}), StorageAuthError, "refused \\(HTTP 403\\)"),
        ((404, {}), StorageNotFoundError, "Storage Integration is not enabled"),
        ((500, {}), StorageError, "unexpected answer HTTP 500"),
        ((302, {"Location": "http://elsewhere.invalid/"}), StorageError, "HTTP 302"),
    ],
)
async def test_error_answers(
    server: StorageServer,
    session: aiohttp.ClientSession,
    answer: tuple[int, dict[str, str]],
    error: type[StorageError],
    reason: str,
) -> None:
    """Each error answer has its own exception and a short reason; redirects are not followed."""
    server.answers = [answer]
    with pytest.raises(error, match=reason):
        await collect(client_for(session, server))
    assert len(server.requests) == 1


async def test_a_wrong_key_is_refused_by_the_server(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """The server's own check of the bearer key (not a scripted answer)."""
    with pytest.raises(StorageAuthError):
        await collect(client_for(session, server, key="NNSXS.WRONG"))


async def test_a_slow_server_times_out(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """No answer within the timeout: a reason, not a hang."""
    server.delay = 1.0
    with pytest.raises(StorageError, match=r"no answer within 0\.2 s"):
        await collect(client_for(session, server, timeout=0.2))


async def test_nothing_listening(session: aiohttp.ClientSession) -> None:
    """A cluster address where nothing listens."""
    async with storage_server() as stopped:
        url = stopped.url
    client = StorageClient(
        session, StorageAccess(url, "solrosen", API_KEY), now=lambda: NOW, sleep=Sleeps()
    )
    with pytest.raises(StorageError, match="cannot connect: ClientConnectorError"):
        await collect(client)


async def test_an_oversized_page_is_refused(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """A page larger than its uplinks can be is not read into memory whole."""
    big = stored(1)
    big["uplink_message"]["padding"] = "x" * (80 * 1024)
    server.store(big)
    with pytest.raises(StorageError, match="page over 64 KiB"):
        await collect(client_for(session, server, page=1))


async def test_malformed_lines_between_pages(
    server: StorageServer, session: aiohttp.ClientSession
) -> None:
    """Bad lines are skipped and reported with their page; the uplinks still come."""
    server.store(stored(1), stored(2))
    server.extra_lines = [b"{oops"]
    pages = [page async for page in client_for(session, server).pages(START)]
    assert [len(page.results) for page in pages] == [2]
    assert pages[0].malformed == ["line is not JSON"]


def test_nanoseconds_helper() -> None:
    """The test server compares receive times to the nanosecond."""
    assert nanoseconds("2026-11-26T08:00:00.000000001Z") - nanoseconds("2026-11-26T08:00:00Z") == 1
