"""The runs table (columns that vary, pinned name, resizable headers), the query bar,
export of charts and of the table, and keyboard shortcuts, in a real browser."""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer, LogRun, wait_lines

ROWS = ".tbody .tr[data-run]"


def log_sweep(log_run: LogRun) -> list[Any]:
    """Three runs whose lr differs while opt and seed are the same in all."""
    return [
        log_run(name="alpha", config={"lr": 0.01, "opt": "adam", "seed": 7}, tags=["best"]),
        log_run(name="beta", config={"lr": 0.02, "opt": "adam", "seed": 7}),
        log_run(name="gamma", config={"lr": 0.04, "opt": "adam", "seed": 7}, tags=["old"]),
    ]


def header(page: Page, field: str) -> Any:
    return page.locator(f'.thead [data-column="{field}"]')


def cell_texts(page: Page, field: str) -> list[str]:
    """The texts of one column's cells, top to bottom."""
    texts: list[str] = page.evaluate(
        """field => {
            const heads = [...document.querySelectorAll('.thead > span')];
            const i = heads.findIndex((h) => h.dataset.column === field);
            return [...document.querySelectorAll('.tbody .tr[data-run]')]
                .map((row) => row.children[i].textContent);
        }""", field)
    return texts


def test_default_columns_vary_and_constant_ones_are_one_click_away(
        page: Page, log_run: LogRun, server: Callable[[], LiveServer], screenshots: Path) -> None:
    runs = log_sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    expect(page.locator(ROWS)).to_have_count(3)
    expect(header(page, "config.lr")).to_be_visible()
    expect(header(page, "summary.best")).to_be_visible()  # differs: each run's lr differs
    expect(header(page, "config.opt")).to_have_count(0)
    expect(header(page, "config.seed")).to_have_count(0)
    # The full key is in the header's tooltip.
    assert header(page, "config.lr").locator("button").get_attribute("title") == \
        "config.lr (config): click to sort"

    toggle = page.get_by_role("button", name="Show 2 constant columns")
    toggle.click()
    expect(header(page, "config.opt")).to_be_visible()
    assert cell_texts(page, "config.opt") == ["adam"] * 3
    assert "const=1" in page.url
    page.screenshot(path=str(screenshots / "table-constant-columns.png"))
    page.get_by_role("button", name="Hide 2 constant columns").click()
    expect(header(page, "config.opt")).to_have_count(0)

    # The column picker marks constant keys with their value.
    page.get_by_role("button", name="Columns", exact=True).click()
    picker = page.get_by_role("dialog", name="Columns")
    expect(picker.locator("li", has_text="opt")).to_contain_text("= adam")
    expect(picker.locator("li", has_text="lr")).not_to_contain_text("=")


