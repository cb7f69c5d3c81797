"""Every form of the UI is submitted to the server only: its onSubmit handler prevents the browser's own
submission. Without that the browser also sends the form as a GET of the page, which reloads it, puts the
values in the address, and cuts off the save when the reload wins the race (the head's quota form lost
its save so in a browser run)."""

from __future__ import annotations

import ast
from pathlib import Path

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"


def _preventing(tree: ast.AST) -> set[str]:
    """Names of the functions in `tree` decorated with `event(prevent_default=True)`."""
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and any("prevent_default=True" in ast.unparse(decorator) for decorator in node.decorator_list)
    }


def _submit_handlers(tree: ast.AST) -> list[tuple[int, ast.expr]]:
    return [
        (node.lineno, value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key, value in zip(node.keys, node.values, strict=True)
        if isinstance(key, ast.Constant) and key.value == "onSubmit"
    ]


def test_every_form_handler_prevents_the_browsers_own_submission() -> None:
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in FRONTEND.rglob("*.py")}
    # A handler another module makes (`adder.submit`, from a hook) is looked up by name in every module.
    anywhere = set().union(*(_preventing(tree) for tree in trees.values()))
    offenders, seen = [], 0
    for path, tree in trees.items():
        local = _preventing(tree)
        for line, handler in _submit_handlers(tree):
            seen += 1
            name = handler.id if isinstance(handler, ast.Name) else getattr(handler, "attr", None)
            if name not in (local if isinstance(handler, ast.Name) else anywhere):
                offenders.append(f"{path.relative_to(FRONTEND.parent)}:{line}: onSubmit={ast.unparse(handler)}")
    assert seen > 40, "the scan found the UI's forms"
    assert not offenders, offenders
