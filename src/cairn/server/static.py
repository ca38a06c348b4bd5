"""The web app: the static files built into the package (``cairn/ui/dist``), served so
that its client-side routes work. Any GET outside ``/api`` that names no file of the
build gets ``index.html``; hashed files under ``/assets/`` are cached for a year. Without
a build, pages say how to make one."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from cairn.server.errors import not_found

MAX_PATH = 1024
"""No file of the build has a longer path; longer ones are not looked up at all."""
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cairn</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>cairn</h1>
<p>The web app is not built. Run <code>make ui</code> in the cairn source folder (it
needs Node.js and npm), then reload this page.</p>
<p>The API is up: <a href="/api/v1/projects">/api/v1/projects</a>,
described at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
</body></html>
"""


def default_ui_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "ui" / "dist"


def _inside(folder: Path, relative: str) -> Path | None:
    """The file at ``relative`` under ``folder``, or None (missing, a folder, or outside
    it through ``..`` or a link)."""
    if len(relative) > MAX_PATH:
        return None
    try:
        base = folder.resolve()
        target = (base / relative).resolve()
        # is_file() raises for a name too long for the file system
        if not target.is_relative_to(base) or not target.is_file():
            return None
    except (OSError, ValueError):
        return None
    return target


class WebApp:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def asset(self, request: Request) -> Response:
        path = _inside(self.folder / "assets", request.path_params["path"])
        if path is None:
            raise not_found(f"no file /assets/{request.path_params['path'][:200]}")
        return FileResponse(path, headers={"Cache-Control": IMMUTABLE})

    async def page(self, request: Request) -> Response:
        index = self.folder / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, headers={"Cache-Control": "no-cache"})
        path = _inside(self.folder, request.path_params.get("path", ""))
        return FileResponse(path or index, headers={"Cache-Control": "no-cache"})

    def routes(self) -> list[BaseRoute]:
        return [Route("/assets/{path:path}", self.asset, methods=["GET"]),
                Route("/{path:path}", self.page, methods=["GET"])]
