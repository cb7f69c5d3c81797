"""GraphiQL served by the CRM itself, so the IDE works offline and never loads code from a public CDN.

Its scripts and styles come from npm packages fetched once at install time (`python -m backend.graphiql`,
run by scripts/run and scripts/test) into backend/static/graphiql/, which git ignores. GraphiQL 3.8
is pinned on purpose: it is the last line that ships a ready-made UMD bundle (the one Strawberry's own
page uses); GraphiQL 4 and later are ES modules built around Monaco and need a bundler.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles

from backend import security_headers

STATIC_DIR = Path(__file__).parent / "static"
ASSET_DIR = STATIC_DIR / "graphiql"
OWN_FILES = ("crm-graphiql.js", "crm-graphiql.css")  # committed next to the fetched ones
URL_PREFIX = "/graphiql-assets"
MANIFEST = "packages.json"

# npm package -> {file inside the package: name it is served under}
PACKAGES: dict[str, dict[str, str]] = {
    "react@18.2.0": {"umd/react.production.min.js": "react.production.min.js"},
    "react-dom@18.2.0": {"umd/react-dom.production.min.js": "react-dom.production.min.js"},
    "graphiql@3.8.3": {"graphiql.min.js": "graphiql.min.js", "graphiql.min.css": "graphiql.min.css"},
    "@graphiql/plugin-explorer@1.0.2": {
        "dist/index.umd.js": "plugin-explorer.umd.js",
        "dist/style.css": "plugin-explorer.css",
    },
}
SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "plugin-explorer.umd.js")
STYLES = ("graphiql.min.css", "plugin-explorer.css")


def assets_ready(directory: Path | None = None) -> bool:
    """Every file is there, fetched from exactly the pinned versions."""
    directory = directory or ASSET_DIR
    manifest = directory / MANIFEST
    if not manifest.is_file() or json.loads(manifest.read_text()) != PACKAGES:
        return False
    return all((directory / name).is_file() for files in PACKAGES.values() for name in files.values())


def fetch_assets(directory: Path | None = None) -> bool:
    """Fetch the pinned packages with npm (it checks each tarball's registry checksum) and keep only
    the files served. Returns False when the assets were already in place."""
    directory = directory or ASSET_DIR
    if assets_ready(directory):
        return False
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed once to fetch GraphiQL's assets (Debian: apt-get install -y npm)")
    with tempfile.TemporaryDirectory(prefix="crm-graphiql-") as tmp:
        work = Path(tmp)
        packed = subprocess.run(
            [npm, "pack", "--json", "--silent", "--pack-destination", str(work), *PACKAGES],
            cwd=work, check=True, capture_output=True, text=True,
        )
        tarballs = {f"{entry['name']}@{entry['version']}": work / entry["filename"] for entry in json.loads(packed.stdout)}
        staging = work / "assets"
        staging.mkdir()
        for spec, files in PACKAGES.items():
            with tarfile.open(tarballs[spec]) as tar:
                for inner, served in files.items():
                    member = tar.extractfile(f"package/{inner}")
                    if member is None:
                        raise RuntimeError(f"{spec} has no file {inner}")
                    (staging / served).write_bytes(member.read())
        (staging / MANIFEST).write_text(json.dumps(PACKAGES, indent=2))
        # Swap the whole folder in at once: a server never sees half of an update.
        directory.parent.mkdir(parents=True, exist_ok=True)
        old = work / "old"
        if directory.exists():
            directory.rename(old)
        shutil.move(str(staging), str(directory))
    return True


def page_html() -> str:
    """The IDE page: only our own asset URLs, no inline script or style."""
    styles = "\n".join(f'    <link rel="stylesheet" href="{URL_PREFIX}/{name}">' for name in (*STYLES, "crm-graphiql.css"))
    scripts = "\n".join(f'    <script src="{URL_PREFIX}/{name}"></script>' for name in (*SCRIPTS, "crm-graphiql.js"))
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>CRM GraphQL API</title>
    <link rel="icon" href="data:,">
{styles}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
{scripts}
  </body>
</html>
"""


def missing_html() -> str:
    command = html.escape(f"{Path(sys.executable).name} -m backend.graphiql")
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>GraphiQL not installed</title></head>"
        "<body><h1>GraphiQL's files are not installed</h1>"
        f"<p>Run <code>scripts/run</code>, or <code>{command}</code> once, then reload this page. "
        "The API itself works: POST GraphQL requests to this address.</p></body></html>"
    )


def render() -> HTMLResponse:
    headers = security_headers.graphiql()
    if not assets_ready():
        return HTMLResponse(missing_html(), status_code=503, headers=headers)
    return HTMLResponse(page_html(), headers=headers)


def _own_file(name: str) -> Callable[[Request], Awaitable[FileResponse]]:
    async def serve(request: Request) -> FileResponse:
        return FileResponse(STATIC_DIR / name)

    return serve


def assets_mount() -> Mount:
    """The route serving GraphiQL's files: our own page script and style, then the fetched vendor files."""
    own = [Route(f"/{name}", _own_file(name)) for name in OWN_FILES]
    return Mount(
        URL_PREFIX,
        app=Router(routes=[*own, Mount("/", app=StaticFiles(directory=ASSET_DIR, check_dir=False))]),
        name="graphiql-assets",
    )


if __name__ == "__main__":
    fetched = fetch_assets()
    print(f"GraphiQL assets {'fetched into' if fetched else 'already in'} {ASSET_DIR}")
