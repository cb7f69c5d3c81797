"""The activity and task figures (m0044's triggers) agree with the activities after every kind of write: logged
(every kind, with and without a customer), corrected (updateActivity), task completed, due date moved,
reassigned, customer given to another account manager, customers merged, a person erased, a deal and a customer
deleted (cascades), activities deleted in bulk; and after many such writes at once (on PostgreSQL: concurrent
transactions through the pool, sharing figure rows). The expected figures are counted here in Python from the
activity rows, not by the database. The dashboard's task counts read from them equal the row rule's own."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.auth.actor import Actor
from backend.models import Activity, ActivityFigure, ActivityKind, Customer, Deal, Role, TaskFigure, TaskStatus
from backend.reads import dashboard
from backend.services import activities, customers, deals, erasure, merges
from backend.services.activities import OPEN_TASK
from tests.factories import actor, make_team, make_user

NOW = datetime.now(UTC)


async def expected() -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    managers = dict(await Customer.all().values_list("id", "account_manager_id"))
    done: Counter[tuple[Any, ...]] = Counter()
    tasks: Counter[tuple[Any, ...]] = Counter()
    for a in await Activity.all():
        done[(a.author_id or 0, a.kind.value, a.occurred_at.astimezone(UTC).date().isoformat())] += 1
        if a.kind is ActivityKind.TASK and a.task_status in OPEN_TASK and a.assignee_id and a.due_at:
            manager = -1 if a.customer_id is None else managers[a.customer_id] or 0
            tasks[(a.assignee_id, a.due_at.astimezone(UTC).date().isoformat(), manager)] += 1
    return done, tasks


async def stored() -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    done = Counter({(f.author_id, f.kind, f.day): f.activities for f in await ActivityFigure.all()})
    tasks = Counter({(f.assignee_id, f.day, f.manager_id): f.tasks for f in await TaskFigure.all()})
    return done, tasks


async def assert_figures_agree() -> None:
    (want_done, want_tasks), (have_done, have_tasks) = await expected(), await stored()
    assert have_done == want_done
    assert have_tasks == want_tasks
    assert all(n > 0 for n in [*have_done.values(), *have_tasks.values()]), "no empty rows"


async def assert_task_counts_exact(who: Actor) -> None:
    """The dashboard's (due today, overdue) from the figures equal the row rule's count over the tasks."""
    _, end = await dashboard.day_of(who, NOW)
    mine = Activity.filter(dashboard.permissions.activity_rule(who), assignee_id=who.user_id, kind=ActivityKind.TASK,
                           task_status__in=list(OPEN_TASK))
    today = await mine.filter(due_at__gte=NOW, due_at__lt=end).count()
    overdue = await mine.filter(due_at__lt=NOW).count()
    assert await dashboard.task_counts(who, NOW) == (today, overdue)


async def _setting() -> tuple[Actor, Actor, Actor, Actor, Customer, Customer]:
    north, south = await make_team(), await make_team()
    admin = actor(await make_user(Role.ADMIN))
    head = actor(await make_user(Role.SALES_HEAD, north))
    rep = actor(await make_user(Role.SALES_REP, north))
    rep2 = actor(await make_user(Role.SALES_REP, south))
    ours = await Customer.create(name="Ours Ltd", email="ours@example.com", account_manager_id=rep.user_id)
    theirs = await Customer.create(name="Theirs Ltd", email="theirs@example.com", account_manager_id=rep2.user_id)
    return admin, head, rep, rep2, ours, theirs


async def _task(who: Actor, assignee: Actor, customer: Customer | None, days: float) -> Activity:
    return await activities.log_activity(who, {"kind": ActivityKind.TASK, "title": "Follow up",
                                               "customer_id": customer.id if customer else None,
                                               "assignee_id": assignee.user_id, "due_at": NOW + timedelta(days=days)})


async def test_figures_follow_every_kind_of_activity_write(db):
    admin, head, rep, rep2, ours, theirs = await _setting()
    kinds = (ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.EMAIL, ActivityKind.NOTE)
    logged = [await activities.log_activity(rep, {"kind": kind, "title": f"A{i}", "customer_id": ours.id,
                                                  "occurred_at": NOW - timedelta(days=i, hours=i)})
              for i, kind in enumerate(kinds)]
    await activities.log_activity(rep2, {"kind": ActivityKind.CALL, "title": "South", "customer_id": theirs.id})
    tasks = [await _task(head, head, ours, -3), await _task(head, head, ours, -3), await _task(rep, head, ours, 0.2),
             await _task(head, head, None, -1), await _task(rep, rep, ours, 2), await _task(rep2, rep2, theirs, -2)]
    await assert_figures_agree()
    await assert_task_counts_exact(head)

    call = await activities.update_activity(rep, logged[0].id, logged[0].version,
                                            {"occurred_at": NOW - timedelta(days=9)})  # a correction moves its day
    assert call.occurred_at < NOW - timedelta(days=8)
    done = await activities.complete_task(head, tasks[0].id, tasks[0].version)
    moved = await Activity.get(id=tasks[4].id)
    await activities.update_task(rep, moved.id, moved.version, {"due_at": NOW - timedelta(days=5)})
    handed = await Activity.get(id=tasks[2].id)
    await activities.update_task(head, handed.id, handed.version, {"assignee_id": rep.user_id})
    assert done.task_status is TaskStatus.DONE
    await assert_figures_agree()

    # The head's overdue task on "ours" moves to another manager's rows when the customer changes hands.
    await customers.update_customer(admin, ours.id, (await Customer.get(id=ours.id)).version,
                                    {"account_manager_id": rep2.user_id})
    await assert_figures_agree()
    await assert_task_counts_exact(head)  # now hidden from the head: the rule, not the figures' manager, decides
    await customers.update_customer(admin, ours.id, (await Customer.get(id=ours.id)).version,
                                    {"account_manager_id": rep.user_id})
    await assert_figures_agree()
    await assert_task_counts_exact(head)

    kept, gone = await Customer.get(id=ours.id), await Customer.get(id=theirs.id)
    await merges.merge_customers(admin, merges.MergeRequest(keep_id=kept.id, records=[(kept.id, kept.version),
                                                                                      (gone.id, gone.version)]))
    await assert_figures_agree()
    await erasure.erase_person(admin, "ours@example.com")
    await assert_figures_agree()

    deal = await deals.create_deal(rep, {"title": "Deal", "customer_id": ours.id, "amount": 100})
    await activities.log_activity(rep, {"kind": ActivityKind.CALL, "title": "On the deal", "deal_id": deal.id})
    await activities.log_activity(rep, {"kind": ActivityKind.TASK, "title": "Deal task", "deal_id": deal.id,
                                        "due_at": NOW - timedelta(days=1)})
    await Deal.filter(id=deal.id).delete()  # its activities go by cascade
    await assert_figures_agree()

    lone = await Customer.create(name="Lone Ltd", email="lone@example.com", account_manager_id=rep.user_id)
    await _task(rep, head, lone, -4)
    await activities.log_activity(rep, {"kind": ActivityKind.NOTE, "title": "N", "customer_id": lone.id})
    await customers.delete_customer(admin, lone.id, lone.version)  # cascade after the customer row is gone
    await assert_figures_agree()
    await assert_task_counts_exact(head)

    await Activity.filter(kind=ActivityKind.TASK).delete()
    await assert_figures_agree()
    assert await TaskFigure.all().count() == 0
    await Activity.all().delete()
    assert await ActivityFigure.all().count() == 0


async def test_figures_stay_exact_under_concurrent_writes(db):
    """New activities and tasks, completions, due date moves and a customer changing hands at once, most of
    them sharing figure rows; on PostgreSQL each runs in its own transaction concurrently with the others."""
    admin, head, rep, rep2, ours, _ = await _setting()
    tasks = [await _task(rep, rep, ours, -1) for _ in range(12)]

    async def change(i: int, task: Activity) -> None:
        if i % 4 == 0:
            await activities.complete_task(rep, task.id, task.version)
        elif i % 4 == 1:
            await activities.update_task(rep, task.id, task.version, {"due_at": NOW - timedelta(days=2)})
        elif i % 4 == 2:
            await _task(rep, head, ours, -1)
        else:
            await activities.log_activity(rep, {"kind": ActivityKind.CALL, "title": "C", "customer_id": ours.id})

    async def hand_over() -> None:
        await customers.update_customer(admin, ours.id, ours.version, {"account_manager_id": head.user_id})

    results = await asyncio.gather(*(change(i, t) for i, t in enumerate(tasks)), hand_over(), return_exceptions=True)
    assert [r for r in results if r is not None and not isinstance(r, Customer)] == []
    await assert_figures_agree()
    assert sum(f.tasks for f in await TaskFigure.all()) == 12 - 3 + 3
    await assert_task_counts_exact(head)
