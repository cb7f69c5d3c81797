"""ReactPy's browser client, served with a leaner event serializer.

The client turns every DOM event into JSON by walking the event's objects ten levels deep. From an input
that walk reaches the input's form, every control of it, each control's labels and datalist options and
their neighbours: one keystroke in the new-customer form sent 5 MB over the websocket and held the browser
for a second (measured in Chromium). The server reads only what a control carries (name, value, type,
checked, dataset, a select's options, a form's controls, a key, dataTransfer's types), so the properties
below, which lead from a control to the rest of the page or to layout work, are left out of the walk.

The client is ReactPy's own file with one function's opening rewritten. reactpy is pinned
(pyproject.toml); should its client change, `patched_client` fails when the app is built instead of
serving an unpatched client.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import reactpy
from reactpy import config
from starlette.types import ASGIApp, Receive, Scope, Send

# Properties that lead away from the control the event is about (its form, labels, list, siblings' trees),
# that copy the page's text, or that make the browser lay the page out to answer.
PRUNED = ("form", "labels", "list", "control", "srcElement", "currentTarget", "relatedTarget",
          "firstElementChild", "lastElementChild", "assignedSlot", "shadowRoot", "attributes", "style",
          "attributeStyleMap", "part", "classList", "innerText", "outerText", "textContent",
          "customElementRegistry", "ownerSVGElement", "viewportElement", "sourceCapabilities")

# The serializer's test whether to skip a property (event-to-object's shouldIgnoreValue, as bundled).
SKIP_TEST = 'function T(G,Q="",X=void 0){return '


@cache
def patched_client() -> bytes:
    source = (Path(reactpy.__file__).parent / "static" / "index.js").read_text(encoding="utf-8")
    if source.count(SKIP_TEST) != 1:
        raise RuntimeError("ReactPy's client changed: its event serializer was not found to prune")
    names = ",".join(f'"{name}"' for name in PRUNED)
    pruned = f"const CRM_PRUNED=new Set([{names}]);\n"
    return (pruned + source.replace(SKIP_TEST, f"{SKIP_TEST}CRM_PRUNED.has(Q)||")).encode()


class LeanEvents:
    """Serves the patched client where ReactPy serves its own (…/static/index.js)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.path = f"{config.REACTPY_PATH_PREFIX.current}static/index.js"
        self.body = patched_client()
        self.etag = f'"{hashlib.sha256(self.body).hexdigest()[:16]}"'.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        fresh = dict(scope["headers"]).get(b"if-none-match") == self.etag
        headers = [(b"etag", self.etag), (b"cache-control", b"no-cache")]
        if not fresh:
            headers += [(b"content-type", b"text/javascript; charset=utf-8"),
                        (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": 304 if fresh else 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if fresh or scope["method"] == "HEAD" else self.body})
