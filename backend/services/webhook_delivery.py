"""Webhook deliveries (issue 21): fed by the change feed, sent by one recurring job, signed, retried, logged.

Fed by the feed: each webhook keeps `last_change_id`, its position in the feed (services/changes.py). The
job reads the changes after it as an admin sees them (permissions.change_rule: every change), writes one
delivery per change the webhook wants and moves the position, in one transaction: a change is turned into
a delivery once, and none is skipped, since feed ids become visible in commit order.

At least once, in order per endpoint: deliveries of a webhook are sent oldest first, and a failing one
blocks every later one of the same endpoint (so a receiver sees each record's changes in order, and all
changes in commit order), retried after 30 s, 1 min, 2 min, … at most an hour apart, for a day. Still
failing after that day, it is marked failed, the webhook is switched off and admins are told; switching
it on again retries the failed delivery first. A receiver may see a delivery twice (a worker that dies
between the answer and recording it): `X-CRM-Delivery` is the same on every attempt, to drop the twin.

SSRF: the host is resolved and every address checked before each POST (private, loopback, link-local and
other non-public ranges refused unless CRM_WEBHOOKS_ALLOW_PRIVATE), then the request goes to the checked
address itself (Host and TLS server name kept), so a DNS answer that changes in between cannot redirect
it. Redirects are not followed; a POST may take CRM_WEBHOOKS_TIMEOUT seconds; only the answer's first
kilobyte is read (and kept in the log).

Time comes from a `clock` argument, so tests walk a day of retries without sleeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from backend import permissions
from backend.auth.actor import Actor
from backend.live.events import NotificationKind, WebhookDisabledNote
from backend.models import Change, DeliveryStatus, Notification, Role, User, Webhook, WebhookAttempt, WebhookDelivery
from backend.services import notify, queue
from backend.services.unit import write
from backend.settings import Settings

JOB = "webhooks.deliver"  # recurring (worker.py), every CRM_WEBHOOKS_POLL_SECONDS
FIRST_RETRY = 30.0  # seconds; doubling, at most MAX_RETRY apart
MAX_RETRY = 3600.0
GIVE_UP = timedelta(days=1)  # failing this long: the webhook is switched off
EXCERPT = 1024  # bytes of an answer read and kept
BATCH = 200  # changes read from the feed at a time
SENDS_PER_RUN = 100  # deliveries one webhook sends per run before the next webhook's turn
SIGNATURE = "X-CRM-Signature"

Clock = Callable[[], datetime]


class Refused(Exception):
    """A target the CRM will not call: the message says why (shown to admins, logged as the attempt's error)."""


def sign(secret: str, timestamp: int, body: str) -> str:
    """The signature header's value: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _kind_of_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is no public one (None: it is)."""
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        return _kind_of_address(mapped)
    for name, test in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local), ("private", ip.is_private),
                       ("unspecified", ip.is_unspecified), ("multicast", ip.is_multicast),
                       ("reserved", ip.is_reserved)):
        if test:
            return name
    return None if ip.is_global else "non-public"


async def resolve(host: str, port: int, allow_private: bool) -> list[str]:
    """Every address `host` resolves to, each checked; Refused names the first one not allowed."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as error:  # no such name, an unencodable or NUL-holding one
        raise Refused(f"its host {host!r} does not resolve ({error})") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        for address in addresses:
            if why := _kind_of_address(ipaddress.ip_address(address.split("%")[0])):
                raise Refused(f"its host {host!r} resolves to {address}, a {why} address; the CRM calls public "
                              "addresses only (an administrator may allow others with CRM_WEBHOOKS_ALLOW_PRIVATE=1)")
    if not addresses:
        raise Refused(f"its host {host!r} has no address")
    return addresses


def url_problem(url: str) -> str | None:
    """What is wrong with a webhook URL's form (None: nothing); its addresses are checked by resolve()."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port out of range)
    except ValueError as error:  # a broken [IPv6] host, a port out of range
        return f"is no valid address ({error})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// address with a host"
    if parts.username or parts.password:
        return "must not hold a user name or password (deliveries are signed with the webhook's secret)"
    return None


async def check_url(url: str, settings: Settings) -> None:
    """Refused when the URL is malformed or its host resolves to an address not allowed."""
    if problem := url_problem(url):
        raise Refused(problem)
    parts = urlsplit(url)
    await resolve(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80),
                  settings.webhooks_allow_private)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    duration_ms: int
    error: str
    response: str


