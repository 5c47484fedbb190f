"""Decoder registry and device-model detection from network-server metadata.

To add a device family, append its decoder instance(s) to ``_DECODER_LIST`` and one
:class:`DetectionRule` per model id to ``DETECTION_RULES``.

Detection order in :func:`detect_model`:

1. a device tag ``municipal_iot_model`` or ``model`` (ChirpStack device or profile tags):
   a model id such as ``milesight_ws202``, or free text matched like a profile name;
2. TTS ``version_ids``: ``brand_id`` and ``model_id`` as in the TTN device repository
   (``elsys``/``ers-eye``, ``milesight-iot``/``ws202``, ``browan``/``tbms100``); the brand
   alone is enough where one decoder covers the whole brand (Elsys);
3. the ChirpStack device-profile name (``Elsys ERS``, ``Milesight WS202``, ``Browan TBMS100``).

Text is compared case-insensitively with ``_`` and ``-`` read as spaces. Only the first
``MAX_DETECT_CHARS`` characters of any text are read, and no pattern can backtrack, so
detection costs the same for a 60 KB hostile profile name as for a real one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .axioma import AxiomaW1Decoder
from .browan import BrowanMotionDecoder
from .elsys import ElsysDecoder
from .kamstrup import KamstrupFlowIQDecoder
from .milesight import VS340, VS341, WS202, WS203
from .sensus import SensusIperlDecoder

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .base import Decoder

_TAG_KEYS = ("municipal_iot_model", "model")

_DECODER_LIST: tuple[Decoder, ...] = (
    ElsysDecoder(),
    WS202,
    WS203,
    VS340,
    VS341,
    BrowanMotionDecoder(),
    AxiomaW1Decoder(),
    KamstrupFlowIQDecoder(),
    SensusIperlDecoder(),
)

DECODERS: dict[str, Decoder] = {decoder.model_id: decoder for decoder in _DECODER_LIST}


# Detection reads at most this many characters of any network-server text: no real profile
# name, tag or TTS id is longer, and it bounds the cost of detection whatever a body sends.
MAX_DETECT_CHARS = 128

# Runs of letters or of digits: "WS-202", "ws_202" and "ws202" all read as ("ws", "202").
_TOKEN = re.compile(r"[^\W\d_]+|\d+")

Phrase = tuple[str, ...]


def _tokens(text: str) -> Phrase:
    return tuple(_TOKEN.findall(text[:MAX_DETECT_CHARS].lower()))


@dataclass(frozen=True, slots=True)
class DetectionRule:
    """How one decoder's devices show up in network-server metadata.

    ``brand`` and ``model`` must match the whole (normalised) TTS ``brand_id`` and
    ``model_id``, anchored patterns without nested repetition. ``profile`` lists the ways
    the device shows in a profile name or tag value: each way is a sequence of phrases that
    must appear in that order, each phrase a run of adjacent tokens. Profile matching is a
    token scan, no regular expression: linear in the (bounded) text.
    """

    model_id: str
    brand: re.Pattern[str]
    model: re.Pattern[str]
    profile: tuple[tuple[Phrase, ...], ...]
    brand_suffices: bool = False


def _rule(
    model_id: str,
    *,
    brand: str,
    model: str,
    profile: tuple[str, ...],
    brand_suffices: bool = False,
) -> DetectionRule:
    """``profile`` ways are written as text: ``"browan ... motion"`` is two ordered phrases."""
    ways = tuple(tuple(_tokens(phrase) for phrase in way.split("...")) for way in profile)
    return DetectionRule(model_id, re.compile(brand), re.compile(model), ways, brand_suffices)


DETECTION_RULES: list[DetectionRule] = [
    _rule(
        "elsys_ers",
        brand=r"elsys( .*)?",
        # ers, ers co2, ers co2 lite, ers eye, ers sound, ems desk, ems door, elt 2, elt lite ...
        model=r"(ers|ems|elt)( .*|\d.*)?",
        profile=("elsys", "ers", "ems", "elt"),
        brand_suffices=True,
    ),
    _rule(
        "milesight_ws202",
        brand=r"milesight( .*)?",
        model=r"ws ?202( .*)?",
        profile=("ws202",),
    ),
    _rule(
        "milesight_ws203",
        brand=r"milesight( .*)?",
        model=r"ws ?203( .*)?",
        profile=("ws203",),
    ),
    _rule(
        "milesight_vs340",
        brand=r"milesight( .*)?",
        model=r"vs ?340( .*)?",
        profile=("vs340",),
    ),
    _rule(
        "milesight_vs341",
        brand=r"milesight( .*)?",
        model=r"vs ?341( .*)?",
        profile=("vs341",),
    ),
    _rule(
        "browan_tbms100",
        brand=r"browan( .*)?",
        # "motionsensor" is the older TTN repository entry for the same TABS sensor.
        model=r"tbms ?100( .*)?|(tabs )?motion ?sensor",
        profile=("tbms100", "browan ... motion", "tabs ... motion"),
    ),
    _rule(
        "axioma_w1",
        brand=r"axioma( .*)?",
        # TTN: qalcosonic-w1; the brand alone is not enough (Axioma also makes heat meters).
        model=r"(qalcosonic ?)?w1( .*)?",
        profile=("qalcosonic w1", "axioma ... w1"),
    ),
    _rule(
        "kamstrup_flowiq2200",
        brand=r"kamstrup( .*)?",
        # TTN: flowiq2200-02k73a
        model=r"flow ?iq ?2200( .*)?",
        profile=("flowiq2200", "kamstrup ... flowiq"),
    ),
    _rule(
        "sensus_iperl",
        brand=r"sensus( .*)?",
        model=r"iperl( .*)?",
        profile=("iperl",),
    ),
]


def _normalise(text: str) -> str:
    bounded = text[:MAX_DETECT_CHARS]
    return " ".join(bounded.lower().replace("_", " ").replace("-", " ").split())


def _find(tokens: Phrase, phrase: Phrase, start: int) -> int:
    """Return the index just after the first ``phrase`` at or after ``start``, or -1."""
    size = len(phrase)
    for index in range(start, len(tokens) - size + 1):
        if tokens[index : index + size] == phrase:
            return index + size
    return -1


def _has_way(tokens: Phrase, way: tuple[Phrase, ...]) -> bool:
    position = 0
    for phrase in way:
        position = _find(tokens, phrase, position)
        if position < 0:
            return False
    return True


def _from_text(text: str) -> str | None:
    """Find a model id in a profile name or free-text tag."""
    tokens = _tokens(text)
    return next(
        (
            rule.model_id
            for rule in DETECTION_RULES
            if any(_has_way(tokens, way) for way in rule.profile)
        ),
        None,
    )


def _from_tags(tags: Mapping[str, str]) -> str | None:
    lowered = {key.lower(): value for key, value in tags.items()}
    for key in _TAG_KEYS:
        value = lowered.get(key)
        if not value:
            continue
        model_id = _normalise(value).replace(" ", "_")
        if model_id in DECODERS:
            return model_id
        found = _from_text(value)
        if found is not None:
            return found
    return None


def _from_version_ids(brand_id: str | None, model_id: str | None) -> str | None:
    brand = _normalise(brand_id or "")
    model = _normalise(model_id or "")
    for rule in DETECTION_RULES:
        brand_ok = not brand or rule.brand.fullmatch(brand) is not None
        if not brand_ok:
            continue
        if (model and rule.model.fullmatch(model)) or (brand and rule.brand_suffices):
            return rule.model_id
    return None


def detect_model(
    *,
    brand_id: str | None,
    model_id: str | None,
    profile_name: str | None,
    tags: Mapping[str, str],
) -> str | None:
    """Return the decoder model id for a device, or ``None`` when nothing matches."""
    found = _from_tags(tags) or _from_version_ids(brand_id, model_id)
    if found is None and profile_name:
        found = _from_text(profile_name)
    return found


def decoder_choices() -> list[tuple[str, str]]:
    """Return ``(model_id, "Manufacturer Model")`` pairs for a selector, sorted by label."""
    choices = [(d.model_id, f"{d.manufacturer} {d.model}") for d in DECODERS.values()]
    return sorted(choices, key=lambda choice: choice[1].lower())
