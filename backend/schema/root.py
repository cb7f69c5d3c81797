"""The one GraphQL schema: every domain's queries, mutations and subscriptions merged."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend.resolvers.activities import ActivityMutation, ActivityQuery
from backend.resolvers.contacts import ContactMutation, ContactQuery
from backend.resolvers.customers import CustomerMutation, CustomerQuery
from backend.schema.errors import MaskUnexpectedErrors
from backend.schema.limits import limit_extensions

QUERIES: tuple[type, ...] = (CustomerQuery, ContactQuery, ActivityQuery)
MUTATIONS: tuple[type, ...] = (CustomerMutation, ContactMutation, ActivityMutation)
SUBSCRIPTIONS: tuple[type, ...] = ()


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None,
        extensions=[*limit_extensions(), MaskUnexpectedErrors],
        config=StrawberryConfig(disable_field_suggestions=True),
    )


schema = build_schema()
