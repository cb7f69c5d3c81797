"""Filter bounds on instants, given in the user's own offset, pick the rows of the user's own day.

A user in Tokyo asks for 10 March: 10 March 00:00 to 23:59:59 at +09:00, which is 9 March 15:00 to 10 March
14:59:59 UTC. A record made on 10 March at 20:00 UTC is already 11 March in Tokyo: it belongs to the 11th,
not the 10th. (On SQLite a bound kept in its +09:00 offset compared as text with the UTC-stored times and
put it on the wrong day.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise.models import Model

from backend.models import Activity, Contact, Customer, Deal, Lead, Role, User
from tests.factories import log_activity, make_contact, make_customer, make_deal, make_user, ok

TOKYO = ZoneInfo("Asia/Tokyo")
LATE = datetime(2027, 3, 10, 20, 0, tzinfo=UTC)  # late in the UTC day: already 11 March, 05:00, in Tokyo
CREATE_LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"


def tokyo_day(day: int) -> dict[str, str]:
    start = datetime(2027, 3, day, tzinfo=TOKYO)
    return {"start": start.isoformat(), "end": (start + timedelta(days=1, seconds=-1)).isoformat()}


async def _customer(user: User) -> tuple[type[Model], str, str]:
    return Customer, (await make_customer(user))["id"], "created_at"


async def _contact(user: User) -> tuple[type[Model], str, str]:
    return Contact, (await make_contact(user))["id"], "created_at"


async def _lead(user: User) -> tuple[type[Model], str, str]:
    return Lead, (await ok(user, CREATE_LEAD, input={"title": "Lead"}))["createLead"]["id"], "created_at"


async def _deal(user: User) -> tuple[type[Model], str, str]:
    return Deal, (await make_deal(user, (await make_customer(user))["id"]))["id"], "created_at"


async def _activity(user: User) -> tuple[type[Model], str, str]:
    return Activity, (await log_activity(user))["id"], "occurred_at"


Make = Callable[[User], Awaitable[tuple[type[Model], str, str]]]
# (root field, filter field, how a record is made): every list whose filter takes a range of instants.
RANGES: list[tuple[str, str, Make]] = [
    ("customers", "created", _customer),
    ("contacts", "created", _contact),
    ("leads", "createdAt", _lead),
    ("deals", "createdAt", _deal),
    ("activities", "occurred", _activity),
]
FILTER_TYPE = {"customers": "CustomerFilter", "contacts": "ContactFilter", "leads": "LeadFilter",
               "deals": "DealFilter", "activities": "ActivityFilter"}


async def ids(user: User, field: str, where: dict[str, Any]) -> list[str]:
    data = await ok(user, f"query($filter: {FILTER_TYPE[field]}) {{ {field}(filter: $filter, first: 50) "
                    "{ edges { node { id } } } }", filter=where)
    return [edge["node"]["id"] for edge in data[field]["edges"]]


@pytest.mark.parametrize(("field", "bound", "make"), RANGES, ids=[r[0] for r in RANGES])
async def test_a_tokyo_day_holds_what_was_made_on_it_in_tokyo(db: str, field: str, bound: str, make: Make) -> None:
    user = await make_user(Role.ADMIN)
    await User.filter(id=user.id).update(time_zone="Asia/Tokyo")
    model, record_id, column = await make(user)
    await model.filter(id=int(record_id)).update(**{column: LATE})
    assert record_id not in await ids(user, field, {bound: tokyo_day(10)})
    assert record_id in await ids(user, field, {bound: tokyo_day(11)})
    assert record_id in await ids(user, field, {bound: {"start": tokyo_day(11)["start"]}})
    assert record_id not in await ids(user, field, {bound: {"end": tokyo_day(10)["end"]}})


async def test_tasks_due_before_an_instant_in_tokyo(db: str) -> None:
    user = await make_user(Role.ADMIN)
    task = await log_activity(user, kind="TASK", dueAt=LATE.isoformat())
    just_after = (LATE + timedelta(minutes=1)).astimezone(TOKYO).isoformat()
    just_before = (LATE - timedelta(minutes=1)).astimezone(TOKYO).isoformat()
    assert task["id"] in await ids(user, "activities", {"dueBefore": just_after})
    assert task["id"] not in await ids(user, "activities", {"dueBefore": just_before})
