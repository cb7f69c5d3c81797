"""The customer list's view (search, filters, sort, page) as URL query parameters and GraphQL variables.

The view lives in the URL so it can be shared and bookmarked, and the CSV export gets the same view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from frontend.components.custom_fields import VALUES
from frontend.custom_conditions import PARAM, custom_filter

# "saved": a saved segment's id (segmentId); "segment" is the customer's own field, a market tier.
# "phase": a relationship phase; "hls": a high-level status's id; "cf": custom-field conditions.
FILTER_KEYS = ("status", "industry", "segment", "country", "manager", "tag", "from", "to", "saved", "phase", "hls",
               PARAM)
SORTS = {"name": "NAME", "created": "CREATED_AT", "updated": "UPDATED_AT", "status": "STATUS",
         "country": "COUNTRY", "industry": "INDUSTRY", "phase": "PHASE"}
CUSTOM_SORT = "cf."

CUSTOMER_FIELDS = """
  id name email phone city country industry segment tags status createdAt
  accountManager { id name }
  phase highLevelStatus { id label archived }
"""

CUSTOMERS_QUERY = (
    """
query Customers($first: Int, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder, $search: String) {
  customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy, search: $search) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node {"""
    + CUSTOMER_FIELDS
    + """} }
  }
}"""
)


PAGE = 25  # customers a page of the list shows
# The custom values of the page the list shows, asked for only while a custom column is shown: their list on
# each of 100 rows (a `$first` counts as the largest page) would cost more than one query may
# (backend/graphql/limits.py), so this page is a literal PAGE, with the list's other variables.
CUSTOM_VALUES_QUERY = f"""
query CustomerCustomValues($after: String, $filter: CustomerFilter, $orderBy: CustomerOrder, $search: String) {{
  customers(first: {PAGE}, after: $after, filter: $filter, orderBy: $orderBy, search: $search) {{
    edges {{ node {{ id {VALUES} }} }}
  }}
}}"""


def customer_variables(params: Mapping[str, str], first: int = PAGE) -> dict[str, Any]:
    """GraphQL variables for `customers` from the view's query parameters."""
    where: dict[str, Any] = {}
    if params.get("status"):
        where["status"] = [params["status"].upper()]
    for key in ("industry", "segment", "country"):
        if params.get(key):
            where[key] = [params[key]]
    if params.get("manager"):
        where["accountManagerId"] = [params["manager"]]
    if params.get("tag"):
        where["tag"] = params["tag"]
    if params.get("saved"):
        where["segmentId"] = params["saved"]
    if params.get("phase"):
        where["phase"] = [params["phase"].upper()]
    if params.get("hls"):
        where["highLevelStatus"] = [params["hls"]]
    created: dict[str, str] = {}
    if params.get("from"):
        created["start"] = f"{params['from']}T00:00:00+00:00"
    if params.get("to"):
        created["end"] = f"{params['to']}T23:59:59+00:00"
    if created:
        where["created"] = created
    if custom := custom_filter(params):
        where["custom"] = custom
    sort = params.get("sort", "name")
    direction = "DESC" if params.get("dir") == "desc" else "ASC"
    # "cf.<key>": a custom field's column (empty values last)
    order = ({"customField": sort.removeprefix(CUSTOM_SORT), "direction": direction} if sort.startswith(CUSTOM_SORT)
             else {"field": SORTS.get(sort, "NAME"), "direction": direction})
    return {
        "first": first,
        "after": params.get("after") or None,
        "filter": where or None,
        "orderBy": order,
        "search": params.get("q") or None,
    }


def view_query(params: Mapping[str, str], **changes: str | None) -> str:
    """The query string of the view with `changes` applied (None or "" removes a key)."""
    merged = {k: v for k, v in params.items() if v}
    for key, value in changes.items():
        key = key.rstrip("_")
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    return urlencode(merged)