def test_name_stays_pinned_and_columns_resize_and_are_remembered(
        page: Page, log_run: LogRun, server: Callable[[], LiveServer], screenshots: Path) -> None:
    config = {f"param_{i:02d}": i for i in range(12)}
    runs = [log_run(name=f"run-{i}", steps=5, config={**config, "lr": 0.01 * (i + 1),
                                                      **{k: v + i for k, v in config.items()}})
            for i in range(2)]
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj?cols=" + ",".join(
        ["config.lr", *(f"config.{k}" for k in config)]))
    expect(page.locator(ROWS)).to_have_count(2)
    name_cell = page.locator(ROWS).first.locator("span[role=cell]").nth(2)
    lr_cell = page.locator(ROWS).first.locator("span[role=cell]").nth(3)
    before = name_cell.bounding_box()
    lr_before = lr_cell.bounding_box()
    assert before
    assert lr_before
    page.locator(".table-scroll").evaluate("el => { el.scrollLeft = 600; }")
    page.wait_for_function("document.querySelector('.table-scroll').scrollLeft >= 600")
    after = name_cell.bounding_box()
    lr_after = lr_cell.bounding_box()
    assert after
    assert lr_after
    assert abs(after["x"] - before["x"]) < 1  # pinned
    assert lr_after["x"] < lr_before["x"] - 500  # the rest scrolled
    page.screenshot(path=str(screenshots / "table-pinned-name.png"))
    # A wider runs pane, so the lr header is in view unscrolled.
    page.evaluate("localStorage.setItem('cairn.runs-pane', '900')")
    page.reload()
    expect(page.locator(ROWS)).to_have_count(2)

    # Drag the lr header's right edge 80 px wider.
    head = header(page, "config.lr")
    width = head.bounding_box()["width"]  # type: ignore[index]
    handle = head.locator(".col-resize").bounding_box()
    assert handle
    page.mouse.move(handle["x"] + 4, handle["y"] + 10)
    page.mouse.down()
    page.mouse.move(handle["x"] + 44, handle["y"] + 10, steps=4)
    page.mouse.move(handle["x"] + 84, handle["y"] + 10, steps=4)
    page.mouse.up()
    assert abs(head.bounding_box()["width"] - (width + 80)) <= 2  # type: ignore[index]
    # The cells follow the header, and a reload keeps the width.
    assert abs(lr_cell.bounding_box()["width"] - (width + 80)) <= 2  # type: ignore[index]
    page.reload()
    expect(page.locator(ROWS)).to_have_count(2)
    assert abs(header(page, "config.lr").bounding_box()["width"] - (width + 80)) <= 2  # type: ignore[index]
    # A double-click puts the default back.
    header(page, "config.lr").locator(".col-resize").dblclick()
    assert abs(header(page, "config.lr").bounding_box()["width"] - width) <= 2  # type: ignore[index]


def _filters_of(url: str) -> Any:
    return json.loads(parse_qs(urlparse(url).query)["filters"][0])


def test_query_bar_filters_table_and_charts_and_names_errors(
        page: Page, log_run: LogRun, server: Callable[[], LiveServer], screenshots: Path) -> None:
    runs = log_sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    wait_lines(page, "train/loss", 3)
    bar = page.get_by_role("textbox", name="Query runs")

    bar.fill("lr >= 0.02 and opt = adam")
    with page.expect_request(lambda r: "/runs?" in r.url and "filters=" in r.url) as req:
        bar.press("Enter")
    assert _filters_of(req.value.url) == {
        "$and": [{"config.lr": {"$gte": 0.02}}, {"config.opt": {"$eq": "adam"}}]}
    expect(page.locator(ROWS)).to_have_count(2)
    wait_lines(page, "train/loss", 2)  # the charts follow the table's filter

    bar.fill("tags contains best or tags contains old")
    bar.press("Enter")
    expect(page.locator(ROWS)).to_have_count(2)
    assert sorted(page.locator(".tbody .run-name a").all_inner_texts()) == ["alpha", "gamma"]

    bar.fill("state = finished and created > 2000-01-01 and best > -1")
    bar.press("Enter")
    expect(page.locator(ROWS)).to_have_count(3)
    bar.fill("created < 2000-01-01")
    bar.press("Enter")
    expect(page.get_by_text("No runs match.")).to_be_visible()

    # Bad input: named, marked, and the applied filter stays as it was.
    bar.fill("lr > 0.01 and bset > 0.5")
    bar.press("Enter")
    error = page.get_by_role("alert")
    expect(error).to_contain_text('unknown field "bset"')
    expect(error.locator("mark")).to_have_text("bset")
    expect(page.get_by_text("No runs match.")).to_be_visible()
    assert _filters_of(page.url) == {"created_at": {"$lt": "2000-01-01"}}
    page.screenshot(path=str(screenshots / "query-error.png"))
    bar.fill("state = finishd")
    bar.press("Enter")
    expect(error).to_contain_text('"finishd" is not a run state')

    # The URL keeps the text; the filter builder shows the same filter as rows.
    bar.fill("lr < 0.03")
    bar.press("Enter")
    expect(page.locator(ROWS)).to_have_count(2)
    page.reload()
    expect(page.get_by_role("textbox", name="Query runs")).to_have_value("lr < 0.03")
    expect(page.locator(ROWS)).to_have_count(2)
    # A link with a filter opens the builder, which shows it as rows.
    expect(page.get_by_label("Filter 1 field")).to_have_value("config.lr")
    page.get_by_role("button", name="Clear query").click()
    expect(page.locator(ROWS)).to_have_count(3)


