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


# What may be attached, as sniffed from the bytes (backend/files/sniff.py): images, PDF, plain text (CSV too),
# office documents. Never HTML, SVG or XML (a browser may run what they carry), nor executables or archives.
DEFAULT_ATTACHMENT_TYPES = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation", "application/x-ole-storage",
})


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
    compiled_reads: bool = True  # CRM_COMPILED_READS=0: every query on the resolver path
    redis_timeout: float = 2.0
    read_timeout: float = 20.0  # seconds a client has to send a whole request (crm serve)
    max_connections: int = 2000  # per server process, websockets included (crm serve); past it, 503
    session_idle_seconds: int = 8 * 3600
    session_absolute_seconds: int = 7 * 24 * 3600
    access_check_seconds: float = 1.0  # how often open websockets' sign-ins are re-checked (auth/liveness.py)
    smtp_url: str | None = None  # unset: mail goes to the development catcher on dev_smtp_port
    dev_smtp_port: int = 9025
    mail_from: str = "crm@localhost"
    jobs_poll_seconds: float = 1.0  # how often an idle worker looks for due jobs
    jobs_lease_seconds: float = 60.0  # a claimed job is another worker's to take over after this (worker died)
    jobs_retry_seconds: float = 10.0  # the first retry's delay; each further one doubles it (at most an hour)
    reminder_scan_seconds: float = 30.0  # how often due task reminders are looked for
    changes_retention_days: int = 90  # the change feed keeps changes this long; older cursors are refused
    import_file_days: int = 7  # an uploaded import file left unfinished (not started, failed, cancelled) is kept this long
    public_url_setting: str | None = None  # CRM_PUBLIC_URL; see public_url
    embedded_jobs: bool = False  # run a job worker inside each server process (`crm serve` without --no-jobs)
    attachment_max_bytes: int = 25 * 1024 * 1024  # CRM_ATTACHMENT_MAX_BYTES: one attached file at most
    attachment_types: frozenset[str] = DEFAULT_ATTACHMENT_TYPES  # CRM_ATTACHMENT_TYPES
    # An OpenAI-compatible endpoint (e.g. http://127.0.0.1:11434/v1) that may read questions the parser cannot
    # (backend/ask/model.py); unset: the parser alone answers.
    llm_url: str | None = None
    llm_model: str = "default"
    llm_key: str | None = field(default=None, repr=False)
    # Webhooks (services/webhooks.py): private, loopback and link-local targets are refused unless allowed
    # (a receiver on the same host or network, and the tests' local one); each POST may take this long.
    webhooks_allow_private: bool = False  # CRM_WEBHOOKS_ALLOW_PRIVATE
    webhooks_timeout: float = 10.0  # CRM_WEBHOOKS_TIMEOUT
    webhooks_poll_seconds: float = 2.0  # CRM_WEBHOOKS_POLL_SECONDS: how soon a change is looked for and sent
    _secret: list[str] = field(default_factory=list, repr=False)

    @property
    def own_origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def public_url(self) -> str:
        """Where users reach the CRM: links in emails (a worker process does not know the server's port)."""
        return (self.public_url_setting or self.own_origin).rstrip("/")

    @property
    def secret_key(self) -> str:
        if not self._secret:
            self._secret.append(_secret_key(self.data_dir))
        return self._secret[0]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")




def _bytes(name: str, raw: str) -> int:
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 2 * 1024 ** 3:
        raise ValueError(f"{name}: must be a whole number of bytes from 1 to 2147483648, not {raw!r}")
    return int(raw)


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


def _days(name: str, raw: str) -> int:
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 3650:
        raise ValueError(f"{name}: must be a whole number of days from 1 to 3650, not {raw!r}")
    return int(raw)


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
        compiled_reads=env.get("CRM_COMPILED_READS", "1") not in ("0", "false", "off", "no"),
        redis_timeout=_seconds("CRM_REDIS_TIMEOUT", env.get("CRM_REDIS_TIMEOUT", "2")),
        read_timeout=_seconds("CRM_READ_TIMEOUT", env.get("CRM_READ_TIMEOUT", "20")),
        max_connections=int(env.get("CRM_MAX_CONNECTIONS", "2000")),
        access_check_seconds=_seconds("CRM_ACCESS_CHECK_SECONDS", env.get("CRM_ACCESS_CHECK_SECONDS", "1")),
        smtp_url=env.get("CRM_SMTP_URL") or None,
        dev_smtp_port=int(env.get("CRM_DEV_SMTP_PORT", "9025")),
        mail_from=env.get("CRM_MAIL_FROM") or "crm@localhost",
        jobs_poll_seconds=_seconds("CRM_JOBS_POLL_SECONDS", env.get("CRM_JOBS_POLL_SECONDS", "1")),
        jobs_lease_seconds=_seconds("CRM_JOBS_LEASE_SECONDS", env.get("CRM_JOBS_LEASE_SECONDS", "60")),
        jobs_retry_seconds=_seconds("CRM_JOBS_RETRY_SECONDS", env.get("CRM_JOBS_RETRY_SECONDS", "10")),
        reminder_scan_seconds=_seconds("CRM_REMINDER_SCAN_SECONDS", env.get("CRM_REMINDER_SCAN_SECONDS", "30")),
        changes_retention_days=_days("CRM_CHANGES_RETENTION", env.get("CRM_CHANGES_RETENTION", "90").removesuffix(
            "days").strip()),
        import_file_days=_days("CRM_IMPORT_FILE_DAYS", env.get("CRM_IMPORT_FILE_DAYS", "7")),
        # Set by `crm serve` for its server processes; an app served otherwise (tests, uvicorn by hand) runs
        # no jobs unless asked.
        public_url_setting=env.get("CRM_PUBLIC_URL") or None,
        embedded_jobs=env.get("CRM_EMBEDDED_JOBS", "") in ("1", "true", "yes", "on"),
        attachment_max_bytes=_bytes("CRM_ATTACHMENT_MAX_BYTES", env.get("CRM_ATTACHMENT_MAX_BYTES", str(25 * 1024 ** 2))),
        attachment_types=frozenset(_csv(env.get("CRM_ATTACHMENT_TYPES", ""))) or DEFAULT_ATTACHMENT_TYPES,
        llm_url=env.get("CRM_LLM_URL") or None,
        llm_model=env.get("CRM_LLM_MODEL") or "default",
        llm_key=env.get("CRM_LLM_KEY") or None,
        webhooks_allow_private=env.get("CRM_WEBHOOKS_ALLOW_PRIVATE", "") in ("1", "true", "yes", "on"),
        webhooks_timeout=_seconds("CRM_WEBHOOKS_TIMEOUT", env.get("CRM_WEBHOOKS_TIMEOUT", "10")),
        webhooks_poll_seconds=_seconds("CRM_WEBHOOKS_POLL_SECONDS", env.get("CRM_WEBHOOKS_POLL_SECONDS", "2")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between apps)."""
    get_settings.cache_clear()
