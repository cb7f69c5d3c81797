"""The support desk: the live ticket queue `/tickets` (soonest SLA due first) and a ticket's page `/tickets/{id}`
with its conversation, workflow buttons and assignee. Both follow ticketChanged, so a ticket that arrives or
moves shows at once on every open screen."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import format as fmt
from frontend import gql
from frontend.components.attachments import AttachmentsPanel
from frontend.components.custom_fields import VALUES, custom_facts
from frontend.components.listing import card_table, list_head, pager, use_list_view
from frontend.components.tickets import CHANGED, PRIORITIES, NewTicket, sla_text, status_badge
from frontend.components.ui import (
    badge,
    changed_value,
    error_banner,
    field,
    pending,
    select,
    use_form_errors,
)
from frontend.session import use_live, use_query, use_session

QUEUE_QUERY = """
query Tickets($filter: TicketFilter, $search: String, $after: String) {
  tickets(first: 50, after: $after, filter: $filter, search: $search) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { id number subject status priority slaDueAt pausedAt customer { id name } assignee { id name } } }
  }
}"""
TICKET_FIELDS = """id number subject description status priority channel category tags version createdAt
  firstResponseDueAt firstRespondedAt resolutionDueAt slaDueAt pausedAt allowedStatuses requesterEmail satisfaction
  customer { id name } contact { id name email } assignee { id name }
  messages { id body internal authorName createdAt }
  slaEvents { target level at }
  """ + VALUES
TICKET_QUERY = f"""
query Ticket($id: ID!) {{
  ticket(id: $id) {{ {TICKET_FIELDS} }}
  assignable: users(first: {MAX_FIRST}, filter: {{assignableFor: TICKET}}) {{ edges {{ node {{ id name }} }} }}
}}"""
STATUS = "mutation ChangeTicketStatus($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { id } }"
UPDATE = "mutation UpdateTicket($input: UpdateTicketInput!) { updateTicket(input: $input) { id } }"
REPLY = "mutation ReplyToTicket($input: ReplyToTicketInput!) { replyToTicket(input: $input) { message { id } } }"

VIEWS = (("open", "Open"), ("mine", "Mine"), ("unassigned", "Unassigned"), ("soon", "Breaching soon"), ("all", "All"))
OPEN_STATUSES = ["NEW", "OPEN", "PENDING_CUSTOMER"]
STATUSES = (("", "Any status"), ("NEW", "New"), ("OPEN", "Open"), ("PENDING_CUSTOMER", "Pending customer"),
            ("RESOLVED", "Resolved"), ("CLOSED", "Closed"))
# The button that moves a ticket to each status, in the order offered.
MOVES = {"OPEN": "Open", "PENDING_CUSTOMER": "Waiting for customer", "RESOLVED": "Resolve", "CLOSED": "Close"}


def queue_filter(params: dict[str, str]) -> dict[str, Any]:
    view = params.get("view", "open")
    where: dict[str, Any] = {}
    if view != "all" and not params.get("status"):
        where["status"] = OPEN_STATUSES
    if view == "mine":
        where["mine"] = True
    if view == "unassigned":
        where["unassigned"] = True
    if view == "soon":
        where["breachingSoon"] = True
    if params.get("status"):
        where["status"] = [params["status"]]
    if params.get("priority"):
        where["priority"] = [params["priority"]]
    return where


@component
def TicketsPage() -> VdomDict:
    session = use_session()
    view = use_list_view("/tickets")
    params = view.params
    result = use_query(QUEUE_QUERY, {"filter": queue_filter(params), "after": params.get("after") or None})
    use_live(CHANGED, None, lambda _: result.reload())
    creating, set_creating = use_state(False)
    page = (result.data or {}).get("tickets")

    current = params.get("view", "open")
    chips = html.div(
        html.div({"className": "tabs view-tabs", "role": "group", "aria-label": "Queue"},
                 *(html.button({"key": key, "type": "button", "className": "tab" + (" active" if key == current else ""),
                                "aria-pressed": key == current, "onClick": lambda e, k=key: view.apply(view=k)}, text)
                   for key, text in VIEWS)),
        html.div({"className": "ticket-filters"},
        select("priority", PRIORITIES, params.get("priority", ""), **{
            "aria-label": "Priority", "onChange": lambda e: view.apply(priority=changed_value(e) or None)}),
        select("status", STATUSES, params.get("status", ""), **{
            "aria-label": "Status", "onChange": lambda e: view.apply(status=changed_value(e) or None)})),
    )
    head = list_head("Tickets", page["totalCount"] if page else None, "ticket",
                     "+ New ticket" if session.can("createTicket") and not creating else None,
                     lambda e: set_creating(True))
    form = NewTicket(lambda: set_creating(False)) if creating else None
    if page is None:
        return html.div({"className": "page"}, head, chips, pending(result, "Loading the queue…"))
    tickets = [e["node"] for e in page["edges"]]
    rows = [[
        html.a({"href": f"/tickets/{t['id']}"}, t["number"]),
        html.a({"href": f"/tickets/{t['id']}"}, t["subject"]),
        html.a({"href": f"/customers/{t['customer']['id']}"}, t["customer"]["name"]) if t.get("customer") else "—",
        badge(t["priority"]),
        status_badge(t["status"]),
        (t.get("assignee") or {}).get("name") or "Unassigned",
        html.span({"className": "sla-overdue" if t.get("slaDueAt") and fmt.is_past(t["slaDueAt"]) else ""}, sla_text(t)),
    ] for t in tickets]
    table = card_table("Tickets", ("Number", "Subject", "Customer", "Priority", "Status", "Assignee", "SLA"), rows,
                       [t["id"] for t in tickets], stale=result.loading, wrap=(1, 2)) if tickets else \
        html.p({"className": "empty"}, "No tickets in this view.")
    paged = page["pageInfo"]["hasNextPage"] or page["pageInfo"]["hasPreviousPage"]
    return html.div({"className": "page"}, head, form, chips, table, pager(view, page["pageInfo"]) if paged else None)


@component
def TicketPage(ticket_id: str | None) -> VdomDict:
    session = use_session()
    result = use_query(TICKET_QUERY, {"id": ticket_id})
    use_live(CHANGED, None, lambda _: result.reload())
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    form = use_form_errors()
    text, set_text = use_state("")
    data = result.data
    if data is None:
        return html.div({"className": "page"}, pending(result, "Loading the ticket…"))
    ticket = data["ticket"]
    assignable = [e["node"] for e in data["assignable"]["edges"]]

    async def run(document: str, **values: Any) -> bool:
        try:
            await gql.execute(session.actor, document, input=values)
        except gql.GqlError as error:
            set_problem(error)
            return False
        set_problem(None)
        result.reload()
        return True

    def mover(status: str) -> Any:
        async def move(e: Any) -> None:
            await run(STATUS, id=ticket["id"], status=status, version=ticket["version"])
        return move

    async def assign(e: Any) -> None:
        await run(UPDATE, id=ticket["id"], version=ticket["version"], assigneeId=changed_value(e) or None)

    def sender(internal: bool) -> Any:
        async def send(e: Any) -> None:
            try:
                await gql.execute(session.actor, REPLY, input={"id": ticket["id"], "body": text, "internal": internal})
            except gql.GqlError as error:
                form.show(error)
                return
            form.clear()
            set_text("")
            result.reload()
        return send

    may_work = session.can("changeTicketStatus")
    reopen = ticket["status"] in ("RESOLVED", "CLOSED")
    def move_label(status: str) -> str:
        if status == "OPEN" and reopen:
            return "Reopen"
        return "Back to open" if status == "OPEN" and ticket["status"] == "PENDING_CUSTOMER" else MOVES[status]

    buttons = [html.button({"key": s, "type": "button", "className": "btn" + (" btn-primary" if s == "RESOLVED" else ""),
                            "onClick": mover(s)}, move_label(s))
               for s in ticket["allowedStatuses"]] if may_work else []
    facts = [
        ("Customer", html.a({"href": f"/customers/{ticket['customer']['id']}"}, ticket["customer"]["name"])
         if ticket.get("customer") else "—"),
        ("Contact", (ticket.get("contact") or {}).get("name") or ticket["requesterEmail"] or "—"),
        ("Channel", fmt.label(ticket["channel"])),
        ("Opened", fmt.moment(ticket["createdAt"])),
        ("First response", fmt.moment(ticket["firstRespondedAt"]) if ticket["firstRespondedAt"] else
         (f"due {fmt.moment(ticket['firstResponseDueAt'])}" if ticket["firstResponseDueAt"] else "—")),
        ("Resolution", f"due {fmt.moment(ticket['resolutionDueAt'])}" if ticket["resolutionDueAt"] else sla_text(ticket)),
        *([("Satisfaction", f"{ticket['satisfaction']} of 5")] if ticket["satisfaction"] else []),
        ("Assignee", select("assigneeId", [("", "Unassigned"), *((u["id"], u["name"]) for u in assignable)],
                            (ticket.get("assignee") or {}).get("id") or "",
                            **{"aria-label": "Assignee", "onChange": assign, "disabled": not session.can("updateTicket")})),
    ]
    breaches = [f"{fmt.label(b['target'])}: {'breached' if b['level'] == 'BREACH' else '80 % used'} "
                f"({fmt.moment(b['at'])})" for b in ticket["slaEvents"]]
    messages = [html.li({"key": m["id"], "className": "message" + (" internal" if m["internal"] else "")},
                        html.div({"className": "message-head"}, html.strong(m["authorName"] or "Customer"),
                                 badge("Internal note", "warn") if m["internal"] else None,
                                 html.span({"className": "subtle"}, fmt.moment(m["createdAt"]))),
                        html.p({"className": "message-body"}, m["body"]))
                for m in ticket["messages"]]
    return html.div(
        {"className": "page ticket-page"},
        html.div({"className": "page-head"},
                 html.div(html.p({"className": "subtle"}, html.a({"href": "/tickets"}, "Tickets"), f" / {ticket['number']}"),
                          html.h1(ticket["subject"]),
                          html.p(status_badge(ticket["status"]), " ",
                                 badge(ticket["priority"]), " ",
                                 html.span({"className": "subtle", "aria-label": "SLA"}, sla_text(ticket)))),
                 html.div({"className": "actions", "role": "group", "aria-label": "Status"}, *buttons)),
        error_banner(problem),
        html.div({"className": "notice notice-error", "role": "status"}, "SLA: " + "; ".join(breaches)) if breaches else None,
        html.section({"className": "panel", "aria-label": "Details"},
                     html.dl({"className": "facts"}, *(part for k, v in facts
                                                       for part in (html.dt({"key": f"t-{k}"}, k), html.dd({"key": f"d-{k}"}, v))),
                             *custom_facts(ticket["customFields"])),
                     html.p({"className": "ticket-description"}, ticket["description"]) if ticket["description"] else None),
        html.section({"className": "panel", "aria-label": "Conversation"},
                     html.h2("Conversation"),
                     html.ol({"className": "messages"}, *messages) if messages else html.p({"className": "subtle"}, "No messages yet."),
                     html.div({"className": "reply", "role": "group", "aria-label": "Reply"},
                              error_banner(form.problem),
                              field("Message", html.textarea({"name": "body", "rows": 4, "aria-label": "Message",
                                                              "value": text,
                                                              "onChange": lambda e: set_text(changed_value(e))}),
                                    form.errors.get("body")),
                              html.div({"className": "form-actions"},
                                       html.button({"className": "btn btn-primary", "type": "button",
                                                    "onClick": sender(False)}, "Send reply"),
                                       html.button({"className": "btn", "type": "button", "onClick": sender(True)},
                                                   "Add internal note")))
                     if session.can("replyToTicket") else None),
        html.section({"className": "panel", "aria-label": "Ticket files"},
                     html.h2("Files"), AttachmentsPanel("TICKET", ticket["id"], session.can("attachFile"))),
    )
