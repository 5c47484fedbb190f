"""End-to-end tests: one real Home Assistant (``hass``) driven through its public APIs.

The session fixture in ``conftest.py`` starts it on a free loopback port with a
temporary configuration, builds the demo site with the demo's own code
(``scripts/demo``), posts the simulator's traffic over HTTP and registers a
staff phone on the mobile app's local push channel.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any


class LoopThread:
    """An asyncio loop in a thread of its own, so that sync tests can await."""

    def __init__(self) -> None:
        """Start the loop."""
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="e2e-loop", daemon=True)
        self._thread.start()

    def run[T](self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        """Run ``coro`` on the loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
