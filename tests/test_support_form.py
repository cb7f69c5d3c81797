"""The public support form `/support/{code}` (backend/public/support.py): a customer's person files a web
ticket; the protections hold: CSRF bound to the visitor and the form, the honeypot, the rate limit, bad
input answered on the page with nothing written, an unknown code 404. And the satisfaction survey `/s/{token}`
mailed on resolution."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from backend.app import create_app
from backend.models import AuditEntry, OutboxMessage, Role, Ticket, TicketChannel, TicketMessage
from backend.ratelimit import limiter
from tests.factories import fresh_limiter, make_contact, make_customer, make_user, ok, setting  # noqa: F401

pytestmark = pytest.mark.usefixtures("fresh_limiter")
APP = create_app()
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM = "mutation($input: CreateSupportFormInput!) { createSupportForm(input: $input) { url } }"


def client(address: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(APP, client=(address, 4000)), base_url="http://testserver")


async def a_form() -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A customer with a contact, and the path of its support form."""
    agent = await make_user(Role.SUPPORT)
    customer = await make_customer(await make_user(Role.ADMIN), name="Alpine Bakeries")
    contact = await make_contact(agent, customerId=customer["id"], email="heidi@alpine.example")
    url = (await ok(agent, FORM, input={"customerId": customer["id"]}))["createSupportForm"]["url"]
    again = (await ok(agent, FORM, input={"customerId": customer["id"]}))["createSupportForm"]["url"]
    assert again == url  # one form per customer
    return "/support/" + url.rsplit("/support/", 1)[1], customer, contact


def sent(csrf: str, **fields: str) -> dict[str, str]:
    return {"csrf": csrf, "name": "Heidi", "email": "heidi@alpine.example", "subject": "Oven display dark",
            "description": "Since this morning.\nNo error code.", **fields}


async def test_a_customer_files_a_web_ticket(db: str) -> None:
    path, customer, contact = await a_form()
    async with client() as http:
        page = await http.get(path)
        assert page.status_code == 200 and "Alpine Bakeries" in page.text
        assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "same-origin"
        csrf = CSRF.search(page.text)[1]
        answer = await http.post(path, data=sent(csrf))
        assert answer.status_code == 303
        thanked = await http.get(answer.headers["location"])
    assert "we received your request" in thanked.text
    ticket = await Ticket.get(customer_id=customer["id"])
    assert ticket.channel is TicketChannel.WEB and ticket.subject == "Oven display dark"
    assert ticket.contact_id == int(contact["id"]) and ticket.requester_email == "heidi@alpine.example"
    assert ticket.first_response_due_at is not None  # its SLA clock runs
    [message] = await TicketMessage.filter(ticket_id=ticket.id)
    assert message.author_id is None and message.author_name == "Heidi" and not message.internal
    assert await AuditEntry.filter(entity="ticket", entity_id=str(ticket.id), via="public").count() >= 1


async def test_a_post_without_the_pages_token_is_refused(db: str) -> None:
    path, _, _ = await a_form()
    other, _, _ = await a_form()
    async with client() as http:
        assert (await http.post(path, data=sent(""))).status_code == 403
        assert (await http.post(path, data=sent("forged.token.value"))).status_code == 403
        other_csrf = CSRF.search((await http.get(other)).text)[1]
        assert (await http.post(path, data=sent(other_csrf))).status_code == 403  # another form's token
        csrf = CSRF.search((await http.get(path)).text)[1]
    async with client("10.9.8.7") as elsewhere:  # a token copied to another visitor
        assert (await elsewhere.post(path, data=sent(csrf))).status_code == 403
    assert await Ticket.all().count() == 0


async def test_the_honeypot_thanks_a_bot_and_files_nothing(db: str) -> None:
    path, _, _ = await a_form()
    async with client() as http:
        csrf = CSRF.search((await http.get(path)).text)[1]
        answer = await http.post(path, data=sent(csrf, website="http://spam.example"))
    assert answer.status_code == 303  # the bot learns nothing
    assert await Ticket.all().count() == 0


async def test_bad_input_is_shown_on_the_page_and_writes_nothing(db: str) -> None:
    path, _, _ = await a_form()
    async with client() as http:
        csrf = CSRF.search((await http.get(path)).text)[1]
        answer = await http.post(path, data=sent(csrf, email="not-an-address"))
        assert answer.status_code == 400 and 'class="field-error"' in answer.text
        assert "Oven display dark" in answer.text  # what was typed is kept
        empty = await http.post(path, data=sent(csrf, subject="   "))
        assert empty.status_code == 400
    assert await Ticket.all().count() == 0


async def test_an_unknown_form_is_not_found(db: str) -> None:
    async with client() as http:
        assert (await http.get("/support/no-such-form")).status_code == 404
        assert (await http.post("/support/no-such-form", data={"csrf": "x"})).status_code == 404


async def test_the_rate_limit_holds_per_client(db: str, setting: Any) -> None:  # noqa: F811 (a fixture)
    path, _, _ = await a_form()
    setting(CRM_PUBLIC_RATE_LIMIT="3")
    async with client("10.1.1.1") as http:
        for _ in range(2):  # a second go only if a minute boundary fell between the requests
            limiter.reset()
            statuses = [(await http.get(path)).status_code for _ in range(4)]
            if statuses == [200, 200, 200, 429]:
                break
        refused = await http.get(path)
    assert statuses == [200, 200, 200, 429]
    assert int(refused.headers["retry-after"]) > 0
    async with client("10.1.1.2") as other:
        assert (await other.get(path)).status_code == 200  # another address has its own allowance


STATUS = "mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { status } }"
SURVEY_LINK = re.compile(r"(/s/[\w.-]+)")


async def test_resolution_mails_a_one_question_survey_and_the_answer_is_kept(db: str) -> None:
    path, customer, _ = await a_form()
    agent = await make_user(Role.SUPPORT)
    async with client() as http:
        csrf = CSRF.search((await http.get(path)).text)[1]
        await http.post(path, data=sent(csrf))
    ticket = await Ticket.get(customer_id=customer["id"])
    await ok(agent, STATUS, input={"id": str(ticket.id), "status": "RESOLVED"})
    [mail] = await OutboxMessage.filter(kind="ticket_survey")
    assert mail.recipient == "heidi@alpine.example" and ticket.number in mail.subject
    survey = SURVEY_LINK.search(mail.text)[1]
    async with client() as http:
        page = await http.get(survey)
        assert page.status_code == 200 and "How did we do?" in page.text
        token = CSRF.search(page.text)[1]
        assert (await http.post(survey, data={"csrf": "", "score": "5"})).status_code == 403
        assert (await http.post(survey, data={"csrf": token, "score": "9"})).status_code == 400
        answer = await http.post(survey, data={"csrf": token, "score": "4"})
        assert answer.status_code == 303
        assert "Thank you for your answer" in (await http.get(answer.headers["location"])).text
        assert (await http.get(survey[:-3] + "xyz")).status_code == 404  # a forged link
    rated = await Ticket.get(id=ticket.id)
    assert rated.satisfaction == 4 and rated.rated_at is not None
    summary = (await ok(agent, "{ ticketSummary { averageSatisfaction rated } }"))["ticketSummary"]
    assert summary == {"averageSatisfaction": 4.0, "rated": 1}
    await ok(agent, STATUS, input={"id": str(ticket.id), "status": "OPEN"})  # reopened: the link asks no more
    async with client() as http:
        assert (await http.get(survey)).status_code == 404
