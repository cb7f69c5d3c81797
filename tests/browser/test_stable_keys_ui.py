"""What a user typed stays when a control appears above it (frontend/stable_keys.py).

The form is the pattern of the customer edit form and the deal form: a picker that shows once its query
answers, above inputs the user may already be typing into, and the button they are about to click. Without
the stamped keys Chromium rebuilt every later node: the input came back with its saved value ("15"), which
is how a full browser run once saved an old custom-field value."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, expect
from reactpy import component, event, html, use_state
from reactpy.core.layout import Layout
from reactpy.executors.asgi import ReactPy
from reactpy.types import VdomDict

from frontend.components.ui import form_values
from frontend.stable_keys import install


@component
def LatePicker() -> VdomDict:
    shown, set_shown = use_state(False)
    saved, set_saved = use_state("")

    @event(prevent_default=True)
    def save(e: Any) -> None:
        set_saved(form_values(e)["fleet"])

    return html.form(
        {"onSubmit": save},
        html.input({"name": "name", "defaultValue": "Bluebird"}),
        html.label({"className": "picker"}, "Manager", html.select(html.option("Sam"))) if shown else None,
        html.label("Fleet size", html.input({"name": "fleet", "defaultValue": "15"})),
        html.div(html.button({"type": "button", "onClick": lambda _: set_shown(True)}, "Picker arrives"),
                 html.button({"type": "submit"}, "Save")),
        html.output(saved),
    )


@pytest.fixture(scope="module")
def late_picker() -> Iterator[str]:
    install()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(ReactPy(LatePicker), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(10)


def test_typing_survives_a_control_appearing_above_it(chromium: Browser, late_picker: str) -> None:
    page = chromium.new_page()
    page.goto(late_picker)
    page.locator("input[name=fleet]").fill("12")
    page.get_by_role("button", name="Picker arrives").click()
    expect(page.locator(".picker")).to_be_visible()
    expect(page.locator("input[name=fleet]")).to_have_value("12")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("output")).to_have_text("12")
    page.close()


def test_the_app_stamps_keys_when_it_is_built() -> None:
    from backend.app import create_app

    create_app()
    assert all(getattr(getattr(Layout, name), "crm_stamped", False) for name in ("_render_model", "_render_component"))
