"""Activity and task figures (issue 19): activities counted per author, kind and UTC day (`activity_figure`), and
open tasks per assignee, UTC day due and the account manager of the task's customer (`task_figure`), kept by
triggers on `activity` and `customer` and back-filled here. At 100,000 customers a head's dashboard checked each
of ~33,000 open tasks and each of the month's team activities against the row rules' visible-customer lists;
it now reads a few dozen figure rows (reads/activity_figures.py).

Triggers, like m0041's deal figures: the figures change in the transaction of every activity write, whichever
path made it (services, imports, merges, erasure, cascades from a deleted deal or customer), and no future path
can forget them. A row whose count falls to 0 is deleted; decrements only UPDATE.

A task figure's manager is the *current* account manager of the task's customer, so that "managed by the team"
(visible to it: customer_rule) stays true of the rows: a customer's new account manager moves its open tasks'
counts (the customer's update trigger). A deleted customer takes its open tasks out of the figures before the
row goes (BEFORE DELETE); the cascade that then deletes those tasks finds no customer and leaves the figures
alone. On PostgreSQL the activity trigger reads the manager FOR SHARE, so a concurrent change of manager
waits for the task's transaction (or the task for the change) and the two never miss each other.
"""

from backend.migrations.ops import per_dialect

_ACTIVITY_TABLE = """CREATE TABLE "activity_figure" (
    "id" {serial},
    "author_id" INT NOT NULL,
    "kind" VARCHAR(20) NOT NULL,
    "day" VARCHAR(10) NOT NULL,
    "activities" INT NOT NULL,
    CONSTRAINT "uid_activity_fi_author__8b1981" UNIQUE ("author_id", "kind", "day")
)"""

_TASK_TABLE = """CREATE TABLE "task_figure" (
    "id" {serial},
    "assignee_id" INT NOT NULL,
    "day" VARCHAR(10) NOT NULL,
    "manager_id" INT NOT NULL,
    "tasks" INT NOT NULL,
    CONSTRAINT "uid_task_figure_assigne_b8355d" UNIQUE ("assignee_id", "day", "manager_id")
)"""

_SQLITE_DAY = "strftime('%Y-%m-%d', {column})"
_PG_DAY = "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


def _open(d: str) -> str:
    """The tasks task_figure counts (services.activities.OPEN_TASK, with an assignee and a due date)."""
    return (f"{d}.\"kind\" = 'task' AND {d}.\"task_status\" IN ('new', 'scheduled', 'rescheduled') "
            f'AND {d}."assignee_id" IS NOT NULL AND {d}."due_at" IS NOT NULL')


def _activity_key(d: str, day: str) -> list[str]:
    return [f'COALESCE({d}."author_id", 0)', f'{d}."kind"', day.format(column=f'{d}."occurred_at"')]


def _manager(d: str) -> str:
    return (f'CASE WHEN {d}."customer_id" IS NULL THEN -1 ELSE COALESCE((SELECT "account_manager_id" FROM "customer" '
            f'WHERE "id" = {d}."customer_id"), 0) END')


def _backfill(day: str) -> list[str]:
    author, kind, occurred = _activity_key('"activity"', day)
    due = day.format(column='a."due_at"')
    manager = 'CASE WHEN a."customer_id" IS NULL THEN -1 ELSE COALESCE(c."account_manager_id", 0) END'
    return [
        f'INSERT INTO "activity_figure" ("author_id", "kind", "day", "activities") '
        f'SELECT {author}, {kind}, {occurred}, COUNT(*) FROM "activity" GROUP BY {author}, {kind}, {occurred}',
        f'INSERT INTO "task_figure" ("assignee_id", "day", "manager_id", "tasks") '
        f'SELECT a."assignee_id", {due}, {manager}, COUNT(*) FROM "activity" a '
        f'LEFT JOIN "customer" c ON c."id" = a."customer_id" WHERE {_open("a")} '
        f'GROUP BY a."assignee_id", {due}, {manager}',
    ]


def _customer_tasks(c: str, day: str) -> str:
    """The open tasks of customer `c` (OLD / NEW in the customer's triggers) grouped by assignee and day due."""
    due = day.format(column='a."due_at"')
    return (f'SELECT a."assignee_id" AS "assignee_id", {due} AS "day", COUNT(*) AS "n" FROM "activity" a '
            f'WHERE a."customer_id" = {c}."id" AND {_open("a")} GROUP BY a."assignee_id", {due}')


def _take_out(c: str, day: str) -> str:
    """Customer `c`'s open tasks subtracted from its manager's rows (empty rows deleted)."""
    manager = f'COALESCE({c}."account_manager_id", 0)'
    return (f'UPDATE "task_figure" SET "tasks" = "task_figure"."tasks" - g."n" FROM ({_customer_tasks(c, day)}) g '
            f'WHERE "task_figure"."assignee_id" = g."assignee_id" AND "task_figure"."day" = g."day" '
            f'AND "task_figure"."manager_id" = {manager}; '
            f'DELETE FROM "task_figure" WHERE "manager_id" = {manager} AND "tasks" = 0;')