def _download(page: Page, click: Callable[[], None]) -> tuple[str, bytes]:
    with page.expect_download() as info:
        click()
    d = info.value
    path = d.path()
    return d.suggested_filename, Path(path).read_bytes()


def test_chart_and_table_export(page: Page, log_run: LogRun,
                                server: Callable[[], LiveServer], screenshots: Path) -> None:
    runs = log_sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj?panels=train/loss")
    wait_lines(page, "train/loss", 3)
    panel = page.locator('section.panel[data-metric="train/loss"]')

    def item(name: str) -> Callable[[], None]:
        def click() -> None:
            panel.get_by_role("button", name="Export train/loss").click()
            page.get_by_role("menuitem", name=name).click()
        return click

    name, png = _download(page, item("PNG image"))
    assert name == "train_loss.png"
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 5000
    (screenshots / "export.png").write_bytes(png)

    name, svg = _download(page, item("SVG image"))
    assert name == "train_loss.svg"
    (screenshots / "export.svg").write_bytes(svg)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f".//{ns}polyline")) == 3
    assert {t.text for t in root.iter(f"{ns}text")} >= {"train/loss", "alpha", "beta", "gamma"}

    _, drawn = _download(page, item("Data as drawn (CSV)"))
    rows = list(csv.DictReader(io.StringIO(drawn.decode())))
    assert {r["run"] for r in rows} == {"alpha", "beta", "gamma"}
    assert len(rows) == 150  # 50 steps each, fewer than a bucket per pixel

    _, full = _download(page, item("Full-resolution data (CSV)"))
    rows = list(csv.DictReader(io.StringIO(full.decode())))
    assert len(rows) == 150
    by_run = {(r["run"], int(r["_step"])): float(r["train/loss"]) for r in rows}
    # The logged values themselves (conftest's log_run: 2·exp(-i·lr·5)).
    assert by_run[("beta", 10)] == 2.0 * math.exp(-10 * 0.02 * 5)

    # The table: every run the filter matches, with the visible columns.
    bar = page.get_by_role("textbox", name="Query runs")
    bar.fill("lr > 0.015")
    bar.press("Enter")
    expect(page.locator(ROWS)).to_have_count(2)
    name, table = _download(page, lambda: page.get_by_role("button", name="CSV").click())
    assert name == "proj-runs.csv"
    rows = list(csv.DictReader(io.StringIO(table.decode())))
    assert sorted(r["name"] for r in rows) == ["beta", "gamma"]
    assert rows[0].keys() >= {"name", "id", "state", "created", "config.lr", "summary.best"}
    assert {r["config.lr"] for r in rows} == {"0.02", "0.04"}


