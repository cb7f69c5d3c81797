"""The one place where access is decided: what each role may do, and which rows each user may see.

Row rules (CONTRACT.md, Roles and visibility): sales reps and heads see a customer when its account
manager is in their team or one of its deals is owned by a team member; contacts, leads, deals and
activities of a customer are visible exactly when the customer is; a contact or lead without a customer
is visible to its owner's team. Admin, support and marketing see every customer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, cast

from pypika_tortoise import functions
from tortoise.expressions import Function, Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from backend.auth.actor import Actor
from backend.errors import Forbidden, Unauthenticated
from backend.interop.tortoise import parameterized
from backend.models import (
    Activity,
    ApiToken,
    Campaign,
    CampaignStatus,
    Contact,
    Customer,
    Deal,
    Lead,
    Notification,
    Role,
    Segment,
    Ticket,
    TokenScope,
    User,
    Visibility,
)

ADMIN, HEAD, REP, SUPPORT, MARKETING = Role.ADMIN, Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT, Role.MARKETING
SALES = (HEAD, REP)
EVERYONE = (ADMIN, HEAD, REP, SUPPORT, MARKETING)


class Action(str, Enum):
    CREATE_CUSTOMER = "createCustomer"
    UPDATE_CUSTOMER = "updateCustomer"
    DELETE_CUSTOMER = "deleteCustomer"
    CHANGE_CUSTOMER_STATUS = "changeCustomerStatus"
    WRITE_NOTE = "writeNote"
    DELETE_NOTE = "deleteNote"
    CREATE_CONTACT = "createContact"
    UPDATE_CONTACT = "updateContact"
    CONVERT_CONTACT = "convertContact"
    DELETE_CONTACT = "deleteContact"
    CREATE_LEAD = "createLead"
    UPDATE_LEAD = "updateLead"
    CONVERT_LEAD = "convertLead"
    CREATE_DEAL = "createDeal"
    UPDATE_DEAL = "updateDeal"
    MOVE_DEAL = "moveDeal"
    DELETE_DEAL = "deleteDeal"
    LOG_ACTIVITY = "logActivity"
    COMPLETE_TASK = "completeTask"
    UPDATE_TASK = "updateTask"
    UPDATE_ACTIVITY = "updateActivity"
    CREATE_CAMPAIGN = "createCampaign"
    UPDATE_CAMPAIGN = "updateCampaign"
    CHANGE_CAMPAIGN_STATUS = "changeCampaignStatus"
    UPDATE_USER = "updateUser"
    SET_EXCHANGE_RATE = "setExchangeRate"
    MANAGE_LOST_REASONS = "manageLostReasons"
    READ_AUDIT_LOG = "readAuditLog"
    MANAGE_OWN_TOKENS = "createApiToken"
    CREATE_PIPELINE = "createPipeline"
    UPDATE_PIPELINE = "updatePipeline"
    CREATE_STAGE = "createStage"
    UPDATE_STAGE = "updateStage"
    CREATE_TEAM = "createTeam"
    UPDATE_TEAM = "updateTeam"
    READ_ENROLEES = "readEnrolees"
    CREATE_SEGMENT = "createSegment"
    UPDATE_SEGMENT = "updateSegment"
    DELETE_SEGMENT = "deleteSegment"
    MANAGE_JOBS = "manageJobs"
    MANAGE_AUTOMATIONS = "manageAutomations"
    SET_NOTIFICATION_PREFERENCE = "setNotificationPreference"
    REGENERATE_REFERRAL_CODE = "regenerateReferralCode"
    UPDATE_MY_SETTINGS = "updateMySettings"
    SET_WORKING_HOURS = "setWorkingHours"
    CREATE_BOOKING_LINK = "createBookingLink"
    SET_MAIL_CONSENT = "setMailConsent"
    SHARE_CAMPAIGN = "shareCampaign"
    SCHEDULE_GREETING = "scheduleGreeting"
    READ_REPORTS = "readReports"  # sales reports (report): row rules still decide which deals count
    MANAGE_CUSTOM_FIELDS = "manageCustomFields"
    # Relationship phase and the admins' pick-lists (issue 18).
    SET_CUSTOMER_PHASE = "setCustomerPhase"
    MANAGE_PICK_LISTS = "managePickLists"
    MANAGE_WORKFLOWS = "manageWorkflows"  # the allowed status transitions
    # Support tickets (issue 20).
    CREATE_TICKET = "createTicket"
    UPDATE_TICKET = "updateTicket"
    CHANGE_TICKET_STATUS = "changeTicketStatus"
    REPLY_TO_TICKET = "replyToTicket"
    MANAGE_SUPPORT = "manageSupport"  # the support calendar, SLA policies, customers' support forms
    # Files on records (issue 18).
    ATTACH_FILE = "attachFile"
    DELETE_ATTACHMENT = "deleteAttachment"
    # Quotas and dashboards (issue 19).
    SET_QUOTA = "setQuota"
    READ_QUOTAS = "readQuotas"
    # Data subject requests (issue 21).
    EXPORT_PERSON_DATA = "exportPersonData"
    ERASE_PERSON = "erasePerson"
    MANAGE_WEBHOOKS = "manageWebhooks"  # register, change, redeliver; deliveries carry what admins see


# Which roles may attempt an action at all; row-level checks below narrow it for sales roles.
ROLE_ACTIONS: dict[Action, tuple[Role, ...]] = {
    Action.CREATE_CUSTOMER: (ADMIN, HEAD, REP),
    Action.UPDATE_CUSTOMER: (ADMIN, HEAD, REP),
    Action.DELETE_CUSTOMER: (ADMIN, HEAD),
    Action.CHANGE_CUSTOMER_STATUS: (ADMIN, HEAD, REP),
    Action.WRITE_NOTE: (ADMIN, HEAD, REP, SUPPORT),
    Action.DELETE_NOTE: (ADMIN, HEAD, REP, SUPPORT),  # reps and support: their own notes (may)
    Action.CREATE_CONTACT: (ADMIN, HEAD, REP, SUPPORT),
    Action.UPDATE_CONTACT: (ADMIN, HEAD, REP, SUPPORT),
    Action.CONVERT_CONTACT: (ADMIN, HEAD, REP, SUPPORT),
    Action.DELETE_CONTACT: (ADMIN, HEAD),  # as customers and deals: reps and support mark them not interested
    Action.CREATE_LEAD: (ADMIN, HEAD, REP),
    Action.UPDATE_LEAD: (ADMIN, HEAD, REP),
    Action.CONVERT_LEAD: (ADMIN, HEAD, REP),
    Action.CREATE_DEAL: (ADMIN, HEAD, REP),
    Action.UPDATE_DEAL: (ADMIN, HEAD, REP),
    Action.MOVE_DEAL: (ADMIN, HEAD, REP),
    Action.DELETE_DEAL: (ADMIN, HEAD),
    Action.LOG_ACTIVITY: (ADMIN, HEAD, REP, SUPPORT),
    Action.COMPLETE_TASK: (ADMIN, HEAD, REP, SUPPORT),
    Action.UPDATE_TASK: (ADMIN, HEAD, REP, SUPPORT),
    Action.UPDATE_ACTIVITY: (ADMIN, HEAD, REP, SUPPORT),  # reps and support: what they logged themselves (may)
    Action.CREATE_CAMPAIGN: (ADMIN, MARKETING),
    Action.UPDATE_CAMPAIGN: (ADMIN, MARKETING),
    Action.CHANGE_CAMPAIGN_STATUS: (ADMIN, MARKETING),
    Action.UPDATE_USER: (ADMIN,),
    Action.SET_EXCHANGE_RATE: (ADMIN,),
    # Heads run their team's selling: they keep the lost reasons and shape the stages deals move through
    # (issue 18); creating, renaming and choosing the default pipeline stays with admins.
    Action.MANAGE_LOST_REASONS: (ADMIN, HEAD),
    Action.READ_AUDIT_LOG: (ADMIN, HEAD),
    Action.READ_REPORTS: (ADMIN, HEAD, REP),
    Action.MANAGE_OWN_TOKENS: EVERYONE,
    Action.CREATE_PIPELINE: (ADMIN,),
    Action.UPDATE_PIPELINE: (ADMIN,),
    Action.CREATE_STAGE: (ADMIN, HEAD),
    Action.UPDATE_STAGE: (ADMIN, HEAD),
    Action.CREATE_TEAM: (ADMIN,),
    Action.UPDATE_TEAM: (ADMIN,),
    Action.READ_ENROLEES: (ADMIN, MARKETING),  # who enrolled (names, emails): reads_enrolees
    # Segments are audiences: salespeople and campaign owners keep them; support works ticket by ticket.
    Action.CREATE_SEGMENT: (ADMIN, HEAD, REP, MARKETING),
    Action.UPDATE_SEGMENT: (ADMIN, HEAD, REP, MARKETING),
    Action.DELETE_SEGMENT: (ADMIN, HEAD, REP, MARKETING),
    Action.MANAGE_JOBS: (ADMIN,),
    Action.MANAGE_AUTOMATIONS: (ADMIN,),
    Action.MANAGE_CUSTOM_FIELDS: (ADMIN,),  # definitions; values follow their record's rules
    Action.SET_NOTIFICATION_PREFERENCE: EVERYONE,
    # Referral codes belong to those who sell (services/referrals.py); admins may renew anyone's.
    Action.REGENERATE_REFERRAL_CODE: (ADMIN, HEAD, REP, SUPPORT),
    Action.UPDATE_MY_SETTINGS: EVERYONE,  # one's own language and time zone
    # Meeting booking: the people who meet contacts (sales and support) offer their free time to them.
    Action.SET_WORKING_HOURS: (ADMIN, HEAD, REP, SUPPORT),
    Action.CREATE_BOOKING_LINK: (ADMIN, HEAD, REP, SUPPORT),
    # Recording what a person said about marketing mail: anyone who works with contacts and campaigns.
    Action.SET_MAIL_CONSENT: (ADMIN, HEAD, REP, SUPPORT, MARKETING),
    # Mail in a campaign's name: who manages campaigns.
    Action.SHARE_CAMPAIGN: (ADMIN, MARKETING),
    Action.SCHEDULE_GREETING: (ADMIN, MARKETING),
    # The phase is part of the customer's record: who may edit the customer moves it (the row rule in `may`).
    Action.SET_CUSTOMER_PHASE: (ADMIN, HEAD, REP),
    Action.MANAGE_PICK_LISTS: (ADMIN,),
    Action.MANAGE_WORKFLOWS: (ADMIN,),
    # Tickets: support works them; salespeople and admins file and answer them on the customers they see.
    Action.CREATE_TICKET: (ADMIN, HEAD, REP, SUPPORT),
    Action.UPDATE_TICKET: (ADMIN, HEAD, REP, SUPPORT),
    Action.CHANGE_TICKET_STATUS: (ADMIN, HEAD, REP, SUPPORT),
    Action.REPLY_TO_TICKET: (ADMIN, HEAD, REP, SUPPORT),
    Action.MANAGE_SUPPORT: (ADMIN,),
    # Those who work the records attach to them (support not to deals, which it never changes); reps and
    # support delete what they uploaded, heads and admins any file they see (may).
    Action.ATTACH_FILE: (ADMIN, HEAD, REP, SUPPORT),
    Action.DELETE_ATTACHMENT: (ADMIN, HEAD, REP, SUPPORT),
    # Heads set their team's quotas (quota_holder_rule narrows them), admins everyone's; salespeople read
    # their own and their team's.
    Action.SET_QUOTA: (ADMIN, HEAD),
    Action.READ_QUOTAS: (ADMIN, HEAD, REP),
    Action.EXPORT_PERSON_DATA: (ADMIN,),
    Action.ERASE_PERSON: (ADMIN,),
    Action.MANAGE_WEBHOOKS: (ADMIN,),
}

_C, _D, _M, _T, _A, _R = (TokenScope.CUSTOMERS, TokenScope.DEALS, TokenScope.CAMPAIGNS, TokenScope.TICKETS,
                          TokenScope.ADMIN, TokenScope.READ)
# The scope an API token needs for each action, on top of its user's role (may: the intersection). Reads of
# rows are every token's (READ), so row rules alone decide them; each write belongs to one domain.
ACTION_SCOPES: dict[Action, TokenScope] = {
    **dict.fromkeys((
        Action.CREATE_CUSTOMER, Action.UPDATE_CUSTOMER, Action.DELETE_CUSTOMER, Action.CHANGE_CUSTOMER_STATUS,
        Action.WRITE_NOTE, Action.DELETE_NOTE, Action.CREATE_CONTACT, Action.UPDATE_CONTACT, Action.CONVERT_CONTACT,
        Action.DELETE_CONTACT, Action.CREATE_LEAD, Action.UPDATE_LEAD, Action.LOG_ACTIVITY, Action.COMPLETE_TASK,
        Action.UPDATE_TASK, Action.UPDATE_ACTIVITY, Action.CREATE_SEGMENT, Action.UPDATE_SEGMENT, Action.DELETE_SEGMENT,
        Action.SET_MAIL_CONSENT, Action.SET_CUSTOMER_PHASE, Action.ATTACH_FILE, Action.DELETE_ATTACHMENT,
    ), _C),
    **dict.fromkeys((Action.CREATE_DEAL, Action.UPDATE_DEAL, Action.MOVE_DEAL, Action.DELETE_DEAL,
                     Action.CONVERT_LEAD), _D),
    **dict.fromkeys((Action.CREATE_CAMPAIGN, Action.UPDATE_CAMPAIGN, Action.CHANGE_CAMPAIGN_STATUS,
                     Action.SHARE_CAMPAIGN, Action.SCHEDULE_GREETING), _M),
    **dict.fromkeys((Action.CREATE_TICKET, Action.UPDATE_TICKET, Action.CHANGE_TICKET_STATUS,
                     Action.REPLY_TO_TICKET), _T),
    **dict.fromkeys((Action.READ_AUDIT_LOG, Action.READ_REPORTS, Action.READ_QUOTAS, Action.READ_ENROLEES), _R),
    # Settings and administration; one's own settings too (language, working hours, booking links, referral
    # code, notification choices), and a person's data export, which is no ordinary read.
    **dict.fromkeys((
        Action.UPDATE_USER, Action.SET_EXCHANGE_RATE, Action.MANAGE_LOST_REASONS, Action.MANAGE_OWN_TOKENS,
        Action.CREATE_PIPELINE, Action.UPDATE_PIPELINE, Action.CREATE_STAGE, Action.UPDATE_STAGE, Action.CREATE_TEAM,
        Action.UPDATE_TEAM, Action.MANAGE_JOBS, Action.MANAGE_AUTOMATIONS, Action.MANAGE_CUSTOM_FIELDS,
        Action.SET_NOTIFICATION_PREFERENCE, Action.REGENERATE_REFERRAL_CODE, Action.UPDATE_MY_SETTINGS,
        Action.SET_WORKING_HOURS, Action.CREATE_BOOKING_LINK, Action.MANAGE_PICK_LISTS, Action.MANAGE_WORKFLOWS,
        Action.MANAGE_SUPPORT, Action.SET_QUOTA, Action.EXPORT_PERSON_DATA, Action.ERASE_PERSON,
        Action.MANAGE_WEBHOOKS,
    ), _A),
}


def scope_allows(actor: Actor, action: Action) -> bool:
    """Whether the actor's token (if it acts through one) was granted the scope `action` needs."""
    return actor.scopes is None or ACTION_SCOPES[action].value in actor.scopes


