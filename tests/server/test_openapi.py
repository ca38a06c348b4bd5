"""The OpenAPI document lists every route of the app, and nothing else."""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import Mount, Route
from tests.server.conftest import ApiClient

from cairn.server.app import API_PREFIX


def _api_routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, Mount) and route.path == API_PREFIX:
            for inner in route.routes:
                assert isinstance(inner, Route)
                assert inner.methods is not None
                for method in inner.methods - {"HEAD"}:
                    # OpenAPI names a parameter without Starlette's converter ({name:path})
                    path = re.sub(r"\{(\w+):\w+\}", r"{\1}", inner.path)
                    found.add((method.lower(), API_PREFIX + path))
    return found


def test_every_route_is_described(api: ApiClient) -> None:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    described = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert described == _api_routes(api.app)
    assert ("get", "/api/v1/openapi.json") in described


def test_references_resolve(api: ApiClient) -> None:
    document = api.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(document):
        assert ref.removeprefix("#/components/schemas/") in schemas
    for path, ops in document["paths"].items():
        for op in ops.values():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names == {part[1:-1] for part in path.split("/") if part.startswith("{")}


def test_the_team_server_describes_its_routes_too(tmp_path: Any) -> None:
    from cairn.server.app import app_context
    from cairn.server.team import TeamConfig, create_team_app
    from cairn.store.accounts import Accounts
    from cairn.store.sqlite import SqliteStore

    folder = tmp_path / "team"
    store = SqliteStore(folder / "cairn.db")
    key = Accounts(store).create_user("ada")[1]
    store.close()
    app = create_team_app(TeamConfig(store=str(folder), blobs=f"file://{folder / 'blobs'}",
                                     root=str(tmp_path / "cairn"), access_log=False))
    try:
        api = ApiClient(app)
        document = api.get("/api/v1/openapi.json").json()  # open: no key needed
        described = {(m, p) for p, ops in document["paths"].items() for m in ops}
        routes = _api_routes(app)
        for route in next(r for r in app.routes if isinstance(r, Mount)
                          and r.path == API_PREFIX).routes:
            assert isinstance(route, Route)
            if route.methods == {"HEAD"}:  # a HEAD of its own (blobs), not a GET's
                routes.add(("head", API_PREFIX + route.path))
        assert described == routes
        assert set(document["components"]["securitySchemes"]) == {"apiKey", "session"}
        assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}
                       ).json()["user"] == "ada"
    finally:
        app_context(app).store.close()
