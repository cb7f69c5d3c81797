"""Objects of the covered types as JSON built in SQL: their columns, and their nested lists and relations
with the resolver path's order, limits and row rules (backend.reads.loaders)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLLeafType
from tortoise.models import Model

from backend import permissions
from backend.auth.actor import Actor
from backend.compiled.campaigns import CAMPAIGN, enrolee
from backend.compiled.computed import COMPUTED, computed, from_resolver, rate_table, stored_rate
from backend.compiled.consent import mail_consent
from backend.compiled.dialect import Statement
from backend.compiled.history import field_history
from backend.compiled.leaves import column
from backend.compiled.pipelines import summary
from backend.compiled.selection import NotCovered, Selected
from backend.compiled.tickets import ticket_events
from backend.interop.tortoise import parameterized
from backend.models import (
    Activity,
    ApiToken,
    Attachment,
    Campaign,
    CampaignSend,
    ConsentChange,
    Contact,
    Customer,
    CustomerPhaseChange,
    CustomerStatusChange,
    CustomField,
    Deal,
    DealStageChange,
    Enrolment,
    Greeting,
    Lead,
    LostReason,
    Note,
    Notification,
    PickListItem,
    Pipeline,
    Segment,
    SlaEvent,
    Stage,
    Team,
    Ticket,
    TicketMessage,
    User,
)
from backend.reads.loaders import deal_counts_of, team_heads
from backend.reads.paging import nested_size
from backend.schema import attachments
from backend.schema.segments import segment_actions
from backend.schema.users import live_tokens
from backend.services.activities import OPEN_TASK
from backend.services.currency import to_base
from backend.settings import get_settings

_USER = {"id": "id", "email": "email", "name": "name", "role": "role", "timeZone": "time_zone", "language": "language",
         "active": "active", "version": "version", "lastLoginAt": "last_login_at"}
# The fields read straight from a column: GraphQL name → model field (none of them has a resolver of its own).
COLUMNS: dict[str, tuple[type[Model], dict[str, str]]] = {
    "Customer": (Customer, {
        "id": "id", "name": "name", "legalForm": "legal_form", "email": "email", "phone": "phone",
        "website": "website", "street": "street", "city": "city", "postcode": "postcode", "country": "country",
        "industry": "industry", "segment": "segment", "description": "description", "status": "status",
        "blockedReason": "blocked_reason", "version": "version", "createdAt": "created_at",
        "updatedAt": "updated_at", "archivedAt": "archived_at", "phase": "phase", "rating": "rating", "tags": "tags",
        "mergedIntoId": "merged_into_id",
    }),
    "Contact": (Contact, {
        "id": "id", "name": "name", "email": "email", "phone": "phone", "jobTitle": "job_title",
        "department": "department", "roleAtCustomer": "role_at_customer", "isPrimary": "is_primary",
        "status": "status", "version": "version", "createdAt": "created_at", "updatedAt": "updated_at",
        "archivedAt": "archived_at", "mergedIntoId": "merged_into_id",
    }),
    "Deal": (Deal, {
        "id": "id", "title": "title", "probability": "probability", "closedAt": "closed_at", "version": "version",
        "createdAt": "created_at", "updatedAt": "updated_at", "expectedCloseDate": "expected_close_date",
        "lostReason": "lost_reason",
    }),
    "Activity": (Activity, {
        "id": "id", "kind": "kind", "title": "title", "description": "description",
        "durationMinutes": "duration_minutes", "occurredAt": "occurred_at", "version": "version",
        "createdAt": "created_at", "endsAt": "ends_at", "dueAt": "due_at", "priority": "priority",
        "taskStatus": "task_status", "completedAt": "completed_at", "remindAt": "remind_at", "remindedAt": "reminded_at",
        "outcomeName": "outcome", "attendees": "attendees",
    }),
    "Lead": (Lead, {
        "id": "id", "title": "title", "source": "source", "scopeOfWork": "scope_of_work", "companyName": "company_name",
        "status": "status", "lostReason": "lost_reason", "version": "version", "createdAt": "created_at",
        "updatedAt": "updated_at",
    }),
    "Campaign": (Campaign, {
        "id": "id", "title": "title", "code": "code", "description": "description", "type": "type",
        "visibility": "visibility", "status": "status", "startsOn": "starts_on", "endsOn": "ends_on", "views": "views",
        "likes": "likes", "enrolments": "enrolments", "version": "version", "createdAt": "created_at",
        "updatedAt": "updated_at",
    }),
    "Pipeline": (Pipeline, {"id": "id", "name": "name", "isDefault": "is_default"}),
    "LostReason": (LostReason, {"id": "id", "name": "name", "archived": "archived", "version": "version",
                                "createdAt": "created_at"}),
    "Stage": (Stage, {"id": "id", "name": "name", "position": "position", "probability": "probability", "kind": "kind",
                      "requiresNextStep": "requires_next_step"}),
    "Team": (Team, {"id": "id", "name": "name"}),
    "Segment": (Segment, {"id": "id", "name": "name", "description": "description", "kind": "kind", "entity": "entity",
                          "shared": "shared", "version": "version", "createdAt": "created_at", "updatedAt": "updated_at"}),
    "Ticket": (Ticket, {
        "id": "id", "subject": "subject", "description": "description", "channel": "channel", "category": "category",
        "priority": "priority", "status": "status", "tags": "tags", "requesterEmail": "requester_email",
        "firstResponseDueAt": "first_response_due_at", "firstRespondedAt": "first_responded_at",
        "resolutionDueAt": "resolution_due_at", "resolvedAt": "resolved_at", "closedAt": "closed_at",
        "pausedAt": "paused_at", "satisfaction": "satisfaction", "ratedAt": "rated_at", "version": "version",
        "createdAt": "created_at", "updatedAt": "updated_at",
    }),
    "TicketMessage": (TicketMessage, {"id": "id", "body": "body", "internal": "internal", "authorName": "author_name",
                                      "createdAt": "created_at"}),
    "SlaEvent": (SlaEvent, {"target": "target", "level": "level", "dueAt": "due_at", "at": "at"}),
    "HighLevelStatus": (PickListItem, {"id": "id", "label": "label", "position": "position", "archived": "archived",
                                       "version": "version"}),
    "PickListItem": (PickListItem, {"id": "id", "list": "list", "label": "label", "position": "position",
                                    "archived": "archived", "version": "version"}),
    "CustomField": (CustomField, {"id": "id", "entity": "entity", "key": "key", "label": "label", "type": "type",
                                  "required": "required", "helpText": "help_text", "position": "position",
                                  "options": "options", "archived": "archived", "version": "version"}),
    "User": (User, _USER),
    "Me": (User, _USER),  # the caller, as a user, with what their role may do
    "Money": (Deal, {"amount": "amount", "currency": "currency"}),  # Deal.amount: the deal's own columns
    "Note": (Note, {"id": "id", "body": "body", "pinned": "pinned", "version": "version", "createdAt": "created_at",
                    "updatedAt": "updated_at"}),
    "CustomerStatusChange": (CustomerStatusChange, {"fromStatus": "from_status", "toStatus": "to_status",
                                                    "reason": "reason", "changedAt": "changed_at"}),
    "CustomerPhaseChange": (CustomerPhaseChange, {"fromPhase": "from_phase", "toPhase": "to_phase", "why": "why",
                                                  "changedAt": "changed_at"}),
    "DealStageChange": (DealStageChange, {"changedAt": "changed_at"}),
    "Attachment": (Attachment, {"id": "id", "fileName": "file_name", "contentType": "content_type", "size": "size",
                                "createdAt": "created_at"}),
    "Enrolment": (Enrolment, {"id": "id", "source": "source", "createdAt": "created_at"}),
    "ApiToken": (ApiToken, {"id": "id", "name": "name", "prefix": "prefix", "createdAt": "created_at",
                            "lastUsedAt": "last_used_at", "revokedAt": "revoked_at", "expiresAt": "expires_at"}),
    "Notification": (Notification, {"id": "id", "kind": "kind", "message": "message", "entity": "entity",
                                    "entityId": "entity_id", "createdAt": "created_at", "readAt": "read_at"}),
    "CampaignSend": (CampaignSend, {"id": "id", "email": "email", "kind": "kind", "status": "status", "error": "error",
                                    "createdAt": "created_at", "updatedAt": "updated_at"}),
    "Greeting": (Greeting, {"id": "id", "sendAt": "send_at", "status": "status", "sentAt": "sent_at",
                            "sentCount": "sent_count", "createdAt": "created_at"}),
    "MailConsentChange": (ConsentChange, {"status": "status", "source": "source", "note": "note",
                                          "occurredAt": "occurred_at"}),
}


@dataclass
class Compiler:
    actor: Actor
    st: Statement
    origin: str  # where visitors reach this server (schema.campaigns.origin_of): the campaigns' addresses
    depth: int = 0
    # Named subqueries of the statement's WITH: a root's matching rows, a list's page, row rules (`views`: never
    # materialized, each use is folded into the query that reads it), figures every row reads (`shared`: by what
    # they hold, computed once).
    ctes: dict[str, str] = field(default_factory=dict)
    views: set[str] = field(default_factory=set)
    shared: dict[Hashable, str] = field(default_factory=dict)

    def with_clause(self) -> str:
        def hint(name: str) -> str:
            return "NOT MATERIALIZED " if name in self.views else "MATERIALIZED " if name in self.shared.values() else ""

        return "WITH " + ", ".join(f"{name} AS {hint(name)}({sql})" for name, sql in self.ctes.items())

    def once(self, key: Hashable, sql: Callable[[], str]) -> str:
        """The name of a subquery of the statement's WITH that holds what `key` names (rendered by `sql` the first
        time), computed once for the statement: a row that reads it by its key (a pipeline its figures, a stage
        its count) reads a few rows, not the query again, as the resolver path's loader reads it once."""
        if key not in self.shared:
            name = f"shared{len(self.shared)}"
            self.ctes[name] = sql()
            self.shared[key] = name
        return self.shared[key]

    def at_origin(self) -> str:
        """The request's origin, for an answer that holds it: the operation is then kept for that origin only."""
        self.st.by_origin = True
        return self.origin

    def alias(self) -> str:
        self.depth += 1
        return f"t{self.depth}"

    def obj(self, type_name: str, fields: list[Selected], one: Callable[[Selected], str]) -> str:
        """The JSON object of `fields` of the type `type_name`: `one` compiles each field but `__typename`."""
        return self.st.obj([(f.key, self.st.text(type_name) if f.name == "__typename" else one(f)) for f in fields])

    def node(self, type_name: str, fields: list[Selected], row: str) -> str:
        """The JSON object of the row `row` (an alias) of the covered type `type_name`."""
        model, columns = COLUMNS.get(type_name, (None, {}))
        relations = RELATIONS.get(type_name, {})

        def one(f: Selected) -> str:
            if f.name in columns and model is not None and not f.args:
                stored = model._meta.fields_map[columns[f.name]]
                assert isinstance(f.type, GraphQLLeafType)
                return column(self.st, stored, f.type, f'{row}."{stored.source_field or stored.model_field_name}"', f.listed)
            if f.name in relations:
                return relations[f.name](self, f, row)
            if model is not None and (resolved := from_resolver(model, f)) is not None:
                return resolved(self, f, row)
            raise NotCovered(f"{type_name}.{f.name}")

        return self.obj(type_name, fields, one)

    def rule(self, model: type[Model], row: str, of_customer: bool) -> str:
        """The row rule of `model` on alias `row`; none for rows of a customer (`of_customer`: the parent row
        is a customer read through its own rule) when permissions says they are seen with it.

        The rule is a named subquery of the statement's WITH, defined once (SQLite's parser refuses expressions
        nested about a hundred deep) and NOT MATERIALIZED: the check of a row by its key is then folded into it,
        so the database tests that one row instead of listing every row the caller may see (the contact page's
        newest activities took 60 ms so on SQLite at 10,000 customers)."""
        if of_customer and permissions.seen_with_customer(model):
            return ""
        visible = permissions.visible_ids_sql(self.actor, model)
        if visible is None:
            return ""
        name = f"seen_{model._meta.db_table}"
        if name not in self.ctes:
            self.ctes[name] = self.st.embed(*visible)
            self.views.add(name)
        return f' AND EXISTS (SELECT 1 FROM {name} WHERE {name}."id" = {row}."id")'

    def many(self, model: type[Model], f: Selected, parent: str, where: str, order: list[tuple[str, bool]],
             limit: int | None = None, of_customer: bool = True, ruled: bool = True) -> str:
        """A nested list of `model` rows of the row `parent` (`where` on alias {a}), in `order`, through its row
        rule (`of_customer`: the parent is a customer, see `rule`); `ruled` false: rows that are the parent's own
        record (its notes, its history), seen with it and read without a rule, as their loaders read them."""
        a = self.alias()
        item = self.node(f.type.name, f.fields, a)
        by = ", ".join(f'{a}."{c}" {"DESC" if desc else "ASC"}' for c, desc in order)
        rule = self.rule(model, a, of_customer) if ruled else ""
        inner = (f'SELECT {a}.* FROM "{model._meta.db_table}" {a} WHERE {where.format(a=a, parent=parent)}'
                 f'{rule} ORDER BY {by}{"" if limit is None else f" LIMIT {int(limit)}"}')
        return self.st.nested(f"SELECT {self.st.aggregate(item, by)} FROM ({inner}) {a}")


