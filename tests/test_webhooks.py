"""Webhooks (issue 21): admins register endpoints; the change feed's changes reach them as signed POSTs, at
least once and in order, retried with backoff for a day (a clock the test moves, no sleeping), then the
webhook is switched off and admins told; every attempt is logged and a delivery can be sent again by hand;
private and loopback addresses are refused unless allowed (SSRF)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from backend.models import (
    AuditEntry,
    Change,
    DeliveryStatus,
    Job,
    Notification,
    Role,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from backend.services import queue, webhook_delivery
from backend.settings import get_settings
from backend.worker import Worker, arm_recurring
from tests.factories import error, make_customer, make_team, make_user, ok, setting  # noqa: F401

CREATE = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { secret webhook { id version active entities kinds } } }"""
UPDATE = """mutation($input: UpdateWebhookInput!) {
  updateWebhook(input: $input) { secret webhook { id version active disabledReason } } }"""
REDELIVER = """mutation($input: RedeliverWebhookInput!) {
  redeliverWebhook(input: $input) { delivery { id status } attempt { ok manual statusCode } } }"""
DELIVERIES = """query($id: ID!) { webhookDeliveries(webhookId: $id, first: 50) { totalCount edges { node {
  id event status attempts changeId attemptLog { ok manual statusCode error response durationMs } } } } }"""
RENAME = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id version } }"


