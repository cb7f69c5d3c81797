"""Unexpected errors reach clients as INTERNAL with a request id, never a stack trace, SQL or message."""

from __future__ import annotations

import logging
import uuid

from graphql import GraphQLError

from backend.errors import CrmError
from backend.graphql.limits import explain_token_limit
from backend.interop.graphql_core import variable_of
from backend.interop.strawberry import MaskErrorsWithHooks

log = logging.getLogger("crm.errors")


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, CrmError) and variable_of(error) is None


class MaskUnexpectedErrors(MaskErrorsWithHooks):
    """Masks unexpected errors; also states graphql-core's token-limit refusal in the contract's terms."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Internal error")

    def prepare(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        query = self.execution_context.query
        return [_with_code(explain_token_limit(error, query)) for error in errors]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = uuid.uuid4().hex[:16]
        log.error("request %s failed at %s", request_id, error.path, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.message = f"Internal error (request id {request_id})"
        masked.extensions = {"code": "INTERNAL", "requestId": request_id}
        return masked


def _with_code(error: GraphQLError) -> GraphQLError:
    """A document that does not parse or validate is the client's mistake in the request's `query`; a bad
    variable is the client's mistake in that variable."""
    variable = variable_of(error)
    if variable is not None:
        error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT", "field": variable}
    elif error.original_error is None and not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT", "field": "query"}
    return error