Relation = Callable[[Compiler, Selected, str], str]
# A customer's contacts in use: archived people leave the customer's list (loaders.contacts_of_customer).
_CONTACTS_OF = '{a}."customer_id" = {parent}."id" AND {a}."archived_at" IS NULL'


def _contacts(c: Compiler, f: Selected, row: str) -> str:
    return c.many(Contact, f, row, _CONTACTS_OF, [("is_primary", True), ("name", False), ("id", False)])


def _primary_contact(c: Compiler, f: Selected, row: str) -> str:
    """The first primary one of the customer's contacts in their list's order, or null (schema.customers)."""
    a = c.alias()
    item, where = c.node("Contact", f.fields, a), _CONTACTS_OF.format(a=a, parent=row)
    return c.st.nested(f'SELECT {item} FROM "contact" {a} WHERE {where} AND {a}."is_primary"'
                       f'{c.rule(Contact, a, of_customer=True)} ORDER BY {a}."name", {a}."id" LIMIT 1')


def _deals(c: Compiler, f: Selected, row: str) -> str:
    return c.many(Deal, f, row, '{a}."customer_id" = {parent}."id"', [("created_at", True), ("id", True)])


def _activities(column: str) -> Relation:
    """The newest activities of a customer, contact or deal (`column` holds the parent's id), as
    reads.nested.newest_activities reads them: at most 50 (a bad `first` falls back for its error), of one
    `kind` when given, through the activities' row rule where the parent is not a customer."""

    def relation(c: Compiler, f: Selected, row: str) -> str:
        where = f'{{a}}."{column}" = {{parent}}."id"'
        if f.args.get("kind") is not None:
            where += f' AND {{a}}."kind" = {c.st.param(f.args["kind"].value)}'
        limit = nested_size(f.args["first"])
        order = [("occurred_at", True), ("id", True)]
        return c.many(Activity, f, row, where, order, limit, of_customer=column == "customer_id")

    return relation


