"""Likely duplicate customers and contacts, most confident first, each group one click from a merge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend.components.merge_dialog import MergeDialog
from frontend.components.ui import empty, pending
from frontend.router import use_nav
from frontend.session import use_query, use_session

# One document per entity, with its own record fields: the cost limit counts every nested list.
FIELDS = {
    "customers": "customers { id version name legalForm email phone website street city postcode country industry "
                 "segment description }",
    "contacts": "contacts { id version name email phone jobTitle department roleAtCustomer customer { name } }",
}
QUERY = """
query Duplicates($entity: DuplicateEntity!) {{
  duplicates(entity: $entity, first: 50) {{ confidence reasons {{ signal value score }} {records} }}
}}"""
ENTITIES = (("customers", "Customers", "updateCustomer"), ("contacts", "Contacts", "updateContact"))
SIGNALS = {"email": "same email", "phone": "same phone", "domain": "same web domain", "name": "similar name"}


def reason_words(reasons: list[dict[str, Any]]) -> str:
    seen = dict.fromkeys(SIGNALS.get(r["signal"], r["signal"]) for r in reasons)
    return ", ".join(seen).capitalize()


def record_line(entity: str, record: dict[str, Any]) -> VdomDict:
    details = [record.get("email"), record.get("phone"), record.get("website") or record.get("city"),
               (record.get("customer") or {}).get("name")]
    return html.li(
        {"key": record["id"]},
        html.a({"href": f"/{entity}/{record['id']}"}, record["name"]),
        html.span({"className": "muted"}, " · " + " · ".join(d for d in details if d)) if any(details) else None,
    )


@component
def DuplicatesPage() -> VdomDict:
    session = use_session()
    nav = use_nav()
    entity = nav.route.query.get("entity", "customers")
    entity = entity if entity in ("customers", "contacts") else "customers"
    merging, set_merging = use_state(cast(list[dict[str, Any]] | None, None))
    done, set_done = use_state(cast(dict[str, Any] | None, None))
    result = use_query(QUERY.format(records=FIELDS[entity]), {"entity": entity.upper()})
    groups = (result.data or {}).get("duplicates")
    may_merge = session.can(dict((e, a) for e, _, a in ENTITIES)[entity])

    def show(key: str) -> Callable[[Any], None]:
        def go(_: Any) -> None:
            set_merging(None)
            nav.navigate("/duplicates" + ("" if key == "customers" else f"?entity={key}"), replace=True)
        return go

    def merged(outcome: dict[str, Any]) -> None:
        set_merging(None)
        set_done(outcome)
        result.reload()

    if groups is None:
        body: VdomDict = pending(result, "Looking for duplicates…")
    elif not groups:
        body = empty("No likely duplicates.", f"No two {entity} you can see share an email, a phone, a web domain or "
                     "a similar name.")
    else:
        body = html.ul(
            {"className": "duplicate-groups"},
            *(
                html.li(
                    {"className": "duplicate-group card", "key": ",".join(r["id"] for r in group[entity])},
                    html.div(
                        {"className": "duplicate-head"},
                        html.span({"className": "badge badge-confidence"}, f"{round(group['confidence'] * 100)} % match"),
                        html.span({"className": "muted"}, reason_words(group["reasons"])),
                    ),
                    html.ul({"className": "duplicate-records"}, *(record_line(entity, r) for r in group[entity])),
                    html.button({"className": "btn", "type": "button",
                                 "onClick": lambda e, g=group: (set_done(None), set_merging(g[entity]))},
                                "Review and merge") if may_merge else None,
                )
                for group in groups
            ),
        )
    return html.div(
        {"className": "page"},
        html.div({"className": "list-head"}, html.h1("Duplicates")),
        html.p({"className": "muted"}, "Records that look like the same company or person — by email, phone, web "
               "domain or a similar name — most likely first. Merging keeps one and moves everything onto it."),
        html.div(
            {"className": "tabs", "role": "tablist"},
            *(
                html.button(
                    {"className": "tab" + (" active" if key == entity else ""), "role": "tab", "key": key,
                     "aria-selected": key == entity, "type": "button",
                     "onClick": show(key)},
                    text,
                )
                for key, text, _ in ENTITIES
            ),
        ),
        html.div({"className": "notice notice-ok", "role": "status"}, f"Merged {len(done['mergedIds']) + 1} records into ",
                 html.a({"href": f"/{entity}/{done['keptId']}"}, "the one kept"), ".") if done else None,
        MergeDialog(entity, merging, lambda: set_merging(None), merged,
                    key=",".join(r["id"] for r in merging)) if merging else None,
        body,
    )
