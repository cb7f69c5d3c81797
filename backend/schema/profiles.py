"""The richer profile of customers and contacts (issue 18): social links and the account team."""

from __future__ import annotations

from typing import Any

import strawberry

from backend.models import SocialKind as SocialKindModel
from backend.reads.context import Info
from backend.schema.attachments import AttachmentType
from backend.schema.users import UserType

SocialKind = SocialKindModel
strawberry.enum(SocialKind, name="SocialKind", description="Where the link points: LinkedIn, X, …, or a web site")


@strawberry.type(description="A link to a profile or page on the web")
class SocialLink:
    kind: SocialKind = strawberry.field(description="Which network or site")
    url: str = strawberry.field(description="The address (http or https)")


def links_of(stored: list[dict[str, Any]] | None) -> list[SocialLink]:
    return [SocialLink(kind=SocialKind(link["kind"]), url=link["url"]) for link in stored or []]


@strawberry.input(description="A social link; the address may leave out https://")
class SocialLinkInput:
    kind: SocialKind = strawberry.field(default=SocialKind.WEBSITE, description="Which network or site (default: a web site)")
    url: str = strawberry.field(description="The address")


@strawberry.type(description="Who looks after a customer: the relationship manager (its account manager, who "
                 "owns the relationship and whose team sees it) and the operations contact")
class AccountTeam:
    relationship_manager: UserType | None = strawberry.field(description="The account manager")
    operations_contact: UserType | None = strawberry.field(description="Who runs operations for this customer")


async def image(info: Info, attachment_id: str | None) -> AttachmentType | None:
    """A logo or picture: the chosen image attachment of the record."""
    if not attachment_id:
        return None
    return AttachmentType.of_maybe(await info.context.loaders.attachment.load(attachment_id))
