"""The `crm` command: serve, migrate, seed, API tokens, backup and restore.

Every command that changes data goes through the service layer as the system actor (audited as
`cli`), and closes the database connections before it returns (Tortoise would keep the process alive).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from backend import backup as backups
from backend import db, devidp, server_lock
from backend import seed as seeding
from backend.auth.actor import Actor
from backend.errors import CrmError
from backend.migrations import apply_all
from backend.migrations.check import check
from backend.services import tokens
from backend.serving import server_options
from backend.settings import Settings, get_settings

T = TypeVar("T")


async def _with_database(settings: Settings, work: Callable[[], Awaitable[T]], *, migrate: bool = False) -> T:
    await db.init(settings)
    try:
        if migrate:
            await apply_all()
        return await work()
    finally:
        await db.close()


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    # uvicorn ends by re-raising the SIGTERM it caught; with the default handler that kills the process
    # before exit handlers run, and the dev provider (a child process) would be left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if settings.oidc_issuer is None:
        try:
            issuer = devidp.start_dev_provider(settings)  # registers the demo users' claims too
        except RuntimeError as exc:
            print(f"crm serve: {exc}", file=sys.stderr)
            return 1
        print(f"Dev identity provider: {issuer} (pick a demo user on its sign-in page)")
    url = f"http://{settings.host}:{settings.port}"
    print(f"CRM: {url}/   GraphiQL: {url}/graphql   Health: {url}/healthz")
    # By module path, never the app object: the UI's components are found by dotted import path.
    # proxy_headers off: X-Forwarded-For is believed only from CRM_TRUSTED_PROXIES, which the app decides.
    # Websocket compression off, as Node's `ws` and Hasura ship it: its cost is paid per subscriber and
    # frame (the payload is shared, the compression context is not), and each connection keeps a zlib
    # context; live events are small JSON (docs/benchmarks.md, fan-out).
    # Slow and greedy clients: a deadline per request, a connection cap, the websocket message size.
    options = {"host": settings.host, "port": settings.port, "proxy_headers": False, "log_level": "info",
               "ws_per_message_deflate": False, **server_options(settings)}
    if args.workers <= 1:
        uvicorn.run("backend.app:app", **options)
        return 0
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("backend.app:app", workers=args.workers, **options)
    Multiprocess(config, sockets=[_tcp_listener(settings.host, settings.port)]).run()
    return 0


def _tcp_listener(host: str, port: int) -> socket.socket:
    """The workers' shared listening socket, created with its protocol named.

    uvicorn's own (`--workers`) leaves the protocol 0; asyncio then never sets TCP_NODELAY on accepted
    connections, and every keep-alive request after the first waits ~40 ms for the client's delayed ACK
    (uvicorn issue #3149; docs/benchmarks.md).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def migrate(args: argparse.Namespace, settings: Settings) -> int:
    if args.check:
        return migrate_check(settings)
    applied = asyncio.run(db.migrate(settings))
    print(f"Applied {', '.join(applied)}" if applied else "The database is up to date")
    return 0


def migrate_check(settings: Settings) -> int:
    found = asyncio.run(_with_database(settings, check))
    if found:
        print("crm migrate --check: the models and the migrated database disagree (a model change needs its "
              "step in backend/migrations/):", *found, sep="\n  ", file=sys.stderr)
        return 1
    print("The models and the migrated database agree")
    return 0


def seed(args: argparse.Namespace, settings: Settings) -> int:
    if not args.demo and args.customers is None:
        print("crm seed: say what to seed: --demo and/or --customers N", file=sys.stderr)
        return 2

    async def work() -> None:
        actor = Actor.system(via="cli")
        if args.demo:
            created = await seeding.seed_demo(actor)
            print("Demo data created" if created else "Demo data is already there: nothing added")
        if args.customers is not None:
            added = await seeding.seed_customers(actor, args.customers, progress=_progress)
            print(f"Benchmark customers: {added} added, {args.customers} in total")

    asyncio.run(_with_database(settings, work, migrate=True))
    return 0


def _progress(done: int, total: int) -> None:
    print(f"  {done}/{total} benchmark customers", file=sys.stderr, flush=True)


def token_create(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> str:
        return await tokens.create_token_for_email(Actor.system(via="cli"), args.email, args.name)

    print(asyncio.run(_with_database(settings, work)))
    print("Shown once: store it now. Send it as `Authorization: Bearer <token>`.", file=sys.stderr)
    return 0


def backup(args: argparse.Namespace, settings: Settings) -> int:
    backups.backup(settings, Path(args.file))
    print(f"Backed up to {args.file}")
    return 0


def restore(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> list[str]:
        # Refused while a server holds the database; a server does not start until both steps are done.
        async with server_lock.restoring(settings):
            backups.restore(settings, Path(args.file))
            return await db.migrate(settings)  # a backup from an older version gets the newer schema

    applied = asyncio.run(work())
    extra = f"; then applied {', '.join(applied)}" if applied else ""
    print(f"Restored from {args.file}{extra}")
    return 0


def _non_negative(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm", description="The CRM's command line (settings: CRM_* variables)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serving = commands.add_parser("serve", help="run the server on CRM_HOST:CRM_PORT (and the dev sign-in when no CRM_OIDC_ISSUER)")
    serving.add_argument("--workers", type=int, default=1, metavar="N",
                         help="server processes (default 1; more need CRM_BROADCAST_URL=redis://… to share live events)")
    serving.set_defaults(run=serve)
    migrating = commands.add_parser("migrate", help="create or update the database schema")
    migrating.add_argument("--check", action="store_true",
                           help="change nothing; exit 1 naming each difference between the models and the database")
    migrating.set_defaults(run=migrate)

    seeding = commands.add_parser("seed", help="add demo or benchmark data (safe to run again)")
    seeding.add_argument("--demo", action="store_true", help="demo users, teams and a realistic data set (once)")
    seeding.add_argument("--customers", type=_non_negative, metavar="N",
                         help="benchmark data up to N customers, each with 3 contacts, 2 deals and 5 activities")
    seeding.set_defaults(run=seed)

    token = commands.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token.add_parser("create", help="print a new API token for a user (shown once)")
    create.add_argument("--email", required=True, help="the user the token acts as")
    create.add_argument("--name", default="cli", help="a label to recognise the token by (default: cli)")
    create.set_defaults(run=token_create)

    for name, helptext, run in (
        ("backup", "write a consistent copy of the database to FILE", backup),
        ("restore", "replace the database with the backup in FILE (refused while a server runs on it)", restore),
    ):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("file", metavar="FILE")
        command.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args, get_settings())
    except (CrmError, backups.BackupError, server_lock.DatabaseBusy) as exc:  # expected: a message, no traceback
        print(f"crm {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