def _own(model: type[Model], key: str, order: list[tuple[str, bool]]) -> Relation:
    """The rows of `model` that are part of the parent's record (`key` holds its id): notes, histories."""

    def relation(c: Compiler, f: Selected, row: str) -> str:
        return c.many(model, f, row, f'{{a}}."{key}" = {{parent}}."id"', order, ruled=False)

    return relation


_OLDEST_FIRST = [("changed_at", False), ("id", False)]  # a history as its loader reads it


def _files(key: str) -> Relation:
    """A record's files, newest first (loaders.attachments_of: seen with the record)."""
    return _own(Attachment, key, [("created_at", True), ("id", False)])


def _account_team(c: Compiler, f: Selected, row: str) -> str:
    """Customer.accountTeam: its account manager and operations contact."""
    people = {"relationshipManager": _one("User", "account_manager_id"), "operationsContact": _one("User", "operations_contact_id")}
    return c.obj(f.type.name, f.fields, lambda sub: people[sub.name](c, sub, row))


def _amount(c: Compiler, f: Selected, row: str) -> str:
    return c.node("Money", f.fields, row)


def _overdue(c: Compiler, f: Selected, row: str) -> str:
    """Activity.overdue as activities.is_overdue decides it: an open task whose due time has passed."""
    open_task = ", ".join(f"'{status.value}'" for status in OPEN_TASK)
    status, due = f'{row}."task_status"', f'{row}."due_at"'
    # CASE: a task without a status is not overdue (false, where SQL's IN would say null)
    return c.st.boolean(f"CASE WHEN {status} IN ({open_task}) AND {due} IS NOT NULL AND {c.st.past(due)} THEN 1 ELSE 0 END = 1")


