"""The UI's browser client is ReactPy's, served with its event serializer pruned (frontend/client_script.py);
the rest of ReactPy's files are served as they are. How small a keystroke's message gets is measured in
Chromium (tests/browser/test_customers_ui.py)."""

from __future__ import annotations

import re

import httpx
from reactpy import config

from backend.app import create_app
from frontend.client_script import PRUNED

STATIC = f"{config.REACTPY_PATH_PREFIX.current}static/"


async def test_the_client_is_served_pruned_and_revalidated_by_its_etag() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://t") as client:
        served = await client.get(f"{STATIC}index.js")
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("text/javascript")
        assert served.text.startswith("const CRM_PRUNED=new Set([")
        assert all(f'"{name}"' in served.text.splitlines()[0] for name in PRUNED)
        assert served.text.count("CRM_PRUNED.has(Q)||") == 1  # the serializer's skip test asks the set first
        again = await client.get(f"{STATIC}index.js", headers={"if-none-match": served.headers["etag"]})
        assert (again.status_code, again.content) == (304, b"")
        stale = await client.get(f"{STATIC}index.js", headers={"if-none-match": '"elsewhere"'})
        assert stale.status_code == 200 and stale.content == served.content
        # The chunks the client imports come from ReactPy unchanged.
        imported = re.search(r'from"\./(index-\w+\.js)"', served.text)
        assert imported, "the client imports its chunks"
        chunk = await client.get(f"{STATIC}{imported[1]}")
        assert chunk.status_code == 200 and "CRM_PRUNED" not in chunk.text