def require_role(actor: Actor) -> Role:
    """Any read or write needs a signed-in user with a mapped role."""
    if actor.role is None:
        if not actor.signed_in:
            raise Unauthenticated()
        raise Forbidden("Your account has no CRM role yet; ask an administrator to grant one")
    return actor.role


# Changes to a customer's or contact's own record, and new history on it (notes, activities); a merged-away
# one takes none of them, its history lives on the kept record (an archived one is restored first: archive
# and restore check updateCustomer/updateContact too, so archived rows stay allowed).
RECORD_WRITES = frozenset({
    Action.UPDATE_CUSTOMER, Action.CHANGE_CUSTOMER_STATUS, Action.WRITE_NOTE, Action.UPDATE_CONTACT,
    Action.CONVERT_CONTACT, Action.LOG_ACTIVITY, Action.SET_CUSTOMER_PHASE,
})


def read_only_reason(obj: Any) -> str | None:
    """Why a customer or contact row takes no changes: merged into another, its history lives on the kept one."""
    if getattr(obj, "merged_into_id", None) is not None:
        return "it was merged into another record and is read-only"
    return None


def may(actor: Actor, action: Action, obj: Any = None) -> bool:
    """Whether `actor` may perform `action` (on `obj`, a row already known to be visible to them)."""
    if actor.role not in ROLE_ACTIONS[action] or not scope_allows(actor, action):
        return False  # a token's rights: its user's role intersected with its scopes
    if obj is not None and action in RECORD_WRITES and read_only_reason(obj):
        return False
    if action is Action.MANAGE_OWN_TOKENS and actor.token_id is not None:
        return False  # a leaked token must not mint successors that outlive its revocation
    if action is Action.DELETE_NOTE and actor.role in (REP, SUPPORT) and obj is not None:
        return bool(obj.author_id == actor.user_id)
    if action is Action.UPDATE_ACTIVITY and actor.role in (REP, SUPPORT) and obj is not None:
        # A logged call is its author's account of it: a colleague corrects it through the author or a head
        # (who, like admins, may correct any activity they see: row rules already bound heads to their team).
        return bool(obj.author_id == actor.user_id)
    if action is Action.DELETE_ATTACHMENT and actor.role in (REP, SUPPORT) and obj is not None:
        return bool(obj.uploaded_by_id == actor.user_id)
    if action is Action.ATTACH_FILE and actor.role is SUPPORT and isinstance(obj, Deal):
        return False
    if action in (Action.UPDATE_SEGMENT, Action.DELETE_SEGMENT) and obj is not None:
        return actor.role is ADMIN or obj.owner_id == actor.user_id  # a shared segment is read, not taken over
    if actor.role is not REP or obj is None:
        return True
    # A sales rep changes only customers they manage, deals they own and tasks that are theirs.
    if action in (Action.UPDATE_CUSTOMER, Action.CHANGE_CUSTOMER_STATUS, Action.SET_CUSTOMER_PHASE):
        return obj.account_manager_id == actor.user_id
    if action in (Action.CREATE_DEAL, Action.UPDATE_DEAL, Action.MOVE_DEAL):
        return obj.owner_id == actor.user_id  # creating: the deal-to-be, owned by the rep themselves
    if action in (Action.COMPLETE_TASK, Action.UPDATE_TASK):
        return actor.user_id in (obj.assignee_id, obj.author_id)
    return True


