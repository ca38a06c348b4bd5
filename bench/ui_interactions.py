"""The workspace with every run of a 1,000-run project charted (``?n=all``), in headless
Chromium: how long the charts take to draw, and how long a zoom, a change of smoothing and
a sort of the runs table take until every chart on screen shows the result.

    python -m bench.ui_interactions [--runs 1000] [--steps 2000] [--metrics 3] [--reps 1]
                                    [--panels TEXT] [--root DIR] [--profile FILE]

The project is written straight into a store (``bench/datasets.py``: realistic curves,
``--metrics`` keys, ``--steps`` rows per run) under ``--root`` and kept there (a second
run reuses it). ``--panels`` is the panel search (default: every panel). The server is
``cairn ui`` in its own process; the page gets the W6 observer script
(``bench/ui_driver.py``).

Times are on the page's clock, from the action (a drag released on a chart, the smoothing
slider moved, a column header clicked) until every chart on screen has its new picture
and the main thread is free again (so the canvas work of the draw is counted). The
smoothing slider applies 80 ms after the last move (it follows a dragging hand): that wait
is part of the figure. ``--profile`` writes a Chrome DevTools CPU profile of one full
load and the interactions (open it in DevTools' Performance panel).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import ui_driver
from bench.datasets import ENTITY, build

TIMEOUT_MS = 120_000

# Every chart on screen: its data present, nothing loading, and `attr` changed from the
# values captured in `before` (null: no change needed); then a frame and a free main thread.
SETTLED_JS = """
async ([attr, before, t0]) => {
  const onScreen = (c) => {
    const r = c.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight;
  };
  const charts = () => [...document.querySelectorAll("section.panel .chart[data-points]")]
    .filter(onScreen);
  const ready = () => {
    const cs = charts();
    if (!cs.length || document.querySelector("section.panel .panel-loading")) return false;
    return cs.every((c, i) => Number(c.dataset.points) > 0
      && (before === null || c.getAttribute(attr) !== before[i]));
  };
  await new Promise((resolve) => {
    const tick = () => (ready() ? resolve() : requestAnimationFrame(tick));
    tick();
  });
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return { ms: performance.now() - t0, charts: charts().length };
}
"""

CAPTURE_JS = """
(attr) => [...document.querySelectorAll("section.panel .chart[data-points]")]
  .filter((c) => {
    const r = c.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight;
  })
  .map((c) => c.getAttribute(attr))
"""


def _settled(page: Any, attr: str | None, before: list[str | None] | None,
             t0: float) -> dict[str, Any]:
    return dict(page.evaluate(SETTLED_JS, [attr or "data-points", before, t0]))


def _load(page: Any, url: str) -> dict[str, Any]:
    page.goto(url)
    t = page.evaluate("() => 0")  # navigation start is the page clock's 0
    out = _settled(page, None, None, t)
    first = ui_driver.first_chart_ms(page, TIMEOUT_MS)
    return {"all_charts_ms": round(out["ms"], 1), "first_chart_ms": first, "charts": out["charts"]}


def _zoom(page: Any, fraction: tuple[float, float]) -> dict[str, Any]:
    over = page.locator("section.panel .chart .u-over").first
    box = over.bounding_box()
    before = page.evaluate(CAPTURE_JS, "data-draws")
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * fraction[0], y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * fraction[1], y, steps=4)
    t0 = page.evaluate("() => performance.now()")
    page.mouse.up()
    page.wait_for_function("() => new URL(location.href).searchParams.has('zoom')")
    return _settled(page, "data-draws", before, t0)


def _unzoom(page: Any) -> dict[str, Any]:
    before = page.evaluate(CAPTURE_JS, "data-draws")
    over = page.locator("section.panel .chart .u-over").first
    t0 = page.evaluate("() => performance.now()")
    over.dblclick()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('zoom')")
    return _settled(page, "data-draws", before, t0)


def _smooth(page: Any, value: float) -> dict[str, Any]:
    before = page.evaluate(CAPTURE_JS, "data-draws")
    t0 = page.evaluate(
        """(v) => {
            const el = document.querySelector('input[aria-label="Smoothing"]');
            const t = performance.now();
            el.value = String(v);
            el.dispatchEvent(new Event("input", { bubbles: true }));
            return t;
        }""", value)
    return _settled(page, "data-draws", before, t0)


def _sort(page: Any, column: str) -> dict[str, Any]:
    """Until the table's new rows have come and every chart is drawn after them."""
    t0 = page.evaluate("() => performance.now()")
    with page.expect_response(lambda r: "/runs?" in r.url and "order=" in r.url,
                              timeout=TIMEOUT_MS):
        page.get_by_role("button", name=f"Sort by {column}").click()
    return _settled(page, None, None, t0)


