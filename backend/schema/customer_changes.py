"""What the customerChanged subscription delivers: a committed change of one customer's record."""

from __future__ import annotations

from enum import Enum

import strawberry

from backend.schema.customers import CustomerType


@strawberry.enum(name="CustomerChangeKind", description="What happened to a customer")
class CustomerChangeKind(Enum):
    UPDATED = "updated"
    DELETED = "deleted"
    HIDDEN = "hidden"


@strawberry.type(name="CustomerChangeEvent", description="A committed change of a customer the subscriber may see")
class CustomerChangeEvent:
    kind: CustomerChangeKind = strawberry.field(
        description="Updated (edited or status changed), deleted, or hidden: no longer visible to you"
    )
    customer_id: strawberry.ID = strawberry.field(description="The customer's id")
    customer: CustomerType | None = strawberry.field(
        description="The customer as it is now; null when it was deleted or you may no longer see it"
    )