def require(actor: Actor, action: Action, obj: Any = None) -> None:
    role = require_role(actor)
    if obj is not None and action in RECORD_WRITES and (why := read_only_reason(obj)):
        raise Forbidden(f"You may not {action.value} here: {why}")
    if not scope_allows(actor, action):
        raise Forbidden(f"This API token lacks the {ACTION_SCOPES[action].value.upper()} scope needed to {action.value}")
    if not may(actor, action, obj):
        raise Forbidden(f"Your role ({role.value}) may not {action.value} here")


def allowed_actions(actor: Actor) -> list[str]:
    """The operations the UI and clients may offer this user (row rules still apply per row)."""
    return [a.value for a in ROLE_ACTIONS if may(actor, a)]


# --- Row rules -------------------------------------------------------------------------------------

def sees_everything(actor: Actor) -> bool:
    return actor.role in (ADMIN, SUPPORT, MARKETING)


def audience(actor: Actor) -> tuple[object, ...]:
    """Equal for two actors whose customer, contact, lead, deal and activity rules select the same
    rows, so live streams check visibility once per audience rather than once per subscriber."""
    require_role(actor)
    if sees_everything(actor):
        return ("all",)
    if actor.team_id is None:
        return ("user", actor.user_id)
    return ("team", actor.team_id)


