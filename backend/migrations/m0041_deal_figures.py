"""Deal figures (issue 19): the deals added up per owner, stage, month of close, currency and listed lost reason,
kept by triggers on `deal` and back-filled from the deals here. At 100,000 customers a sales head's dashboard
grouped ~90,000 of the team's deals per figure (3.5 s); it now reads the team's few hundred figure rows.

Triggers rather than calls in the services: the summary changes in the transaction of every deal write,
whichever path made it (services, imports, merges, erasure, a customer's cascade delete), and no future path can
forget it. A row whose count falls to 0 is deleted, so the table holds exactly the groups a GROUP BY of the deals
would. Decrements only UPDATE (never insert a negative row): a decrement always finds its row while the
table agrees with the deals, and a bulk delete that empties both tables (tests' truncation) leaves nothing.

On PostgreSQL each row change locks the figure rows it touches until commit, so concurrent writes add up
exactly; a move takes its two rows in key order, so two opposite moves cannot deadlock on them.
"""

from backend.migrations.ops import per_dialect


def _table(serial: str) -> str:
    return f"""CREATE TABLE "deal_figure" (
    "id" {serial},
    "owner_id" INT NOT NULL,
    "stage_id" INT NOT NULL,
    "month" VARCHAR(7) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "reason_id" INT NOT NULL,
    "deals" INT NOT NULL,
    "amount" BIGINT NOT NULL,
    "weighted" BIGINT NOT NULL,
    "cycle_seconds" BIGINT NOT NULL,
    CONSTRAINT "uid_deal_figure_owner_i_b609b4" UNIQUE ("owner_id", "stage_id", "month", "currency", "reason_id")
)"""


_COLUMNS = '"owner_id", "stage_id", "month", "currency", "reason_id", "deals", "amount", "weighted", "cycle_seconds"'
_KEY = '"owner_id", "stage_id", "month", "currency", "reason_id"'

# One deal's contribution, for a row alias `d` (NEW / OLD in triggers, "deal" in the back-fill): its key, then
# its count (1), amount, weighted amount and cycle. The month is the reports' month of close (reads/reports.py).
_SQLITE_MONTH = "COALESCE(strftime('%Y-%m', COALESCE({d}.\"closed_at\", {d}.\"expected_close_date\")), '')"
_SQLITE_CYCLE = ("COALESCE(CAST(round((julianday({d}.\"closed_at\") - julianday({d}.\"created_at\")) * 86400) "
                 "AS INTEGER), 0)")
_PG_MONTH = ("COALESCE(to_char(COALESCE({d}.\"closed_at\" AT TIME ZONE 'UTC', "
             "CAST({d}.\"expected_close_date\" AS timestamp)), 'YYYY-MM'), '')")
_PG_CYCLE = "COALESCE(CAST(round(EXTRACT(EPOCH FROM ({d}.\"closed_at\" - {d}.\"created_at\"))) AS BIGINT), 0)"


def _parts(d: str, month: str, cycle: str) -> list[str]:
    return [f'COALESCE({d}."owner_id", 0)', f'{d}."stage_id"', month.format(d=d), f'{d}."currency"',
            f'COALESCE({d}."lost_reason_choice_id", 0)', "1", f'{d}."amount"',
            f'{d}."amount" * {d}."probability"', cycle.format(d=d)]


def _backfill(month: str, cycle: str) -> str:
    key, measures = _parts('"deal"', month, cycle)[:5], _parts('"deal"', month, cycle)[5:]
    sums = ", ".join(f"SUM({m})" for m in measures)
    return (f'INSERT INTO "deal_figure" ({_COLUMNS}) SELECT {", ".join(key)}, {sums} FROM "deal" '
            f'GROUP BY {", ".join(key)}')


# --- SQLite: one writer at a time, so plain statements in each trigger are exact ---------------------------------

def _sqlite_add(d: str) -> str:
    values = ", ".join(_parts(d, _SQLITE_MONTH, _SQLITE_CYCLE))
    return (f'INSERT INTO "deal_figure" ({_COLUMNS}) VALUES ({values}) ON CONFLICT ({_KEY}) DO UPDATE SET '
            '"deals" = "deals" + excluded."deals", "amount" = "amount" + excluded."amount", '
            '"weighted" = "weighted" + excluded."weighted", "cycle_seconds" = "cycle_seconds" + excluded."cycle_seconds";')


def _sqlite_remove(d: str) -> str:
    owner, stage, month, currency, reason, _, amount, weighted, cycle = _parts(d, _SQLITE_MONTH, _SQLITE_CYCLE)
    where = (f'"owner_id" = {owner} AND "stage_id" = {stage} AND "month" = {month} AND "currency" = {currency} '
             f'AND "reason_id" = {reason}')
    return (f'UPDATE "deal_figure" SET "deals" = "deals" - 1, "amount" = "amount" - {amount}, '
            f'"weighted" = "weighted" - {weighted}, "cycle_seconds" = "cycle_seconds" - {cycle} WHERE {where}; '
            f'DELETE FROM "deal_figure" WHERE {where} AND "deals" = 0;')


