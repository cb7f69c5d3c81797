"""The GraphQL documents the benchmarks send, shared by the runner, the load generator and the limits."""

NESTED = """
query($first: Int) {
  customers(first: $first, orderBy: {field: NAME}) {
    edges { node {
      name
      contacts { name email isPrimary }
      deals { title amount { amount currency } stage { name } }
      activities(first: 5) { kind title occurredAt }
    } }
  }
}
"""

SEARCH = "query($q: String!) { customers(first: 20, search: $q) { edges { node { id name } } } }"


def head_dashboard() -> dict[str, object]:
    """The document /dashboard sends (the screen's own, so the figure is the screen's), for a month."""
    from frontend.pages.dashboard import QUERY  # the UI's modules load only when this benchmark runs

    return {"query": QUERY, "variables": {"period": "MONTH"}}