def test_keyboard_shortcuts(page: Page, log_run: LogRun, server: Callable[[], LiveServer],
                            screenshots: Path) -> None:
    run = log_run(name="solo")
    live = server()
    workspace = f"{live.url}/{run.entity}/proj"
    page.goto(workspace)
    expect(page.locator(ROWS)).to_have_count(1)
    search = page.get_by_role("searchbox", name="Search runs")

    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.type("gs?")  # typed into the box: no shortcut fires
    expect(search).to_have_value("gs?")
    assert urlparse(page.url).path == f"/{run.entity}/proj"
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_have_count(0)
    search.fill("")
    page.keyboard.press("Escape")  # leaves the field
    expect(search).not_to_be_focused()

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Go to sweeps")
    page.screenshot(path=str(screenshots / "shortcuts.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    page.keyboard.press("g")
    page.keyboard.press("s")
    expect(page).to_have_url(f"{workspace}/sweeps")
    page.keyboard.press("g")
    page.keyboard.press("a")
    expect(page).to_have_url(f"{workspace}/artifacts")
    page.keyboard.press("g")
    page.keyboard.press("r")
    expect(page).to_have_url(workspace)
    expect(page.get_by_role("searchbox", name="Search runs")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("p")
    expect(page).to_have_url(f"{live.url}/")

    # Escape closes menus too.
    page.goto(workspace)
    page.get_by_role("button", name="Columns", exact=True).click()
    expect(page.get_by_role("dialog", name="Columns")).to_be_visible()
    page.keyboard.press("Escape")  # leaves the picker's search box
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Columns")).to_have_count(0)


def test_a_thousand_runs_stay_virtualised_and_query_on_the_server(
        page: Page, cairn_root: Path, server: Callable[[], LiveServer], screenshots: Path) -> None:
    from bench.datasets import ENTITY, build

    # 1,000 finished runs written straight into the store (as bench W6 does): lr cycles
    # over 5 values, optimizer over 2, model.width and model.dropout are the same in all.
    build(str(cairn_root), {"name": "ui-test", "project": "big", "runs": 1000, "steps": 20,
                            "metrics": 2})
    live = server()
    page.goto(f"{live.url}/{ENTITY}/big")
    expect(page.locator(".table-meta")).to_contain_text("1,000 runs")
    expect(page.locator(ROWS).first).to_contain_text("run-999")  # newest first
    for field in ("config.lr", "config.optimizer", "config.seed", "config.model.depth"):
        expect(header(page, field)).to_be_visible()
    expect(header(page, "config.model.width")).to_have_count(0)
    expect(page.get_by_role("button", name="Show 2 constant columns")).to_be_visible()
    assert page.locator(ROWS).count() < 80  # a screenful, not a thousand rows
    page.screenshot(path=str(screenshots / "table-1000-runs.png"))

    # Scrolled to the end, the last page is fetched and the DOM stays small.
    page.locator(".table-scroll").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(page.locator(ROWS, has_text="run-0").first).to_be_visible()
    assert page.locator(ROWS).count() < 80

    bar = page.get_by_role("textbox", name="Query runs")
    bar.fill("lr = 0.001 and optimizer = sgd and tags contains sweep")
    bar.press("Enter")
    expect(page.locator(".table-meta")).to_contain_text("100 runs")
    names = page.locator(".tbody .run-name a").all_inner_texts()
    assert names
    assert all(int(n.removeprefix("run-")) % 10 == 7 for n in names)


def test_run_history_exports_every_step(page: Page, log_run: LogRun,
                                        server: Callable[[], LiveServer]) -> None:
    run = log_run(name="solo", steps=30, config={"lr": 0.02})
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=charts")
    name, data = _download(page, lambda: page.get_by_role("button", name="History (CSV)").click())
    assert name == "solo-history.csv"
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [int(r["_step"]) for r in rows] == list(range(30))
    assert float(rows[7]["train/loss"]) == 2.0 * math.exp(-7 * 0.02 * 5)
    # val/loss is logged every 10 steps: the other rows leave it empty.
    assert [r["val/loss"] != "" for r in rows[:11]] == [True] + [False] * 9 + [True]
    expect(page.get_by_role("status")).to_contain_text("Saved 30 steps")


def test_group_order_toggle(page: Page, log_run: LogRun,
                            server: Callable[[], LiveServer]) -> None:
    runs = log_sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj?group=config.lr")
    groups = page.locator(".tr-group strong")
    expect(groups).to_have_text(["0.01", "0.02", "0.04"])
    page.get_by_role("button", name="Groups ascending: click to reverse").click()
    expect(groups).to_have_text(["0.04", "0.02", "0.01"])
    assert "order=-config.lr" in page.url


def test_parallel_coordinates_and_scatter_export(page: Page, log_run: LogRun,
                                                 server: Callable[[], LiveServer],
                                                 screenshots: Path) -> None:
    runs = log_sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj?cmp=1&pc=config.lr&pm=summary.best"
              "&sx=config.lr&sy=summary.best")
    scatter = page.get_by_role("figure", name="Scatter chart")
    expect(scatter).to_have_attribute("aria-busy", "false", timeout=15_000)
    expect(page.get_by_role("figure", name="Parallel coordinates chart")
           .locator("path.pc-line")).to_have_count(3)

    def item(chart: str, name: str) -> Callable[[], None]:
        def click() -> None:
            page.get_by_role("button", name=f"Export {chart}").click()
            page.get_by_role("menuitem", name=name).click()
        return click

    ns = "{http://www.w3.org/2000/svg}"
    _, svg = _download(page, item("Parallel coordinates", "SVG image"))
    root = ET.fromstring(svg)
    lines = [p for p in root.iter(f"{ns}path") if "stroke-width" in (p.get("style") or "")]
    assert len(lines) >= 3
    assert {t.text for t in root.iter(f"{ns}text")} >= {"lr", "best"}
    _, png = _download(page, item("Parallel coordinates", "PNG image"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    (screenshots / "parallel-export.png").write_bytes(png)
    _, data = _download(page, item("Parallel coordinates", "Data (CSV)"))
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert sorted(float(r["config.lr"]) for r in rows) == [0.01, 0.02, 0.04]

    title = "Scatter summary.best against config.lr"
    _, svg = _download(page, item(title, "SVG image"))
    assert ET.fromstring(svg).tag == f"{ns}svg"
    _, png = _download(page, item(title, "PNG image"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    (screenshots / "scatter-export.png").write_bytes(png)
    _, data = _download(page, item(title, "Data (CSV)"))
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert {r["name"] for r in rows} == {"alpha", "beta", "gamma"}
    assert all(r["summary.best"] for r in rows)


def test_sweep_charts_export(page: Page, server: Callable[[], LiveServer]) -> None:
    import cairn

    sweep_id = cairn.sweep({"method": "grid", "name": "lr search",
                            "metric": {"name": "loss", "goal": "minimize"},
                            "parameters": {"lr": {"values": [0.001, 0.01, 0.1]}}},
                           project="sw")

    def train() -> None:
        run = cairn.init()
        run.log({"loss": abs(run.config["lr"] - 0.01)})

    cairn.agent(sweep_id, function=train, project="sw")
    entity = cairn.Api().sweep(f"sw/{sweep_id}").entity
    live = server()
    page.goto(f"{live.url}/{entity}/sw/sweeps/{sweep_id}")
    expect(page.locator("svg[aria-label='metric over trials'] circle")).to_have_count(3)

    def item(chart: str, name: str) -> Callable[[], None]:
        def click() -> None:
            page.get_by_role("button", name=f"Export {chart}").click()
            page.get_by_role("menuitem", name=name).click()
        return click

    name, svg = _download(page, item("Metric over trials", "SVG image"))
    assert name == "Metric_over_trials.svg"
    root = ET.fromstring(svg)
    assert len(list(root.iter("{http://www.w3.org/2000/svg}circle"))) == 3
    _, png = _download(page, item("Sweep parallel coordinates", "PNG image"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    _, data = _download(page, item("Sweep scatter lr", "Data (CSV)"))
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert sorted(float(r["lr"]) for r in rows) == [0.001, 0.01, 0.1]
    assert {float(r["loss"]) for r in rows} == {abs(lr - 0.01) for lr in (0.001, 0.01, 0.1)}
