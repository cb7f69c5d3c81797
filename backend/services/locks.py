"""Row locks that writes of different domains take in common, so that they take turns.

A pipeline's row stands for the shape of its stages: the admin's stage writes (services/pipelines.py) and
deal moves (services/deals.py) lock it until their commit. A stage's kind decides what entering it does to
a deal (won, lost, open) and may change only while no deal is in it, so a move and a change of its target's
kind must not overlap: without the lock, the change could count no deals while a move into the stage, not
yet committed, read the old kind — a deal left open in a won stage. SQLite's writers take turns anyway
(BEGIN IMMEDIATE, backend/interop/tortoise.py), where Tortoise leaves the lock out.
"""

from __future__ import annotations

from typing import Any

from backend.models import Pipeline
from backend.services import validate as v


async def lock_pipeline(raw_id: Any, field: str) -> Pipeline:
    """The pipeline, its row locked until the commit. FOR NO KEY UPDATE, so deals being opened in it
    meanwhile (which only hold its key) need not wait."""
    query = Pipeline.filter(id=v.parse_id(field, raw_id)).select_for_update(no_key=True)
    pipeline: Pipeline = await v.one(query, "Pipeline", raw_id, field)
    return pipeline
