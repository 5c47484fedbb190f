"""Buttons: set up by the entry's wing (see kinds.py)."""

from __future__ import annotations

from homeassistant.const import Platform

from .kinds import platform_setup

# Push updates; nothing to poll or parallelise.
PARALLEL_UPDATES = 0

async_setup_entry = platform_setup(Platform.BUTTON)
