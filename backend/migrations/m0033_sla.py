"""SLAs of support tickets (issue 20): targets per priority in business minutes, the support desk's calendar
(working days and hours, time zone, holidays, the lead told of breaches) and the record of near-breaches and
breaches. The defaults rows: Monday to Friday 09:00-17:00 UTC, and targets per priority (first response /
resolution): urgent 1 h / 4 h, high 4 h / 2 days, normal 1 day / 5 days, low 2 days / 10 days (8-hour days).
"""

from backend.migrations.ops import per_dialect

_defaults = [
    """INSERT INTO "sla_policy" ("priority", "first_response_minutes", "resolution_minutes") VALUES
    ('urgent', 60, 240), ('high', 240, 960), ('normal', 480, 2400), ('low', 960, 4800)""",
    """INSERT INTO "support_calendar" ("weekdays", "start_minute", "end_minute", "time_zone", "holidays", "version")
    VALUES ('12345', 540, 1020, 'UTC', '[]', 1)""",
]

apply = per_dialect(
    sqlite=[
        """CREATE TABLE "sla_policy" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "priority" VARCHAR(10) NOT NULL UNIQUE,
    "first_response_minutes" INT NOT NULL,
    "resolution_minutes" INT NOT NULL
)""",
        """CREATE TABLE "support_calendar" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "weekdays" VARCHAR(7) NOT NULL,
    "start_minute" INT NOT NULL,
    "end_minute" INT NOT NULL,
    "time_zone" VARCHAR(64) NOT NULL,
    "holidays" JSON NOT NULL,
    "version" INT NOT NULL,
    "lead_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "sla_event" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "target" VARCHAR(20) NOT NULL,
    "level" VARCHAR(10) NOT NULL,
    "due_at" TIMESTAMP NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "ticket_id" INT NOT NULL REFERENCES "ticket" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_sla_event_ticket__1b2747" UNIQUE ("ticket_id", "target", "level", "due_at")
)""",
        'CREATE INDEX "idx_support_cal_lead_id_cf400e" ON "support_calendar" ("lead_id")',
        *_defaults,
    ],
    postgres=[
        """CREATE TABLE "sla_policy" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "priority" VARCHAR(10) NOT NULL UNIQUE,
    "first_response_minutes" INT NOT NULL,
    "resolution_minutes" INT NOT NULL
)""",
        """CREATE TABLE "support_calendar" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "weekdays" VARCHAR(7) NOT NULL,
    "start_minute" INT NOT NULL,
    "end_minute" INT NOT NULL,
    "time_zone" VARCHAR(64) NOT NULL,
    "holidays" JSONB NOT NULL,
    "version" INT NOT NULL,
    "lead_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "sla_event" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "target" VARCHAR(20) NOT NULL,
    "level" VARCHAR(10) NOT NULL,
    "due_at" TIMESTAMPTZ NOT NULL,
    "at" TIMESTAMPTZ NOT NULL,
    "ticket_id" INT NOT NULL REFERENCES "ticket" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_sla_event_ticket__1b2747" UNIQUE ("ticket_id", "target", "level", "due_at")
)""",
        'CREATE INDEX "idx_support_cal_lead_id_cf400e" ON "support_calendar" ("lead_id")',
        *_defaults,
    ],
)
