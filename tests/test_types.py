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


def test_every_type_ignore_says_why() -> None:
    """mypy insists on the error code (ignore-without-code); the reason is ours: a comment after it on the
    line, or a comment line just above that starts with "ignore:"."""
    unexplained = []
    for path in sorted([*ROOT.glob("backend/**/*.py"), *ROOT.glob("frontend/**/*.py")]):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "# type: ignore" not in line:
                continue
            after = line.split("# type: ignore", 1)[1]
            above = lines[number - 1].strip() if number else ""
            if "#" not in after and not above.startswith("# ignore:"):
                unexplained.append(f"{path.relative_to(ROOT)}:{number + 1}")
    assert not unexplained, "type: ignore without its reason: " + ", ".join(unexplained)
