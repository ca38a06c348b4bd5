"""panels: the workspace with a saved layout of 30 configured panels over 100 runs, in
headless Chromium: how long until the first chart is drawn, and until every chart on
screen is painted (issue 17's figure: first paint <= 1.5 s).

The project (``bench/datasets.py``: realistic curves, 100 runs of 10 metrics) is written
straight into a store; the layout is saved through the API as a user would (PUT
``/api/v1/projects/{entity}/{project}/workspace``): three sections of ten line panels,
each with its own settings (one or two metrics, EMA / running-average / Gaussian
smoothing, log y, outlier clipping, legend templates, max runs) so the page does the work a
configured workspace asks for. The page charts all 100 runs (``?n=100``).

``cairn ui`` runs in its own process and the page gets the observer script of
``bench/ui_driver.py`` (W6's). Cold: the first load after the server started, in a new
browser profile; warm: the median of further loads of the same URL. "First chart" is the
app's ``cairn:first-chart`` mark; "on screen painted" is when every chart in the viewport
has its data and the main thread is free after drawing it.

For reference, the same page is then loaded with no saved layout (the automatic panels,
one per metric, over the same 100 runs) the same number of times: on a loaded machine the
ratio of the two says more than either figure alone.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.datasets import ENTITY, DatasetSpec, ensure
from bench.figures import Figure, WorkloadResult, median

TITLE = "UI: workspace with 30 configured panels over 100 runs (Chromium)"
SIZES: dict[str, dict[str, Any]] = {
    "full": {"runs": 100, "steps": 2_000, "metrics": 10, "panels": 30, "warm_loads": 5,
             "settle_s": 0.3},
    "quick": {"runs": 5, "steps": 50, "metrics": 3, "panels": 6, "warm_loads": 1,
              "settle_s": 0.05},
}
TIMEOUT_MS = 60_000
SECTION_PANELS = 10
_SMOOTHING = [{"kind": "ema", "amount": 0.6}, {"kind": "running", "amount": 10},
              {"kind": "gaussian", "amount": 5}, {"kind": "none", "amount": 0}]


def layout(keys: list[str], panels: int) -> dict[str, Any]:
    """``panels`` line panels in sections of ten, each configured differently."""
    sections: list[dict[str, Any]] = []
    for i in range(panels):
        if i % SECTION_PANELS == 0:
            sections.append({"id": f"s{i // SECTION_PANELS}",
                             "name": f"Section {i // SECTION_PANELS + 1}", "panels": []})
        metrics = [keys[i % len(keys)]]
        if i % 5 == 4 and len(keys) > 1:
            metrics.append(keys[(i + 1) % len(keys)])
        settings: dict[str, Any] = {"title": f"Panel {i + 1}: {', '.join(metrics)}",
                                    "metrics": metrics, "smoothing": _SMOOTHING[i % 4]}
        if i % 3 == 1:
            settings["logY"] = True
        if i % 4 == 2:
            settings["ignoreOutliers"] = True
        if i % 6 == 5:
            settings["legend"] = "{run} lr={config.lr}"
        if i % 7 == 3:
            settings["maxRuns"] = 50
        sections[-1]["panels"].append({"id": f"p{i}", "type": "line", "w": 1, "h": 2,
                                       "settings": settings})
    return {"sections": sections}


def _load(page: Any, url: str) -> dict[str, Any]:
    from bench import ui_driver

    t0 = time.perf_counter()
    page.goto(url)
    first = ui_driver.first_chart_ms(page, TIMEOUT_MS)
    every = ui_driver.all_charts(page, TIMEOUT_MS)
    cells = page.locator(".panel-cell").count()
    return {"first_chart_ms": first, "on_screen_painted_ms": every["drawn"],
            "on_screen_data_ms": every["t"], "charts_on_screen": every["charts"],
            "panels": cells, "wall_ms": (time.perf_counter() - t0) * 1000}


def measure(root: str, project: str, keys: list[str], panels: int, warm_loads: int,
            settle_s: float) -> dict[str, Any]:
    """In a child interpreter: save the layout, then load the workspace cold and warm."""
    from bench import ui_driver

    with ui_driver.ui_server(Path(root)) as server, ui_driver.chromium() as browser:
        client = ui_driver.Client(server)
        ms, status, payload = client.timed(
            "PUT", f"/api/v1/projects/{ENTITY}/{project}/workspace",
            {"layout": layout(keys, panels)})
        client.close()
        if status != 200:
            raise RuntimeError(f"saving the layout: {status} {payload[:300]!r}")
        url = f"{server.url}/{ENTITY}/{project}?n=100"
        context = ui_driver.new_context(browser)
        page = context.new_page()
        errors = ui_driver.page_errors(page)
        cold = _load(page, url)
        warm = []
        for _ in range(warm_loads):
            time.sleep(settle_s)
            warm.append(_load(page, url))
        client = ui_driver.Client(server)
        _, status, payload = client.timed("DELETE",
                                          f"/api/v1/projects/{ENTITY}/{project}/workspace")
        client.close()
        if status != 200:
            raise RuntimeError(f"deleting the layout: {status} {payload[:300]!r}")
        automatic = []
        for _ in range(warm_loads):
            time.sleep(settle_s)
            automatic.append(_load(page, url))
        context.close()
    return {"save_layout_ms": ms, "cold": cold, "warm": warm, "automatic": automatic,
            "errors": errors}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("panels", TITLE, sizes)
    from bench import ui_driver

    missing = ui_driver.unavailable()
    if missing is not None:
        result.skipped["all"] = missing
        return result

    spec = DatasetSpec("ui-panels", "ui-panels", sizes["runs"], sizes["steps"],
                       sizes["metrics"])
    data = ensure(ctx, [spec], cache=not ctx.quick)[spec.name]
    out = ctx.child("bench.ui_panels:measure", {
        "root": str(data.root), "project": spec.project, "keys": spec.keys,
        "panels": sizes["panels"], "warm_loads": sizes["warm_loads"],
        "settle_s": sizes["settle_s"]}, "panels")
    warm = out["warm"]
    n = f"{sizes['panels']} panels x {sizes['runs']} runs"

    def med(key: str, loads: list[dict[str, Any]] = warm) -> float | None:
        values = [w[key] for w in loads if w[key] is not None]
        return median(values) if values else None

    result.add("cairn",
               Figure("first_chart_cold_ms", f"{n}: first chart, cold",
                      out["cold"]["first_chart_ms"], "ms", 1500),
               Figure("first_chart_warm_ms", f"{n}: first chart, warm (median)",
                      med("first_chart_ms"), "ms", 1500),
               Figure("on_screen_cold_ms", f"{n}: charts on screen painted, cold",
                      out["cold"]["on_screen_painted_ms"], "ms", 1500),
               Figure("on_screen_warm_ms", f"{n}: charts on screen painted, warm (median)",
                      med("on_screen_painted_ms"), "ms", 1500),
               Figure("automatic_first_chart_warm_ms",
                      f"no layout (automatic panels) x {sizes['runs']} runs: first chart, warm",
                      med("first_chart_ms", out["automatic"]), "ms"),
               Figure("automatic_on_screen_warm_ms",
                      f"no layout (automatic panels) x {sizes['runs']} runs: on screen painted, "
                      "warm", med("on_screen_painted_ms", out["automatic"]), "ms"),
               Figure("save_layout_ms", f"{n}: saving the layout (PUT)", out["save_layout_ms"],
                      "ms"),
               Figure("build_s", f"dataset ({'cached; its build' if data.cached else 'built now'})",
                      data.build_s, "s"))
    result.details = {**out, "dataset": spec.as_json(), "root": str(data.root)}
    problems = []
    if out["errors"]:
        problems.append(f"page errors {out['errors']}")
    if out["cold"]["panels"] != sizes["panels"]:
        problems.append(f"the page shows {out['cold']['panels']} panels, not the "
                        f"{sizes['panels']} configured")
    if problems:
        result.details["warning"] = "; ".join(problems)
    return result
