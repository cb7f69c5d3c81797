"""The `crm` command as users run it: a separate process with its own CRM_* settings, which exits."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets.sync.client

from backend.cli import build_parser


def crm(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    environment.update({"CRM_DATA_DIR": str(data_dir), **env})
    # A generous timeout: the command must end by itself (open database connections would keep it alive).
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args], env=environment, capture_output=True, text=True, timeout=120
    )


def count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql).fetchone()[0]


def test_migrate_then_seed_customers_in_a_fresh_data_folder(tmp_path: Path) -> None:
    first = crm(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "Applied 0001_initial" in first.stdout
    again = crm(tmp_path, "migrate")
    assert again.returncode == 0 and "up to date" in again.stdout

    seeded = crm(tmp_path, "seed", "--customers", "12")
    assert seeded.returncode == 0, seeded.stderr
    assert "12 added" in seeded.stdout
    resumed = crm(tmp_path, "seed", "--customers", "15")
    assert "3 added, 15 in total" in resumed.stdout
    database = tmp_path / "crm.sqlite3"
    assert count(database, "SELECT count(*) FROM customer") == 15
    assert count(database, "SELECT count(DISTINCT name) FROM customer") == 15
    assert count(database, "SELECT count(*) FROM audit_entry WHERE via = 'cli'") == 2


def test_seed_needs_to_know_what_to_seed(tmp_path: Path) -> None:
    result = crm(tmp_path, "seed")
    assert result.returncode == 2
    assert "--demo" in result.stderr


def test_token_for_unknown_user_fails_cleanly(tmp_path: Path) -> None:
    assert crm(tmp_path, "migrate").returncode == 0
    result = crm(tmp_path, "token", "create", "--email", "nobody@example.com")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_token_create_prints_a_token_for_a_demo_user(tmp_path: Path) -> None:
    pytest.importorskip("backend.services.tokens", reason="API tokens are not built yet")
    assert crm(tmp_path, "seed", "--demo").returncode == 0
    result = crm(tmp_path, "token", "create", "--email", "rep@example.com", "--name", "laptop")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[0]
    assert len(token) >= 20 and " " not in token
    assert count(tmp_path / "crm.sqlite3", "SELECT count(*) FROM api_token WHERE name = 'laptop'") == 1


def test_every_contract_command_is_there() -> None:
    parser = build_parser()
    for argv in (["serve"], ["migrate"], ["seed", "--demo"], ["seed", "--customers", "5"],
                 ["token", "create", "--email", "a@example.com", "--name", "x"], ["backup", "f"], ["restore", "f"],
                 ["mcp"]):
        assert callable(parser.parse_args(argv).run)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen[str], seconds: float = 120) -> httpx.Response:
    """Poll until the URL answers (the condition), failing early if the process died; generous, as a loaded
    machine (two test processes, each starting servers) may take long to start `crm serve --workers N`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {seconds}s")


def test_serve_starts_the_dev_identity_provider_and_the_server(tmp_path: Path) -> None:
    assert crm(tmp_path, "migrate").returncode == 0
    port, idp_port = free_port(), free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    environment.update({"CRM_DATA_DIR": str(tmp_path), "CRM_PORT": str(port), "CRM_DEV_OIDC_PORT": str(idp_port)})
    server = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve"], env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz", server)
        assert health.status_code == 200 and health.json() == {"status": "ok"}  # details are for admins
        discovery = httpx.get(f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration", timeout=5)
        assert discovery.status_code == 200
        page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"Accept": "text/html"}, timeout=5)
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        # Offered compression is declined: live events would be compressed once per subscriber.
        with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/graphql", compression="deflate",
                                            subprotocols=["graphql-transport-ws"], open_timeout=5) as connection:
            assert connection.response.headers.get("Sec-WebSocket-Extensions") is None
    finally:
        server.terminate()
        server.wait(timeout=30)
    with pytest.raises(httpx.TransportError):  # the provider ended with the server
        httpx.get(f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration", timeout=2)


def test_each_worker_listens_on_its_own_socket_with_nagle_off() -> None:
    """Two workers' loops bind the same port side by side (SO_REUSEPORT: the kernel spreads connections over
    both, where a shared socket let one worker take a whole burst), and asyncio switches Nagle off on what
    they accept (uvicorn's own multi-worker socket did not, #3149: each keep-alive request then waited ~40 ms)."""
    import asyncio
    import socket

    from backend.serving import WorkerLoop

    async def accept_once(other_worker: socket.socket) -> tuple[int, int]:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        port = other_worker.getsockname()[1]
        server = await asyncio.start_server(on_connection, "127.0.0.1", port)  # beside the other worker's
        async with server:
            bound = server.sockets[0].getsockname()[1]
            other_worker.close()  # else the kernel may hand the connection below to it
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            nodelay = await asyncio.wait_for(accepted, 5)
            writer.close()
        return bound, nodelay

    with socket.socket() as other_worker:  # what the first worker's WorkerLoop binds: SO_REUSEPORT
        other_worker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other_worker.bind(("127.0.0.1", 0))
        other_worker.listen()
        port = other_worker.getsockname()[1]
        with asyncio.Runner(loop_factory=WorkerLoop) as runner:
            bound, nodelay = runner.run(accept_once(other_worker))
    assert bound == port and nodelay != 0


def test_workers_refuse_a_port_another_server_holds() -> None:
    import socket

    from backend.cli import _port_taken

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        assert _port_taken("127.0.0.1", held.getsockname()[1])
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert not _port_taken("127.0.0.1", port)
