"""Ingest guards: duplicate detection, rate limiting and throttled rejection logging.

Clock values are passed in (seconds, monotonic or epoch) so the logic stays testable.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field


class Deduplicator:
    """Drop repeated uplinks.

    ChirpStack sends a ``deduplicationId`` per uplink; otherwise the same device and
    frame counter seen again within ``window`` seconds is a duplicate (for example
    the same uplink delivered by two integrations, or a webhook retry).
    """

    def __init__(self, window: float, max_ids: int = 4096) -> None:
        """Initialise with a time window in seconds."""
        self._window = window
        self._max_ids = max_ids
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._frames: dict[str, tuple[int, float]] = {}

    def is_duplicate(self, dev_eui: str, f_cnt: int, dedup_id: str | None, now: float) -> bool:
        """Return True if this uplink was seen before; otherwise remember it."""
        if dedup_id is not None:
            if dedup_id in self._ids:
                return True
            self._ids[dedup_id] = None
            if len(self._ids) > self._max_ids:
                self._ids.popitem(last=False)
        last = self._frames.get(dev_eui)
        if last is not None and last[0] == f_cnt and now - last[1] < self._window:
            return True
        self._frames[dev_eui] = (f_cnt, now)
        return False

    def reset(self, dev_eui: str) -> None:
        """Forget frame-counter bookkeeping after a (re)join."""
        self._frames.pop(dev_eui, None)


class TokenBucket:
    """Allow ``burst`` events at once and ``rate_per_hour`` on average."""

    def __init__(self, burst: int, rate_per_hour: float, now: float) -> None:
        """Start full."""
        self._capacity = float(burst)
        self._rate = rate_per_hour / 3600.0
        self._tokens = float(burst)
        self._stamp = now

    def available(self, now: float) -> float:
        """Return the tokens available at ``now`` (a clock set back refills nothing)."""
        return min(self._capacity, self._tokens + max(0.0, now - self._stamp) * self._rate)

    def restore(self, tokens: float, stamp: float) -> None:
        """Continue from ``tokens`` left at ``stamp`` (kept across restarts)."""
        self._tokens = min(self._capacity, max(0.0, tokens))
        self._stamp = stamp

    def take(self, now: float) -> bool:
        """Take one token if available."""
        self._tokens = self.available(now)
        self._stamp = max(now, self._stamp)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


@dataclass
class RejectionLog:
    """Count rejections per reason and decide when a log line is due.

    A reason is logged at most once per ``interval`` seconds, so a flood of bad
    requests cannot flood the log; the counters keep the full picture.
    """

    interval: float
    counts: Counter[str] = field(default_factory=Counter)
    _last_logged: dict[str, float] = field(default_factory=dict)

    def record(self, reason: str, now: float) -> bool:
        """Count one rejection; return True when it should be logged now."""
        self.counts[reason] += 1
        last = self._last_logged.get(reason)
        if last is None or now - last >= self.interval:
            self._last_logged[reason] = now
            return True
        return False
