"""Small validators shared by the network-server parsers."""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .messages import SchemaError

_EUI = re.compile(r"^[0-9a-fA-F]{16}$")
# RFC 3339 with up to nanoseconds; Python parses at most microseconds.
_FRACTION = re.compile(r"(\.\d{6})\d+")
# Names, ids and tags end up in entity names, log lines and repair issues.
MAX_TEXT = 256
MAX_TAGS = 64
# C0/C1 controls, DEL, lone UTF-16 surrogates, line and paragraph separators: a newline
# in a device name would forge a line in home-assistant.log.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
# Receive times a network server can send: anything else is a broken or forged clock
# (and 0001-01-01 or 9999-12-31 with an offset cannot even be converted to UTC).
FIRST_YEAR = 2000
LAST_YEAR = 2099


def obj(value: Any, name: str) -> Mapping[str, Any]:
    """Return ``value`` if it is a JSON object."""
    # ``type() is dict`` first: the JSON parser's dicts skip the slower ABC check.
    if type(value) is not dict and not isinstance(value, Mapping):
        raise SchemaError(f"{name} must be an object")
    return value


def opt_obj(value: Any, name: str) -> Mapping[str, Any] | None:
    """Return an optional JSON object."""
    return None if value is None else obj(value, name)


def opt_str(value: Any, name: str) -> str | None:
    """Return an optional string, checked by :func:`text`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise SchemaError(f"{name} must be a string")
    return text(value, name)


def text(value: str, name: str) -> str:
    """Return ``value`` if it is short and free of control characters and lone surrogates."""
    if len(value) > MAX_TEXT:
        raise SchemaError(f"{name} is longer than {MAX_TEXT} characters")
    if value.isascii() and value.isprintable():
        return value  # printable ASCII has none of the unsafe characters (the usual case)
    if (bad := _UNSAFE.search(value)) is not None:
        raise SchemaError(f"{name} contains a control character (U+{ord(bad.group()):04X})")
    return value


def opt_int(value: Any, name: str, default: int | None = None) -> int | None:
    """Return an optional integer; JSON doubles such as ``6.0`` are accepted."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(f"{name} must be a number")
    if isinstance(value, float) and not value.is_integer():
        raise SchemaError(f"{name} must be an integer")
    return int(value)


def opt_float(value: Any, name: str) -> float | None:
    """Return an optional number as float."""
    if type(value) is float:  # the usual case: JSON numbers with a fraction
        if math.isfinite(value):
            return value
        raise SchemaError(f"{name} must be a finite number")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise SchemaError(f"{name} must be a finite number")
    return number


def dev_eui(value: Any, name: str) -> str:
    """Return a DevEUI as 16 lower-case hex digits."""
    if not isinstance(value, str) or not _EUI.match(value):
        raise SchemaError(f"{name} must be 16 hex digits")
    return value.lower()


def payload(value: Any, name: str) -> bytes:
    """Decode a base64 FRMPayload; absent means empty."""
    if value is None:
        return b""
    if not isinstance(value, str):
        raise SchemaError(f"{name} must be base64 text")
    try:
        # What base64.b64decode(value, validate=True) does, without its wrapper.
        return binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
    except binascii.Error, ValueError:
        raise SchemaError(f"{name} is not valid base64") from None


def timestamp(value: Any, name: str, fallback: datetime) -> datetime:
    """Parse an RFC 3339 timestamp to aware UTC; absent means ``fallback``."""
    if value is None:
        return fallback
    if not isinstance(value, str):
        raise SchemaError(f"{name} must be an RFC 3339 time")
    # Python reads a final "Z" and truncates nanoseconds itself (the usual case); the
    # rewrite is for the rest, since Python would also take a "z" as the "T".
    body = value.removesuffix("Z")
    try:
        if "Z" in body or "z" in body:
            raise ValueError  # noqa: TRY301 - the rewrite below decides
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _rewritten_time(value, name)
    if parsed.tzinfo is None:
        raise SchemaError(f"{name} must carry a time zone")
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not FIRST_YEAR <= utc.year <= LAST_YEAR:
        raise SchemaError(f"{name} must be between {FIRST_YEAR} and {LAST_YEAR}")
    return utc


def _rewritten_time(value: str, name: str) -> datetime:
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise SchemaError(f"{name} must be an RFC 3339 time") from None


def str_map(value: Any, name: str) -> dict[str, str]:
    """Return a string-to-string map (tags, attributes)."""
    if value is None:
        return {}
    mapping = obj(value, name)
    if len(mapping) > MAX_TAGS:
        raise SchemaError(f"{name} has more than {MAX_TAGS} entries")
    result: dict[str, str] = {}
    for key, item in mapping.items():
        clean = text(str(key), f"{name} key")
        result[clean] = text(str(item), f"{name}.{clean[:32]}")
    return result