def _put_in(c: str, day: str) -> str:
    """Customer `c`'s open tasks added to its manager's rows."""
    return (f'INSERT INTO "task_figure" ("assignee_id", "day", "manager_id", "tasks") '
            f'SELECT g."assignee_id", g."day", COALESCE({c}."account_manager_id", 0), g."n" '
            f'FROM ({_customer_tasks(c, day)}) g WHERE true '
            'ON CONFLICT ("assignee_id", "day", "manager_id") DO UPDATE SET "tasks" = "task_figure"."tasks" + excluded."tasks";')


# The activity columns a figure depends on: other updates (title, notes, outcome, version...) leave them alone.
_WATCHED = '"kind", "occurred_at", "author_id", "assignee_id", "due_at", "task_status", "customer_id"'


# --- SQLite: one writer at a time, so plain statements in each trigger are exact ---------------------------------

def _sqlite_add(d: str) -> str:
    author, kind, day = _activity_key(d, _SQLITE_DAY)
    due = _SQLITE_DAY.format(column=f'{d}."due_at"')
    return (f'INSERT INTO "activity_figure" ("author_id", "kind", "day", "activities") VALUES ({author}, {kind}, {day}, 1) '
            'ON CONFLICT ("author_id", "kind", "day") DO UPDATE SET "activities" = "activities" + 1; '
            f'INSERT INTO "task_figure" ("assignee_id", "day", "manager_id", "tasks") '
            f'SELECT {d}."assignee_id", {due}, {_manager(d)}, 1 WHERE {_open(d)} '
            'ON CONFLICT ("assignee_id", "day", "manager_id") DO UPDATE SET "tasks" = "tasks" + 1;')


def _sqlite_remove(d: str) -> str:
    author, kind, day = _activity_key(d, _SQLITE_DAY)
    activity = f'"author_id" = {author} AND "kind" = {kind} AND "day" = {day}'
    task = (f'"assignee_id" = {d}."assignee_id" AND "day" = {_SQLITE_DAY.format(column=f"{d}.due_at")} '
            f'AND "manager_id" = {_manager(d)}')
    # A task whose customer is already gone was taken out by the customer's BEFORE DELETE trigger.
    counted = f'{_open(d)} AND ({d}."customer_id" IS NULL OR EXISTS (SELECT 1 FROM "customer" WHERE "id" = {d}."customer_id"))'
    return (f'UPDATE "activity_figure" SET "activities" = "activities" - 1 WHERE {activity}; '
            f'DELETE FROM "activity_figure" WHERE {activity} AND "activities" = 0; '
            f'UPDATE "task_figure" SET "tasks" = "tasks" - 1 WHERE {task} AND {counted}; '
            f'DELETE FROM "task_figure" WHERE {task} AND "tasks" = 0;')


_SQLITE = [
    _ACTIVITY_TABLE.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"),
    _TASK_TABLE.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"),
    f'CREATE TRIGGER "activity_figure_insert" AFTER INSERT ON "activity" BEGIN {_sqlite_add("NEW")} END',
    f'CREATE TRIGGER "activity_figure_delete" AFTER DELETE ON "activity" BEGIN {_sqlite_remove("OLD")} END',
    f'CREATE TRIGGER "activity_figure_update" AFTER UPDATE OF {_WATCHED} ON "activity" BEGIN '
    f'{_sqlite_remove("OLD")} {_sqlite_add("NEW")} END',
    'CREATE TRIGGER "task_figure_manager" AFTER UPDATE OF "account_manager_id" ON "customer" '
    'WHEN OLD."account_manager_id" IS NOT NEW."account_manager_id" BEGIN '
    f'{_take_out("OLD", _SQLITE_DAY)} {_put_in("NEW", _SQLITE_DAY)} END',
    f'CREATE TRIGGER "task_figure_customer_delete" BEFORE DELETE ON "customer" BEGIN {_take_out("OLD", _SQLITE_DAY)} END',
    *_backfill(_SQLITE_DAY),
]


# --- PostgreSQL: functions add a signed count to a row; the trigger orders a move's two rows ----------------------

_PG_ACTIVITY_ADD = """CREATE FUNCTION "activity_figure_add"(k_author INT, k_kind VARCHAR, k_day VARCHAR, n INT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF n > 0 THEN
        INSERT INTO "activity_figure" ("author_id", "kind", "day", "activities") VALUES (k_author, k_kind, k_day, n)
        ON CONFLICT ("author_id", "kind", "day") DO UPDATE SET "activities" = "activity_figure"."activities" + n;
    ELSE
        UPDATE "activity_figure" SET "activities" = "activities" + n
        WHERE "author_id" = k_author AND "kind" = k_kind AND "day" = k_day;
        DELETE FROM "activity_figure" WHERE "author_id" = k_author AND "kind" = k_kind AND "day" = k_day
          AND "activities" = 0;
    END IF;
END $$"""

