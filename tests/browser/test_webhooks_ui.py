"""Admin → Webhooks in a real browser: a private address is refused under the URL field, a public one is
registered and its secret shown once; a webhook's deliveries show every attempt (status, time, the answer's
start) and Redeliver adds a manual attempt to the log; switching a webhook off shows why."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes


@pytest.fixture(scope="module")
def legacy(server: str, data_dir: Path) -> Iterator[str]:
    """A webhook registered while private addresses were allowed (CRM_WEBHOOKS_ALLOW_PRIVATE), with one
    delivery that failed five times and then arrived, and one still pending."""
    now = datetime.now(UTC)
    with sqlite3.connect(data_dir / "crm.sqlite3") as db:
        stamp = now.isoformat()
        hook = db.execute(
            'INSERT INTO "webhook" ("version", "created_at", "updated_at", "name", "url", "entities", "kinds", "secret", '
            '"active", "disabled_reason", "last_change_id", "created_by_id") VALUES (1, ?, ?, ?, ?, ?, ?, ?, 1, ?, 0, NULL)',
            (stamp, stamp, "Legacy ERP", "http://127.0.0.1:9/hooks/crm", '["deal"]', "[]", "whsec_" + "x" * 30, ""),
        ).lastrowid
        body = '{"event":"deal.status_changed","change":{"id":"41"}}'
        done = db.execute(
            'INSERT INTO "webhook_delivery" ("webhook_id", "change_id", "event", "body", "status", "attempts", '
            '"next_attempt_at", "delivered_at", "created_at") VALUES (?, 41, ?, ?, ?, 6, ?, ?, ?)',
            (hook, "deal.status_changed", body, "delivered", stamp, stamp, stamp)).lastrowid
        at = now - timedelta(minutes=16)
        for n, wait in enumerate((0, 30, 60, 120, 240, 480)):
            at += timedelta(seconds=wait)
            ok = n == 5
            db.execute('INSERT INTO "webhook_attempt" ("delivery_id", "at", "ok", "status_code", "duration_ms", "error", '
                       '"response", "manual") VALUES (?, ?, ?, ?, ?, ?, ?, 0)',
                       (done, at.isoformat(), int(ok), 200 if ok else 503, 40 + n, "" if ok else "HTTP 503",
                        '{"received": true}' if ok else "Service Unavailable"))
        db.execute('INSERT INTO "webhook_delivery" ("webhook_id", "change_id", "event", "body", "status", "attempts", '
                   '"next_attempt_at", "created_at") VALUES (?, 42, ?, ?, ?, 0, ?, ?)',
                   (hook, "deal.updated", '{"event":"deal.updated"}', "pending", stamp, stamp))
    yield str(hook)


def test_admin_registers_a_webhook_and_redelivers_one(admin: Session, legacy: str, shots: Path) -> None:
    page = admin.page("/admin/webhooks")
    expect(page.locator(".admin-tabs .tab.active")).to_have_text("Webhooks")
    form = page.get_by_role("form", name="New webhook")
    form.locator("input[name=name]").fill("Inside job")
    form.locator("input[name=url]").fill("http://169.254.169.254/latest/meta-data")
    form.get_by_role("button", name="Register webhook").click()
    expect(form.locator(".field-error")).to_contain_text("link-local address")
    shot_sizes(page, shots, "admin-webhooks-refused")

    form.locator("input[name=name]").fill("Warehouse sync")
    form.locator("input[name=url]").fill("https://93.184.215.14/hooks/crm")
    form.get_by_role("checkbox", name="Deal").check()
    form.get_by_role("button", name="Register webhook").click()
    secret = page.get_by_role("textbox", name="Signing secret")
    expect(secret).to_have_value(re.compile(r"^whsec_"))
    table = page.locator("table[aria-label=Webhooks]")
    expect(table.locator("tr[data-webhook='Warehouse sync']")).to_contain_text("Deal: all changes")
    shot_sizes(page, shots, "admin-webhooks-secret")
    page.get_by_role("button", name="Done, I copied it").click()
    expect(secret).to_have_count(0)

    row = table.locator("tr[data-webhook='Legacy ERP']")
    row.get_by_role("button", name="Deliveries").click()
    deliveries = page.locator("table[aria-label=Deliveries]")
    delivered = deliveries.locator("tbody[data-delivery]").filter(has_text="deal.status_changed")
    expect(delivered).to_contain_text("Delivered")
    expect(delivered).to_contain_text("HTTP 200 in 45 ms")
    delivered.get_by_role("button", name="6 attempts").click()
    expect(delivered.locator("li.attempt.failed")).to_have_count(5)
    expect(delivered.locator("li.attempt.failed").first).to_contain_text("Service Unavailable")
    shot_sizes(page, shots, "admin-webhooks-deliveries")

    delivered.get_by_role("button", name="Redeliver").click()  # its address is refused now: logged, not sent
    expect(delivered.get_by_role("button", name="7 attempts")).to_be_visible()
    expect(delivered.locator("li.attempt").first).to_contain_text("redelivered by hand")
    expect(delivered.locator("li.attempt").first).to_contain_text("loopback")
    shot_sizes(page, shots, "admin-webhooks-redelivered")

    row.get_by_role("button", name="Switch off").click()
    expect(row).to_contain_text("switched off by admin@example.com")
    expect(row.get_by_role("button", name="Switch on")).to_be_visible()


def test_webhooks_are_not_offered_to_a_sales_head(head: Session) -> None:
    page = head.page("/admin/webhooks")
    expect(page.get_by_role("alert")).to_contain_text("Not allowed")