def view(actor: Actor) -> tuple[object, ...]:
    """Equal for two actors to whom a subscription's event resolves alike: they see the same rows
    (audience) and have the same role, the only other thing the fields of its types depend on (enrolees'
    names among them: reads_enrolees)."""
    return (*audience(actor), actor.role)


async def audiences_seeing(customer_ids: Collection[int]) -> dict[int, set[tuple[object, ...]]]:
    """For each customer, every audience (as audience() names them) that sees it: everyone who sees all
    customers, the account manager's team and each deal owner's team (for a member of no team, that
    member alone) — customer_rule read the other way round. Live streams compare it before and after a
    change to tell an audience that a customer, with its deals and activities, left its view."""
    seen: dict[int, set[tuple[object, ...]]] = {id: {("all",)} for id in customer_ids}
    ids = list(seen)
    for start in range(0, len(ids), 500):  # bound parameters per query, well under every database's limit
        chunk = ids[start:start + 500]
        managers = Customer.filter(id__in=chunk, account_manager_id__isnull=False).values_list(
            "id", "account_manager_id", "account_manager__team_id")
        owners = Deal.filter(customer_id__in=chunk, owner_id__isnull=False).values_list(
            "customer_id", "owner_id", "owner__team_id")
        for customer_id, user_id, team_id in [*await managers, *await owners]:
            seen[customer_id].add(("team", team_id) if team_id is not None else ("user", user_id))
    return seen


