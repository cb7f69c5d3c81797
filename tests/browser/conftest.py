"""The real thing for browser tests: the CRM served by uvicorn on a free port against a fresh SQLite
database with the demo data, the test identity provider, and headless Chromium driven by Playwright.

Browser tests run on SQLite only (CONTRACT.md, Tests). Screenshots go to a temporary folder, or to
CRM_SCREENSHOT_DIR when set (scripts/screenshots uses that to refresh docs/screenshots/).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NO_ROLE = "norole@example.com"

# Conditions, not sleeps: a busy machine may need longer than Playwright's 5 s default to get there.
expect.set_options(timeout=15_000)

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _crm(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout


@pytest.fixture(scope="session")
def issuer() -> Iterator[str]:
    import oidc_provider_mock

    from backend.devidp import demo_claims, ensure_demo_users

    with oidc_provider_mock.run_server_in_thread() as server:
        url = f"http://localhost:{server.server_port}"
        ensure_demo_users(url)
        claims = demo_claims(NO_ROLE, "Nora Norole", "")
        del claims["groups"]
        httpx.put(f"{url}/users/{NO_ROLE}", json=claims).raise_for_status()
        yield url


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The running CRM's data folder: its SQLite database is crm.sqlite3 there."""
    return tmp_path_factory.mktemp("crm-browser")


def _demo_database(env: dict[str, str], target: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The migrated database with the demo data at `target`. Under `pytest -n` the workers' servers each
    get a copy of one seeded by whichever worker comes first (the demo seed is the slow part of the start);
    the copy is made with SQLite's backup API, so it is consistent whatever the WAL holds."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        _crm(env, "migrate")
        _crm(env, "seed", "--demo")
        return
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker of this run
    template = shared / "crm-browser-demo.sqlite3"
    with open(shared / "crm-browser-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker seeds, the others wait for it
        if not template.exists():
            seeding = shared / "crm-browser-demo-seeding"
            seeding.mkdir()
            _crm({**env, "CRM_DATA_DIR": str(seeding), "CRM_DATABASE_URL": f"sqlite://{seeding}/crm.sqlite3"},
                 "migrate")
            _crm({**env, "CRM_DATA_DIR": str(seeding), "CRM_DATABASE_URL": f"sqlite://{seeding}/crm.sqlite3"},
                 "seed", "--demo")
            with sqlite3.connect(seeding / "crm.sqlite3") as source, sqlite3.connect(template) as copy:
                source.backup(copy)
    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)


@pytest.fixture(scope="session")
def server(issuer: str, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running CRM with the demo data."""
    port = _free_port()
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(data_dir),
        "CRM_DATABASE_URL": f"sqlite://{data_dir}/crm.sqlite3",
        "CRM_HOST": "127.0.0.1",
        "CRM_PORT": str(port),
        "CRM_OIDC_ISSUER": issuer,
        "CRM_OIDC_CLIENT_ID": "crm-browser-tests",
        "CRM_OIDC_CLIENT_SECRET": "browser-tests-secret",
        "CRM_BROADCAST_URL": "memory://",
        "CRM_PUBLIC_RATE_LIMIT": "10000",
    }
    env.pop("CRM_TEST_DATABASE_URL", None)
    _demo_database(env, data_dir / "crm.sqlite3", tmp_path_factory)
    base = f"http://127.0.0.1:{port}"
    from tests.browser.helpers import HEALTH_TOKENS

    # /healthz shows its subscriber count to admins only.
    HEALTH_TOKENS[base] = _crm(env, "token", "create", "--email", "admin@example.com", "--name", "health").strip()
    with open(data_dir / "server.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "backend.app:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(base, process)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)
    if os.environ.get("CRM_SHOW_SERVER_LOG"):
        print((data_dir / "server.log").read_text())


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    """Poll /healthz until it answers (the server is starting), failing fast if the process died. Its start
    imports the whole app: on a busy machine (two test parts and their workers at once) that takes a while."""
    deadline = time.monotonic() + 180
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the CRM server exited with {process.returncode}")
            try:
                if client.get(f"{base}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            try:
                process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
    raise RuntimeError("the CRM server did not come up")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    folder = Path(os.environ.get("CRM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="crm-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def fresh_pages(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every browser test starts with no live page of an earlier test still subscribed."""
    from tests.browser.helpers import OPEN_PAGES, wait_for_no_subscribers

    if "server" in request.fixturenames:
        wait_for_no_subscribers(request.getfixturevalue("server"))
        log = request.getfixturevalue("data_dir") / "server.log"
        request.node.server_log = (log, log.stat().st_size)
    yield
    while OPEN_PAGES:
        page = OPEN_PAGES.pop()
        if not page.is_closed():
            page.close()
    # ReactPy shows a component whose render raised as an empty element and carries on: only the log knows.
    failed = [line for line in server_said(request.node) if line.startswith("Failed to render")]
    assert not failed, f"the server failed to render: {failed}"


def _session(chromium: object, server: str, issuer: str, email: str) -> Iterator[object]:
    from tests.browser.helpers import sign_in

    session = sign_in(chromium, server, issuer, email)  # type: ignore[arg-type]
    yield session
    assert not session.foreign, f"pages tried to load from other hosts: {session.foreign}"
    session.context.close()


@pytest.fixture(scope="session")
def admin(chromium: object, server: str, issuer: str) -> Iterator[object]:
    yield from _session(chromium, server, issuer, "admin@example.com")


@pytest.fixture(scope="session")
def head(chromium: object, server: str, issuer: str) -> Iterator[object]:
    yield from _session(chromium, server, issuer, "head@example.com")


@pytest.fixture(scope="session")
def marketing(chromium: object, server: str, issuer: str) -> Iterator[object]:
    yield from _session(chromium, server, issuer, "marketing@example.com")


@pytest.fixture(scope="session")
def support(chromium: object, server: str, issuer: str) -> Iterator[object]:
    yield from _session(chromium, server, issuer, "support@example.com")


@pytest.fixture(scope="session")
def rep(chromium: object, server: str, issuer: str) -> Iterator[object]:
    yield from _session(chromium, server, issuer, "rep@example.com")


def server_said(item: pytest.Item) -> list[str]:
    """What the server logged while the test ran, request lines left out."""
    if not hasattr(item, "server_log"):
        return []
    log, start = item.server_log
    with open(log, errors="replace") as text:
        text.seek(start)
        return [line for line in text.read().splitlines() if not line.startswith("INFO:")]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed browser test's report carries what the server logged while it ran (a screen whose render
    raised shows up in the browser only as an empty element, its traceback only in the log) and what its
    pages showed."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    said = server_said(item)
    if said:
        report.sections.append(("server log while the test ran", "\n".join(said[-150:])))
    for number, (url, text) in enumerate(pages_shown(), start=1):
        report.sections.append((f"page {number} when the test failed: {url}", text))


def pages_shown() -> list[tuple[str, str]]:
    """Each open page's address and visible text (CI keeps only the output: a screenshot file would be lost)."""
    from tests.browser.helpers import OPEN_PAGES

    shown = []
    for page in OPEN_PAGES:
        try:
            shown.append((page.url, page.locator("body").inner_text(timeout=2000)[:3000]))
        except Exception as exc:  # a page that closed or hangs: say so, the report must still be written
            shown.append((page.url, f"(not readable: {type(exc).__name__})"))
    return shown
