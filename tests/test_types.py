"""mypy over the code, so `scripts/test` fails on a type error (settings: pyproject.toml, [tool.mypy])."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_nothing() -> None:
    # mypy from the same environment as pytest: the version pinned in the test extra, with the Strawberry
    # plugin of the installed Strawberry. Its cache (.mypy_cache) makes a second run take seconds.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
