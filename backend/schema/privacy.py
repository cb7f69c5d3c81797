"""Data subject requests (issue 21) as the API shows them."""

from __future__ import annotations

import strawberry


@strawberry.input(description="The person to erase, by email address")
class ErasePersonInput:
    email: str = strawberry.field(description="The person's email address (any case)")


@strawberry.type(description="What an erasure did")
class ErasePersonPayload:
    rows: int = strawberry.field(description="Rows removed or anonymised (0: nothing was held about them)")