async def audiences_seeing_record(customer_id: int | None, owner_id: int | None) -> set[tuple[object, ...]]:
    """Every audience that sees a contact or lead (_customer_or_owner_rule read the other way round): its
    customer's, or, without one, everyone who sees all and its owner's team (that owner alone without one)."""
    if customer_id is not None:
        return (await audiences_seeing([customer_id]))[customer_id]
    seen: set[tuple[object, ...]] = {("all",)}
    owner = await User.filter(id=owner_id).values_list("team_id", flat=True) if owner_id is not None else []
    if owner:
        seen.add(("team", owner[0]) if owner[0] is not None else ("user", owner_id))
    return seen


async def teams_of(user_ids: Collection[int]) -> dict[int, int | None]:
    """Each user's team (None: in no team)."""
    if not user_ids:
        return {}
    return dict(await User.filter(id__in=list(user_ids)).values_list("id", "team_id"))


def audience_of(user_id: int | None, teams: dict[int, int | None]) -> tuple[object, ...]:
    """The audience (as audience() names them) a record's owner, author or manager lends it: their team, or
    them alone without one; nobody's, ("all",), when there is no such person."""
    if user_id is None:
        return ("all",)
    team = teams.get(user_id)
    return ("team", team) if team is not None else ("user", user_id)


def change_rule(actor: Actor) -> Q:
    """The change feed: everyone who sees all customers reads every change; a salesperson, the changes of
    records their team (or they alone, as a task's assignee or without a team) could see when the change was
    made. Each change row keeps those audiences (services/changes.py): the rule as it was, so a deletion
    reaches whoever saw the record, and a customer that moved to another team keeps its past where it was."""
    require_role(actor)
    if sees_everything(actor):
        return Q()
    mine = Q(audiences__contains=f"|user:{actor.user_id or 0}|")
    if actor.team_id is None:
        return mine
    return mine | Q(audiences__contains=f"|team:{actor.team_id}|")


def _team_member_ids(actor: Actor) -> Subquery | list[int]:
    if actor.team_id is None:
        return [actor.user_id or 0]
    return Subquery(User.filter(team_id=actor.team_id).values("id"))


def visible_customer_ids(actor: Actor) -> Subquery:
    return Subquery(Customer.filter(customer_rule(actor)).values("id"))


def _of_visible_customer(actor: Actor) -> Q:
    """Rows whose customer_id names a customer customer_rule shows `actor`, as two lists on the row's own column:
    the customers the team manages, and the customers of deals the team owns. The same rows as customer_id IN
    visible_customer_ids, since a deal's customer_id always names a customer (a required foreign key), but the
    database reads the second list straight from the deals' owner index instead of reading each of those
    customers' rows to build one list: about 3x faster where a rule checks many rows (a head's open tasks)."""
    members = _team_member_ids(actor)
    return (Q(customer_id__in=Subquery(Customer.filter(account_manager_id__in=members).values("id")))
            | Q(customer_id__in=Subquery(Deal.filter(owner_id__in=members).values("customer_id"))))


def customer_rule(actor: Actor) -> Q:
    require_role(actor)
    if sees_everything(actor):
        return Q()
    members = _team_member_ids(actor)
    by_deal = Subquery(Deal.filter(owner_id__in=members).values("customer_id"))
    return Q(account_manager_id__in=members) | Q(id__in=by_deal)


def _customer_or_owner_rule(actor: Actor) -> Q:
    """Contacts and leads: through their customer, or their owner's team when they have none."""
    require_role(actor)
    if sees_everything(actor):
        return Q()
    return Q(customer_id__in=visible_customer_ids(actor)) | Q(customer_id=None, owner_id__in=_team_member_ids(actor))


def ticket_rule(actor: Actor) -> Q:
    """Tickets: seen exactly when their customer is (support, like admins and marketing, sees all)."""
    require_role(actor)
    if sees_everything(actor):
        return Q()
    return Q(customer_id__in=visible_customer_ids(actor))


def contact_rule(actor: Actor) -> Q:
    return _customer_or_owner_rule(actor)


