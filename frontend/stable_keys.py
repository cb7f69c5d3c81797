"""Every element ReactPy sends the browser carries the key the server matched it by.

The server keys a child without a key by its place among the children as written, `None`s included, so a
control that comes and goes (`picker if people else None`) leaves the keys of the children after it alone.
The model sent to the browser drops the `None`s and those keys with them, and the browser client (Preact)
pairs children without a key by their place in what is left. So when a form's manager picker arrived a
moment after the form, every later child was paired with the one before it; where the tags differed,
Preact built new nodes: custom-field inputs a user had just typed into came back with their saved values,
and the Save button was replaced under the user's click (both seen in browser runs under load).

Stamping the server's key on each element's and component's model makes the browser pair children as the
server does. reactpy is pinned (pyproject.toml); `install` fails when the app is built if the two render
methods it wraps are gone, instead of serving pages that lose typing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from reactpy.core.layout import Layout

WRAPPED = ("_render_model", "_render_component")
Render = Callable[..., Awaitable[Any]]


def _stamping(render: Render) -> Render:
    @wraps(render)
    async def stamped(self: Layout, *args: Any, **kwargs: Any) -> Any:
        state = await render(self, *args, **kwargs)
        if state.key is not None:  # None: the root, which has no siblings
            # The attributes are the layout's own copy of the element's: written to, never the page's VDOM.
            state.model.current.setdefault("attributes", {}).setdefault("key", state.key)
        return state

    setattr(stamped, "crm_stamped", True)  # noqa: B010 (a function attribute mypy does not know)
    return stamped


def install() -> None:
    """Wraps the layout's two render methods once, however often the app is built."""
    for name in WRAPPED:
        render = getattr(Layout, name, None)
        if render is None:
            raise RuntimeError(f"ReactPy's layout changed: Layout.{name} was not found to stamp keys")
        if not getattr(render, "crm_stamped", False):
            setattr(Layout, name, _stamping(render))
