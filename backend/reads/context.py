"""The context of one GraphQL operation: who asks, and the request's DataLoaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from backend.auth.actor import Actor
from backend.reads.loaders import Loaders


@dataclass
class Context:
    actor: Actor
    request: Any = None
    response: Any = None
    request_id: str = ""
    connection_params: dict[str, Any] | None = None  # a websocket's connection_init payload
    # Called once a subscription is registered: the UI refetches then, so nothing falls in between.
    subscribed: Callable[[], None] | None = None
    # The answer is only written out as JSON (an HTTP response): a compiled read hands over the database's text.
    wire: bool = False
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.actor)

    def switch_actor(self, actor: Actor) -> None:
        """A websocket that authenticates in connection_init: later operations act as `actor`."""
        self.actor = actor
        self.loaders = Loaders(actor)


Info = StrawberryInfo[Context, Any]