def lead_rule(actor: Actor) -> Q:
    return _customer_or_owner_rule(actor)


def deal_rule(actor: Actor) -> Q:
    require_role(actor)
    if sees_everything(actor):
        return Q()
    return Q(customer_id__in=visible_customer_ids(actor))


def team_deal_rule(actor: Actor) -> Q:
    """Deals a salesperson's team owns (theirs alone without a team): each is visible to them, since a deal owned
    by a member makes its customer visible to the team (customer_rule), so dashboards ask for them this way, by
    owner, without deal_rule's subquery over every customer. Other roles: deal_rule."""
    require_role(actor)
    if actor.role not in SALES:
        return deal_rule(actor)
    return Q(owner_id__in=_team_member_ids(actor))


def team_figure_rule(actor: Actor) -> Q:
    """Deal figures (the deals added up per owner, stage, month...) a caller may read: team_deal_rule's deals,
    by their owner. Salespeople: their team's (theirs alone without a team); roles that see every deal, all."""
    require_role(actor)
    if sees_everything(actor):
        return Q()
    return Q(owner_id__in=_team_member_ids(actor))


def activity_rule(actor: Actor) -> Q:
    require_role(actor)
    if sees_everything(actor):
        return Q()
    visible_contacts = Subquery(Contact.filter(contact_rule(actor)).values("id"))
    return (
        _of_visible_customer(actor)
        | Q(customer_id=None, contact_id__in=visible_contacts)
        # A task about nothing in particular is seen by its author's team, and by whoever it was given to.
        | Q(
            Q(customer_id=None, contact_id=None),
            Q(author_id__in=_team_member_ids(actor)) | Q(assignee_id=actor.user_id or 0),
        )
    )


def notification_rule(actor: Actor) -> Q:
    """The notifications `actor` may read: their own, whatever their role (admins included: they are
    messages to a person, not records of the CRM)."""
    require_role(actor)
    return Q(user_id=actor.user_id or 0)


def row_rule(actor: Actor, model: type[Model]) -> Q:
    """The row rule of `model` (a customer, contact, lead, deal, activity, campaign, ticket, segment, user,
    notification or API token): the one the resolver path's querysets and loaders filter by, and the compiled reads' statements
    embed (visible_ids_sql). Every signed-in user may list their colleagues."""
    rules: dict[type[Model], Callable[[Actor], Q]] = {
        Customer: customer_rule, Contact: contact_rule, Lead: lead_rule, Deal: deal_rule, Activity: activity_rule,
        Campaign: campaign_rule, Ticket: ticket_rule, Segment: segment_rule, User: lambda _: Q(),
        Notification: notification_rule, ApiToken: token_rule,
    }
    return rules[model](actor)


def seen_with_customer(model: type[Model]) -> bool:
    """Whether a row of `model` that belongs to a customer is visible exactly when that customer is (the contract:
    contacts, leads, deals, activities and tickets of a customer), as row_rule decides for every role: a list nested
    under a customer already read through its rule needs no rule of its own."""
    return model in (Contact, Lead, Deal, Activity, Ticket)


def visible_ids_sql(actor: Actor, model: type[Model]) -> tuple[str, list[Any]] | None:
    """The ids of `model` that `actor` may see, as SQL with placeholders and its parameters (rendered from
    row_rule, so both read paths see the same rows); None when the role sees every row."""
    require_role(actor)
    rule = row_rule(actor, model)
    if not (rule.children or rule.filters):
        return None  # the role's rule holds no condition for this model
    return parameterized(model.filter(rule).values("id"))


def attachment_rule(actor: Actor) -> Q:
    """Attachments are seen exactly when the record they belong to is."""
    require_role(actor)
    if sees_everything(actor):
        return Q()
    return (
        Q(customer_id__in=visible_customer_ids(actor))
        | Q(contact_id__in=Subquery(Contact.filter(contact_rule(actor)).values("id")))
        | Q(deal_id__in=Subquery(Deal.filter(deal_rule(actor)).values("id")))
        | Q(activity_id__in=Subquery(Activity.filter(activity_rule(actor)).values("id")))
        | Q(ticket_id__in=Subquery(Ticket.filter(ticket_rule(actor)).values("id")))
    )


def managed_customer_rule(actor: Actor) -> Q:
    """Customers whose relationship `actor` runs, so whose own data (contacts, account manager) a salesperson
    may change: reps those they manage, heads those a team member manages, admins all. Seeing a customer
    through a deal is not running it (issue 13: a rep re-pointed such a customer's primary contact)."""
    require_role(actor)
    if actor.role is ADMIN:
        return Q()
    if actor.role is HEAD:
        return Q(account_manager_id__in=_team_member_ids(actor))
    if actor.role is REP:
        return Q(account_manager_id=actor.user_id or 0)
    return Q(id__in=[])


async def manages(actor: Actor, customer_id: int) -> bool:
    return await Customer.filter(managed_customer_rule(actor), id=customer_id).exists()


async def require_runs(actor: Actor, customer_id: int) -> None:
    """A customer's own record (fields, status, account manager, notes) is changed by the salespeople who run
    it; another team that sees it through a deal works on that deal and logs activities, but reads the record
    only (a head reassigning it would take it over)."""
    if actor.role in SALES and not await manages(actor, customer_id):
        raise Forbidden("This customer is managed by another team: you see it through a deal, and may not change it")


