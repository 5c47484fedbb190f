"""Backfill of a The Things Stack connection from its Storage Integration.

When the options hold a Storage Integration API key, the entry fetches the uplinks
it missed and hands each one, in receive order, to the same parser and hub as the
webhook and MQTT paths:

- at start, everything received after the newest uplink the hub knows (HA was down);
- after a gap: the newest receive time jumped by more than the motion sensors'
  expected interval between two checks (a minute apart), the uplinks in between;
- during a silence longer than that interval, at most once per interval (the
  webhook or the broker may be failing while HA runs).

The hub keeps the state from moving back (an uplink older than the device's newest
one only adds a later last-motion time or missing water history) and drops
repeats. A refused key (401/403) opens a repair issue, which the next run that
works closes. Each run is kept for the diagnostics.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN, LOGGER
from ..lorawan import tts
from ..lorawan.markdown import inert
from ..lorawan.messages import SchemaError, Server, Uplink
from ..lorawan.storage_api import (
    Page,
    StorageAccess,
    StorageAuthError,
    StorageClient,
    StorageError,
    rfc3339,
)
from .const import (
    BACKFILL_CHECK_SECONDS,
    CONF_INTERVAL_MOTION,
    CONF_SERVER,
    CONF_STORAGE_APPLICATION,
    CONF_STORAGE_KEY,
    CONF_STORAGE_URL,
    DEFAULT_INTERVAL_MOTION,
)
from .hub import LoRaWANConfigEntry, LoRaWANHub

BACKFILLS: HassKey[dict[str, Backfill]] = HassKey(f"{DOMAIN}_backfills")
REPORTS_KEPT: Final = 10
KEY_REFUSED_ISSUE = "storage_key_refused"


def storage_configured(entry: LoRaWANConfigEntry) -> bool:
    """Return whether a The Things Stack entry has a Storage Integration to read."""
    options = entry.options
    return entry.data.get(CONF_SERVER) == Server.TTS and all(
        options.get(key) for key in (CONF_STORAGE_URL, CONF_STORAGE_APPLICATION, CONF_STORAGE_KEY)
    )


def key_refused_issue_id(entry_id: str) -> str:
    """Repair issue id: the entry's Storage Integration key is refused."""
    return f"{KEY_REFUSED_ISSUE}_{entry_id}"


