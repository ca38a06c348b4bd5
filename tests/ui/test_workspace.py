"""The project workspace in a real browser: charts, the runs table's sort, filter, search
and grouping, eye toggles, drag to zoom, full screen, and the projects list."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Request, expect
from tests.ui.conftest import LiveServer, LogRun, chart, wait_lines


def log_three(log_run: LogRun) -> list[Any]:
    return [
        log_run(name="alpha", config={"lr": 0.01, "opt": "adam"}, group="small"),
        log_run(name="beta", config={"lr": 0.02, "opt": "sgd"}, group="small"),
        log_run(name="gamma", config={"lr": 0.04, "opt": "sgd"}, group="big", spike=25),
    ]


def row_names(page: Page) -> list[str]:
    return page.locator(".tbody .tr[data-run] .run-name a").all_inner_texts()


def test_projects_page_lists_projects(page: Page, log_run: LogRun,
                                      server: Callable[[], LiveServer], screenshots: Path) -> None:
    first = log_run(project="vision", name="a")
    log_run(project="vision", name="b")
    log_run(project="speech", name="c")
    live = server()
    page.goto(live.url + "/")
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name="vision")).to_be_visible()
    expect(table.get_by_role("row", name="vision")).to_contain_text("2")
    expect(table.get_by_role("link", name="speech")).to_be_visible()
    page.screenshot(path=str(screenshots / "projects.png"))
    table.get_by_role("link", name="vision").click()
    expect(page).to_have_url(f"{live.url}/{first.entity}/vision")
    expect(page.locator(".tbody .tr[data-run]")).to_have_count(2)


def test_workspace_draws_one_line_per_shown_run(page: Page, log_run: LogRun,
                                                server: Callable[[], LiveServer],
                                                screenshots: Path) -> None:
    runs = log_three(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    for metric in ("train/loss", "train/acc", "val/loss"):
        wait_lines(page, metric, 3)
    section = page.get_by_role("button", name=re.compile(r"^train \d+$"))
    expect(section).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".tbody .tr[data-run]")).to_have_count(3)
    page.screenshot(path=str(screenshots / "workspace.png"))

    page.get_by_label("Runs in charts").select_option("5")
    page.wait_for_function("() => new URL(location.href).searchParams.get('n') === '5'")
    # A link with n=2 draws the two newest runs.
    page.goto(f"{live.url}/{runs[0].entity}/proj?n=2")
    wait_lines(page, "train/loss", 2)
    expect(page.get_by_role("button", name="Show alpha in charts")).to_have_attribute(
        "aria-pressed", "false")


def test_eye_toggle_and_only_selected(page: Page, log_run: LogRun,
                                      server: Callable[[], LiveServer]) -> None:
    runs = log_three(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    wait_lines(page, "train/loss", 3)
    eye = page.get_by_role("button", name="Show beta in charts")
    expect(eye).to_have_attribute("aria-pressed", "true")
    eye.click()
    expect(eye).to_have_attribute("aria-pressed", "false")
    wait_lines(page, "train/loss", 2)
    assert "hide=" in page.url
    # Keyboard: Enter and Space work on the toggle, and focus is visible.
    eye.focus()
    page.keyboard.press("Enter")
    expect(eye).to_have_attribute("aria-pressed", "true")
    wait_lines(page, "train/loss", 3)
    page.keyboard.press("Space")
    expect(eye).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Space")
    expect(eye).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")

    # A selection is what the charts show, until "only selected" is turned off.
    page.get_by_role("checkbox", name="Select alpha").check()
    wait_lines(page, "train/loss", 1)
    assert f"sel={runs[0].id}" in page.url
    page.get_by_role("button", name="Show only selected").click()
    wait_lines(page, "train/loss", 3)  # every run the table lists again
    assert "only=0" in page.url


def test_sort_filter_and_search(page: Page, log_run: LogRun,
                                server: Callable[[], LiveServer]) -> None:
    runs = log_three(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    expect(page.locator(".tbody .tr[data-run]")).to_have_count(3)
    assert row_names(page) == ["gamma", "beta", "alpha"]  # newest first

    page.get_by_role("button", name="Sort by Name").click()
    expect(page.locator(".tbody .tr[data-run]").first).to_contain_text("gamma")
    page.get_by_role("button", name="Sort by Name").click()
    expect(page.locator(".tbody .tr[data-run]").first).to_contain_text("alpha")
    assert "order=name" in page.url

    page.get_by_role("button", name="Filters").click()
    page.get_by_label("Filter 1 field").fill("config.lr")
    page.get_by_label("Filter 1 operator").select_option("$gte")
    page.get_by_label("Filter 1 value").fill("0.02")
    with page.expect_request(lambda r: "/runs?" in r.url and "filters=" in r.url) as req:
        page.get_by_role("button", name="Apply filters").click()
    assert json.loads(_query(req.value, "filters")) == {"config.lr": {"$gte": 0.02}}
    expect(page.locator(".tbody .tr[data-run]")).to_have_count(2)
    wait_lines(page, "train/loss", 2)

    page.get_by_role("searchbox", name="Search runs").fill("gam")
    expect(page.locator(".tbody .tr[data-run]")).to_have_count(1)
    expect(page.locator(".tbody .tr[data-run]")).to_contain_text("gamma")
    assert "q=gam" in page.url

    # The URL reproduces the view.
    page.reload()
    expect(page.locator(".tbody .tr[data-run]")).to_have_count(1)
    expect(page.get_by_role("searchbox", name="Search runs")).to_have_value("gam")


def _query(request: Request, name: str) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(request.url).query)[name][0]


def test_group_by_config_key(page: Page, log_run: LogRun,
                             server: Callable[[], LiveServer]) -> None:
    runs = log_three(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    wait_lines(page, "train/loss", 3)
    page.get_by_label("Group by").select_option("config.opt")
    groups = page.locator(".tr-group")
    expect(groups).to_have_count(2)
    expect(groups.filter(has_text="sgd")).to_contain_text("2 runs")
    wait_lines(page, "train/loss", 2)  # one mean line (with its band) per group
    page.get_by_role("button", name="Group sgd, 2 runs").click()
    expect(page.locator(".tbody .tr[data-run]")).to_have_count(2)

    page.get_by_label("Group by").select_option("group")
    expect(page.locator(".tr-group")).to_have_count(2)
    expect(page.locator(".tr-group").filter(has_text="small")).to_contain_text("2 runs")


def test_drag_zoom_fetches_finer_data(page: Page, log_run: LogRun,
                                      server: Callable[[], LiveServer]) -> None:
    run = log_run(name="long", steps=3000, spike=1234)
    live = server()
    bodies: list[dict[str, Any]] = []
    page.on("request", lambda r: r.method == "POST" and "/envelopes" in r.url
            and bodies.append(json.loads(r.post_data or "{}")))
    page.goto(f"{live.url}/{run.entity}/proj?panels=train/loss")
    wait_lines(page, "train/loss", 1)
    first = bodies[0]
    assert first["min"] is None
    assert first["max"] is None
    assert 100 < first["buckets"] < 1440  # the chart's pixel width, not the 3000 points

    over = chart(page, "train/loss").locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.up()
    page.wait_for_function("() => new URL(location.href).searchParams.has('zoom')")
    wait_lines(page, "train/loss", 1)
    zoomed = [b for b in bodies if b["min"] is not None]
    assert zoomed, bodies
    lo, hi = zoomed[-1]["min"], zoomed[-1]["max"]
    assert 500 < lo < hi < 2000
    assert zoomed[-1]["buckets"] == first["buckets"]

    # Double-click resets the zoom.
    over.dblclick()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('zoom')")


def test_spike_stays_visible_in_envelope(page: Page, log_run: LogRun,
                                         server: Callable[[], LiveServer]) -> None:
    """100 000 points in a few hundred buckets: the y axis still reaches the spike."""
    run = log_run(name="spiky", steps=20_000, spike=12_345)
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj?panels=train/loss")
    wait_lines(page, "train/loss", 1)
    points = int(chart(page, "train/loss").get_attribute("data-points") or 0)
    assert 100 < points < 2000  # buckets, not 20 000 points
    assert float(chart(page, "train/loss").get_attribute("data-ymax") or 0) >= 100


def test_charts_read_the_packed_answer(page: Page, log_run: LogRun,
                                      server: Callable[[], LiveServer]) -> None:
    """The app asks for packed envelopes and draws them: the spike from float64 blocks."""
    run = log_run(name="spiky", steps=5_000, spike=2_345)
    live = server()
    types: list[str] = []
    page.on("response", lambda r: "/envelopes" in r.url
            and types.append(r.headers.get("content-type", "")))
    page.goto(f"{live.url}/{run.entity}/proj?panels=train/loss")
    wait_lines(page, "train/loss", 1)
    assert types
    assert set(types) == {"application/vnd.cairn.envelopes"}
    points = int(chart(page, "train/loss").get_attribute("data-points") or 0)
    assert 100 < points < 2000
    assert float(chart(page, "train/loss").get_attribute("data-ymax") or 0) >= 100


def test_fullscreen_opens_and_escape_closes(page: Page, log_run: LogRun,
                                            server: Callable[[], LiveServer]) -> None:
    run = log_run(name="solo")
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj")
    wait_lines(page, "train/loss", 1)
    page.get_by_role("button", name="Full screen train/loss").click()
    dialog = page.get_by_role("dialog", name="train/loss (full screen)")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".chart")).to_have_attribute("data-lines", "1")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert "full=" not in page.url


def test_dark_theme_toggles(page: Page, log_run: LogRun, server: Callable[[], LiveServer],
                            screenshots: Path) -> None:
    run = log_run(name="night", config={"lr": 0.02})
    log_run(name="day", config={"lr": 0.01})
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj")
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    page.get_by_role("button", name="Switch to dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert "theme=dark" in page.url
    wait_lines(page, "train/loss", 2)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(245, 246, 248)"
    page.screenshot(path=str(screenshots / "workspace-dark.png"))
    page.get_by_role("button", name="Switch to light theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")


def test_parallel_coordinates_and_scatter_load_on_demand(
        page: Page, log_run: LogRun, server: Callable[[], LiveServer]) -> None:
    runs = log_three(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    wait_lines(page, "train/loss", 3)
    scripts = page.evaluate("[...performance.getEntriesByType('resource')].map(e => e.name)")
    assert not any("/embed-" in s for s in scripts), "vega loaded before it was asked for"
    page.get_by_role("button", name="Parallel coordinates & scatter").click()
    scatter = page.get_by_role("figure", name="Scatter chart")
    expect(scatter).to_have_attribute("aria-busy", "false", timeout=15_000)
    expect(scatter.locator("canvas")).to_have_count(1)
    parallel = page.get_by_role("figure", name="Parallel coordinates chart")
    expect(parallel.locator("path.pc-line")).to_have_count(3)


def test_api_errors_show_a_banner(page: Page, log_run: LogRun,
                                  server: Callable[[], LiveServer]) -> None:
    run = log_run(name="x")
    live = server()
    page.goto(f"{live.url}/{run.entity}/no-such-project")
    alert = page.get_by_role("alert").first
    expect(alert).to_contain_text("not found")
    expect(alert).to_contain_text("no-such-project")
