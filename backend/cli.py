"""The `crm` command: serve, migrate, seed, API tokens, exports, backup and restore.

Every command that changes data goes through the service layer as the system actor (audited as
`cli`), and closes the database connections before it returns (Tortoise would keep the process alive).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qsl

from backend import backup as backups
from backend import db, server_lock
from backend.auth.actor import Actor
from backend.errors import CrmError, NotFound
from backend.migrations import apply_all
from backend.migrations.check import check
from backend.models import ImportEntity, ImportJob, ImportStatus, OnDuplicate, User
from backend.serving import server_options
from backend.settings import Settings, get_settings, reset_settings

# Each command imports the heavy parts it needs (the services, the schema, the UI, the dev servers) when it
# runs: `crm migrate`, `backup` and `restore` start in a fifth of the time the whole application takes to
# import, and the tests start a great many of them.

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

    from backend import devidp, devmail

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
    # The server processes read this (each runs a job worker); after forking too, hence the environment.
    os.environ["CRM_EMBEDDED_JOBS"] = "0" if args.no_jobs else "1"
    reset_settings()
    url = f"http://{settings.host}:{settings.port}"
    if settings.smtp_url is None:
        try:
            devmail.start_catcher(settings)  # a daemon thread: ends with the process
            print(f"Dev mail catcher: smtp://127.0.0.1:{settings.dev_smtp_port} (no CRM_SMTP_URL); "
                  f"admins read it at {url}/dev/mail")
        except OSError as exc:
            print(f"crm serve: no dev mail catcher on port {settings.dev_smtp_port} ({exc}); "
                  "set CRM_DEV_SMTP_PORT or CRM_SMTP_URL", file=sys.stderr)
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

    if _port_taken(settings.host, settings.port):  # the workers' SO_REUSEPORT would not notice another server
        print(f"crm serve: {settings.host}:{settings.port} is in use; set CRM_PORT", file=sys.stderr)
        return 1
    config = uvicorn.Config("backend.app:app", workers=args.workers, loop="backend.serving:WorkerLoop", **options)
    # ignore: no shared socket, each worker binds its own (serving.WorkerLoop); uvicorn's Server.run takes None
    Multiprocess(config, sockets=None).run()  # type: ignore[arg-type]
    return 0


def worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run background jobs until SIGINT or SIGTERM (the job being run is finished first)."""
    from backend.live.broadcast import hub
    from backend.worker import Worker

    async def work() -> None:
        await hub.start(settings.broadcast_url, settings.subscriber_queue, timeout=settings.redis_timeout)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        runner = Worker(settings)
        print(f"Job worker {runner.name}: polling every {settings.jobs_poll_seconds:g} s", flush=True)
        try:
            await runner.run(stop)
        finally:
            await hub.stop()

    asyncio.run(_with_database(settings, work))
    return 0


