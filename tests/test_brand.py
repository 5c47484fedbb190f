"""The brand icons follow the brands rules: square, 256 and 512 px, trimmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

BRAND = Path(__file__).parent.parent / "custom_components" / "municipal_iot" / "brand"


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_icon_is_square_and_has_no_transparent_border(name: str, size: int) -> None:
    with Image.open(BRAND / name) as image:
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        # Trimmed: some opaque pixel touches every edge.
        assert image.getchannel("A").getbbox() == (0, 0, size, size)
