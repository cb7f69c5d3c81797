"""The customer list's view (search, filters, sort, page) as URL query parameters and GraphQL variables.

The view lives in the URL so it can be shared and bookmarked, and the CSV export gets the same view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

FILTER_KEYS = ("status", "industry", "segment", "country", "manager", "tag", "from", "to")
SORTS = {"name": "NAME", "created": "CREATED_AT", "updated": "UPDATED_AT", "status": "STATUS",
         "country": "COUNTRY", "industry": "INDUSTRY"}

CUSTOMER_FIELDS = """
  id name email phone city country industry segment tags status createdAt
  accountManager { id name }
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


def customer_variables(params: Mapping[str, str], first: int = 25) -> dict[str, Any]:
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
    created: dict[str, str] = {}
    if params.get("from"):
        created["start"] = f"{params['from']}T00:00:00+00:00"
    if params.get("to"):
        created["end"] = f"{params['to']}T23:59:59+00:00"
    if created:
        where["created"] = created
    sort = params.get("sort", "name")
    return {
        "first": first,
        "after": params.get("after") or None,
        "filter": where or None,
        "orderBy": {"field": SORTS.get(sort, "NAME"), "direction": "DESC" if params.get("dir") == "desc" else "ASC"},
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
