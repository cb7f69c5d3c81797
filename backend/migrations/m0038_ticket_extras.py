"""Tickets join attachments (issue 20): `attachment.ticket_id`, a nullable foreign key cascading the ticket's
deletion, indexed for the ticket's `attachments` list. Custom fields on tickets need no DDL (custom_field.entity
is plain text, the enum lives in the models)."""

from backend.migrations.ops import per_dialect

_column = 'ALTER TABLE "attachment" ADD "ticket_id" INT REFERENCES "ticket" ("id") ON DELETE CASCADE'
_index = 'CREATE INDEX "idx_attachment_ticket__eb1795" ON "attachment" ("ticket_id")'

apply = per_dialect(sqlite=[_column, _index], postgres=[_column, _index])