# The columns a figure depends on: other updates (title, next step, version...) leave the figures alone.
_WATCHED = ('"owner_id", "stage_id", "closed_at", "expected_close_date", "currency", "lost_reason_choice_id", '
            '"amount", "probability", "created_at"')

_SQLITE = [
    _table("INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"),
    f'CREATE TRIGGER "deal_figure_insert" AFTER INSERT ON "deal" BEGIN {_sqlite_add("NEW")} END',
    f'CREATE TRIGGER "deal_figure_delete" AFTER DELETE ON "deal" BEGIN {_sqlite_remove("OLD")} END',
    f'CREATE TRIGGER "deal_figure_update" AFTER UPDATE OF {_WATCHED} ON "deal" BEGIN '
    f'{_sqlite_remove("OLD")} {_sqlite_add("NEW")} END',
    _backfill(_SQLITE_MONTH, _SQLITE_CYCLE),
]


# --- PostgreSQL: one function adds a signed contribution to a row; the trigger orders a move's two rows ----------

_PG_ADD = """CREATE FUNCTION "deal_figure_add"(k_owner INT, k_stage INT, k_month VARCHAR, k_currency VARCHAR,
    k_reason INT, n INT, total BIGINT, weight BIGINT, cycle BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF n > 0 THEN
        INSERT INTO "deal_figure" ("owner_id", "stage_id", "month", "currency", "reason_id", "deals", "amount",
                                   "weighted", "cycle_seconds")
        VALUES (k_owner, k_stage, k_month, k_currency, k_reason, n, total, weight, cycle)
        ON CONFLICT ("owner_id", "stage_id", "month", "currency", "reason_id") DO UPDATE SET
            "deals" = "deal_figure"."deals" + n, "amount" = "deal_figure"."amount" + total,
            "weighted" = "deal_figure"."weighted" + weight, "cycle_seconds" = "deal_figure"."cycle_seconds" + cycle;
    ELSE
        UPDATE "deal_figure" SET "deals" = "deals" + n, "amount" = "amount" + total, "weighted" = "weighted" + weight,
            "cycle_seconds" = "cycle_seconds" + cycle
        WHERE "owner_id" = k_owner AND "stage_id" = k_stage AND "month" = k_month AND "currency" = k_currency
          AND "reason_id" = k_reason;
        DELETE FROM "deal_figure" WHERE "owner_id" = k_owner AND "stage_id" = k_stage AND "month" = k_month
          AND "currency" = k_currency AND "reason_id" = k_reason AND "deals" = 0;
    END IF;
END $$"""


def _pg_call(d: str, sign: str) -> str:
    owner, stage, month, currency, reason, _, amount, weighted, cycle = _parts(d, _PG_MONTH, _PG_CYCLE)
    return (f'PERFORM "deal_figure_add"({owner}, {stage}, {month}, {currency}, {reason}, {sign}1, '
            f'{sign}({amount}), {sign}({weighted}), {sign}({cycle}));')


def _pg_key(d: str) -> str:
    return "ROW(" + ", ".join(_parts(d, _PG_MONTH, _PG_CYCLE)[:5]) + ")"


_PG_SYNC = f"""CREATE FUNCTION "deal_figure_sync"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_pg_call("NEW", "+")}
    ELSIF TG_OP = 'DELETE' THEN
        {_pg_call("OLD", "-")}
    ELSIF {_pg_key("OLD")} < {_pg_key("NEW")} THEN
        {_pg_call("OLD", "-")}
        {_pg_call("NEW", "+")}
    ELSE
        {_pg_call("NEW", "+")}
        {_pg_call("OLD", "-")}
    END IF;
    RETURN NULL;
END $$"""

_PG = [
    _table("SERIAL NOT NULL PRIMARY KEY"),
    _PG_ADD,
    _PG_SYNC,
    'CREATE TRIGGER "deal_figure_insert_delete" AFTER INSERT OR DELETE ON "deal" '
    'FOR EACH ROW EXECUTE FUNCTION "deal_figure_sync"()',
    f'CREATE TRIGGER "deal_figure_update" AFTER UPDATE OF {_WATCHED} ON "deal" '
    'FOR EACH ROW EXECUTE FUNCTION "deal_figure_sync"()',
    _backfill(_PG_MONTH, _PG_CYCLE),
]

apply = per_dialect(sqlite=_SQLITE, postgres=_PG)
