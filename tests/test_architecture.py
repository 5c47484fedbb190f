"""The protocol and domain packages stay free of Home Assistant imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "custom_components" / "municipal_iot"
PURE_PACKAGES = ["decoders", "lorawan", "supervision", "water"]


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_package_has_no_homeassistant_import(package: str) -> None:
    """No module in a pure package imports homeassistant (or the HA glue around it)."""
    files = sorted((PACKAGE / package).glob("*.py"))
    assert files, f"{package} has no modules"
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level >= 2:
                    pytest.fail(
                        f"{path.name} imports from the HA glue ({'.' * node.level}{node.module})"
                    )
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith("homeassistant"), f"{path.name} imports {name}"
