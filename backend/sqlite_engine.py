"""Tortoise's SQLite client, made safe for several writing processes (the engine CRM_DATABASE_URL names).

Tortoise starts transactions with a deferred BEGIN: two processes that both read and then write can
deadlock, and SQLite answers the second one SQLITE_BUSY at once, whatever the busy timeout. BEGIN
IMMEDIATE takes the write lock up front, so a writer waits (up to busy_timeout) instead of failing
half-way. The client itself reaches into Tortoise's internals, so it lives in backend/interop/tortoise.py.
"""

from backend.interop.tortoise import ImmediateSqliteClient

client_class = ImmediateSqliteClient
