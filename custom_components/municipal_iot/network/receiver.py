"""Webhook receiver for ChirpStack v4 and The Things Stack uplinks.

Every rejection gets an HTTP status with a short reason, is counted (see the
diagnostics), and is logged at most once per reason per ten minutes. The handler
never raises into Home Assistant.
"""

from __future__ import annotations

import hmac
import time
from http import HTTPStatus

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from ..const import DOMAIN, LOGGER
from ..lorawan import chirpstack, tts
from ..lorawan.messages import Message, SchemaError, Server
from .const import CONF_SERVER, CONF_TOKEN, MAX_BODY_BYTES
from .hub import LoRaWANConfigEntry, Outcome

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
    """Register the entry's webhook (POST only)."""
    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        entry.data[CONF_WEBHOOK_ID],
        _make_handler(entry),
        allowed_methods=["POST"],
    )


def _make_handler(entry: LoRaWANConfigEntry) -> webhook.HandlerType:
    expected = f"Bearer {entry.data[CONF_TOKEN]}".encode()
    server = Server(entry.data[CONF_SERVER])

    async def handle(hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        hub = entry.runtime_data
        try:
            message = await _read_message(request, expected, server)
            outcome = hub.async_handle(message)
        except Rejected as err:
            if hub.rejections.record(err.counter, time.monotonic()):
                LOGGER.warning(
                    "Rejected a webhook request for %s from %s: %s (%s). This is logged at most "
                    "once per 10 minutes per reason; the diagnostics count all of them",
                    entry.title,
                    request.remote,
                    err.reason,
                    int(err.status),
                )
            return web.Response(status=err.status, text=err.reason)
        except Exception:  # noqa: BLE001 - the handler must never raise into HA
            if hub.rejections.record("internal_error", time.monotonic()):
                LOGGER.exception("Unexpected error while handling an uplink for %s", entry.title)
            return web.Response(status=HTTPStatus.INTERNAL_SERVER_ERROR, text="internal error")
        status, text = _ANSWERS[outcome]
        return web.Response(status=status, text=text)

    return handle


async def _read_bounded(request: web.Request) -> bytes:
    """Read the body up to one byte past the limit (a read may return a partial chunk)."""
    stream = request.content  # once: MockRequest (cloudhooks) builds a new reader per access
    body = b""
    while len(body) <= MAX_BODY_BYTES:
        chunk = await stream.read(MAX_BODY_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return body


async def _read_message(request: web.Request, expected: bytes, server: Server) -> Message:
    """Authenticate, bound, parse and validate one request."""
    supplied = request.headers.get("Authorization", "").strip().encode()
    if not hmac.compare_digest(supplied, expected):
        raise Rejected(HTTPStatus.UNAUTHORIZED, "missing or wrong bearer token", "unauthorized")
    # Read headers, not aiohttp's request properties: cloudhooks deliver a MockRequest.
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Rejected(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body over 64 KiB", "too_large")
    body = await _read_bounded(request)
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
            return chirpstack.parse(request.query.get("event"), data, now)
        return tts.parse(data, now)
    except SchemaError as err:
        raise Rejected(HTTPStatus.BAD_REQUEST, f"invalid body: {err}", "schema") from None