@dataclass(slots=True)
class BackfillReport:
    """One backfill run, as the diagnostics show it."""

    trigger: str  # start, gap or silence
    started: datetime
    after: datetime
    before: datetime | None
    pages: int = 0
    received: int = 0  # uplinks the API returned
    already_seen: int = 0  # the hub's newest uplink, returned again
    malformed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    first: datetime | None = None  # receive times of the first and last uplink returned
    last: datetime | None = None
    error: str | None = None
    finished: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report for the diagnostics."""
        times = {
            name: value.isoformat() if value else None
            for name, value in (
                ("started", self.started),
                ("finished", self.finished),
                ("after", self.after),
                ("before", self.before),
                ("first_received_at", self.first),
                ("last_received_at", self.last),
            )
        }
        return times | {
            "trigger": self.trigger,
            "pages": self.pages,
            "received": self.received,
            "already_seen": self.already_seen,
            "malformed": self.malformed,
            "outcomes": dict(self.outcomes),
            "error": self.error,
        }


class Backfill:
    """Fetches an entry's missed uplinks from The Things Stack's Storage Integration."""

    def __init__(self, hass: HomeAssistant, entry: LoRaWANConfigEntry, hub: LoRaWANHub) -> None:
        """Build the API client from the entry's options."""
        self.hass = hass
        self.entry = entry
        self.hub = hub
        options = entry.options
        self.client = StorageClient(
            async_get_clientsession(hass),
            StorageAccess(
                options[CONF_STORAGE_URL],
                options[CONF_STORAGE_APPLICATION],
                options[CONF_STORAGE_KEY],
            ),
            now=dt_util.utcnow,
        )
        self.reports: deque[BackfillReport] = deque(maxlen=REPORTS_KEPT)
        self.runs = 0
        self._running = False
        self._newest: datetime | None = None  # the hub's newest receive time at the last check
        self._last_run: datetime | None = None

    @property
    def interval(self) -> timedelta:
        """A gap or silence longer than this is worth a look in the storage."""
        minutes = self.entry.options.get(CONF_INTERVAL_MOTION, DEFAULT_INTERVAL_MOTION)
        return timedelta(minutes=float(minutes))

    def newest(self) -> datetime | None:
        """Return the newest receive time of any of the hub's devices."""
        return max((d.last_seen for d in self.hub.devices.values() if d.last_seen), default=None)

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Backfill since the newest known uplink, then check for gaps; return the stop."""
        self.hass.data.setdefault(BACKFILLS, {})[self.entry.entry_id] = self
        cancel_check = async_track_time_interval(
            self.hass, self._check, timedelta(seconds=BACKFILL_CHECK_SECONDS)
        )
        self._newest = self.newest()
        if self._newest is not None:
            self._launch("start", self._newest, None)

        @callback
        def stop() -> None:
            # A run still going is cancelled with the entry's background tasks.
            cancel_check()
            self.hass.data[BACKFILLS].pop(self.entry.entry_id, None)

        return stop

    @callback
    def _check(self, now: datetime) -> None:
        previous, current = self._newest, self.newest()
        self._newest = current
        if self._running or current is None:
            return
        if previous is not None and current - previous > self.interval:
            self._launch("gap", previous, current)
        elif now - current > self.interval and (
            self._last_run is None or now - self._last_run >= self.interval
        ):
            self._launch("silence", current, None)

    def _launch(self, trigger: str, after: datetime, before: datetime | None) -> None:
        self._running = True
        self._last_run = dt_util.utcnow()
        self.entry.async_create_background_task(
            self.hass, self.async_run(trigger, after, before), f"{DOMAIN} backfill {trigger}"
        )

    async def async_run(self, trigger: str, after: datetime, before: datetime | None) -> None:
        """Fetch and apply the uplinks received after ``after`` (and before ``before``)."""
        self._running = True
        report = BackfillReport(trigger, dt_util.utcnow(), after, before)
        self.reports.append(report)
        self.runs += 1
        # Each device's newest uplink as the run starts: the API returns the newest one
        # again (it gets ``after`` in microseconds, the uplink has nanoseconds).
        known = {eui: (device.last_seen, device.f_cnt) for eui, device in self.hub.devices.items()}
        try:
            until = rfc3339(before) if before is not None else None
            async for page in self.client.pages(rfc3339(after), until):
                self._apply(page, report, known)
        except StorageAuthError as err:
            report.error = str(err)
            self._key_refused(str(err))
        except StorageError as err:
            report.error = str(err)
            self._log_error(str(err))
        else:
            ir.async_delete_issue(self.hass, DOMAIN, key_refused_issue_id(self.entry.entry_id))
        finally:
            report.finished = dt_util.utcnow()
            self._newest = self.newest()  # what this run applied is no gap
            self._running = False
        if report.received:
            LOGGER.info(
                "Backfilled %s uplinks received %s to %s for %s from the Storage Integration",
                report.received,
                report.first,
                report.last,
                self.entry.title,
            )

    def _apply(
        self,
        page: Page,
        report: BackfillReport,
        known: dict[str, tuple[datetime | None, int | None]],
    ) -> None:
        """Parse each stored uplink like a webhook body and hand it to the hub, in order."""
        report.pages += 1
        report.malformed += len(page.malformed)
        for reason in page.malformed:
            self._log_bad_line(reason)
        now = dt_util.utcnow()
        for _received_at, body in page.results:
            try:
                message = tts.parse(body, now)
            except SchemaError as err:
                report.malformed += 1
                self._log_bad_line(f"invalid uplink: {err}")
                continue
            if isinstance(message, Uplink):
                report.received += 1
                report.first = report.first or message.received_at
                report.last = message.received_at
                if known.get(message.device.dev_eui) == (message.received_at, message.f_cnt):
                    report.already_seen += 1
                    continue
            report.outcomes[self.hub.async_handle(message, stored=True)] += 1

    def _key_refused(self, reason: str) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            key_refused_issue_id(self.entry.entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=KEY_REFUSED_ISSUE,
            translation_placeholders={"name": inert(self.entry.title), "error": reason},
        )
        self._log_error(reason)

    def _log_error(self, reason: str) -> None:
        if self.hub.rejections.record("backfill_failed", time.monotonic()):
            LOGGER.warning(
                "Backfill from the Storage Integration failed for %s: %s. It is tried again "
                "after the next gap; logged at most once per 10 minutes",
                self.entry.title,
                reason,
            )

    def _log_bad_line(self, reason: str) -> None:
        if self.hub.rejections.record("backfill_bad_line", time.monotonic()):
            LOGGER.warning(
                "Skipped a stored uplink of %s from the Storage Integration: %s. Logged at most "
                "once per 10 minutes; the diagnostics count all of them",
                self.entry.title,
                reason,
            )


def backfill_diagnostics(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> dict[str, Any] | None:
    """Return the entry's backfill runs, newest last (None without a Storage Integration)."""
    backfill = hass.data.get(BACKFILLS, {}).get(entry.entry_id)
    if backfill is None:
        return None
    failed = next((r for r in reversed(backfill.reports) if r.error), None)
    return {
        "runs": backfill.runs,
        "requests": backfill.client.requests,
        "waited_for_rate_limit_s": backfill.client.waited,
        # The newest failure among the kept runs (a later run may have worked).
        "last_error": failed.error if failed else None,
        "last_error_at": failed.started.isoformat() if failed else None,
        "reports": [report.as_dict() for report in backfill.reports],
    }