def _step(name: str, result: dict[str, Any]) -> dict[str, Any]:
    print(f"{name}: {result}", file=sys.stderr, flush=True)
    return result


def measure(root: Path, runs: int, reps: int, panels: str,
            profile: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = {"loads": [], "zoom": [], "unzoom": [], "smoothing": [], "sort": []}
    with ui_driver.ui_server(root) as server, ui_driver.chromium() as browser:
        url = f"{server.url}/{ENTITY}/ui-{runs}?n=all" + (f"&panels={panels}" if panels else "")
        context = ui_driver.new_context(browser)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors = ui_driver.page_errors(page)
        out["loads"].append(_step("cold load", {"cold": True, **_load(page, url)}))
        cdp = None
        if profile:
            cdp = context.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            cdp.send("Profiler.start")
        for _ in range(reps):
            out["loads"].append(_step("load", _load(page, url)))
            for s in (0.6, 0.9, 0.0):
                out["smoothing"].append(_step(f"smoothing {s}", _smooth(page, s)))
            out["zoom"].append(_step("zoom", _zoom(page, (0.3, 0.6))))
            out["unzoom"].append(_step("unzoom", _unzoom(page)))
            out["sort"].append(_step("sort", _sort(page, "Name")))
            page.goto(url)  # back to the default order
        if cdp is not None and profile is not None:
            result = cdp.send("Profiler.stop")
            profile.write_text(json.dumps(result["profile"]))
        out["errors"] = errors
        context.close()
    return out


def _summary(out: dict[str, Any]) -> dict[str, Any]:
    def med(items: list[dict[str, Any]], key: str) -> float | None:
        values = [i[key] for i in items if i.get(key) is not None]
        return round(statistics.median(values), 1) if values else None

    warm = [x for x in out["loads"] if not x.get("cold")]
    return {
        "load_cold_all_charts_ms": out["loads"][0]["all_charts_ms"],
        "load_warm_all_charts_ms": med(warm, "all_charts_ms"),
        "charts_on_screen": out["loads"][0]["charts"],
        "zoom_ms": med(out["zoom"], "ms"),
        "unzoom_ms": med(out["unzoom"], "ms"),
        "smoothing_ms": med(out["smoothing"], "ms"),
        "sort_ms": med(out["sort"], "ms"),
        "errors": out["errors"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--metrics", type=int, default=3)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--panels", default="")
    parser.add_argument("--root", type=Path, default=Path("/tmp/cairn-bench-ui"))
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    folder = args.root / f"ui-{args.runs}-{args.steps}-{args.metrics}"
    if not (folder / "cairn.db").exists():
        t0 = time.perf_counter()
        info = build(str(folder), {"name": f"ui-{args.runs}", "project": f"ui-{args.runs}",
                                   "runs": args.runs, "steps": args.steps,
                                   "metrics": args.metrics})
        print(f"built {info['points']:,} points in {time.perf_counter() - t0:.1f}s")
    out = measure(folder, args.runs, args.reps, args.panels, args.profile)
    print(json.dumps({"summary": _summary(out), "details": out}, indent=1))


if __name__ == "__main__":
    main()
