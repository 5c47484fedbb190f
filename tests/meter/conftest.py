"""Fixtures for the water-meter Home Assistant tests."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.typing import RecorderInstanceContextManager


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: RecorderInstanceContextManager) -> None:
    """Prepare the recorder database before the hass fixture (needed by recorder_mock)."""
