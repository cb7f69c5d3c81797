"""Messages to GraphQL clients are the JSON Strawberry would write; a shared event's data is encoded once."""

from __future__ import annotations

import json

import pytest

from backend.graphql import frames


@pytest.mark.parametrize("message", [
    {"id": "7", "type": "next", "payload": {"data": {"dealChanged": {"kind": "MOVED", "title": "Ünïcode \"q\""}}}},
    {"id": "7", "type": "next", "payload": {"data": None, "errors": [{"message": "no"}]}},
    {"id": "7", "type": "next", "payload": {"data": {"a": 1}, "extensions": {"cost": 3}}},
    {"id": "7", "type": "complete"},
    {"type": "connection_ack"},
])
def test_every_message_is_the_default_encoding(message: dict) -> None:
    assert frames.encode(message) == json.dumps(message, separators=(",", ":"))


def test_subscribers_sharing_an_events_data_differ_only_in_their_id(monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: list[object] = []
    real = frames._dumps
    monkeypatch.setattr(frames, "_dumps", lambda value: encoded.append(value) or real(value))
    shared = {"dealChanged": {"dealId": "5"}}
    one = frames.encode({"id": "1", "type": "next", "payload": {"data": shared}})
    other = frames.encode({"id": "2", "type": "next", "payload": {"data": shared}})
    assert json.loads(one)["payload"] == json.loads(other)["payload"] == {"data": shared}
    assert [json.loads(one)["id"], json.loads(other)["id"]] == ["1", "2"]
    assert encoded.count(shared) == 1
    # equal data in another object is another event's: encoded for itself
    frames.encode({"id": "3", "type": "next", "payload": {"data": dict(shared)}})
    assert len([value for value in encoded if value == shared]) == 2


def test_raw_json_goes_out_as_it_is() -> None:
    text = '{"name" : "Ölwerk \\"q\\"", "tags" : ["a"], "n" : 1}'  # as PostgreSQL writes it, spaces and all
    message = {"data": {"customers": frames.RawJSON(text), "__typename": "Query", "other": frames.RawJSON("[]")}}
    encoded = frames.encode(message)
    assert json.loads(encoded) == {"data": {"customers": json.loads(text), "__typename": "Query", "other": []}}
    assert text in encoded
    with pytest.raises(TypeError):
        frames.encode({"data": object()})
