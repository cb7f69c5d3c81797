"""Who is acting: the signed-in user (or token, CLI, public visitor) behind every read and write."""

from __future__ import annotations

from dataclasses import dataclass

from backend.models import Role, User


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    email: str
    name: str
    role: Role | None
    team_id: int | None
    via: str  # "ui", "api", "token:<name>", "cli", "public"
    session_id: str | None = None
    token_id: int | None = None
    # An API token's scopes (TokenScope values); None for sessions, the CLI and jobs: the role alone decides.
    scopes: frozenset[str] | None = None

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def label(self) -> str:
        return self.email or self.via

    @classmethod
    def for_user(
        cls, user: User, via: str, session_id: str | None = None, token_id: int | None = None,
        scopes: frozenset[str] | None = None,
    ) -> Actor:
        return cls(
            user_id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            team_id=user.team_id,
            via=via,
            session_id=session_id,
            token_id=token_id,
            scopes=scopes,
        )

    @classmethod
    def system(cls, via: str = "cli") -> Actor:
        """The command line and seeding: acts with admin rights, audited as `via`."""
        return cls(user_id=None, email="", name="system", role=Role.ADMIN, team_id=None, via=via)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(user_id=None, email="", name="anonymous", role=None, team_id=None, via="public")

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self.role is Role.ADMIN
