"""Tests for the decoder registry and model detection."""

from __future__ import annotations

import pytest

from custom_components.municipal_iot.decoders import registry
from custom_components.municipal_iot.decoders.base import DeviceKind
from custom_components.municipal_iot.decoders.registry import (
    DECODERS,
    DETECTION_RULES,
    MAX_DETECT_CHARS,
    decoder_choices,
    detect_model,
)

MOTION_MODELS = {
    "elsys_ers",
    "milesight_ws202",
    "milesight_ws203",
    "milesight_vs340",
    "milesight_vs341",
    "browan_tbms100",
}


def test_motion_decoders_are_registered_under_their_model_id() -> None:
    assert set(DECODERS) >= MOTION_MODELS
    for model_id, decoder in DECODERS.items():
        assert decoder.model_id == model_id
    for model_id in MOTION_MODELS:
        assert DECODERS[model_id].kind is DeviceKind.MOTION


def test_every_rule_points_at_a_decoder() -> None:
    assert {rule.model_id for rule in DETECTION_RULES} <= set(DECODERS)
    assert {rule.model_id for rule in DETECTION_RULES} >= MOTION_MODELS


@pytest.mark.parametrize(
    ("brand_id", "model_id", "expected"),
    [
        ("elsys", "ers", "elsys_ers"),
        ("elsys", "ers-eye", "elsys_ers"),
        ("elsys", "ers-co2-lite", "elsys_ers"),
        ("elsys", "ers-sound", "elsys_ers"),
        ("elsys", "ems-desk", "elsys_ers"),
        ("elsys", "ems-door", "elsys_ers"),
        ("elsys", "elt-2", "elsys_ers"),
        ("elsys", "elt2", "elsys_ers"),
        ("elsys", "elt-ultrasonic", "elsys_ers"),
        ("elsys", None, "elsys_ers"),  # one decoder covers the whole brand
        ("elsys", "ers-future-model", "elsys_ers"),
        ("ELSYS", "ERS_Eye", "elsys_ers"),
        (None, "ers-lite", "elsys_ers"),
        ("milesight-iot", "ws202", "milesight_ws202"),
        ("milesight-iot", "ws203", "milesight_ws203"),
        ("milesight-iot", "vs340", "milesight_vs340"),
        ("milesight-iot", "vs341", "milesight_vs341"),
        ("milesight", "WS202", "milesight_ws202"),
        ("milesight-iot", "ws203-868m", "milesight_ws203"),
        (None, "ws203", "milesight_ws203"),
        ("browan", "tbms100", "browan_tbms100"),
        ("browan", "motionsensor", "browan_tbms100"),
        ("milesight-iot", "em300-th", None),
        ("milesight-iot", None, None),  # the brand alone is ambiguous
        ("browan", "tbdw100", None),
        ("browan", None, None),
        ("browan", "ws202", None),  # brand and model must agree
        ("kamstrup", "flowiq2200", "kamstrup_flowiq2200"),
        ("kamstrup", "multical-403", None),  # a heat meter we do not decode
        (None, None, None),
    ],
)
def test_detect_from_tts_version_ids(
    brand_id: str | None, model_id: str | None, expected: str | None
) -> None:
    assert (
        detect_model(brand_id=brand_id, model_id=model_id, profile_name=None, tags={}) == expected
    )


@pytest.mark.parametrize(
    ("profile_name", "expected"),
    [
        ("Elsys ERS", "elsys_ers"),
        ("ERS Eye", "elsys_ers"),
        ("elsys-ems-desk", "elsys_ers"),
        ("ELT2 pulse counter", "elsys_ers"),
        ("Milesight WS202", "milesight_ws202"),
        ("milesight_ws203_eu868", "milesight_ws203"),
        ("WS-203", "milesight_ws203"),
        ("VS340 desk", "milesight_vs340"),
        ("Milesight VS341", "milesight_vs341"),
        ("Browan TBMS100", "browan_tbms100"),
        ("TBMS-100 EU868", "browan_tbms100"),
        ("TABS Motion Sensor", "browan_tbms100"),
        ("Browan door sensor TBDW100", None),
        ("Sensors generic", None),
        ("Water meters", None),
        ("Kamstrup flowIQ 2200", "kamstrup_flowiq2200"),
        ("Kamstrup MULTICAL 403", None),
        ("", None),
    ],
)
def test_detect_from_chirpstack_profile_name(profile_name: str, expected: str | None) -> None:
    assert (
        detect_model(brand_id=None, model_id=None, profile_name=profile_name, tags={}) == expected
    )


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"municipal_iot_model": "milesight_ws203"}, "milesight_ws203"),
        ({"model": "WS202"}, "milesight_ws202"),
        ({"Model": "milesight-vs340"}, "milesight_vs340"),
        ({"MUNICIPAL_IOT_MODEL": "browan_tbms100"}, "browan_tbms100"),
        ({"model": "Elsys ERS Eye"}, "elsys_ers"),
        ({"municipal_iot_model": "", "model": "vs341"}, "milesight_vs341"),
        ({"building": "house-a"}, None),
        ({"model": "unknown thing"}, None),
    ],
)
def test_detect_from_tags(tags: dict[str, str], expected: str | None) -> None:
    assert detect_model(brand_id=None, model_id=None, profile_name=None, tags=tags) == expected