def _major(minor: int) -> float:
    return minor / 100  # Money.value (schema.common)


def _major_units(c: Compiler, f: Selected, row: str) -> str:
    """Money.value as Python writes that float (SQL would print 100.0 as 100): marked."""
    return c.st.mark(f'{row}."amount"', _major)


def _money(f: Selected, compute: Callable[[list[Any]], tuple[int, str] | None]) -> Callable[[list[Any]], Any]:
    """What writes a Money object of the selection `f` from a marked row: `compute` gives its (minor units,
    currency), or None for a null Money."""

    def write(raw: list[Any]) -> Any:
        found = compute(raw)
        if found is None:
            return None
        amount, currency = found
        values = {"amount": amount, "currency": currency, "value": _major(amount), "__typename": "Money"}
        return {sub.key: values[sub.name] for sub in f.fields}

    return write


def _weighted(c: Compiler, f: Selected, row: str) -> str:
    """Deal.weightedAmount: amount × probability // 100 in Python's integer arithmetic (schema.deals)."""
    raw = c.st.array(f'{row}."amount"', f'{row}."probability"', f'{row}."currency"')
    return c.st.mark(raw, _money(f, lambda r: (r[0] * r[1] // 100, r[2])))


def _in_base_currency(c: Compiler, f: Selected, row: str) -> str:
    """Deal.amountInBaseCurrency: converted by currency.to_base at the rate stored for the deal's currency (its
    decimal text read as the model reads it); the base currency and null (no rate) read at answer time, as the
    resolver path does, so a kept statement holds neither."""

    def convert(r: list[Any]) -> tuple[int, str] | None:
        amount, currency, text = r
        table = rate_table([(currency, text)])
        return None if currency not in table else (to_base(amount, currency, table), get_settings().base_currency)

    stored = stored_rate(f'{row}."currency"')
    return c.st.mark(c.st.array(f'{row}."amount"', f'{row}."currency"', stored), _money(f, convert))


def _one(type_name: str, key: str, ruled: bool = False) -> Relation:
    """The row of the covered type `type_name` whose id the parent row holds in `key`, or null; `ruled`: through
    that type's own row rule, as loaders.customer, .contact and .deal read them (a deal's contact may be one the
    caller does not see). Stages, users and pick-list items have none (loaders.stage, .user, .pick_list_item)."""
    model = COLUMNS[type_name][0]

    def relation(c: Compiler, f: Selected, row: str) -> str:
        a = c.alias()
        item = c.node(type_name, f.fields, a)
        rule = c.rule(model, a, of_customer=False) if ruled else ""
        return c.st.nested(f'SELECT {item} FROM "{model._meta.db_table}" {a} WHERE {a}."id" = {row}."{key}"{rule}')

    return relation


def _latest_enrolments(c: Compiler, f: Selected, row: str) -> str:
    """A campaign's newest enrolments (loaders.latest_enrolments: at most 50, seen with the campaign)."""
    limit = nested_size(f.args["first"])
    return c.many(Enrolment, f, row, '{a}."campaign_id" = {parent}."id"', [("created_at", True), ("id", True)], limit,
                  ruled=False)


def _team_head(c: Compiler, f: Selected, row: str) -> str:
    """A team's head: the first by id of those loaders.team_heads names, read once for the statement."""
    heads = c.once("team_heads", lambda: c.st.embed(*parameterized(team_heads().values("id", "team_id"))))
    a = c.alias()
    return c.st.nested(f'SELECT {c.node("User", f.fields, a)} FROM "{User._meta.db_table}" {a} WHERE {a}."id" = '
                       f'(SELECT min(h."id") FROM {heads} h WHERE h."team_id" = {row}."id")')


def _deal_count(c: Compiler, f: Selected, row: str) -> str:
    """How many deals the caller may see in a stage, counted per stage once for the statement by the resolver's
    own query (loaders.deal_counts_of)."""
    counts = c.once("stage_deal_counts", lambda: c.st.embed(*parameterized(
        deal_counts_of(Deal.filter(permissions.deal_rule(c.actor))))))
    return f'coalesce((SELECT g."n" FROM {counts} g WHERE g."stage_id" = {row}."id"), 0)'


def _live_tokens(c: Compiler, f: Selected, row: str) -> str:
    """Me.apiTokens: the caller's tokens that still work, by the clock now (schema.users.live_tokens, rendered
    with the request's time: the statement is not kept), newest first."""
    c.st.kept = False
    live = c.st.embed(*parameterized(live_tokens(c.actor).values("id"))).replace("{", "{{").replace("}", "}}")
    return c.many(ApiToken, f, row, f'{{a}}."id" IN ({live})', [("created_at", True), ("id", True)], ruled=False)


def _customer_of(parent: type[Model]) -> Relation:
    """The customer of a `parent` row the caller sees: when permissions says such rows are seen exactly when their
    customer is, that customer is seen too and needs no rule of its own (it cost the contacts screen ~8 ms)."""
    return _one("Customer", "customer_id", ruled=not permissions.seen_with_customer(parent))


# The fields compiled by a function of their own: relations, and values computed from the row.
RELATIONS: dict[str, dict[str, Relation]] = {
    "Money": {"value": _major_units},
    "Customer": {"contacts": _contacts, "primaryContact": _primary_contact, "deals": _deals, "activities": _activities("customer_id"),
                 "accountManager": _one("User", "account_manager_id"), "operationsContact": _one("User", "operations_contact_id"),
                 "highLevelStatus": _one("HighLevelStatus", "high_level_status_id"), "accountTeam": _account_team,
                 "notes": _own(Note, "customer_id", [("pinned", True), ("created_at", True), ("id", True)]),
                 "statusHistory": _own(CustomerStatusChange, "customer_id", _OLDEST_FIRST),
                 "phaseHistory": _own(CustomerPhaseChange, "customer_id", _OLDEST_FIRST),
                 "attachments": _files("customer_id"), "logo": _one("Attachment", "logo_id"),
                 "ticketEvents": ticket_events, **COMPUTED["Customer"]},
    "Attachment": {"uploadedBy": _one("User", "uploaded_by_id"),
                   "allowedActions": computed(Attachment, ("uploaded_by_id",),
                                              lambda actor, row, _: attachments.row_actions(actor, row))},
    "Note": {"author": _one("User", "author_id")},
    "CustomerStatusChange": {"changedBy": _one("User", "changed_by_id")},
    "CustomerPhaseChange": {"changedBy": _one("User", "changed_by_id")},
    "DealStageChange": {"fromStage": _one("Stage", "from_stage_id"), "toStage": _one("Stage", "to_stage_id"),
                        "changedBy": _one("User", "changed_by_id")},
    "MailConsentChange": {"changedBy": _one("User", "user_id")},
    "Ticket": {"number": computed(Ticket, ("id",), lambda _, row, __: row.number), "assignee": _one("User", "assignee_id"),
               "customer": _customer_of(Ticket), "contact": _one("Contact", "contact_id", ruled=True),
               "deal": _one("Deal", "deal_id", ruled=True), "team": _one("Team", "team_id"),
               "messages": _own(TicketMessage, "ticket_id", [("created_at", False), ("id", False)]),
               "slaEvents": _own(SlaEvent, "ticket_id", [("at", False), ("id", False)]), "attachments": _files("ticket_id"),
               **COMPUTED["Ticket"]},
    "TicketMessage": {"author": _one("User", "author_id")},
    "User": {"team": _one("Team", "team_id")},
    "Team": {"head": _team_head, "members": _own(User, "team_id", [("name", False), ("id", False)])},
    "Stage": {"dealCount": _deal_count},
    "Me": {"team": _one("Team", "team_id"), "apiTokens": _live_tokens,
           "allowedActions": computed(User, (), lambda actor, _, __: permissions.allowed_actions(actor))},
    "ApiToken": {"user": _one("User", "user_id")},
    "Segment": {"owner": _one("User", "owner_id"),
                "allowedActions": computed(Segment, ("owner_id",), lambda actor, row, _: segment_actions(actor, row))},
    "Pipeline": {"stages": _own(Stage, "pipeline_id", [("position", False), ("id", False)]), "summary": summary},
    "Contact": {"customer": _customer_of(Contact), "owner": _one("User", "owner_id"), "mailConsent": mail_consent,
                "activities": _activities("contact_id"), "attachments": _files("contact_id"),
                "picture": _one("Attachment", "picture_id"), **COMPUTED["Contact"]},
    "Deal": {"amount": _amount, "weightedAmount": _weighted, "amountInBaseCurrency": _in_base_currency,
             "stage": _one("Stage", "stage_id"), "owner": _one("User", "owner_id"),
             "pipeline": _one("Pipeline", "pipeline_id"), "lostReasonChoice": _one("LostReason", "lost_reason_choice_id"),
             "customer": _customer_of(Deal), "contact": _one("Contact", "contact_id", ruled=True),
             "activities": _activities("deal_id"), "stageHistory": _own(DealStageChange, "deal_id", _OLDEST_FIRST),
             "attachments": _files("deal_id"), "fieldHistory": field_history, **COMPUTED["Deal"]},
    "Campaign": {"owner": _one("User", "owner_id"), "latestEnrolments": _latest_enrolments, **CAMPAIGN,
                 **COMPUTED["Campaign"]},
    "CampaignSend": {"contact": _one("Contact", "contact_id", ruled=True)},
    "Greeting": {"createdBy": _one("User", "created_by_id")},
    "Enrolment": {"name": enrolee("name"), "email": enrolee("email"), "referrerCode": enrolee("referrer_code")},
    "Lead": {"customer": _customer_of(Lead), "contact": _one("Contact", "contact_id", ruled=True),
             "lostReasonChoice": _one("LostReason", "lost_reason_choice_id"),
             "owner": _one("User", "owner_id"), "deal": _one("Deal", "deal_id", ruled=True), **COMPUTED["Lead"]},
    "Activity": {"author": _one("User", "author_id"), "assignee": _one("User", "assignee_id"),
                 "customer": _customer_of(Activity),
                 "contact": _one("Contact", "contact_id", ruled=True), "deal": _one("Deal", "deal_id", ruled=True),
                 "overdue": _overdue, "attachments": _files("activity_id"), **COMPUTED["Activity"]},
}
