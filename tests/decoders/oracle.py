"""The reference decoders (frozen copy in ``reference``) and a strict comparison of results.

Shared by tests/decoders/test_decoder_equivalence.py and scripts/bench_decoders.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass

from custom_components.municipal_iot.decoders.base import Decoder
from tests.decoders.reference import axioma, browan, elsys, kamstrup, milesight, sensus

REFERENCE: dict[str, Decoder] = {
    decoder.model_id: decoder
    for decoder in (
        elsys.ElsysDecoder(),
        milesight.WS202,
        milesight.WS203,
        milesight.VS340,
        milesight.VS341,
        browan.BrowanMotionDecoder(),
        axioma.AxiomaW1Decoder(),
        kamstrup.KamstrupFlowIQDecoder(),
        sensus.SensusIperlDecoder(),
    )
}


def canonical(value: object) -> object:
    """A comparable form that keeps types, key order and float signs (``1`` is not ``1.0``)."""
    if is_dataclass(value) and not isinstance(value, type):
        members = tuple((f.name, canonical(getattr(value, f.name))) for f in fields(value))
        return type(value).__qualname__, members
    if isinstance(value, Mapping):
        items = tuple((canonical(k), canonical(v)) for k, v in value.items())
        return type(value).__qualname__, items
    if isinstance(value, list | tuple):
        return type(value).__qualname__, tuple(canonical(item) for item in value)
    if isinstance(value, frozenset | set):
        return type(value).__qualname__, frozenset(canonical(item) for item in value)
    return type(value).__qualname__, repr(value)
