"""Push delivery bookkeeping: retry a failed notify call, then give up (pure).

A message (one notification ``key``, for example an alarm's tag) that could not
be sent to a target is retried :data:`RETRY_AFTER` after its first failure
(30 s, then 2 min). When the last retry fails too the caller gives up on that
target: it escalates at once, without waiting for the escalation delay. A
newer failed send of the same message to the same target only replaces what
is retried; a successful call to a target ends its failure. Times are passed
in: nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

RETRY_AFTER: tuple[timedelta, ...] = (timedelta(seconds=30), timedelta(minutes=2))


@dataclass(slots=True)
class PendingRetry:
    """One message waiting to be sent again to one target."""

    key: str
    target: str
    first_failed_at: datetime
    payload: Any  # what the caller needs to send it again
    retries: int = 0  # retries made so far

    @property
    def due_at(self) -> datetime | None:
        """Return when the next retry is due (None: every retry was made)."""
        if self.retries >= len(RETRY_AFTER):
            return None
        return self.first_failed_at + RETRY_AFTER[self.retries]


class DeliveryTracker:
    """Which messages wait for a retry, and which targets fail."""

    def __init__(self) -> None:
        """Start with nothing pending."""
        self._pending: dict[tuple[str, str], PendingRetry] = {}
        self._failing: dict[str, datetime] = {}

    def mark_failing(self, target: str, now: datetime) -> None:
        """Record that a call to ``target`` failed (it fails until a call succeeds)."""
        self._failing.setdefault(target, now)

    def failed(self, key: str, target: str, payload: Any, now: datetime) -> None:
        """Record a failed send of a message (a newer one replaces what is retried)."""
        self._failing.setdefault(target, now)
        pending = self._pending.get((key, target))
        if pending is None:
            self._pending[key, target] = PendingRetry(key, target, now, payload)
        else:
            pending.payload = payload

    def retry_failed(self, retry: PendingRetry, now: datetime) -> bool:
        """Record that ``retry`` failed again; return False when it is time to give up."""
        self._failing.setdefault(retry.target, now)
        if self._pending.get((retry.key, retry.target)) is not retry:
            return True  # dropped (the message was withdrawn) or replaced meanwhile
        if retry.retries >= len(RETRY_AFTER):
            del self._pending[retry.key, retry.target]
            return False
        return True

    def succeeded(self, target: str, key: str | None = None) -> bool:
        """Record a successful call; return True if the target was failing until now."""
        if key is not None:
            self._pending.pop((key, target), None)
        if any(pending.target == target for pending in self._pending.values()):
            return False  # another message to it still waits for its retry
        return self._failing.pop(target, None) is not None

    def drop(self, key: str) -> None:
        """Forget the retries of a withdrawn message (an alarm that was closed)."""
        for pair in [pair for pair in self._pending if pair[0] == key]:
            del self._pending[pair]

    def due(self, now: datetime) -> list[PendingRetry]:
        """Return the retries due now, oldest first, counted as made."""
        due = sorted(
            (
                (at, pending)
                for pending in self._pending.values()
                if (at := pending.due_at) is not None and at <= now
            ),
            key=lambda item: item[0],
        )
        for _, pending in due:
            pending.retries += 1
        return [pending for _, pending in due]

    def next_deadline(self) -> datetime | None:
        """Return when the next retry is due."""
        times = (pending.due_at for pending in self._pending.values())
        return min((at for at in times if at is not None), default=None)

    @property
    def failing(self) -> dict[str, datetime]:
        """Return the failing targets and since when."""
        return dict(self._failing)
