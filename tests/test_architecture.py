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


# ----------------------------------------------------------------------- the wings

WINGS = ["network", "care", "meter"]
# Root modules a wing may use: the shared pieces (everything else at the root is a hook).
SHARED_ROOT = {"const", "entity", "selectors", "signals", "store", "texts"}
ROOT_NAME = "custom_components.municipal_iot"
MAX_LINES = 500
MAX_HOOK_LINES = 80


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([ROOT_NAME, *parts])


def _is_module(name: str) -> bool:
    rel = Path(*name.removeprefix(ROOT_NAME).lstrip(".").split(".")) if name != ROOT_NAME else None
    if rel is None:
        return True
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def _imports(path: Path) -> set[str]:
    """Return the modules of this package that ``path`` imports (TYPE_CHECKING ones too)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if node.module:
                found.add(target)
            # `from . import care` imports the submodule `care` (names that are not
            # modules are dropped below)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return {item for item in found if item.startswith(ROOT_NAME) and _is_module(item)}


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def _top(name: str) -> str:
    """Return the first part below the root (``care``, ``const``, ...), or '' for the root."""
    return name.removeprefix(ROOT_NAME).lstrip(".").split(".")[0]


@pytest.mark.parametrize("wing", WINGS)
def test_wing_imports_only_itself_the_shared_root_and_pure_packages(wing: str) -> None:
    """A wing never imports another wing, nor a root hook (kinds, platforms, flows)."""
    allowed = {wing, *SHARED_ROOT, *PURE_PACKAGES}
    for module, imported in _graph().items():
        if _top(module) != wing:
            continue
        for target in imported:
            assert _top(target) in allowed, f"{module} imports {target}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the import circles of ``graph`` (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        # A package's __init__ importing its own modules is not a circle of modules.
        for target in (t for t in graph.get(node, ()) if not t.startswith(f"{node}.")):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return cycles


def test_cycle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "p": {"p.x"}, "p.x": set()}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    """The modules of the package import each other without circles (TYPE_CHECKING too)."""
    assert _cycles(_graph()) == []


def test_root_hooks_only_dispatch() -> None:
    """Root modules other than the shared ones and the kinds table are short dispatchers."""
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem in SHARED_ROOT or path.stem == "kinds":
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_HOOK_LINES, f"{path.name} has {lines} lines"


def test_modules_are_short() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_LINES, f"{name} has {lines} lines"
