"""The context of one GraphQL operation: who asks, and the request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from backend.auth.actor import Actor
from backend.resolvers.loaders import Loaders


@dataclass
class Context:
    actor: Actor
    request: Any = None
    response: Any = None
    request_id: str = ""
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.actor)


Info = StrawberryInfo[Context, Any]