async def may_change_contacts_of(actor: Actor, customer_id: int | None, owner_id: int | None) -> bool:
    """Whether `actor` may change the contacts of a customer (`customer_id`), or a contact without one owned by
    `owner_id`. Support keep every customer's contacts (CONTRACT.md); salespeople those of customers they run
    and their own loose contacts (heads: their team's). A move checks both ends, so no contact leaves or
    enters a customer another team manages."""
    return (await may_change_contacts(actor, [(customer_id, owner_id)]))[0]


async def may_change_contacts(actor: Actor, places: Sequence[tuple[int | None, int | None]]) -> list[bool]:
    """may_change_contacts_of for many (customer id, owner id) pairs at once: at most two queries."""
    require_role(actor)
    if actor.role not in SALES:
        return [changes_contacts_at(actor, c is not None, False, False) for c, _ in places]
    customer_ids = {c for c, _ in places if c is not None}
    owner_ids = {o for c, o in places if c is None and o is not None}
    # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
    run: set[int] = set()
    if customer_ids:
        run = set(cast(list[int], await Customer.filter(
            managed_customer_rule(actor), id__in=list(customer_ids)).values_list("id", flat=True)))
    mates: set[int] = set()
    if owner_ids and actor.role is REP:
        mates = {actor.user_id or 0}  # contact_keepers' answer for a rep, without a query
    elif owner_ids:
        mates = set(cast(list[int], await contact_keepers(actor).filter(id__in=list(owner_ids)).values_list("id", flat=True)))
    return [changes_contacts_at(actor, c is not None, c in run, o is not None and o in mates) for c, o in places]


def changes_contacts_at(actor: Actor, at_customer: bool, runs_customer: bool, owner_is_keeper: bool) -> bool:
    """may_change_contacts' decision for one place, from its facts: whether it is at a customer, whether `actor`
    runs that customer (managed_customer_rule), whether its owner is one of contact_keepers (read by the caller:
    for a batch of places, or in the statement of a compiled read)."""
    if actor.role in (ADMIN, SUPPORT):
        return True
    if actor.role not in SALES:
        return False
    return runs_customer if at_customer else owner_is_keeper


def contact_keepers(actor: Actor) -> QuerySet[User]:
    """The users whose loose contacts (at no customer) a salesperson keeps: a rep their own, a head their team's."""
    if actor.role is REP:
        return User.filter(id=actor.user_id or 0)
    return User.filter(Q(id__in=_team_member_ids(actor)))


async def require_contacts_of(actor: Actor, customer_id: int | None, owner_id: int | None) -> None:
    if not await may_change_contacts_of(actor, customer_id, owner_id):
        if customer_id is not None:
            raise Forbidden("Only the team that manages this customer may change its contacts")
        raise Forbidden("Only the contact's owner (or their sales head) may change a contact without a customer")


class Assignment(str, Enum):
    """What a user is made responsible for: who may be chosen depends on it (assignee_rule)."""

    ACCOUNT_MANAGER = "account_manager"
    OWNER = "owner"
    TASK = "task"
    TICKET = "ticket"


def assignee_rule(actor: Actor, purpose: Assignment) -> Q:
    """Users `actor` may make responsible for something, as a User query condition shared by the services'
    checks and the UI's pickers: active users with a role; sales roles only within their team (themselves
    when in none), so a record stays with the team that manages it and a task is no message to a stranger
    (issue 13); admins anyone. Support routes work to sales: contacts to anyone, tasks to salespeople and
    themselves (not to admins, marketing or other support). Marketing gives tasks only to themselves.
    Neither appoints account managers, and an account manager is always a salesperson: the relationship is a
    sales team's, and only sales teams see customers by their account manager (issue 13)."""
    require_role(actor)
    usable = Q(active=True, role__isnull=False)
    if purpose is Assignment.ACCOUNT_MANAGER:
        usable &= Q(role__in=list(SALES))
    if purpose is Assignment.TICKET:  # whoever answers customers: support, salespeople, admins
        usable &= Q(role__in=[ADMIN, SUPPORT, *SALES])
    if actor.role is ADMIN:
        return usable
    if actor.role in SALES:
        return usable & Q(id__in=_team_member_ids(actor))
    if purpose in (Assignment.OWNER, Assignment.TICKET):
        return usable
    if purpose is Assignment.TASK and actor.role is SUPPORT:
        return usable & (Q(id=actor.user_id or 0) | Q(role__in=list(SALES)))
    if purpose is Assignment.TASK:
        return usable & Q(id=actor.user_id or 0)
    return Q(id__in=[])


def assignee_limit(actor: Actor, purpose: Assignment) -> str:
    """assignee_rule in words, for the error that names the refused field."""
    if purpose is Assignment.ACCOUNT_MANAGER and actor.role is ADMIN:
        return "an account manager must be a salesperson (sales rep or sales head)"
    if actor.role in SALES:
        return "must be an active member of your team" if actor.team_id else "must be you: you are in no team"
    if purpose is Assignment.TASK:
        return "you may give tasks only to salespeople and yourself" if actor.role is SUPPORT else "must be you"
    if purpose is Assignment.ACCOUNT_MANAGER:
        return "your role does not appoint account managers"
    return "must be an active user with a CRM role"


