"""The LoRaWAN hub: turns network-server messages into device state for entities.

One hub per "LoRaWAN network server" config entry. It is push-only: the webhook
hands it parsed messages, it decodes them and refreshes the device's entities
(the entities that listen, see :mod:`.listeners`). Device metadata (model, seen
measurements, frame counters, last seen) is kept in a ``Store`` so devices and
availability survive restarts; entity values are restored by the entities
themselves. Every decoded uplink of a water meter is also sent as
:data:`..signals.SIGNAL_DECODED` (the meter wing imports water history from it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..decoders.base import DecodeContext, Decoded, DecodeError, DeviceKind
from ..decoders.oms_crypto import KeyRequiredError
from ..decoders.registry import DECODERS, detect_model
from ..decoders.server_object import decode_server_object
from ..decoders.values import decoded_values
from ..lorawan.guards import Deduplicator, RejectionLog, TokenBucket
from ..lorawan.markdown import inert
from ..lorawan.messages import DeviceIdentity, DeviceStatus, Ignored, Join, Message, Uplink
from ..signals import SIGNAL_DECODED, DecodedUplink
from ..store import async_load_validated, domain_store
from .const import (
    AUTO_ADD_BURST,
    AUTO_ADD_PER_HOUR,
    CONF_AUTO_ADD,
    CONF_DECODERS,
    CONF_INTERVAL_MOTION,
    CONF_INTERVAL_WATER,
    CONF_METER_KEYS,
    CONF_MISSED_INTERVALS,
    DEDUP_WINDOW_SECONDS,
    DEFAULT_AUTO_ADD,
    DEFAULT_INTERVAL_MOTION,
    DEFAULT_INTERVAL_WATER,
    DEFAULT_MISSED_INTERVALS,
    LOG_THROTTLE_SECONDS,
    MAX_DEVICES_PER_ENTRY,
    MODEL_SERVER_OBJECT,
    SAVE_DELAY,
    SAVE_SOON_DELAY,
)
from .device import (
    HUB_STORE_SCHEMA,
    LIVE_KEYS,
    NO_ERROR,
    REFUSED_ISSUE_AFTER,
    DeviceData,
    devices_store_key,
    key_issue_id,
    link_values,
    new_keys_signal,
    refused_issue_id,
)
from .expiry import ExpiryQueue
from .listeners import DeviceListeners
from .pending import PendingDevices

type LoRaWANConfigEntry = ConfigEntry[LoRaWANHub]


class Outcome(StrEnum):
    """What happened to a message; the webhook maps it to an HTTP answer."""

    APPLIED = "applied"
    IGNORED = "ignored"
    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out_of_order"
    UNKNOWN_DEVICE = "unknown_device"
    RATE_LIMITED = "rate_limited"
    UNDECODABLE = "undecodable"


class LoRaWANHub:
    """Device state for one network-server connection."""

    def __init__(self, hass: HomeAssistant, entry: LoRaWANConfigEntry) -> None:
        """Initialise from the entry's options."""
        self.hass = hass
        self.entry = entry
        self.devices: dict[str, DeviceData] = {}
        self.rejections = RejectionLog(interval=LOG_THROTTLE_SECONDS)
        # A device flapping (old receive times, a flaky gateway) logs each way at most
        # once per throttle interval; its availability still changes every time.
        self._availability_log = RejectionLog(interval=LOG_THROTTLE_SECONDS)
        self.counters: dict[str, int] = dict.fromkeys(Outcome, 0)
        self._store = domain_store(hass, devices_store_key(entry.entry_id))
        self._dedup = Deduplicator(window=DEDUP_WINDOW_SECONDS)
        # Wall-clock seconds: the creation limit is stored and survives restarts.
        self._bucket = TokenBucket(AUTO_ADD_BURST, AUTO_ADD_PER_HOUR, time.time())
        self._save_soon_handle: asyncio.TimerHandle | None = None
        self.pending = PendingDevices(hass, entry, self.rejections, self._save_soon)
        self.pending_unknown = self.pending.items  # read by the repair flow and diagnostics
        self.listeners = DeviceListeners()
        self.new_keys_signal = new_keys_signal(entry.entry_id)
        self._expiries = ExpiryQueue(hass, self._expired)

    # ----- options -------------------------------------------------------------

    @property
    def auto_add(self) -> bool:
        """Whether unknown devices are created on their first uplink."""
        return bool(self.entry.options.get(CONF_AUTO_ADD, DEFAULT_AUTO_ADD))

    def timeout(self, device: DeviceData) -> timedelta:
        """Silence after which a device is unavailable."""
        options = self.entry.options
        if device.kind is DeviceKind.WATER_METER:
            minutes = options.get(CONF_INTERVAL_WATER, DEFAULT_INTERVAL_WATER)
        else:
            minutes = options.get(CONF_INTERVAL_MOTION, DEFAULT_INTERVAL_MOTION)
        missed = options.get(CONF_MISSED_INTERVALS, DEFAULT_MISSED_INTERVALS)
        return timedelta(minutes=float(minutes) * float(missed))

    def meter_key(self, dev_eui: str) -> bytes | None:
        """Return the admin-entered decryption key (DEK) of a meter, if any."""
        key = self.entry.options.get(CONF_METER_KEYS, {}).get(dev_eui)
        return bytes.fromhex(key) if key else None

    def _ask_for_key(self, device: DeviceData) -> None:
        """Open a repair issue: this meter's frames are encrypted and no key is set."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            key_issue_id(self.entry.entry_id, device.dev_eui),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="meter_key_required",
            translation_placeholders={"name": inert(device.name), "dev_eui": device.dev_eui},
        )

    def _refused(self, device: DeviceData) -> None:
        """Show why an uplink was refused; a repair issue once it keeps happening."""
        device.values["last_error"] = device.last_error
        device.failed_uplinks += 1
        if device.failed_uplinks == REFUSED_ISSUE_AFTER:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                refused_issue_id(self.entry.entry_id, device),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="uplinks_refused",
                translation_placeholders={
                    "name": inert(device.name),
                    "dev_eui": device.dev_eui,
                    "count": str(REFUSED_ISSUE_AFTER),
                    "error": inert(str(device.last_error)),
                },
            )

    def _override(self, dev_eui: str) -> str | None:
        model: str | None = self.entry.options.get(CONF_DECODERS, {}).get(dev_eui)
        return model

    # ----- lifecycle -------------------------------------------------------------

    async def async_load(self) -> None:
        """Load known devices, the creation limit and the queue; start availability tracking."""
        stored = await async_load_validated(self.hass, self._store, HUB_STORE_SCHEMA)
        for item in stored.get("devices", []):
            device = DeviceData.from_stored(item)
            if (override := self._override(device.dev_eui)) is not None:
                device.model_id = override
            self.devices[device.dev_eui] = device
        if (creation := stored.get("creation")) is not None:
            self._bucket.restore(creation["tokens"], creation["at"])
        self.pending.restore(stored.get("pending", []), self.devices)
        now = dt_util.utcnow()
        for device in self.devices.values():
            device.available = self._is_fresh(device, now)
            if device.available:
                self._schedule_expiry(device)

    async def async_shutdown(self) -> None:
        """Cancel timers and write the device list now."""
        self._expiries.stop()
        if self._save_soon_handle is not None:
            self._save_soon_handle.cancel()
            self._save_soon_handle = None
        await self._store.async_save(self._data_to_save())

    def _data_to_save(self) -> dict[str, Any]:
        now = time.time()
        return {
            "devices": [device.as_stored() for device in self.devices.values()],
            "creation": {"tokens": self._bucket.available(now), "at": now},
            "pending": self.pending.as_stored(),
        }

    def _save_later(self) -> None:
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)

    def _save_soon(self) -> None:
        """Write within a second, whatever else keeps changing (a new device, the queue)."""
        if self._save_soon_handle is None:
            self._save_soon_handle = self.hass.loop.call_later(SAVE_SOON_DELAY, self._write_now)

    @callback
    def _write_now(self) -> None:
        self._save_soon_handle = None
        self.hass.async_create_task(
            self._store.async_save(self._data_to_save()), f"{DOMAIN} save devices"
        )

    # ----- signals ---------------------------------------------------------------

    def _notify(self, device: DeviceData, *, live: bool = True) -> None:
        # ``replaying``: the entities do not rewrite heartbeat states for stored uplinks.
        device.replaying = not live
        try:
            self.listeners.notify(device.dev_eui)
        finally:
            device.replaying = False

    # ----- message handling ------------------------------------------------------

    @callback
    def async_handle(self, message: Message, *, stored: bool = False) -> Outcome:
        """Apply one parsed message; ``stored``: fetched from storage, not a live report."""
        if isinstance(message, Ignored):
            outcome = Outcome.IGNORED
        elif isinstance(message, Join):
            self._dedup.reset(message.device.dev_eui)
            if (device := self.devices.get(message.device.dev_eui)) is not None:
                device.f_cnt = None
            outcome = Outcome.IGNORED
        elif isinstance(message, DeviceStatus):
            outcome = self._handle_status(message)
        else:
            outcome = self._handle_uplink(message, live=not stored)
        self.counters[outcome] += 1
        return outcome

    def _handle_status(self, status: DeviceStatus) -> Outcome:
        device = self.devices.get(status.device.dev_eui)
        if device is None:
            return Outcome.UNKNOWN_DEVICE
        if status.battery is not None and not status.external_power:
            self._apply_values(device, {"battery": status.battery})
        self._seen(device, status.received_at)
        self._notify(device)
        return Outcome.APPLIED

    def _handle_uplink(self, uplink: Uplink, *, live: bool) -> Outcome:
        dev_eui = uplink.device.dev_eui
        device = self.devices.get(dev_eui)
        if device is None:
            outcome, device = self._unknown_device(uplink.device)
            if device is None:
                return outcome
        if self._dedup.is_duplicate(
            dev_eui, uplink.f_cnt, uplink.deduplication_id, time.monotonic()
        ):
            return Outcome.DUPLICATE
        if device.last_seen is not None and uplink.received_at < device.last_seen:
            return self._late_uplink(device, uplink)
        if uplink.device.name and uplink.device.name != device.name:
            device.name = uplink.device.name
            self._rename(device)
        device.f_cnt = uplink.f_cnt
        device.location = uplink.location
        decoded = self._decode(device, uplink)
        values = decoded_values(decoded, uplink.received_at) if decoded else {}
        if not live:
            values = {key: value for key, value in values.items() if key not in LIVE_KEYS}
        elif decoded is not None and "motion" not in values and "motion" in device.keys:
            values["motion"] = False  # an uplink without motion turns motion off
        values.update(link_values(uplink))
        self._apply_values(device, values)
        self._seen(device, uplink.received_at, live=live)
        self._notify(device, live=live)
        if decoded is not None and device.kind is DeviceKind.WATER_METER:
            self._send_decoded(device, decoded, uplink)
        return Outcome.APPLIED if decoded is not None else Outcome.UNDECODABLE

    def _send_decoded(
        self, device: DeviceData, decoded: Decoded, uplink: Uplink, *, late: bool = False
    ) -> None:
        ident = (device.dev_eui, device.name, device.kind, decoded, uplink.received_at, late)
        async_dispatcher_send(self.hass, SIGNAL_DECODED, DecodedUplink(*ident))

    def _late_uplink(self, device: DeviceData, uplink: Uplink) -> Outcome:
        """Never move state backwards: a later last-motion time, a meter's missing history."""
        decoded = self._decode(device, uplink)
        if decoded is not None and decoded.motion:
            motion_at = decoded.motion_at or uplink.received_at
            if motion_at > device.values.get("last_motion", motion_at):
                self._apply_values(device, {"last_motion": motion_at})
                self._notify(device, live=False)
        if decoded is not None and device.kind is DeviceKind.WATER_METER:
            self._send_decoded(device, decoded, uplink, late=True)
        return Outcome.OUT_OF_ORDER

    def _decode(self, device: DeviceData, uplink: Uplink) -> Decoded | None:
        decoder = DECODERS.get(device.model_id)
        error: str | None = None
        decoded: Decoded | None = None
        if uplink.encrypted:
            error = "payload is still encrypted by the network server (no AppSKey)"
        elif decoder is not None and uplink.payload:
            ctx = DecodeContext(
                received_at=uplink.received_at,
                key=self.meter_key(device.dev_eui),
                state=device.decoder_state,
            )
            try:
                decoded = decoder.decode(uplink.payload, uplink.f_port, ctx)
            except KeyRequiredError as err:
                error = str(err)
                self._ask_for_key(device)
            except DecodeError as err:
                error = str(err) or type(err).__name__
        if decoded is None and uplink.server_object:
            try:
                decoded = decode_server_object(uplink.server_object)
                error = None
            except DecodeError as err:
                error = error or str(err)
        if decoded is None:
            device.last_error = error or "no payload"
            self._refused(device)
            if self.rejections.record(f"decode:{device.dev_eui}", time.monotonic()):
                LOGGER.warning(
                    "Cannot decode uplink from %s (%s, fPort %s): %s",
                    device.name,
                    device.dev_eui,
                    uplink.f_port,
                    device.last_error,
                )
            return None
        self._decoded(device, decoded)
        return decoded

    def _decoded(self, device: DeviceData, decoded: Decoded) -> None:
        """Clear what a decoded uplink resolves: the key and refused-uplink issues, the error."""
        if self.meter_key(device.dev_eui) is not None:
            # A key that decodes resolves a "key needed" repair issue.
            ir.async_delete_issue(
                self.hass, DOMAIN, key_issue_id(self.entry.entry_id, device.dev_eui)
            )
        if device.failed_uplinks:
            ir.async_delete_issue(self.hass, DOMAIN, refused_issue_id(self.entry.entry_id, device))
        device.failed_uplinks = 0
        device.last_error = None
        device.values["last_error"] = NO_ERROR
        device.last_raw = decoded.raw
        device.last_warnings = decoded.warnings

    def _apply_values(self, device: DeviceData, values: Mapping[str, Any]) -> None:
        device.values.update(values)
        if device.keys.issuperset(values):
            return  # the usual case: nothing new, no set built
        new = set(values) - device.keys
        device.keys |= new
        self._save_later()
        async_dispatcher_send(self.hass, self.new_keys_signal, device, new)

    # ----- devices ---------------------------------------------------------------

    def _unknown_device(self, ident: DeviceIdentity) -> tuple[Outcome, DeviceData | None]:
        if not self.auto_add:
            self.pending.propose(ident)
            return Outcome.UNKNOWN_DEVICE, None
        if len(self.devices) >= MAX_DEVICES_PER_ENTRY or not self._bucket.take(time.time()):
            if self.rejections.record("device_limit", time.monotonic()):
                LOGGER.warning(
                    "Not adding new LoRaWAN device %s: the automatic device creation limit "
                    "was reached (%s devices, at most %s new at once and %s per hour)",
                    ident.dev_eui,
                    len(self.devices),
                    AUTO_ADD_BURST,
                    AUTO_ADD_PER_HOUR,
                )
            return Outcome.RATE_LIMITED, None
        return Outcome.APPLIED, self.add_device(ident)

    def add_device(self, ident: DeviceIdentity, model_id: str | None = None) -> DeviceData:
        """Create a device (auto-add, or confirmed by the admin)."""
        model = (
            model_id
            or self._override(ident.dev_eui)
            or detect_model(
                brand_id=ident.brand_id,
                model_id=ident.model_id,
                profile_name=ident.profile_name,
                tags=ident.tags,
            )
            or MODEL_SERVER_OBJECT
        )
        device = DeviceData(dev_eui=ident.dev_eui, name=ident.name or ident.dev_eui, model_id=model)
        self.devices[device.dev_eui] = device
        self.pending.added(device.dev_eui)
        LOGGER.info("Added LoRaWAN device %s (%s) as %s", device.name, device.dev_eui, model)
        self._save_soon()  # a kill -9 a second later must not lose it
        async_dispatcher_send(self.hass, self.new_keys_signal, device, set(device.keys))
        return device

    def remove_device(self, dev_eui: str) -> None:
        """Forget a device (removed from the UI)."""
        self.devices.pop(dev_eui, None)
        self._expiries.cancel(dev_eui)
        self._save_later()

    def set_model(self, dev_eui: str, model_id: str) -> None:
        """Apply an admin's decoder choice."""
        if (device := self.devices.get(dev_eui)) is not None:
            device.model_id = model_id
            self._save_later()

    def _rename(self, device: DeviceData) -> None:
        registry = dr.async_get(self.hass)
        entry = registry.async_get_device_by_identifier(
            (DOMAIN, device.dev_eui), self.entry.entry_id
        )
        if entry is not None and entry.name_by_user is None:
            registry.async_update_device(entry.id, name=device.name)
        self._save_later()

    # ----- availability ------------------------------------------------------------

    def _is_fresh(self, device: DeviceData, now: datetime) -> bool:
        return device.last_seen is not None and now - device.last_seen < self.timeout(device)

    def _seen(self, device: DeviceData, at: datetime, *, live: bool = True) -> None:
        # A network server whose clock runs ahead must not keep a device alive.
        device.last_seen = min(at, dt_util.utcnow())
        # Only a live uplink makes a device available again: a stored one is old news.
        if live and not device.available:
            device.available = True
            if self._availability_log.record(f"up {device.dev_eui}", time.monotonic()):
                LOGGER.info(
                    "LoRaWAN device %s (%s) is reporting again", device.name, device.dev_eui
                )
        if device.dev_eui not in self._expiries:
            self._schedule_expiry(device)

    def _schedule_expiry(self, device: DeviceData) -> None:
        assert device.last_seen is not None  # noqa: S101 - only called for seen devices
        self._expiries.schedule(device.dev_eui, device.last_seen + self.timeout(device))

    def _expired(self, dev_eui: str, now: datetime) -> None:
        if (device := self.devices.get(dev_eui)) is None:
            return
        if self._is_fresh(device, now):
            # An uplink arrived meanwhile: check again at the new expiry.
            self._schedule_expiry(device)
            return
        device.available = False
        if self._availability_log.record(f"down {device.dev_eui}", time.monotonic()):
            LOGGER.warning(
                "LoRaWAN device %s (%s) is unavailable: no uplink since %s (logged at most "
                "once per 10 minutes per device)",
                device.name,
                device.dev_eui,
                device.last_seen,
            )
        self._notify(device)