async def post(settings: Settings, url: str, headers: dict[str, str], body: str) -> Outcome:
    """POST `body` to `url` at a checked address (see the module's notes): never raises."""
    started = time.monotonic()

    def done(ok: bool, code: int | None, error: str, response: str = "") -> Outcome:
        return Outcome(ok, code, int((time.monotonic() - started) * 1000), error[:500], response)

    try:
        if problem := url_problem(url):
            raise Refused(problem)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = (await resolve(host, port, settings.webhooks_allow_private))[0]
        literal = f"[{address}]" if ":" in address else address
        pinned = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        limit = settings.webhooks_timeout
        async with httpx.AsyncClient(timeout=httpx.Timeout(limit), follow_redirects=False, trust_env=False) as client:
            request = client.build_request("POST", pinned, content=body.encode(), extensions={"sni_hostname": host},
                                           headers={**headers, "Host": parts.netloc})

            async def exchange() -> tuple[int, bytes]:
                response = await client.send(request, stream=True)
                try:
                    read = b""
                    async for chunk in response.aiter_raw():
                        read += chunk
                        if len(read) >= EXCERPT:
                            break
                    return response.status_code, read[:EXCERPT]
                finally:
                    await response.aclose()

            code, read = await asyncio.wait_for(exchange(), limit)  # a slow trickle of an answer ends too
    except Refused as refused:
        return done(False, None, f"refused: {refused}")
    except TimeoutError:
        return done(False, None, f"no answer within {settings.webhooks_timeout:g} s")
    except httpx.HTTPError as error:
        return done(False, None, f"{type(error).__name__}: {error}")
    text = read.decode("utf-8", "replace")[:EXCERPT]
    return done(200 <= code < 300, code, "" if 200 <= code < 300 else f"HTTP {code}", text)


def body_of(hook: Webhook, change: Change) -> str:
    """The JSON a delivery carries: the change as the change feed shows it."""
    return json.dumps({
        "event": f"{change.entity}.{change.kind}",
        "webhookId": str(hook.id),
        "change": {
            "id": str(change.id), "at": change.at.isoformat(),
            "entity": change.entity, "entityId": change.entity_id, "kind": change.kind, "action": change.action,
            "actorId": str(change.actor_id) if change.actor_id is not None else None, "changes": change.changes,
        },
    }, separators=(",", ":"), default=str)


def _wanted(hook: Webhook, change: Change) -> bool:
    return (not hook.entities or change.entity in hook.entities) and (not hook.kinds or change.kind in hook.kinds)


async def collect(hook: Webhook, clock: Clock) -> int:
    """Turn the feed's changes after the webhook's position into its deliveries; how many were made."""
    made = 0
    rule = permissions.change_rule(Actor.system(via="webhooks"))  # deliveries carry what an admin sees
    while True:
        changes = await Change.filter(rule, id__gt=hook.last_change_id).order_by("id").limit(BATCH)
        if not changes:
            return made
        at = clock()
        async with in_transaction("default"):
            moved = await Webhook.filter(id=hook.id, last_change_id=hook.last_change_id).update(
                last_change_id=changes[-1].id)
            if not moved:  # another worker collected them (a job taken over): theirs
                return made
            wanted = [c for c in changes if _wanted(hook, c)]
            await WebhookDelivery.bulk_create([
                WebhookDelivery(webhook_id=hook.id, change_id=c.id, event=f"{c.entity}.{c.kind}",
                                body=body_of(hook, c), next_attempt_at=at)
                for c in wanted])
        hook.last_change_id = changes[-1].id
        made += len(wanted)
        if len(changes) < BATCH:
            return made


def backoff(attempts: int) -> float:
    return float(min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY))


