"""The protocol and domain packages stay free of Home Assistant imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "custom_components" / "municipal_iot"
PURE_PACKAGES = ["decoders", "lorawan", "supervision", "water"]


def _modules(package: str) -> list[Path]:
    """Return every module of a pure package, subpackages included."""
    return sorted((PACKAGE / package).rglob("*.py"))


def _climbs_out(path: Path, root: Path, level: int) -> bool:
    """Return True if a relative import of ``level`` dots in ``path`` leaves ``root``."""
    depth = len(path.relative_to(root).parts) - 1  # folders between root and the module
    return level - 1 > depth


def test_modules_include_subpackages() -> None:
    assert PACKAGE / "decoders" / "mbus" / "records.py" in _modules("decoders")


@pytest.mark.parametrize(
    ("module", "level", "climbs_out"),
    [
        ("base.py", 1, False),  # from .values import ...
        ("base.py", 2, True),  # from ..const import ... (the HA glue)
        ("mbus/header.py", 1, False),  # from .coding import ...
        ("mbus/__init__.py", 2, False),  # from ..base import ... (still decoders)
        ("mbus/header.py", 2, False),
        ("mbus/header.py", 3, True),  # from ...const import ...
    ],
)
def test_climbs_out(module: str, level: int, climbs_out: bool) -> None:
    root = PACKAGE / "decoders"
    assert _climbs_out(root / module, root, level) is climbs_out


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_package_has_no_homeassistant_import(package: str) -> None:
    """No module in a pure package imports homeassistant (or the HA glue around it)."""
    root = PACKAGE / package
    own = f"custom_components.municipal_iot.{package}"
    files = _modules(package)
    assert files, f"{package} has no modules"
    for path in files:
        name_in_package = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level and _climbs_out(path, root, node.level):
                    pytest.fail(
                        f"{name_in_package} imports from the HA glue "
                        f"({'.' * node.level}{node.module})"
                    )
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith("homeassistant"), f"{name_in_package} imports {name}"
                if name.startswith("custom_components"):
                    assert name == own or name.startswith(f"{own}."), (
                        f"{name_in_package} imports {name}"
                    )