class Receiver:
    """A local endpoint that answers 500 to its first `failures` requests, then 200; it keeps every request."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                failing = len(receiver.requests) < receiver.failures
                receiver.requests.append({"headers": dict(self.headers), "body": body, "failed": failing})
                self.send_response(500 if failing else 200)
                self.end_headers()
                self.wfile.write(b"down for maintenance" if failing else b"thanks " * 400)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/crm"

    def taken(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if not r["failed"]]


@pytest.fixture
def receiver(setting: Any) -> Iterator[Receiver]:  # noqa: F811 (a fixture)
    setting(CRM_WEBHOOKS_ALLOW_PRIVATE="1")
    made = Receiver(failures=5)
    thread = threading.Thread(target=made.server.serve_forever, daemon=True)
    thread.start()
    yield made
    made.server.shutdown()
    made.server.server_close()
    thread.join()


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What docs/webhooks.md tells a receiver to do."""
    parts = dict(p.split("=", 1) for p in headers["X-CRM-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class Clock:
    def __init__(self) -> None:
        self.at = queue.now()

    def __call__(self) -> datetime:
        return self.at


async def _register(admin: Any, url: str, **extra: Any) -> tuple[str, str]:
    made = (await ok(admin, CREATE, input={"name": "ERP", "url": url, **extra}))["createWebhook"]
    return made["webhook"]["id"], made["secret"]


async def test_a_receiver_failing_five_times_then_recovering_gets_every_change_in_order(db: str, receiver: Receiver) -> None:
    admin = await make_user(Role.ADMIN)
    hook_id, secret = await _register(admin, receiver.url)
    assert secret.startswith("whsec_")
    customer = await make_customer(admin)
    await ok(admin, RENAME, input={"id": customer["id"], "version": customer["version"], "city": "Graz"})
    await make_customer(admin)
    feed = [c.id for c in await Change.all().order_by("id")]
    clock = Clock()
    waits = []
    for _ in range(20):
        await webhook_delivery.run(get_settings(), clock)
        head = await WebhookDelivery.filter(status=DeliveryStatus.PENDING).order_by("id").first()
        if head is None:
            break
        waits.append((head.next_attempt_at - clock.at).total_seconds())
        clock.at = head.next_attempt_at
    assert waits == [30, 60, 120, 240, 480]  # exponential backoff, the failing head blocking the rest

    assert [r["failed"] for r in receiver.requests] == [True] * 5 + [False] * 3
    taken = receiver.taken()
    bodies = [json.loads(r["body"]) for r in taken]
    assert [int(b["change"]["id"]) for b in bodies] == feed  # each change once, in commit order
    assert [b["event"] for b in bodies] == ["customer.created", "customer.updated", "customer.created"]
    assert bodies[1]["change"]["changes"]["city"] == ["", "Graz"]
    assert all(verify(secret, r["headers"], r["body"]) for r in receiver.requests)
    assert not verify("whsec_wrong", taken[0]["headers"], taken[0]["body"])
    first_id = taken[0]["headers"]["X-CRM-Delivery"]
    assert {r["headers"]["X-CRM-Delivery"] for r in receiver.requests[:6]} == {first_id}  # retries: same delivery
    assert taken[0]["headers"]["X-CRM-Event"] == "customer.created"

    again = (await ok(admin, REDELIVER, input={"deliveryId": first_id}))["redeliverWebhook"]
    assert again == {"delivery": {"id": first_id, "status": "DELIVERED"},
                     "attempt": {"ok": True, "manual": True, "statusCode": 200}}
    assert receiver.requests[-1]["headers"]["X-CRM-Delivery"] == first_id
    assert verify(secret, receiver.requests[-1]["headers"], receiver.requests[-1]["body"])

    log = (await ok(admin, DELIVERIES, id=hook_id))["webhookDeliveries"]
    assert log["totalCount"] == 3
    oldest = log["edges"][-1]["node"]
    assert oldest["id"] == first_id and oldest["status"] == "DELIVERED"
    assert [(a["ok"], a["manual"], a["statusCode"]) for a in oldest["attemptLog"]] == \
        [(True, True, 200), (True, False, 200)] + [(False, False, 500)] * 5  # newest first
    assert oldest["attemptLog"][-1]["response"] == "down for maintenance"
    assert len(oldest["attemptLog"][0]["response"]) == 1024  # the answer's first kilobyte only
    assert await AuditEntry.filter(action="webhook.redeliver").count() == 1


async def test_a_day_of_failures_switches_the_webhook_off_and_tells_the_admins(db: str, receiver: Receiver) -> None:
    receiver.failures = 10_000
    admin = await make_user(Role.ADMIN)
    hook_id, _ = await _register(admin, receiver.url)
    await make_customer(admin)
    await make_customer(admin)
    clock = Clock()
    started = clock.at
    while (hook := await Webhook.get(id=hook_id)).active:
        await webhook_delivery.run(get_settings(), clock)
        head = await WebhookDelivery.filter(webhook_id=hook.id).order_by("id").first()
        assert head is not None
        clock.at = max(head.next_attempt_at, clock.at)
        assert clock.at - started <= timedelta(days=1)
    first, second = await WebhookDelivery.filter(webhook_id=hook.id).order_by("id")
    assert first.status is DeliveryStatus.FAILED and first.attempts > 20
    assert second.status is DeliveryStatus.PENDING and second.attempts == 0  # never sent ahead of the first
    assert all(r["headers"]["X-CRM-Delivery"] == str(first.id) for r in receiver.requests)
    assert "after a day of retries" in hook.disabled_reason
    told = await Notification.filter(kind="webhook_disabled", user_id=admin.id).first()
    assert told is not None and "ERP" in told.message
    assert await AuditEntry.filter(action="webhook.disable", entity_id=hook_id).exists()

    receiver.failures = 0
    on = (await ok(admin, UPDATE, input={"id": hook_id, "version": hook.version, "active": True}))["updateWebhook"]
    assert on["webhook"]["active"] and on["webhook"]["disabledReason"] == ""
    await webhook_delivery.run(get_settings(), clock)
    assert [json.loads(r["body"])["change"]["id"] for r in receiver.taken()] == \
        [str(first.change_id), str(second.change_id)]


@pytest.mark.parametrize(("url", "named"), [
    ("http://127.0.0.1:8000/x", "loopback"),
    ("http://localhost/x", "loopback"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("https://10.1.2.3/hook", "private"),
    ("http://[::1]/x", "loopback"),
    ("http://[::ffff:192.168.0.1]/x", "private"),
    ("ftp://example.com/x", "http:// or https://"),
    ("http://user:pw@example.com/x", "user name"),
    ("http://[::1/x", "no valid address"),
    ("http://example.com:99999/x", "no valid address"),
    ("http://a\x00b.example/x", "control characters"),
])
async def test_private_addresses_are_refused_naming_the_url_field(db: str, url: str, named: str) -> None:
    admin = await make_user(Role.ADMIN)
    refused = await error(admin, CREATE, input={"name": "Inside", "url": url})
    assert refused["code"] == "BAD_USER_INPUT" and refused["field"] == "url"
    assert named in refused["message"]
    assert await Webhook.all().count() == 0


async def test_a_webhook_whose_host_turns_private_later_is_refused_at_delivery(db: str, receiver: Receiver,
                                                                              setting: Any) -> None:  # noqa: F811
    admin = await make_user(Role.ADMIN)
    await _register(admin, receiver.url)
    await make_customer(admin)
    setting(CRM_WEBHOOKS_ALLOW_PRIVATE="0")  # as if its name now resolved to a private address
    await webhook_delivery.run(get_settings(), Clock())
    delivery = await WebhookDelivery.get()
    assert receiver.requests == [] and delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1
    assert "loopback" in (await delivery.attempt_log.all())[0].error


async def test_a_webhook_hears_only_the_records_and_kinds_it_asked_for(db: str, receiver: Receiver) -> None:
    receiver.failures = 0
    admin = await make_user(Role.ADMIN)
    hook_id, _ = await _register(admin, receiver.url, entities=["CUSTOMER"], kinds=["UPDATED"])
    customer = await make_customer(admin)
    await ok(admin, RENAME, input={"id": customer["id"], "version": customer["version"], "city": "Linz"})
    await webhook_delivery.run(get_settings(), Clock())
    assert [json.loads(r["body"])["event"] for r in receiver.taken()] == ["customer.updated"]


async def test_without_a_webhook_id_the_log_holds_every_webhooks_deliveries(db: str, receiver: Receiver) -> None:
    receiver.failures = 0
    admin = await make_user(Role.ADMIN)
    first, _ = await _register(admin, receiver.url, entities=["CUSTOMER"], kinds=["CREATED"])
    second, _ = await _register(admin, receiver.url, entities=["CUSTOMER"], kinds=["UPDATED"])
    customer = await make_customer(admin)
    await ok(admin, RENAME, input={"id": customer["id"], "version": customer["version"], "city": "Wels"})
    await webhook_delivery.run(get_settings(), Clock())
    every = """{ webhookDeliveries(first: 10) { totalCount edges { node { webhookId event } } } }"""
    log = (await ok(admin, every))["webhookDeliveries"]
    assert [(e["node"]["webhookId"], e["node"]["event"]) for e in log["edges"]] == [
        (second, "customer.updated"), (first, "customer.created")]  # newest first
    only = (await ok(admin, DELIVERIES, id=first))["webhookDeliveries"]
    assert only["totalCount"] == 1


async def test_the_worker_runs_deliveries_as_a_recurring_job(db: str, receiver: Receiver) -> None:
    receiver.failures = 0
    admin = await make_user(Role.ADMIN)
    await _register(admin, receiver.url)
    await make_customer(admin)
    worker = Worker(get_settings(), name="test")
    await arm_recurring(worker.settings)
    await Job.filter(kind=webhook_delivery.JOB).update(run_at=queue.now())
    job = await queue.claim(worker.name, 60)
    while job is not None and job.kind != webhook_delivery.JOB:
        await worker.run_one(job)
        job = await queue.claim(worker.name, 60)
    assert job is not None
    await worker.run_one(job)
    assert len(receiver.taken()) == 1
    again = await Job.get(kind=webhook_delivery.JOB)
    assert (again.run_at - queue.now()).total_seconds() > 0  # re-armed for its next look


async def test_ended_deliveries_are_forgotten_with_the_feed_pending_ones_kept(db: str, receiver: Receiver) -> None:
    receiver.failures = 0
    admin = await make_user(Role.ADMIN)
    await _register(admin, receiver.url)
    for _ in range(3):
        await make_customer(admin)
    await webhook_delivery.run(get_settings(), Clock())
    delivered, failed, pending = await WebhookDelivery.all().order_by("id")
    await WebhookDelivery.filter(id=failed.id).update(status=DeliveryStatus.FAILED)
    await WebhookDelivery.filter(id=pending.id).update(status=DeliveryStatus.PENDING)
    old = queue.now() - timedelta(days=91)
    await WebhookDelivery.all().update(created_at=old)
    young = await WebhookDelivery.create(webhook_id=delivered.webhook_id, change_id=delivered.change_id, event="x",
                                         body="{}", status=DeliveryStatus.DELIVERED, next_attempt_at=queue.now())
    assert await webhook_delivery.prune(timedelta(days=90), queue.now()) == 2
    assert sorted(await WebhookDelivery.all().values_list("id", flat=True)) == sorted([pending.id, young.id])
    assert await WebhookAttempt.filter(delivery_id__in=[delivered.id, failed.id]).count() == 0


async def test_webhooks_are_for_admins_only(db: str) -> None:
    head = await make_user(Role.SALES_HEAD, await make_team())
    assert (await error(head, "{ webhooks { id } }"))["code"] == "FORBIDDEN"
    assert (await error(head, CREATE, input={"name": "x", "url": "https://example.com/"}))["code"] == "FORBIDDEN"