_PG_TASK_ADD = """CREATE FUNCTION "task_figure_add"(k_assignee INT, k_day VARCHAR, k_manager INT, n INT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF n > 0 THEN
        INSERT INTO "task_figure" ("assignee_id", "day", "manager_id", "tasks") VALUES (k_assignee, k_day, k_manager, n)
        ON CONFLICT ("assignee_id", "day", "manager_id") DO UPDATE SET "tasks" = "task_figure"."tasks" + n;
    ELSE
        UPDATE "task_figure" SET "tasks" = "tasks" + n
        WHERE "assignee_id" = k_assignee AND "day" = k_day AND "manager_id" = k_manager;
        DELETE FROM "task_figure" WHERE "assignee_id" = k_assignee AND "day" = k_day AND "manager_id" = k_manager
          AND "tasks" = 0;
    END IF;
END $$"""

# The manager of a task's customer, read FOR SHARE (see above); NULL when the customer is gone (a cascade).
_PG_MANAGER = """CREATE FUNCTION "task_figure_manager"(k_customer INT) RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
    found_manager INT;
BEGIN
    IF k_customer IS NULL THEN
        RETURN -1;
    END IF;
    SELECT COALESCE("account_manager_id", 0) INTO found_manager FROM "customer" WHERE "id" = k_customer FOR SHARE;
    RETURN found_manager;
END $$"""


def _pg_activity_key(d: str) -> str:
    return ", ".join(_activity_key(d, _PG_DAY))


def _pg_task_call(d: str, manager: str, sign: str) -> str:
    due = _PG_DAY.format(column=f'{d}."due_at"')
    return (f'IF {_open(d)} AND {manager} IS NOT NULL THEN '
            f'PERFORM "task_figure_add"({d}."assignee_id", {due}, {manager}, {sign}1); END IF;')


_PG_SYNC = f"""CREATE FUNCTION "activity_figure_sync"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_manager INT;
    new_manager INT;
BEGIN
    IF TG_OP <> 'INSERT' AND {_open("OLD")} THEN
        old_manager := "task_figure_manager"(OLD."customer_id");
    END IF;
    IF TG_OP <> 'DELETE' AND {_open("NEW")} THEN
        new_manager := "task_figure_manager"(NEW."customer_id");
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM "activity_figure_add"({_pg_activity_key("NEW")}, 1);
        {_pg_task_call("NEW", "new_manager", "+")}
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM "activity_figure_add"({_pg_activity_key("OLD")}, -1);
        {_pg_task_call("OLD", "old_manager", "-")}
    ELSE
        -- A move takes its two rows of each table in key order, so two opposite moves cannot deadlock on them.
        IF ROW({_pg_activity_key("OLD")}) < ROW({_pg_activity_key("NEW")}) THEN
            PERFORM "activity_figure_add"({_pg_activity_key("OLD")}, -1);
            PERFORM "activity_figure_add"({_pg_activity_key("NEW")}, 1);
        ELSE
            PERFORM "activity_figure_add"({_pg_activity_key("NEW")}, 1);
            PERFORM "activity_figure_add"({_pg_activity_key("OLD")}, -1);
        END IF;
        IF ROW(OLD."assignee_id", OLD."due_at", old_manager) < ROW(NEW."assignee_id", NEW."due_at", new_manager) THEN
            {_pg_task_call("OLD", "old_manager", "-")}
            {_pg_task_call("NEW", "new_manager", "+")}
        ELSE
            {_pg_task_call("NEW", "new_manager", "+")}
            {_pg_task_call("OLD", "old_manager", "-")}
        END IF;
    END IF;
    RETURN NULL;
END $$"""

_PG_CUSTOMER = f"""CREATE FUNCTION "task_figure_rekey"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_take_out("OLD", _PG_DAY)}
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    {_put_in("NEW", _PG_DAY)}
    RETURN NULL;
END $$"""

_PG = [
    _ACTIVITY_TABLE.format(serial="SERIAL NOT NULL PRIMARY KEY"),
    _TASK_TABLE.format(serial="SERIAL NOT NULL PRIMARY KEY"),
    _PG_ACTIVITY_ADD,
    _PG_TASK_ADD,
    _PG_MANAGER,
    _PG_SYNC,
    _PG_CUSTOMER,
    'CREATE TRIGGER "activity_figure_insert_delete" AFTER INSERT OR DELETE ON "activity" '
    'FOR EACH ROW EXECUTE FUNCTION "activity_figure_sync"()',
    f'CREATE TRIGGER "activity_figure_update" AFTER UPDATE OF {_WATCHED} ON "activity" '
    'FOR EACH ROW EXECUTE FUNCTION "activity_figure_sync"()',
    'CREATE TRIGGER "task_figure_manager" AFTER UPDATE OF "account_manager_id" ON "customer" FOR EACH ROW '
    'WHEN (OLD."account_manager_id" IS DISTINCT FROM NEW."account_manager_id") EXECUTE FUNCTION "task_figure_rekey"()',
    'CREATE TRIGGER "task_figure_customer_delete" BEFORE DELETE ON "customer" FOR EACH ROW '
    'EXECUTE FUNCTION "task_figure_rekey"()',
    *_backfill(_PG_DAY),
]

apply = per_dialect(sqlite=_SQLITE, postgres=_PG)
