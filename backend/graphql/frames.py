"""The JSON of the messages sent to GraphQL clients, with a live event's data encoded once.

Subscribers who share an event's execution (`shared_events`) get the very same data object in their
`next` messages; only the operation id differs. Encoding that data once instead of once per subscriber
matters when an event goes to a thousand pipeline boards.
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from typing import Any

_KEEP = 64  # recent events' encodings; a subscriber sends its event within the same pass of the loop


class _EncodedData:
    def __init__(self) -> None:
        # id(data) -> (data, its JSON); the data is held so that its id cannot be reused while kept
        self._kept: OrderedDict[int, tuple[Any, str]] = OrderedDict()

    def __call__(self, data: Any) -> str:
        kept = self._kept.get(id(data))
        if kept is not None and kept[0] is data:
            return kept[1]
        encoded = _dumps(data)
        self._kept[id(data)] = (data, encoded)
        while len(self._kept) > _KEEP:
            self._kept.popitem(last=False)
        return encoded


_encoded_data = _EncodedData()


class RawJSON:
    """JSON text that goes into a message as it is: a compiled read's answer, written by the database."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_SLOT = f"crm-raw-{secrets.token_hex(12)}-"  # random: no string of the answer can pose as one


def _dumps(data: object) -> str:
    raws: list[str] = []

    def slot(value: object) -> str:
        if not isinstance(value, RawJSON):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        raws.append(value.text)
        return f"{_SLOT}{len(raws) - 1}"

    text = json.dumps(data, separators=(",", ":"), default=slot)
    for number, raw in enumerate(raws):
        text = text.replace(f'"{_SLOT}{number}"', raw, 1)
    return text


def encode(message: object) -> str:
    """`message` as Strawberry's default encoder writes it; a `next` message's bare data encoded once."""
    if isinstance(message, dict) and message.get("type") == "next" and message.keys() == {"id", "type", "payload"}:
        payload = message["payload"]
        if isinstance(payload, dict) and payload.keys() == {"data"} and payload["data"] is not None:
            return f'{{"id":{_dumps(message["id"])},"type":"next","payload":{{"data":{_encoded_data(payload["data"])}}}}}'
    return _dumps(message)
