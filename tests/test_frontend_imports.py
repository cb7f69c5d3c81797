"""The UI reaches data only through the GraphQL schema: no frontend module imports models or services."""

from __future__ import annotations

import ast
from pathlib import Path

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"
FORBIDDEN = ("backend.models", "backend.services", "tortoise")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_frontend_does_not_touch_models_or_services() -> None:
    offenders = {
        f"{path.relative_to(FRONTEND.parent)}: {name}"
        for path in FRONTEND.rglob("*.py")
        for name in imported_modules(path)
        if name.startswith(FORBIDDEN) or name in ("backend.models", "backend.services")
    }
    assert not offenders, offenders


def test_the_scan_sees_the_frontend() -> None:
    assert "frontend.gql" in {n for p in FRONTEND.rglob("*.py") for n in imported_modules(p)}