def _port_taken(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


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
    from backend import seed as seeding

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
    from backend.services import tokens

    async def work() -> str:
        return await tokens.create_token_for_email(Actor.system(via="cli"), args.email, args.name)

    print(asyncio.run(_with_database(settings, work)))
    print("Shown once: store it now. Send it as `Authorization: Bearer <token>`.", file=sys.stderr)
    return 0


def mcp(args: argparse.Namespace, settings: Settings) -> int:
    """The MCP tools over stdio, as the user of the API token in CRM_TOKEN (a desktop assistant starts this)."""
    from backend.mcp.stdio import TokenRefused, serve_stdio

    token = os.environ.get("CRM_TOKEN", "").strip()
    try:
        asyncio.run(_with_database(settings, lambda: serve_stdio(token, settings)))
    except TokenRefused as refused:
        print(f"crm mcp: {refused}", file=sys.stderr)
        return 1
    return 0


def export(args: argparse.Namespace, settings: Settings) -> int:
    """`crm export ENTITY FILE`: the list as the user given (`--as`; default the system, who sees everything)
    sees it, with the view of its screen (`--view`, the query of its address) and any filter fields."""
    from frontend.export import Export, ExportError

    try:
        filter_fields = json.loads(args.filter) if args.filter else None
    except json.JSONDecodeError as exc:
        print(f"crm export: --filter is not JSON: {exc}", file=sys.stderr)
        return 2
    if filter_fields is not None and not isinstance(filter_fields, dict):
        print("crm export: --filter must be a JSON object of filter fields", file=sys.stderr)
        return 2
    file_format = args.format or ("xlsx" if args.file.lower().endswith(".xlsx") else "csv")
    view = dict(parse_qsl(args.view.partition("?")[2] if "?" in args.view else args.view))

    async def work() -> int:
        actor = Actor.system(via="cli")
        if args.as_email:
            user = await User.filter(email=args.as_email.strip().lower(), active=True).first()
            if user is None:
                raise NotFound("Active user", args.as_email, field="as")
            actor = Actor.for_user(user, via="cli")
        try:
            running = await Export.open(actor, args.entity, view, file_format, filter_fields)
        except ExportError as error:
            print(f"crm export: {error.message}", file=sys.stderr)
            return 1
        with open(args.file, "wb") as target:
            async for chunk in running.chunks():
                target.write(chunk.encode() if isinstance(chunk, str) else chunk)
        print(f"Exported {running.rows} {args.entity} to {args.file}")
        return 0

    return asyncio.run(_with_database(settings, work))


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


def _bar(job: ImportJob) -> None:
    total = job.rows_total or 0
    share = job.rows_done / total if total else 1.0
    filled = int(share * 30)
    print(f"\r  [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {job.rows_done:,}/{total:,} rows", end="",
          file=sys.stderr, flush=True)


def _mapping_file(path: str) -> dict[str, str]:
    """A saved mapping: JSON {"column": "field"}, or a CSV of column,field lines."""
    text = Path(path).read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("{"):
        return {str(k): str(v) for k, v in json.loads(text).items()}
    return {row[0]: row[1] for row in csv.reader(io.StringIO(text)) if len(row) >= 2 and row[0]}


def import_file(args: argparse.Namespace, settings: Settings) -> int:
    from backend.services import imports

    source = Path(args.file).resolve()
    if not source.is_file():
        print(f"crm import: no file {args.file}", file=sys.stderr)
        return 2

    async def work() -> int:
        actor = Actor.for_user(await imports.user_for(args.as_email), via="cli") if args.as_email else Actor.system()
        job = await imports.create_job(actor, args.entity, source.name, source)
        mapping = _mapping_file(args.mapping) if args.mapping else None
        job = await imports.configure(actor, job.id, mapping, args.on_duplicate)
        print("Columns: " + ", ".join(f"{c} → {job.mapping.get(c, '(not imported)')}" for c in job.columns),
              file=sys.stderr)
        if args.dry_run:
            result = await imports.preview(actor, job.id)
            await imports.cancel(actor, job.id)
            for row, column, message in result.problems:
                print(f"  row {row}{f' ({column})' if column else ''}: {message}")
            print(f"Dry run, nothing written: {result.rows_total} rows; {result.created} new, {result.updated} "
                  f"updated, {result.skipped} skipped as duplicates, {result.invalid} invalid")
            return 0
        await imports.start(actor, job.id)
        job = await imports.run(job.id, on_progress=_bar)
        print(file=sys.stderr)
        header, rows = await imports.problems_report(job)
        report = source.with_name(f"{source.stem}-problems.csv")
        written = 0
        with report.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            async for line in rows:
                writer.writerow(line)
                written += 1
        if not written:
            report.unlink()
        print(f"Import {job.id} {job.status.value}: {job.created} created, {job.updated} updated, "
              f"{job.skipped} skipped, {job.invalid} invalid" + (f"; problems in {report}" if written else ""))
        if job.message:
            print(f"crm import: {job.message}", file=sys.stderr)
        return 0 if job.status is ImportStatus.DONE else 1

    try:
        return asyncio.run(_with_database(settings, work))
    except CrmError as error:
        print(f"crm import: {error.message}", file=sys.stderr)
        return 1


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
    serving.add_argument("--no-jobs", action="store_true",
                         help="run no background jobs in the server processes (run `crm worker` instead)")
    serving.set_defaults(run=serve)
    working = commands.add_parser("worker", help="run background jobs (reminders, outgoing mail) until stopped")
    working.set_defaults(run=worker)
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

    serving_mcp = commands.add_parser("mcp", help="MCP server over stdio for an assistant, as the API token in CRM_TOKEN")
    serving_mcp.set_defaults(run=mcp)

    importing = commands.add_parser("import", help="import customers, contacts, leads or deals from a CSV or XLSX file")
    importing.add_argument("entity", choices=[e.value for e in ImportEntity], metavar="ENTITY",
                           help="customers, contacts, leads or deals")
    importing.add_argument("file", metavar="FILE", help="CSV (any common encoding and delimiter) or XLSX")
    importing.add_argument("--mapping", metavar="FILE", help='column → field: JSON {"Firma": "name"} or CSV lines')
    importing.add_argument("--on-duplicate", choices=[p.value for p in OnDuplicate], default="skip",
                           help="a row matching a known record: skip it (default), update the record, or create anyway")
    importing.add_argument("--dry-run", action="store_true", help="check every row and count; write nothing")
    importing.add_argument("--as", dest="as_email", metavar="EMAIL",
                           help="act as this user (their rights; they become the default account manager)")
    importing.set_defaults(run=import_file)
    exporting = commands.add_parser("export", help="write a list to a CSV or XLSX file, as a user sees it")
    exporting.add_argument("entity", metavar="ENTITY", help="customers, contacts, leads, deals, activities, tasks or enrolments")
    exporting.add_argument("file", metavar="FILE")
    exporting.add_argument("--format", choices=("csv", "xlsx"), help="default: from FILE's extension, else csv")
    exporting.add_argument("--as", dest="as_email", metavar="EMAIL", help="export what this user sees (default: everything)")
    exporting.add_argument("--view", default="", metavar="QUERY",
                           help="the screen's view, as in its address: 'status=active&q=acme&sort=created' (or the whole URL)")
    exporting.add_argument("--filter", metavar="JSON", help='fields of the list\'s GraphQL filter: \'{"status": ["ACTIVE"]}\'')
    exporting.set_defaults(run=export)

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
