"""exportPersonData and erasePerson (admins): everything held about a person, and its erasure."""

from __future__ import annotations

import strawberry

from backend.reads.context import Info
from backend.schema.privacy import ErasePersonInput, ErasePersonPayload
from backend.services import erasure


@strawberry.type
class PrivacyQuery:
    @strawberry.field(description="Everything held about a person (admins), as a JSON document to save as a file: "
                      "rows by table that mention the email or the names given with it, or belong to their contacts")
    async def export_person_data(self, info: Info, email: str) -> str:
        return await erasure.export_person_data(info.context.actor, email)


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(description="Erase a person (admins): their contacts and enrolments anonymised, consents "
                         "deleted, every mention of their email or names replaced by [erased]. Cannot be undone")
    async def erase_person(self, info: Info, input: ErasePersonInput) -> ErasePersonPayload:
        return ErasePersonPayload(rows=await erasure.erase_person(info.context.actor, input.email))
