"""Every CRM_* setting, read once from the environment (twelve-factor)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROLES = ("admin", "sales_head", "sales_rep", "support", "marketing")


def _parse_role_map(raw: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        claim_value, _, role = pair.partition("=")
        if role.strip() not in ROLES:
            raise ValueError(f"CRM_ROLE_MAP: {role.strip()!r} is not a role ({', '.join(ROLES)})")
        mapping[claim_value.strip()] = role.strip()
    return mapping


def _secret_key(data_dir: Path) -> str:
    """CRM_SECRET_KEY, or one generated once into the data folder: never a hard-coded secret."""
    if key := os.environ.get("CRM_SECRET_KEY"):
        return key
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    data_dir: Path
    database_url: str
    broadcast_url: str
    sql_log: bool
    oidc_issuer: str | None
    oidc_client_id: str | None
    oidc_client_secret: str | None
    dev_oidc_port: int
    role_claim: str
    role_map: dict[str, str]
    allowed_origins: tuple[str, ...]
    public_rate_limit: int
    trusted_proxies: tuple[str, ...]
    subscriber_queue: int
    base_currency: str
    introspection: bool
    redis_timeout: float = 2.0
    read_timeout: float = 20.0  # seconds a client has to send a whole request (crm serve)
    max_connections: int = 2000  # per server process, websockets included (crm serve); past it, 503
    session_idle_seconds: int = 8 * 3600
    session_absolute_seconds: int = 7 * 24 * 3600
    access_check_seconds: float = 1.0  # how often open websockets' sign-ins are re-checked (auth/liveness.py)
    _secret: list[str] = field(default_factory=list, repr=False)

    @property
    def own_origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def secret_key(self) -> str:
        if not self._secret:
            self._secret.append(_secret_key(self.data_dir))
        return self._secret[0]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(filter(None, (p.strip() for p in raw.split(","))))


def _seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise ValueError(f"{name}: must be more than 0 and at most 3600 seconds, not {raw}")
    return value


def load_settings() -> Settings:
    env = os.environ
    data_dir = Path(env.get("CRM_DATA_DIR", "data"))
    return Settings(
        host=env.get("CRM_HOST", "127.0.0.1"),
        port=int(env.get("CRM_PORT", "8000")),
        data_dir=data_dir,
        database_url=env.get("CRM_DATABASE_URL") or f"sqlite://{data_dir}/crm.sqlite3",
        broadcast_url=env.get("CRM_BROADCAST_URL", "memory://"),
        sql_log=env.get("CRM_SQL_LOG", "") in ("1", "true", "yes", "on"),
        oidc_issuer=env.get("CRM_OIDC_ISSUER") or None,
        oidc_client_id=env.get("CRM_OIDC_CLIENT_ID") or None,
        oidc_client_secret=env.get("CRM_OIDC_CLIENT_SECRET") or None,
        dev_oidc_port=int(env.get("CRM_DEV_OIDC_PORT", "9400")),
        role_claim=env.get("CRM_ROLE_CLAIM", "groups"),
        role_map=_parse_role_map(env.get("CRM_ROLE_MAP", "")),
        allowed_origins=_csv(env.get("CRM_ALLOWED_ORIGINS", "")),
        public_rate_limit=int(env.get("CRM_PUBLIC_RATE_LIMIT", "120")),
        trusted_proxies=_csv(env.get("CRM_TRUSTED_PROXIES", "")),
        subscriber_queue=int(env.get("CRM_SUBSCRIBER_QUEUE", "1000")),
        base_currency=env.get("CRM_BASE_CURRENCY", "EUR").upper(),
        introspection=env.get("CRM_INTROSPECTION", "1") not in ("0", "false", "off", "no"),
        redis_timeout=_seconds("CRM_REDIS_TIMEOUT", env.get("CRM_REDIS_TIMEOUT", "2")),
        read_timeout=_seconds("CRM_READ_TIMEOUT", env.get("CRM_READ_TIMEOUT", "20")),
        max_connections=int(env.get("CRM_MAX_CONNECTIONS", "2000")),
        access_check_seconds=_seconds("CRM_ACCESS_CHECK_SECONDS", env.get("CRM_ACCESS_CHECK_SECONDS", "1")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between apps)."""
    get_settings.cache_clear()
