"""Bad input at the public campaign pages: every path parameter, form field and body encoding a visitor
can get wrong is answered 404 or 400 with a plain message naming the field, the form shown again with
the error next to its field, nothing written and no traceback logged."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest

from backend.app import create_app
from backend.models import Campaign, EngagementEvent, Enrolment, Role
from tests.factories import fresh_limiter, make_user, open_campaign  # noqa: F401

pytestmark = pytest.mark.usefixtures("fresh_limiter")
APP = create_app()
JSON = {"accept": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
ROUTES = ("/c/{}", "/c/{}/embed", "/c/{}/like", "/c/{}/enrol")
BAD_CODES = (
    "a" * 41,  # one past the column
    "a" * 5000,
    "%00",
    "spring%00",
    "%FF",  # invalid UTF-8
    "%ED%A0%80",  # a UTF-16 surrogate encoded as UTF-8: invalid UTF-8 too
    "%zz",  # bad percent-encoding
    "spr%C3%AFng",
    "Spring Sale",
)
LINE_BREAKS = ("\r", "\n", "\u2028", "\u2029")


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(APP, client=("127.0.0.1", 4000)), base_url="http://testserver")


@pytest.fixture
def no_traceback(caplog: pytest.LogCaptureFixture):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING)
    yield
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not logged, [r.getMessage() for r in logged]


async def page_and_token(browser: httpx.AsyncClient, path: str = "/c/spring") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', (await browser.get(path)).text)
    assert match
    return match.group(1)


async def spring() -> dict:
    return await open_campaign(await make_user(Role.MARKETING), code="spring", title="Spring")


async def test_malformed_or_over_long_codes_are_404_on_every_route(db, no_traceback):
    await spring()
    async with client() as browser:
        for code in BAD_CODES:
            for route in ROUTES:
                path = route.format(code)
                post = path.endswith(("/like", "/enrol"))
                answer = await (browser.post(path, data={"csrf": "x"}) if post else browser.get(path))
                assert answer.status_code == 404 and "Campaign not found" in answer.text, (path[:60], answer.status_code)
                as_json = await (browser.post(path, data={}, headers=JSON) if post else browser.get(path, headers=JSON))
                assert as_json.json()["error"]["code"] == "NOT_FOUND", path[:60]
    assert await EngagementEvent.all().count() == 0


async def test_bad_query_parameters_and_cookies_are_ignored(db, no_traceback):
    c = await spring()
    async with client() as browser:
        for query in ("?ref=%FF%00", "?flash=%ED%A0%80", "?flash=..", "?view=%00", "?ref=" + "r" * 5000):
            page = await browser.get(f"/c/spring{query}", headers={"cookie": "crm_visitor=%FF\x7f"})
            assert page.status_code == 200 and 'name="ref" value=""' in page.text, query
    assert (await Campaign.get(id=int(c["id"]))).views == len("12345")


@pytest.mark.parametrize("field", ["name", "email", "csrf", "ref", "consent"])
async def test_a_lone_surrogate_in_a_json_field_is_400_naming_it(db, no_traceback, field):
    await spring()
    async with client() as browser:
        good = {"csrf": await page_and_token(browser), "name": "Ada", "email": "ada@example.com", "consent": "yes"}
        body = json.dumps({**good, field: "A\ud800"})  # json.dumps writes "\ud800", as a hostile client may
        answer = await browser.post("/c/spring/enrol", content=body, headers={**JSON, "content-type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == field
    assert "surrogate" in answer.json()["error"]["message"]
    assert await Enrolment.all().count() == 0


@pytest.mark.parametrize("nested", ["[" * 1500 + "]" * 1500, '{"a":' * 1500 + "1" + "}" * 1500])
async def test_deeply_nested_json_is_400_naming_the_nesting(db, no_traceback, nested):
    await spring()
    async with client() as browser:
        good = {"csrf": await page_and_token(browser), "name": "Ada", "email": "ada@example.com", "consent": "yes"}
        body = json.dumps(good)[:-1] + ', "extra": ' + nested + "}"
        answer = await browser.post("/c/spring/enrol", content=body, headers={**JSON, "content-type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "form"
    assert "nested deeper" in answer.json()["error"]["message"]
    assert await Enrolment.all().count() == 0


@pytest.mark.parametrize("raw", ["%FF", "%ED%A0%80", "Ad%C3a"])
async def test_invalid_utf8_in_a_form_field_shows_the_form_again_with_the_error_at_that_field(db, no_traceback, raw):
    await spring()
    async with client() as browser:
        token = await page_and_token(browser, "/c/spring/embed")
        body = f"csrf={token}&name={raw}&email=ada%40example.com&consent=yes"
        shown = await browser.post("/c/spring/enrol?view=embed", content=body, headers=FORM)
        as_json = await browser.post("/c/spring/enrol", content=body, headers={**FORM, **JSON})
    assert shown.status_code == 400 and shown.headers["content-type"].startswith("text/html")
    assert re.search(r'id="name"[^>]*aria-invalid="true"[^>]*aria-describedby="name-error"', shown.text)
    assert re.search(r'id="name-error"[^>]*>Name is not valid UTF-8 text', shown.text)
    assert 'value="ada@example.com"' in shown.text  # what the visitor typed is kept
    assert "frame-ancestors *" in shown.headers["content-security-policy"]  # still the embeddable form
    assert as_json.status_code == 400 and as_json.json()["error"]["field"] == "name"
    assert await Enrolment.all().count() == 0


async def test_invalid_utf8_in_a_form_field_name_is_400(db, no_traceback):
    await spring()
    async with client() as browser:
        token = await page_and_token(browser)
        answer = await browser.post("/c/spring/enrol", content=f"csrf={token}&%FF=1", headers={**FORM, **JSON})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "form"


@pytest.mark.parametrize("field", ["name", "email"])
async def test_a_line_break_in_a_single_line_form_field_is_refused(db, no_traceback, field):
    await spring()
    async with client() as browser:
        token = await page_and_token(browser)
        for brk in LINE_BREAKS:
            form = {"csrf": token, "name": "Ada", "email": "ada@example.com", "consent": "yes"}
            form[field] = "Ada" + brk + ("Bcc: x@evil.example" if field == "email" else "Lovelace")
            shown = await browser.post("/c/spring/enrol", data=form)
            assert shown.status_code == 400, repr(brk)
            assert re.search(rf'id="{field}-error"[^>]*>{field.capitalize()} must be a single line', shown.text), repr(brk)
    assert await Enrolment.all().count() == 0


async def test_other_invalid_input_shows_the_form_again_too(db, no_traceback):
    await spring()
    async with client() as browser:
        token = await page_and_token(browser)
        form = {"csrf": token, "name": "Ada <b>", "email": "nope", "consent": "yes"}
        shown = await browser.post("/c/spring/enrol", data=form)
    assert shown.status_code == 400 and "Email &#39;nope&#39; is not a valid email address" in shown.text
    assert 'value="Ada &lt;b&gt;"' in shown.text and 'value="nope"' in shown.text
