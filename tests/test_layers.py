"""The layers of README's architecture section hold: import-linter's contracts ([tool.importlinter] in
pyproject.toml) are kept, and every module of backend/ has its place in them."""

import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_imports_go_one_way() -> None:
    # lint-imports from the same environment as pytest: the version pinned in the test extra.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_backend_module_has_a_layer() -> None:
    """A module no layer names escapes the contract: it could import anything, and anything it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    named = {
        name
        for contract in config
        if contract["type"] == "layers"
        for layer in contract["layers"]
        for name in re.split(r"\s*[|:]\s*", layer)
    }
    modules = {f"backend.{module.name}" for module in pkgutil.iter_modules([str(ROOT / "backend")])}
    assert modules - named == set()