def reads_enrolees(actor: Actor) -> bool:
    """Names, emails and referral codes of people who enrolled in campaigns: campaign owners (marketing) and
    admins; everyone else sees counts only. It depends on the role alone, which view() includes, so a
    subscription result shared per view never carries them to someone who may not read them."""
    return may(actor, Action.READ_ENROLEES)


def campaign_rule(actor: Actor) -> Q:
    """Campaign owners (marketing) and admins see all; others internal and public ones, and their own."""
    require_role(actor)
    if actor.role in (ADMIN, MARKETING):
        return Q()
    return Q(visibility__in=[Visibility.INTERNAL, Visibility.PUBLIC]) | Q(owner_id=actor.user_id)


def saved_report_rule(actor: Actor) -> Q:
    """Saved reports are their owner's own (admins' too): each one is mailed to its owner, under the owner's
    row rules at the time it is read, so nobody else's saved report could show them more."""
    require(actor, Action.READ_REPORTS)
    return Q(owner_id=actor.user_id or 0)


def segment_rule(actor: Actor) -> Q:
    """Saved segments: each user sees their own and the shared ones; admins all. Their members are still
    only the customers the viewer may see (customer_rule), so sharing a segment shares no rows."""
    require_role(actor)
    if actor.role is ADMIN:
        return Q()
    return Q(owner_id=actor.user_id or 0) | Q(shared=True)


def token_rule(actor: Actor) -> Q:
    """API tokens: each user revokes their own (a token may revoke itself); admins anyone's (offboarding)."""
    require_role(actor)
    if actor.role is ADMIN:
        return Q()
    return Q(user_id=actor.user_id)


class _AsText(Function):
    """An id as text: audit entries name their record in a text column (entity_id), whatever its kind."""

    database_func = functions.Cast


def quota_rule(actor: Actor) -> Q:
    """Quotas `actor` may read: admins all; a head the team's and its members'; a rep their own and the team's
    (the target they share), not a colleague's."""
    require(actor, Action.READ_QUOTAS)
    if actor.role is ADMIN:
        return Q()
    team = Q(team_id=actor.team_id) if actor.team_id is not None else Q(id__in=[])
    if actor.role is HEAD:
        return team | Q(user_id__in=_team_member_ids(actor))
    return team | Q(user_id=actor.user_id or 0)


def may_set_quota_of(actor: Actor, team_id: int | None, user_team_id: int | None, user_id: int | None) -> bool:
    """Whether `actor` may set the quota of a team (`team_id`) or of a user (`user_id`, in `user_team_id`):
    admins anyone's, a head their own team's and its members' (their own included)."""
    if not may(actor, Action.SET_QUOTA):
        return False
    if actor.role is ADMIN:
        return True
    if user_id is not None:
        return user_id == actor.user_id or (actor.team_id is not None and user_team_id == actor.team_id)
    return actor.team_id is not None and team_id == actor.team_id


def booking_link_rule(actor: Actor) -> Q:
    """Booking links: each user sees and revokes only their own (admins included: a link offers one
    person's time, and only they decide to withdraw it)."""
    require_role(actor)
    return Q(user_id=actor.user_id or 0)


def audit_rule(actor: Actor) -> Q:
    """Admins read every entry. A sales head reads the team's log: what its members did, and what was done
    to what the team looks after (its customers, their contacts, leads and deals, its members' accounts), so
    an admin's or support's change to the team's records is there too; another team's records are not."""
    require(actor, Action.READ_AUDIT_LOG)
    if actor.role is ADMIN:
        return Q()
    members = _team_member_ids(actor)
    about: dict[str, QuerySet[Any]] = {
        "customer": Customer.filter(customer_rule(actor)),
        "contact": Contact.filter(contact_rule(actor)),
        "lead": Lead.filter(lead_rule(actor)),
        "deal": Deal.filter(deal_rule(actor)),
        "user": User.filter(id__in=members),
    }
    rule = Q(actor_id__in=members)
    for entity, rows in about.items():
        rule |= Q(entity=entity, entity_id__in=Subquery(rows.annotate(key=_AsText("id", "VARCHAR")).values("key")))
    return rule


def campaign_is_public(campaign: Campaign, today: date | None = None) -> bool:
    """Public actions (view, like, enrol) need a public, active campaign within its period."""
    today = today or datetime.now(UTC).date()
    return (
        campaign.visibility is Visibility.PUBLIC
        and campaign.status is CampaignStatus.ACTIVE
        and (campaign.starts_on is None or campaign.starts_on <= today)
        and (campaign.ends_on is None or today <= campaign.ends_on)
    )


def public_campaign_rule(today: date) -> Q:
    """campaign_is_public as a query condition, for updates that must re-check it atomically."""
    return (
        Q(visibility=Visibility.PUBLIC, status=CampaignStatus.ACTIVE)
        & (Q(starts_on=None) | Q(starts_on__lte=today))
        & (Q(ends_on=None) | Q(ends_on__gte=today))
    )