def test_tag_beats_version_ids_and_profile() -> None:
    found = detect_model(
        brand_id="elsys",
        model_id="ers",
        profile_name="Elsys ERS",
        tags={"municipal_iot_model": "milesight_ws203"},
    )
    assert found == "milesight_ws203"


def test_version_ids_beat_profile() -> None:
    found = detect_model(
        brand_id="milesight-iot", model_id="ws202", profile_name="Elsys ERS", tags={}
    )
    assert found == "milesight_ws202"


def test_unknown_tag_falls_back_to_version_ids_then_profile() -> None:
    tags = {"model": "something else"}
    assert (
        detect_model(brand_id="browan", model_id="tbms100", profile_name=None, tags=tags)
        == "browan_tbms100"
    )
    assert (
        detect_model(brand_id=None, model_id=None, profile_name="Milesight VS341", tags=tags)
        == "milesight_vs341"
    )


def test_decoder_choices() -> None:
    choices = decoder_choices()
    assert {model_id for model_id, _ in choices} == set(DECODERS)
    labels = dict(choices)
    assert labels["milesight_ws202"] == "Milesight WS202"
    assert labels["browan_tbms100"] == "Browan TBMS100"
    assert labels["elsys_ers"].startswith("Elsys ERS")
    assert [label.lower() for _, label in choices] == sorted(label.lower() for _, label in choices)


# Issue 10 defect 2: "tabs " * 11900 as a profile name took 3.3 s per request with the old
# "\b(browan|tabs)\b.*\bmotion\b" search. Detection now reads a bounded prefix as tokens.
HOSTILE = {
    "tabs": "tabs " * 12_000,
    "browan": "browan " * 12_000,
    "elsys": "elsys-" * 10_000,
    "letters": "w" * 60_000,
    "spaces": " " * 60_000,
}
_REAL_TOKEN = registry._TOKEN


class _CountingToken:
    """Stands in for the tokeniser and records how much text each call was given."""

    def __init__(self) -> None:
        self.lengths: list[int] = []
        self.results: list[list[str]] = []

    def findall(self, text: str) -> list[str]:
        self.lengths.append(len(text))
        found: list[str] = _REAL_TOKEN.findall(text)
        self.results.append(found)
        return found


@pytest.mark.parametrize("name", HOSTILE)
def test_detection_work_does_not_grow_past_the_bound(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = HOSTILE[name]
    assert len(hostile) >= 60_000
    spies = []
    for text in (hostile[: len(hostile) // 10], hostile):  # 6 KB, then 60 KB
        spy = _CountingToken()
        monkeypatch.setattr(registry, "_TOKEN", spy)
        found = detect_model(brand_id=text, model_id=text, profile_name=text, tags={"model": text})
        monkeypatch.undo()
        assert found in {None, "elsys_ers"}
        spies.append(spy)
    short, long = spies
    # Every scan saw at most the bound, and the 60 KB text caused exactly the work of the
    # 6 KB one: the matchers only ever see these token lists, so their cost is fixed too.
    assert long.lengths
    assert max(long.lengths) <= MAX_DETECT_CHARS
    assert long.lengths == short.lengths
    assert long.results == short.results


def test_version_ids_are_matched_on_a_bounded_string() -> None:
    assert len(registry._normalise("ws 202 " * 10_000)) <= MAX_DETECT_CHARS
    # Anchored: a real model id followed by 60 KB is still that model, read from its prefix.
    assert (
        detect_model(
            brand_id="milesight", model_id="ws202-" + "x" * 60_000, profile_name=None, tags={}
        )
        == "milesight_ws202"
    )


def test_text_past_the_bound_is_not_read() -> None:
    filler = "x" * 60_000
    assert detect_model(brand_id=None, model_id=None, profile_name="WS202 " + filler, tags={}) == (
        "milesight_ws202"
    )
    assert detect_model(brand_id=None, model_id=None, profile_name=filler + " WS202", tags={}) is (
        None
    )


@pytest.mark.parametrize(
    ("profile_name", "expected"),
    [
        ("Motion sensor by Browan", None),  # phrases must come in order, as before
        ("Browan motion", "browan_tbms100"),
        ("Axioma W10", None),  # w10 is not w1
        ("Elsys/ERS", "elsys_ers"),
        ("ersatz sensor", None),
        ("WS2020", None),
    ],
)
def test_token_matching_keeps_word_boundaries(profile_name: str, expected: str | None) -> None:
    assert (
        detect_model(brand_id=None, model_id=None, profile_name=profile_name, tags={}) == expected
    )
