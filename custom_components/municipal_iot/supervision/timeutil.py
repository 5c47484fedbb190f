"""Datetime helpers shared by the supervision modules."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime) -> datetime:
    """Return ``value`` as a timezone-aware UTC datetime; naive values are rejected."""
    if value.tzinfo is None:
        raise ValueError("naive datetime; supervision needs timezone-aware times")
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """Format an aware datetime as an ISO 8601 UTC string."""
    return utc(value).isoformat()


def iso_or_none(value: datetime | None) -> str | None:
    """Format an optional aware datetime as an ISO 8601 UTC string."""
    return None if value is None else iso(value)


def parse_iso(value: object) -> datetime:
    """Parse an ISO 8601 string with an offset into an aware UTC datetime."""
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    return utc(datetime.fromisoformat(value))


def parse_iso_or_none(value: object) -> datetime | None:
    """Parse an optional ISO 8601 string (``None`` stays ``None``)."""
    return None if value is None else parse_iso(value)
