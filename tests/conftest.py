"""Shared fixtures."""

from __future__ import annotations

import json
import logging
from collections.abc import Generator, Iterator
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

# Must run before the hass fixture: binds `custom_components` to this repository.
import custom_components.municipal_iot  # noqa: F401
from tests.network import TOKEN, WEBHOOK_CS, WEBHOOK_TTS, Poster, network_entry
from tests.postgres import PostgresServer, postgres_server

# The plugin logs every SQL statement at INFO; the recorder tests would flood the output.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


# Recorder tests that run on both databases: put this mark in the module's pytestmark.
BOTH_DATABASES = pytest.mark.parametrize("recorder_db_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL server (Debian's binaries), one per test process."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def recorder_db_url(
    request: pytest.FixtureRequest, hass_fixture_setup: list[bool]
) -> Iterator[str]:
    """The recorder's database: in-memory SQLite, or a fresh PostgreSQL database.

    Replaces the test plugin's fixture (which takes one ``--dburl`` for the whole run
    and needs sqlalchemy_utils), so one run covers both databases.
    """
    assert not hass_fixture_setup
    if getattr(request, "param", "sqlite") == "sqlite":
        yield "sqlite://"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with server.database() as url:
        yield url


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Each test's own configuration directory: the care journal writes real files there."""
    return hass_tmp_config_dir


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Enable this repository's integration in every test."""


@pytest.fixture
def frozen_clock(freezer: Any) -> Any:
    """HA's clock just after the sample bodies' receive times (2026-11-26 10:00 UTC)."""
    freezer.move_to("2026-11-26T10:15:00+00:00")
    return freezer


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Use Home Assistant's snapshot extension."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def chirpstack_entry() -> MockConfigEntry:
    """A ChirpStack entry, not yet added to hass."""
    return network_entry("chirpstack", WEBHOOK_CS)


@pytest.fixture
def tts_entry() -> MockConfigEntry:
    """A The Things Stack entry, not yet added to hass."""
    return network_entry("tts", WEBHOOK_TTS)


@pytest.fixture
def post(hass: HomeAssistant, hass_client_no_auth: Any) -> Poster:
    """POST a body to a webhook; return (status, text)."""

    async def _post(
        webhook_id: str,
        body: Any,
        *,
        event: str | None = None,
        token: str | None = TOKEN,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        method: str = "POST",
    ) -> tuple[int, str]:
        client = await hass_client_no_auth()
        all_headers = {"Content-Type": "application/json"}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers |= headers or {}
        url = f"/api/webhook/{webhook_id}"
        if event is not None:
            url += f"?event={event}"
        data = raw if raw is not None else json.dumps(body).encode()
        response = await client.request(method, url, data=data, headers=all_headers)
        return response.status, await response.text()

    return _post


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures tests measured (record_property("figure", ...)); nothing asserts them."""
    figures = [
        value
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", ())
        if name == "figure"
    ]
    if figures:
        terminalreporter.section("measured")
        for figure in figures:
            terminalreporter.write_line(str(figure))
