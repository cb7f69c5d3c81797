"""Automation rules (issue 17): the rule table, seeded with the three rules of the module notes, the stage
flag "deals entering it need a next step", and the rule a task was made by.

All three rules start switched on. The module notes describe the first two as how the CRM works ("when a
contact is added, a task is created for customer support"; a customer "has a task to activate" it), and the
third does nothing until an admin flags a stage. A database upgraded from before gets them on as well: they
act only on changes made from now on (nothing is created for existing contacts or customers).
"""

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.migrations.ops import per_dialect, sql

# key, name, title template, due in days, assignee rule (NULL: the task is given with the change)
RULES = (
    ("new_contact_call", "Call a new contact", "Call the new contact {contact}", 1, "'least_busy_support'"),
    ("customer_activation", "Activate a new customer", "Activate the customer {customer}", 3, "'account_manager'"),
    ("deal_next_step", "Stages can require a next step", "", 0, "NULL"),
)

seed_rules = sql(*(
    'INSERT INTO "automation_rule" ("version", "created_at", "updated_at", "key", "name", "enabled", '
    '"title_template", "due_in_days", "assignee_rule") '
    f"VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{key}', '{name}', TRUE, '{title}', {days}, {assignee}) "
    'ON CONFLICT ("key") DO NOTHING'
    for key, name, title, days, assignee in RULES
))

_common = [
    'CREATE INDEX "idx_automation_created_at" ON "automation_rule" ("created_at")',
    'ALTER TABLE "activity" ADD COLUMN "made_by_rule" VARCHAR(60)',
]

_create = per_dialect(
    sqlite=[
        """CREATE TABLE "automation_rule" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "key" VARCHAR(60) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "enabled" INT NOT NULL,
    "title_template" VARCHAR(200) NOT NULL,
    "due_in_days" INT NOT NULL,
    "assignee_rule" VARCHAR(30)
)""",
        'ALTER TABLE "stage" ADD COLUMN "requires_next_step" INT NOT NULL DEFAULT 0',
        *_common,
    ],
    postgres=[
        """CREATE TABLE "automation_rule" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "key" VARCHAR(60) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "enabled" BOOL NOT NULL,
    "title_template" VARCHAR(200) NOT NULL,
    "due_in_days" INT NOT NULL,
    "assignee_rule" VARCHAR(30)
)""",
        'ALTER TABLE "stage" ADD COLUMN "requires_next_step" BOOL NOT NULL DEFAULT FALSE',
        *_common,
    ],
)


async def apply(conn: BaseDBAsyncClient) -> None:
    await _create(conn)
    await seed_rules(conn)
