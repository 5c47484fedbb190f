"""MQTT topics: default prefixes, subscriptions, and what a topic names."""

from __future__ import annotations

import pytest

from custom_components.municipal_iot.lorawan.messages import Server
from custom_components.municipal_iot.lorawan.topics import (
    TopicEvent,
    default_prefix,
    subscriptions,
    topic_event,
    valid_prefix,
)

CS = "application/app-1"
TTS = "v3/solrosen@ttn"


def test_defaults_and_subscriptions() -> None:
    assert default_prefix(Server.CHIRPSTACK, "app-1") == CS
    assert default_prefix(Server.TTS, "solrosen") == TTS
    assert subscriptions(Server.CHIRPSTACK, CS) == [f"{CS}/device/+/event/+"]
    # Uplinks, joins and the downlink reports (down/ack ... as in the TTS MQTT docs).
    assert subscriptions(Server.TTS, TTS) == [
        f"{TTS}/devices/+/{event}"
        for event in ("up", "join", "down/ack", "down/nack", "down/sent", "down/failed")
    ]


@pytest.mark.parametrize(
    ("server", "prefix", "topic", "expected"),
    [
        (Server.CHIRPSTACK, CS, f"{CS}/device/0101/event/up", TopicEvent("0101", "up")),
        (Server.CHIRPSTACK, CS, f"{CS}/device/0101/command/down", None),
        (Server.CHIRPSTACK, CS, f"{CS}/device/0101/event", None),
        (Server.CHIRPSTACK, CS, "application/app-10/device/0101/event/up", None),
        (Server.TTS, TTS, f"{TTS}/devices/lgh-3/up", TopicEvent("lgh-3", "up")),
        (Server.TTS, TTS, f"{TTS}/devices/lgh-3/down/ack", TopicEvent("lgh-3", "down/ack")),
        (Server.TTS, TTS, f"{TTS}/device/lgh-3/up", None),
        (Server.TTS, TTS, f"{TTS}/devices/lgh-3", None),
    ],
)
def test_topic_event(server: Server, prefix: str, topic: str, expected: TopicEvent | None) -> None:
    assert topic_event(server, prefix, topic) == expected


@pytest.mark.parametrize(
    ("prefix", "valid"),
    [("application/x", True), ("a/+/b", False), ("a//b", False), ("a/#", False), ("", False)],
)
def test_valid_prefix(prefix: str, valid: bool) -> None:
    assert valid_prefix(prefix) is valid
