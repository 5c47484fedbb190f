"""Webhook receiver for ChirpStack v4 and The Things Stack uplinks.

Every rejection gets an HTTP status with a short reason, is counted (see the
diagnostics), and is logged at most once per reason per ten minutes. The handler
never raises into Home Assistant.

The webhook stays registered while its entry reloads (options, token rotation): a
request that arrives meanwhile waits until the entry is loaded again (at most
:data:`READY_WAIT` seconds), then is handled with the current token. A request for an
entry that is not loaded and not on its way (disabled, failed) is answered 503 with
``Retry-After``, never 200: an uplink answered 2xx is applied or deliberately ignored.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from http import HTTPStatus
from typing import Final

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from ..const import DOMAIN, LOGGER
from ..lorawan import chirpstack, tts
from ..lorawan.guards import RejectionLog
from ..lorawan.messages import Message, SchemaError, Server
from .const import CONF_SERVER, CONF_TOKEN, LOG_THROTTLE_SECONDS, MAX_BODY_BYTES
from .downlink import remember_push, report
from .hub import LoRaWANConfigEntry, LoRaWANHub, Outcome

READY_WAIT: Final = 10.0  # seconds a request waits for its entry to finish (re)loading
READY_POLL: Final = 0.05  # seconds between two looks at the entry's state
RETRY_AFTER: Final = "30"  # seconds, in the 503 answer
_SERVERS = {server.value: server for server in Server}
_SETTLING = (ConfigEntryState.SETUP_IN_PROGRESS, ConfigEntryState.UNLOAD_IN_PROGRESS)

_ANSWERS: dict[Outcome, tuple[HTTPStatus, str]] = {
    Outcome.APPLIED: (HTTPStatus.OK, "ok"),
    Outcome.IGNORED: (HTTPStatus.OK, "ignored: event type not used"),
    Outcome.DUPLICATE: (HTTPStatus.OK, "ignored: duplicate uplink"),
    Outcome.OUT_OF_ORDER: (HTTPStatus.OK, "ignored: older than the newest uplink"),
    Outcome.UNKNOWN_DEVICE: (HTTPStatus.ACCEPTED, "device not added: confirm it in Repairs"),
    Outcome.RATE_LIMITED: (HTTPStatus.TOO_MANY_REQUESTS, "device creation limit reached"),
    Outcome.UNDECODABLE: (HTTPStatus.OK, "accepted: payload could not be decoded"),
}


class Rejected(Exception):  # noqa: N818 - a control-flow signal, not an error type
    """A request the receiver refuses, with its HTTP status and reason."""

    def __init__(self, status: HTTPStatus, reason: str, counter: str) -> None:
        """Store the answer."""
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.counter = counter


def async_register_webhook(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> None:
    """Register the entry's webhook (POST only), replacing its handler without a gap."""
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    webhook.async_unregister(hass, webhook_id)  # same callback: no request finds it missing
    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        _make_handler(entry.entry_id),
        allowed_methods=["POST"],
    )


