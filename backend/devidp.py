"""The development identity provider: oidc-provider-mock on 127.0.0.1:CRM_DEV_OIDC_PORT with the demo users.

`crm serve` starts it when CRM_OIDC_ISSUER is unset. Its sign-in page is a form listing the demo users
as buttons (and a field for any other subject), so a person can pick who to be.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
import time

import httpx

from backend.auth.oidc import dev_issuer
from backend.settings import Settings

# (email = sub, name, role) — CONTRACT.md, Roles and visibility.
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("admin@example.com", "Ada Admin", "admin"),
    ("head@example.com", "Hedda Head", "sales_head"),
    ("rep@example.com", "Rex Rep", "sales_rep"),
    ("rep2@example.com", "Rita Rep", "sales_rep"),
    ("support@example.com", "Sam Support", "support"),
    ("marketing@example.com", "Mia Marketing", "marketing"),
)
STARTUP_SECONDS = 20.0


def demo_claims(email: str, name: str, role: str) -> dict[str, object]:
    """The provider's claims for a demo user: PUT /users/{sub} replaces all of them, so all go together."""
    return {"email": email, "email_verified": True, "name": name, "groups": [role]}


def _answers(issuer: str) -> bool:
    try:
        return httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def ensure_demo_users(issuer: str) -> None:
    """Register (or reset) the demo users' claims at a running provider."""
    with httpx.Client(base_url=issuer, timeout=5.0) as client:
        for email, name, role in DEMO_USERS:
            client.put(f"/users/{email}", json=demo_claims(email, name, role)).raise_for_status()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def start_dev_provider(settings: Settings) -> str:
    """Start the provider unless one already answers on the port; returns its issuer URL.

    The provider is a child process that ends with this one. Raises RuntimeError when it cannot start
    (e.g. the port is taken by something else).
    """
    issuer = dev_issuer(settings)
    if not _answers(issuer):
        users = [json.dumps({"sub": email, **demo_claims(email, name, role)}) for email, name, role in DEMO_USERS]
        command = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(settings.dev_oidc_port)]
        for user in users:
            command += ["--user-claims", user]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(_stop, process)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(issuer):
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                raise RuntimeError(f"the dev identity provider did not start on port {settings.dev_oidc_port}")
            time.sleep(0.1)
    ensure_demo_users(issuer)
    return issuer