async def attempt(settings: Settings, hook: Webhook, delivery: WebhookDelivery, at: datetime,
                  manual: bool = False) -> WebhookAttempt:
    """POST the delivery once and log the attempt; a success marks it delivered (a manual one too)."""
    timestamp = int(at.timestamp())
    headers = {"Content-Type": "application/json", "User-Agent": "CRM-Webhooks/1",
               SIGNATURE: sign(hook.secret, timestamp, delivery.body), "X-CRM-Delivery": str(delivery.id),
               "X-CRM-Event": delivery.event, "X-CRM-Webhook": str(hook.id)}
    outcome = await post(settings, hook.url, headers, delivery.body)
    logged = await WebhookAttempt.create(delivery_id=delivery.id, at=at, ok=outcome.ok, status_code=outcome.status_code,
                                         duration_ms=outcome.duration_ms, error=outcome.error,
                                         response=outcome.response, manual=manual)
    if outcome.ok:
        await WebhookDelivery.filter(id=delivery.id).update(
            status=DeliveryStatus.DELIVERED, delivered_at=at, failing_since=None, attempts=F("attempts") + 1)
    elif manual:
        await WebhookDelivery.filter(id=delivery.id).update(attempts=F("attempts") + 1)
    return logged


async def _failed(settings: Settings, hook: Webhook, delivery: WebhookDelivery, at: datetime) -> None:
    """Schedule the next try, or, failing for a day, give up: the webhook is switched off, admins told."""
    since = delivery.failing_since or at
    attempts = delivery.attempts + 1
    if at - since < GIVE_UP:
        retry = min(at + timedelta(seconds=backoff(attempts)), since + GIVE_UP)
        await WebhookDelivery.filter(id=delivery.id).update(attempts=attempts, failing_since=since,
                                                            next_attempt_at=retry)
        return
    await WebhookDelivery.filter(id=delivery.id).update(attempts=attempts, failing_since=since,
                                                        status=DeliveryStatus.FAILED)
    await disable(hook, f"delivery #{delivery.id} ({delivery.event}) still failed after a day of retries "
                        f"({attempts} attempts)")


async def disable(hook: Webhook, reason: str) -> bool:
    """Switch a failing webhook off and tell every active admin (in the app, and by email as they chose)."""
    async with write(Actor.system(via="webhooks")) as unit:
        if not await Webhook.filter(id=hook.id, active=True).update(active=False, disabled_reason=reason[:500],
                                                                   version=F("version") + 1):
            return False
        await unit.audit("webhook.disable", "webhook", hook.id, {"active": [True, False], "reason": reason})
        message = f"Webhook {hook.name!r} was switched off: {reason}"
        for admin in await User.filter(role=Role.ADMIN, active=True):
            def note(row: Notification, h: Webhook = hook) -> WebhookDisabledNote:
                return WebhookDisabledNote(webhook_id=h.id, message=row.message)

            await notify.tell(unit, admin, NotificationKind.WEBHOOK_DISABLED, message, ("webhook", hook.id), note,
                              f"webhook_disabled:{hook.id}:{hook.version}:{admin.id}", path="/admin/webhooks")
    return True


async def send_due(settings: Settings, hook: Webhook, clock: Clock) -> int:
    """Send the webhook's due deliveries oldest first, stopping at the first failure (it blocks the rest)."""
    sent = 0
    for _ in range(SENDS_PER_RUN):
        head = await WebhookDelivery.filter(webhook_id=hook.id, status=DeliveryStatus.PENDING).order_by("id").first()
        if head is None or head.next_attempt_at > clock():
            return sent
        at = clock()
        logged = await attempt(settings, hook, head, at)
        if not logged.ok:
            await _failed(settings, hook, head, at)
            return sent
        sent += 1
    return sent


async def run(settings: Settings, clock: Clock = queue.now) -> None:
    """The job: every active webhook in turn collects its new changes and sends what is due."""
    for hook in await Webhook.filter(active=True).order_by("id"):
        await collect(hook, clock)
        await send_due(settings, hook, clock)


async def prune(retention: timedelta, at: datetime) -> int:
    """Forget deliveries that ended (delivered or failed) before the change feed's retention, with their
    attempts (the daily job, beside the feed's own): their change is gone too, so nobody could redeliver them.
    A pending delivery stays however old, until it is sent or fails."""
    old = WebhookDelivery.filter(status__in=(DeliveryStatus.DELIVERED, DeliveryStatus.FAILED),
                                 created_at__lt=at - retention)
    # The attempts first: the cascade would do it, but SQLite would count its rows into the deliveries'.
    await WebhookAttempt.filter(delivery_id__in=Subquery(old.values("id"))).delete()
    return await old.delete()