def _settling(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> bool:
    """Return whether the entry is on its way to being loaded (reload, set-up, HA start)."""
    if entry.disabled_by is not None:
        return False
    if entry.setup_lock.locked() or entry.state in _SETTLING:
        return True
    return entry.state is ConfigEntryState.NOT_LOADED and hass.state is CoreState.starting


async def _async_loaded_hub(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> LoRaWANHub:
    """Return the entry's hub, waiting while the entry (re)loads; 503 when it will not."""
    deadline = time.monotonic() + READY_WAIT
    while entry.state is not ConfigEntryState.LOADED:
        if not _settling(hass, entry) or time.monotonic() >= deadline:
            raise Rejected(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"not ready: the connection is {entry.state.value}, retry later",
                "not_ready",
            )
        await asyncio.sleep(READY_POLL)
    return entry.runtime_data


def _make_handler(entry_id: str) -> webhook.HandlerType:
    # Rejections while no hub is loaded (the hub's own log counts the rest).
    idle_rejections = RejectionLog(interval=LOG_THROTTLE_SECONDS)

    async def handle(hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        entry: LoRaWANConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
        if entry is None:  # removed: async_remove_entry unregisters, this is the race
            return _unavailable("not ready: the connection was removed")
        try:
            # The token of the entry as it is now: a rotated one is refused at once.
            _authenticate(request, f"Bearer {entry.data[CONF_TOKEN]}".encode())
            if entry.state is ConfigEntryState.LOADED:
                hub = entry.runtime_data  # the usual case, without awaiting
            else:
                hub = await _async_loaded_hub(hass, entry)
            message = await _read_message(request, _SERVERS[entry.data[CONF_SERVER]])
            outcome = hub.async_handle(message)
            remember_push(hass, entry, message, request.headers)
            report(hass, entry, message)
        except Rejected as err:
            rejections = _rejections(entry, idle_rejections)
            if rejections.record(err.counter, time.monotonic()):
                LOGGER.warning(
                    "Rejected a webhook request for %s from %s: %s (%s). This is logged at most "
                    "once per 10 minutes per reason; the diagnostics count all of them",
                    entry.title,
                    request.remote,
                    err.reason,
                    int(err.status),
                )
            if err.status is HTTPStatus.SERVICE_UNAVAILABLE:
                return _unavailable(err.reason)
            return web.Response(status=err.status, text=err.reason)
        except Exception:  # noqa: BLE001 - the handler must never raise into HA
            rejections = _rejections(entry, idle_rejections)
            if rejections.record("internal_error", time.monotonic()):
                LOGGER.exception("Unexpected error while handling an uplink for %s", entry.title)
            return web.Response(status=HTTPStatus.INTERNAL_SERVER_ERROR, text="internal error")
        status, text = _ANSWERS[outcome]
        return web.Response(status=status, text=text)

    return handle


def _rejections(entry: LoRaWANConfigEntry, idle: RejectionLog) -> RejectionLog:
    """Count in the hub's log (its diagnostics show it); in ``idle`` while none is loaded."""
    return entry.runtime_data.rejections if entry.state is ConfigEntryState.LOADED else idle


def _unavailable(reason: str) -> web.Response:
    return web.Response(
        status=HTTPStatus.SERVICE_UNAVAILABLE, text=reason, headers={"Retry-After": RETRY_AFTER}
    )


def _authenticate(request: web.Request, expected: bytes) -> None:
    supplied = request.headers.get("Authorization", "").strip().encode()
    if not hmac.compare_digest(supplied, expected):
        raise Rejected(HTTPStatus.UNAUTHORIZED, "missing or wrong bearer token", "unauthorized")


async def _read_bounded(request: web.Request, declared: int | None) -> bytes:
    """Read the body up to one byte past the limit (a read may return a partial chunk).

    A body of its declared length is whole: no further read waits for its end.
    """
    stream = request.content  # once: MockRequest (cloudhooks) builds a new reader per access
    body = b""
    while len(body) <= MAX_BODY_BYTES:
        chunk = await stream.read(MAX_BODY_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
        if len(body) == declared:
            break
    return body


def _event(request: web.Request) -> str | None:
    """ChirpStack's ``?event=``; the usual ``event=up`` without parsing the query."""
    if request.query_string == "event=up":
        return "up"
    return request.query.get("event")


async def _read_message(request: web.Request, server: Server) -> Message:
    """Bound, parse and validate one authenticated request."""
    # Read headers, not aiohttp's request properties: cloudhooks deliver a MockRequest.
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Rejected(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body over 64 KiB", "too_large")
    body = await _read_bounded(request, int(declared) if declared.isdigit() else None)
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body over 64 KiB", "too_large")
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type in {"application/octet-stream", "application/x-protobuf"}:
        raise Rejected(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "protobuf is not supported: set the ChirpStack HTTP integration's "
            "payload encoding to JSON",
            "protobuf",
        )
    try:
        # HA's orjson parser: about 2.5x faster than the stdlib's on a ChirpStack
        # uplink, and strict (no NaN or Infinity, no lone UTF-16 surrogates).
        data = json_loads(body)
    except ValueError as err:  # orjson.JSONDecodeError (bad UTF-8 included)
        reason = f"body is not JSON: {str(err)[:80]}"
        raise Rejected(HTTPStatus.BAD_REQUEST, reason, "not_json") from None
    now = dt_util.utcnow()
    try:
        if server is Server.CHIRPSTACK:
            return chirpstack.parse(_event(request), data, now)
        return tts.parse(data, now)
    except SchemaError as err:
        raise Rejected(HTTPStatus.BAD_REQUEST, f"invalid body: {err}", "schema") from None
