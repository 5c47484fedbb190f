"""MQTT topics of ChirpStack v4 and The Things Stack v3: subscriptions and events.

ChirpStack's default event topic is ``application/<application id>/device/<devEui>/event/<event>``
(``chirpstack/src/config.rs``); The Things Stack's MQTT server publishes
``v3/<application id>@<tenant>/devices/<device id>/<type>`` with the webhook's JSON.
The part before ``/device`` (``/devices``) is the prefix; an admin may change it for a
custom ChirpStack topic template.
"""

from __future__ import annotations

from dataclasses import dataclass

from .messages import Server

# The TTS message types the receiver uses, by topic suffix.
TTS_EVENTS = ("up", "join", "down/ack", "down/nack", "down/sent", "down/failed")
_WILDCARDS = frozenset("+#\0")


@dataclass(frozen=True, slots=True)
class TopicEvent:
    """What a topic names: the device (DevEUI or TTS device id) and the event."""

    device: str
    event: str


def default_prefix(server: Server, application: str, tenant: str = "ttn") -> str:
    """Return the network server's default topic prefix for an application."""
    if server is Server.CHIRPSTACK:
        return f"application/{application}"
    return f"v3/{application}@{tenant}"


def valid_segment(text: str) -> bool:
    """Return whether ``text`` can be one topic level (an id: no ``/`` and no wildcard)."""
    return bool(text) and "/" not in text and not _WILDCARDS & set(text)


def valid_prefix(text: str) -> bool:
    """Return whether ``text`` is a topic prefix: levels without wildcards, none empty."""
    return all(valid_segment(level) for level in text.split("/"))


def subscriptions(server: Server, prefix: str) -> list[str]:
    """Return the topic filters an entry subscribes to."""
    if server is Server.CHIRPSTACK:
        return [f"{prefix}/device/+/event/+"]
    return [f"{prefix}/devices/+/{event}" for event in TTS_EVENTS]


def topic_event(server: Server, prefix: str, topic: str) -> TopicEvent | None:
    """Return the device and event a topic names, or None when it is not one of ours."""
    if not topic.startswith(f"{prefix}/"):
        return None
    levels = topic[len(prefix) + 1 :].split("/")
    if server is Server.CHIRPSTACK:
        if len(levels) == 4 and levels[0] == "device" and levels[2] == "event":
            return TopicEvent(levels[1], levels[3])
        return None
    if len(levels) >= 3 and levels[0] == "devices":
        return TopicEvent(levels[1], "/".join(levels[2:]))
    return None
