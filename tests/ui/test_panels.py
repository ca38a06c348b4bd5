"""Field panels in the workspace: bar, scatter, parallel coordinates (brushing filters the
runs), run comparer and parameter importance; each added from a section's "+ Chart" menu,
configured in its settings, saved in the layout, undoable, following the table, and
exported."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from playwright.sync_api import Locator, Page, expect
from tests.ui.conftest import LiveServer, Logged, LogRun

ROWS = ".tbody .tr[data-run]"


def sweep(log_run: LogRun) -> list[Logged]:
    """Eight runs over three decades of learning rate, two optimisers and a seed that does
    nothing; ``best`` (summary) grows with the learning rate alone."""
    return [log_run(name=f"run-{i}", steps=3,
                    config={"lr": 10 ** (-4 + i * 3 / 7), "optimizer": "adam" if i % 2 else "sgd",
                            "seed": (i * 5) % 8})
            for i in range(8)]


def add_chart(page: Page, section: str, kind: str, **fields: str) -> Locator:
    """Add a field panel to a section through its "+ Chart" menu and settings dialog."""
    page.get_by_role("button", name=f"Add a chart to {section}", exact=True).click()
    page.get_by_role("menuitem", name=kind, exact=True).click()
    dialog = page.get_by_role("dialog", name="Settings of a new panel")
    for label, value in fields.items():
        control = dialog.get_by_label(label.replace("_", " "), exact=True)
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        elif value in ("on", "off"):
            control.set_checked(value == "on")
        else:
            control.fill(value)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    return page.locator(f'section.field-panel[data-panel-type="{kind_type(kind)}"]')


def kind_type(kind: str) -> str:
    return {"Bar": "bar", "Scatter": "scatter", "Parallel coordinates": "parallel",
            "Run comparer": "comparer", "Parameter importance": "importance"}[kind]


def stored(live: LiveServer, run: Logged, until: Callable[[dict[str, Any]], bool]) -> Any:
    url = f"{live.url}/api/v1/projects/{run.entity}/proj/workspace"
    deadline = time.monotonic() + 10
    while True:
        layout = httpx.get(url).json()["layout"]
        if (layout is not None and until(layout)) or time.monotonic() > deadline:
            assert layout is not None, "no layout saved"
            assert until(layout), layout
            return layout
        time.sleep(0.1)


def panels(layout: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for s in layout["sections"] for p in s["panels"]]


def download(page: Page, panel: Locator, title: str, item: str) -> tuple[str, bytes]:
    panel.get_by_role("button", name=f"Export {title}", exact=True).click()
    with page.expect_download() as info:
        page.get_by_role("menuitem", name=item, exact=True).click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def bar_values(panel: Locator) -> list[tuple[str, float]]:
    bars = panel.locator("g.bar")
    return [(bars.nth(i).get_attribute("data-id") or "",
             float(bars.nth(i).get_attribute("data-value") or "nan"))
            for i in range(bars.count())]


def test_bar_panel_sorts_groups_saves_and_exports(page: Page, log_run: LogRun,
                                                  server: Callable[[], LiveServer],
                                                  screenshots: Path) -> None:
    runs = sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    expect(page.locator(ROWS)).to_have_count(8)
    bar = add_chart(page, "train", "Bar", Field="summary.best")
    figure = bar.get_by_role("figure")
    expect(figure).to_have_attribute("data-bars", "8")
    values = bar_values(bar)
    assert [v for _, v in values] == sorted((v for _, v in values), reverse=True)
    # best grows with lr: the largest learning rate first.
    by_name = {r.id: r.name for r in runs}
    assert by_name[values[0][0]] == "run-7"
    assert by_name[values[-1][0]] == "run-0"
    layout = stored(live, runs[0], lambda lay: any(p["type"] == "bar" for p in panels(lay)))
    saved = next(p for p in panels(layout) if p["type"] == "bar")
    assert saved["settings"]["options"] == {"field": "summary.best", "sort": "desc"}
    page.screenshot(path=str(screenshots / "panel-bar.png"))

    # Export: the bars as CSV, and the figure as SVG.
    name, data = download(page, bar, "best", "Data (CSV)")
    assert name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == ["run", "id", "best", "runs"]
    assert len(rows) == 9
    assert float(rows[1][2]) == values[0][1]
    _, svg = download(page, bar, "best", "SVG image")
    assert svg.startswith(b"<svg")
    assert svg.count(b"<rect") >= 8

    # Grouped by optimizer, a bar per group: the mean of its runs.
    page.goto(f"{live.url}/{runs[0].entity}/proj?group=config.optimizer")
    expect(bar.get_by_role("figure")).to_have_attribute("data-bars", "2")
    value_of = dict(values)
    adam = sum(value_of[r.id] for r in runs if r.name in ("run-1", "run-3", "run-5", "run-7")) / 4
    grouped = dict(bar_values(bar))
    assert abs(grouped["group:adam"] - adam) < 1e-9, grouped

    # Undo removes the panel, redo brings it back; the store follows.
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    expect(bar.get_by_role("figure")).to_have_attribute("data-bars", "8")
    page.get_by_role("button", name="Panel menu of best", exact=True).click()
    page.get_by_role("menuitem", name="Remove", exact=True).click()
    expect(bar).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(bar.get_by_role("figure")).to_have_attribute("data-bars", "8")


def test_scatter_panel_text_axis_log_axis_and_colour(page: Page, log_run: LogRun,
                                                     server: Callable[[], LiveServer],
                                                     screenshots: Path) -> None:
    runs = sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    expect(page.locator(ROWS)).to_have_count(8)
    # A text field as x is a category axis, never an empty chart ("Infinite extent").
    scatter = add_chart(page, "train", "Scatter", X="config.optimizer", Y="summary.best")
    figure = scatter.get_by_role("figure")
    expect(figure).to_have_attribute("data-points", "8")
    expect(figure).to_have_attribute("data-x-scale", "category")
    assert scatter.locator("text.field-tick").filter(has_text="adam").count() == 1
    page.screenshot(path=str(screenshots / "panel-scatter-text.png"))

    # Settings: lr on a log x, coloured by optimizer.
    page.get_by_role("button", name="Panel menu of best against optimizer", exact=True).click()
    page.get_by_role("menuitem", name="Settings…", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("X", exact=True).select_option("config.lr")
    dialog.get_by_label("Colour by", exact=True).select_option("config.optimizer")
    dialog.get_by_label("Log x", exact=True).check()
    dialog.get_by_role("button", name="Save").click()
    expect(figure).to_have_attribute("data-x-scale", "log")
    expect(figure).to_have_attribute("data-points", "8")
    points = scatter.locator("circle.scatter-point")
    colours = {points.nth(i).get_attribute("fill") for i in range(8)}
    assert len(colours) == 2, colours  # one per optimizer
    ticks = scatter.locator("text.field-tick").all_text_contents()
    assert {"0.001", "0.01"} <= set(ticks), ticks
    layout = stored(live, runs[0], lambda lay: any(p["settings"].get("options", {}).get("logX")
                                                   for p in panels(lay)))
    assert panels(layout)[0]["settings"]["options"] == {
        "x": "config.lr", "y": "summary.best", "color": "config.optimizer", "logX": True}
    page.screenshot(path=str(screenshots / "panel-scatter-log.png"))

    # The charts follow the table's selection.
    page.get_by_role("checkbox", name="Select run-2").check()
    page.get_by_role("checkbox", name="Select run-5").check()
    expect(figure).to_have_attribute("data-points", "2")
    _, data = download(page, scatter, "best against lr", "Data (CSV)")
    lines = list(csv.reader(io.StringIO(data.decode())))
    assert sorted(r[0] for r in lines[1:]) == ["run-2", "run-5"]


def test_parallel_panel_brush_filters_the_workspace(page: Page, log_run: LogRun,
                                                    server: Callable[[], LiveServer],
                                                    screenshots: Path) -> None:
    runs = sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    expect(page.locator(ROWS)).to_have_count(8)
    page.get_by_role("button", name="Add a chart to train", exact=True).click()
    page.get_by_role("menuitem", name="Parallel coordinates", exact=True).click()
    dialog = page.get_by_role("dialog", name="Settings of a new panel")
    for f in dialog.get_by_role("checkbox").all():
        f.uncheck()
    for f in ("config.lr", "config.optimizer", "summary.best"):
        dialog.get_by_label(f"Axis {f}", exact=True).check()
    dialog.get_by_role("button", name="Save").click()
    pc = page.locator('section.field-panel[data-panel-type="parallel"]')
    figure = pc.get_by_role("figure", name="Parallel coordinates chart")
    expect(figure.locator("path.pc-line")).to_have_count(8)
    lr_axis = figure.locator('g.pc-axis[data-field="config.lr"]')
    opt_axis = figure.locator('g.pc-axis[data-field="config.optimizer"]')
    expect(opt_axis).to_have_attribute("data-scale", "category")

    # A log axis, saved with the panel.
    pc.get_by_label("Log scale for lr").check()
    expect(lr_axis).to_have_attribute("data-scale", "log")
    stored(live, runs[0], lambda lay: any(p["settings"].get("options", {}).get("logFields")
                                          == ["config.lr"] for p in panels(lay)))
    bar = add_chart(page, "train", "Bar", Field="summary.best")
    expect(bar.get_by_role("figure")).to_have_attribute("data-bars", "8")

    # Brush the top half of the lr axis: the four largest learning rates. The table and
    # the other charts keep only those; the chart keeps the others, faded.
    hit = lr_axis.locator("rect.pc-hit").bounding_box()
    assert hit is not None
    x = hit["x"] + hit["width"] / 2
    page.mouse.move(x, hit["y"] + 2)
    page.mouse.down()
    page.mouse.move(x, hit["y"] + hit["height"] * 0.5, steps=6)
    page.mouse.up()
    expect(page.locator(ROWS)).to_have_count(4)
    expect(bar.get_by_role("figure")).to_have_attribute("data-bars", "4")
    expect(figure).to_have_attribute("data-brushed", "4")
    expect(figure.locator("path.pc-line")).to_have_count(8)
    brush = json.loads(parse_qs(urlparse(page.url).query)["brush"][0])
    lo, hi = brush["config.lr"]["$gte"], brush["config.lr"]["$lte"]
    names = {r.id: r.name for r in runs}
    shown = {names[page.locator(ROWS).nth(i).get_attribute("data-run") or ""] for i in range(4)}
    assert shown == {f"run-{i}" for i in range(4, 8)}, shown
    assert 10 ** (-4 + 3 * 3 / 7) < lo < 10 ** (-4 + 4 * 3 / 7), lo
    assert hi >= 0.1 * 0.999, hi
    page.screenshot(path=str(screenshots / "panel-parallel-brush.png"))

    # A brush on a category axis too: adam only (runs 5 and 7).
    hit = opt_axis.locator("rect.pc-hit").bounding_box()
    assert hit is not None
    x = hit["x"] + hit["width"] / 2
    page.mouse.move(x, hit["y"] + hit["height"] - 2)
    page.mouse.down()
    page.mouse.move(x, hit["y"] + hit["height"] * 0.8, steps=4)
    page.mouse.up()
    expect(page.locator(ROWS)).to_have_count(2)
    expect(figure).to_have_attribute("data-brushed", "2")

    # The brush survives a reload (it is in the URL), and clearing it lifts the filter.
    page.reload()
    expect(page.locator(ROWS)).to_have_count(2)
    expect(figure).to_have_attribute("data-brushed", "2")
    page.locator(".banner").get_by_role("button", name="Clear brush").click()
    expect(page.locator(ROWS)).to_have_count(8)
    expect(bar.get_by_role("figure")).to_have_attribute("data-bars", "8")
    assert "brush=" not in page.url

    _, svg = download(page, pc, "Parallel coordinates", "SVG image")
    assert svg.startswith(b"<svg")
    assert svg.count(b"<path") >= 8


def test_run_comparer_highlights_differences(page: Page, log_run: LogRun,
                                             server: Callable[[], LiveServer],
                                             screenshots: Path) -> None:
    runs = sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    expect(page.locator(ROWS)).to_have_count(8)
    page.get_by_role("checkbox", name="Select run-1").check()
    page.get_by_role("checkbox", name="Select run-3").check()
    comparer = add_chart(page, "train", "Run comparer")
    table = comparer.get_by_role("table", name="Runs compared")
    expect(table).to_have_attribute("data-runs", "2")
    heads = table.locator("thead th").all_text_contents()
    assert [h.strip() for h in heads[1:]] == ["run-1", "run-3"], heads
    # Same optimizer (adam), different lr and seed.
    expect(table.locator('tr[data-field="config.optimizer"]')).not_to_have_class("differs")
    expect(table.locator('tr[data-field="config.lr"]')).to_have_class("differs")
    expect(table.locator('tr[data-field="config.seed"]')).to_have_class("differs")
    all_rows = int(table.get_attribute("data-rows") or 0)
    page.screenshot(path=str(screenshots / "panel-comparer.png"))

    comparer.get_by_label("Only differences").check()
    expect(table.locator('tr[data-field="config.optimizer"]')).to_have_count(0)
    differing = table.locator("tbody tr")
    assert 0 < differing.count() < all_rows
    assert all((differing.nth(i).get_attribute("class") or "") == "differs"
               for i in range(differing.count()))
    stored(live, runs[0], lambda lay: any(p["settings"].get("options", {}).get("onlyDiffs")
                                          for p in panels(lay)))
    _, data = download(page, comparer, "Run comparer", "Data (CSV)")
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == ["field", "run-1", "run-3"]
    assert "config.optimizer" not in [r[0] for r in rows]
    # Undo puts the toggle back.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Control+z")
    expect(table.locator('tr[data-field="config.optimizer"]')).to_have_count(1)


def test_parameter_importance_finds_the_one_parameter(page: Page, log_run: LogRun,
                                                      server: Callable[[], LiveServer],
                                                      screenshots: Path) -> None:
    runs = sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    expect(page.locator(ROWS)).to_have_count(8)
    panel = add_chart(page, "train", "Parameter importance", Metric="summary.best")
    figure = panel.get_by_role("figure")
    expect(figure).to_have_attribute("data-params", "3")
    expect(figure).to_have_attribute("aria-busy", "false")  # the forest is fitted
    expect(panel.get_by_text("random forest, 100 trees")).to_be_visible()
    rows = panel.locator("g.importance-row")
    # best depends on lr alone: lr first, with nearly all the importance, and a strong
    # (monotone, not linear) correlation; optimizer is text, so no correlation.
    assert rows.first.get_attribute("data-param") == "config.lr"
    assert float(rows.first.get_attribute("data-importance") or 0) > 0.8
    assert float(rows.first.get_attribute("data-correlation") or 0) > 0.8
    opt = panel.locator('g.importance-row[data-param="config.optimizer"]')
    assert opt.get_attribute("data-correlation") == ""
    page.screenshot(path=str(screenshots / "panel-importance.png"))
    _, data = download(page, panel, "Parameter importance for best", "Data (CSV)")
    table = list(csv.reader(io.StringIO(data.decode())))
    assert table[0] == ["parameter", "importance", "correlation with best"]
    assert table[1][0] == "lr"
    assert abs(sum(float(r[1]) for r in table[1:]) - 1) < 1e-9
