"""`ask` with a language model configured (CRM_LLM_URL, here a fake OpenAI-compatible endpoint): only what
the parser cannot read goes to the model, its JSON is checked like a client's variables, and the rows come
from the list under the caller's row rules. A model that fails or proposes nonsense changes nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from backend.models import Role
from tests.factories import make_customer, make_team, make_user, ok, setting  # noqa: F401  (setting: a fixture)

ASK = """query($q: String!) { ask(question: $q) {
  understood reader message chips { field value } customers { edges { node { name } } } } }"""


class FakeModel:
    def __init__(self) -> None:
        self.reply: Any = None  # the message content the model answers with (a dict is sent as JSON)
        self.asked: list[dict[str, Any]] = []


@pytest.fixture
def fake_model(setting) -> Iterator[FakeModel]:  # noqa: F811  (setting: a fixture)
    fake = FakeModel()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (the name http.server calls)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.asked.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            content = fake.reply if isinstance(fake.reply, str) else json.dumps(fake.reply)
            answer = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    setting(CRM_LLM_URL=f"http://127.0.0.1:{server.server_port}/v1", CRM_LLM_KEY="sk-test", CRM_LLM_MODEL="tiny")
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


def names(answer: dict[str, Any]) -> list[str]:
    return sorted(e["node"]["name"] for e in (answer["customers"] or {}).get("edges", []))


async def test_the_model_reads_what_the_parser_cannot_into_the_same_typed_filter(db, fake_model):
    team, other = await make_team(), await make_team()
    admin = await make_user(Role.ADMIN)
    rep, rep2 = await make_user(Role.SALES_REP, team), await make_user(Role.SALES_REP, other)
    await make_customer(admin, name="Alpine Dairy", industry="Food", accountManagerId=str(rep.id))
    await make_customer(admin, name="Baltic Cheese", industry="Food", accountManagerId=str(rep2.id))
    await make_customer(admin, name="Rhein Rail", industry="Rail", accountManagerId=str(rep.id))
    fake_model.reply = {"entity": "customers", "filter": {"industry": ["Food"]}, "orderBy": None}

    answer = (await ok(admin, ASK, q="who sells us cheese"))["ask"]
    assert answer["understood"] and answer["reader"] == "model"
    assert names(answer) == ["Alpine Dairy", "Baltic Cheese"]
    assert answer["chips"] == [{"field": "industry", "value": '["Food"]'}]
    sent = fake_model.asked[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    assert sent["body"]["model"] == "tiny" and sent["body"]["messages"][-1]["content"] == "who sells us cheese"
    assert "CustomerFilter" in sent["body"]["messages"][0]["content"]

    as_rep = (await ok(rep, ASK, q="who sells us cheese"))["ask"]
    assert names(as_rep) == ["Alpine Dairy"]  # the list's row rules: the other team's customer stays hidden

    asked = len(fake_model.asked)
    parsed = (await ok(admin, ASK, q="customers in food"))["ask"]
    assert parsed["reader"] == "parser" and len(fake_model.asked) == asked  # the parser's words need no model


@pytest.mark.parametrize("reply", [
    {"entity": "customers", "filter": {"status": ["EVERYTHING"]}},
    {"entity": "customers", "filter": {"id": "1 OR 1=1"}},
    {"entity": "users", "filter": {}},
    "SELECT * FROM customer",
    "{ customers { edges { node { email } } } }",
    {"entity": None},
])
async def test_a_proposal_that_is_no_valid_filter_is_refused(db, fake_model, reply):
    admin = await make_user(Role.ADMIN)
    await make_customer(admin, name="Alpine Dairy")
    fake_model.reply = reply
    answer = (await ok(admin, ASK, q="who sells us cheese"))["ask"]
    assert not answer["understood"] and answer["reader"] == "parser"
    assert answer["message"].startswith("Not understood") and answer["customers"] is None
    assert fake_model.asked


async def test_without_a_model_nothing_is_sent(db, fake_model, setting):  # noqa: F811  (setting: a fixture)
    setting(CRM_LLM_URL="")
    fake_model.reply = {"entity": "customers", "filter": {}}
    admin = await make_user(Role.ADMIN)
    answer = (await ok(admin, ASK, q="who sells us cheese"))["ask"]
    assert not answer["understood"] and answer["reader"] == "parser"
    assert fake_model.asked == []
