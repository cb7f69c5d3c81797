"""Events: what a committed write tells subscribers. Published only after the transaction commits."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    topic: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    # Unique per published event, the same in every process: subscribers of one event share work by it.
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def encode(self) -> str:
        return json.dumps({"id": self.id, "kind": self.kind, "payload": self.payload}, default=str)

    @classmethod
    def decode(cls, topic: str, message: str) -> Event:
        data = json.loads(message)
        return cls(topic=topic, kind=data["kind"], payload=data["payload"], id=data.get("id") or uuid.uuid4().hex)
