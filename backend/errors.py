"""The errors clients see: GraphQL errors whose `extensions.code` is one of the contract's codes.

Services raise these; everything else is unexpected and reaches clients masked as INTERNAL.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class CrmError(GraphQLError):
    code = "INTERNAL"

    def __init__(self, message: str, **extensions: Any) -> None:
        ext = {"code": self.code}
        ext.update({k: v for k, v in extensions.items() if v is not None})
        super().__init__(message, extensions=ext)


class BadUserInput(CrmError):
    code = "BAD_USER_INPUT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)
        self.field = field


class NotFound(CrmError):
    code = "NOT_FOUND"

    def __init__(self, what: str, id: Any = None, field: str | None = None) -> None:
        shown = f" {id}" if id is not None else ""
        super().__init__(f"{what}{shown} was not found", field=field)


class Forbidden(CrmError):
    code = "FORBIDDEN"

    def __init__(self, message: str = "You may not do this") -> None:
        super().__init__(message)


class Unauthenticated(CrmError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Sign in, or send a valid API token") -> None:
        super().__init__(message)


class Conflict(CrmError):
    code = "CONFLICT"

    def __init__(self, what: str, current_version: int) -> None:
        super().__init__(
            f"{what} was changed by someone else (now at version {current_version}); reload and retry",
            currentVersion=current_version,
        )


class QueryTooComplex(CrmError):
    code = "QUERY_TOO_COMPLEX"

    def __init__(self, message: str, limit: int, value: int) -> None:
        super().__init__(message, limit=limit, value=value)


class RateLimited(CrmError):
    code = "RATE_LIMITED"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests; retry in {retry_after} s", retryAfter=retry_after)
