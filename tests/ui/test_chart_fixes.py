"""The workspace's charts read right: log-scale tick labels, run colours and the legend,
charts that follow the table's filter and selection, groups in value order, a metric as
x joined in x order, smoothing that reads the same at every zoom level."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer, Logged, LogRun, chart, wait_lines

import cairn
from cairn.sdk.charts import register_spec

# The palette's first three colours (src/cairn/ui/src/lib/colors.ts), oldest run first.
BY_POSITION = {"alpha": "#1f77b4", "beta": "#e8590c", "gamma": "#2b8a3e"}


def legend_colours(page: Page, metric: str) -> dict[str, str]:
    items = page.get_by_role("list", name=f"{metric} legend").locator(".legend-item[data-color]")
    return {items.nth(i).inner_text(): items.nth(i).get_attribute("data-color") or ""
            for i in range(items.count())}


def test_log_scale_y_ticks_are_numbers(page: Page, log_run: LogRun,
                                       server: Callable[[], LiveServer],
                                       screenshots: Path) -> None:
    # train/loss falls from 2 to about 1e-5: five decades on a log axis.
    run = log_run(name="decades", config={"lr": 0.05})
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj?panels=train/loss&log=1")
    wait_lines(page, "train/loss", 1)
    figure = chart(page, "train/loss")
    expect(figure).to_have_attribute("data-yticks", re.compile(r".+"))
    labels = (figure.get_attribute("data-yticks") or "").split("|")
    page.screenshot(path=str(screenshots / "log-scale.png"))
    assert len(labels) >= 3, labels
    assert "0" not in labels, labels  # the labels a log axis leaves out are blank, not "0"
    assert len(set(labels)) == len(labels), labels
    values = [float(v) for v in labels]
    assert all(v > 0 for v in values), labels
    assert max(values) / min(values) >= 1e3, labels


def test_colours_by_position_legend_and_a_chosen_colour(page: Page, log_run: LogRun,
                                                       server: Callable[[], LiveServer],
                                                       screenshots: Path) -> None:
    runs = [log_run(name=n, steps=20) for n in ("alpha", "beta", "gamma")]
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj?panels=train/loss")
    wait_lines(page, "train/loss", 3)
    # Oldest first takes the palette's first colour: three runs, three colours.
    assert legend_colours(page, "train/loss") == BY_POSITION
    page.screenshot(path=str(screenshots / "legend.png"))

    # Sorting the table does not recolour the runs.
    page.get_by_role("button", name="Sort by Name").click()
    page.wait_for_function("() => new URL(location.href).searchParams.has('order')")
    expect(page.locator(".tbody .tr[data-run]").first).to_contain_text("gamma")
    wait_lines(page, "train/loss", 3)
    assert legend_colours(page, "train/loss") == BY_POSITION

    page.get_by_label("Colour of beta").fill("#ff00aa")
    legend = page.get_by_role("list", name="train/loss legend")
    expect(legend.locator(".legend-item", has_text="beta")).to_have_attribute("data-color",
                                                                              "#ff00aa")
    page.reload()
    wait_lines(page, "train/loss", 3)
    assert legend_colours(page, "train/loss") == {**BY_POSITION, "beta": "#ff00aa"}
    expect(page.get_by_label("Colour of beta")).to_have_value("#ff00aa")


def test_charts_follow_the_filter_and_the_selection(page: Page, log_run: LogRun,
                                                    server: Callable[[], LiveServer]) -> None:
    kept = [log_run(name=f"keep-{i}", steps=5) for i in range(12)]
    log_run(name="other-a", steps=5)
    log_run(name="other-b", steps=5)
    live = server()
    page.goto(f"{live.url}/{kept[0].entity}/proj?panels=train/loss")
    wait_lines(page, "train/loss", 14)
    page.get_by_role("searchbox", name="Search runs").fill("keep")
    expect(page.locator(".tbody .tr[data-run]")).to_have_count(12)
    wait_lines(page, "train/loss", 12)  # every run the filter matches, not the first 10

    page.get_by_role("checkbox", name="Select keep-3").check()
    page.get_by_role("checkbox", name="Select keep-7").check()
    wait_lines(page, "train/loss", 2)  # the selection
    assert set(legend_colours(page, "train/loss")) == {"keep-3", "keep-7"}
    page.get_by_role("button", name="Show only selected").click()
    wait_lines(page, "train/loss", 12)
    assert "only=0" in page.url
    page.get_by_role("button", name="Clear").click()

    # The cap, set explicitly, says so.
    page.get_by_label("Runs in charts").select_option("5")
    wait_lines(page, "train/loss", 5)
    note = page.get_by_role("status").filter(has_text="Charts show the first 5 of 12 runs")
    expect(note).to_be_visible()


def test_groups_are_listed_by_value(page: Page, log_run: LogRun,
                                    server: Callable[[], LiveServer]) -> None:
    # The newest first would be 0.03, 0.01, 0.003, 0.1.
    runs = [log_run(name=f"lr-{lr}", steps=5, config={"lr": lr}) for lr in (0.1, 0.003, 0.01, 0.03)]
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj?group=config.lr&panels=train/loss")
    expect(page.locator(".tr-group")).to_have_count(4)
    assert [t.split("\n")[0] for t in page.locator(".tr-group strong").all_inner_texts()] == [
        "0.003", "0.01", "0.03", "0.1"]
    wait_lines(page, "train/loss", 4)
    assert list(legend_colours(page, "train/loss")) == [
        "0.003 (1)", "0.01 (1)", "0.03 (1)", "0.1 (1)"]
    page.goto(f"{live.url}/{runs[0].entity}/proj?group=config.lr&order=-config.lr")
    expect(page.locator(".tr-group")).to_have_count(4)
    assert page.locator(".tr-group strong").all_inner_texts() == ["0.1", "0.03", "0.01", "0.003"]


def painted_pixels(page: Page, metric: str) -> tuple[int, float]:
    """Pixels of the chart in a strong colour (a line's, not the greys of the background,
    grid and axes), and the canvas's width in device pixels."""
    counted = page.evaluate(
        """(metric) => {
            const panel = document.querySelector(`section.panel[data-metric="${metric}"]`);
            const canvas = panel.querySelector('canvas');
            const ctx = canvas.getContext('2d');
            const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
            let n = 0;
            for (let i = 0; i < data.length; i += 4) {
                const hi = Math.max(data[i], data[i + 1], data[i + 2]);
                const lo = Math.min(data[i], data[i + 1], data[i + 2]);
                if (data[i + 3] > 200 && hi - lo > 60) n++;
            }
            return [n, canvas.width];
        }""", metric)
    return int(counted[0]), float(counted[1])


def test_metric_as_x_joins_points_in_x_order(page: Page, cairn_root: Path,
                                             server: Callable[[], LiveServer],
                                             screenshots: Path) -> None:
    run = cairn.init(project="proj", name="shuffled")
    xs = list(range(300))
    random.Random(7).shuffle(xs)
    for x in xs:  # logged in shuffled x order: y is a smooth function of x
        run.log({"x": float(x), "y": math.sin(x / 50)})
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj?panels=/^y$/&x=x")
    wait_lines(page, "y", 1)
    page.wait_for_timeout(200)
    painted, width = painted_pixels(page, "y")
    page.screenshot(path=str(screenshots / "metric-x.png"))
    # One curve across the plot paints a few pixels per column; joined in step order it
    # scribbles over the whole plot (tens of times more).
    assert 0 < painted < 6 * width, (painted, width)


def test_smoothing_reads_the_same_zoomed_in(page: Page, log_run: LogRun,
                                            server: Callable[[], LiveServer]) -> None:
    run: Logged = log_run(name="spiky", steps=20_000, spike=12_345)
    live = server()
    base = f"{live.url}/{run.entity}/proj?panels=train/loss&smooth=0.99"
    page.goto(base)
    wait_lines(page, "train/loss", 1)
    full = float(chart(page, "train/loss").get_attribute("data-drawn-max") or "nan")
    page.goto(base + "&zoom=12000,12700")
    wait_lines(page, "train/loss", 1)
    zoomed = float(chart(page, "train/loss").get_attribute("data-drawn-max") or "nan")
    # At point level the spike lifts the smoothed line by 0.01 * 100, about 1.
    assert 0.7 < zoomed < 1.3, zoomed
    assert abs(full - zoomed) / zoomed < 0.25, (full, zoomed)


def test_custom_charts_draw_without_a_version_warning(page: Page, cairn_root: Path,
                                                      server: Callable[[], LiveServer]) -> None:
    warnings: list[str] = []
    page.on("console", lambda m: m.type in ("warning", "error") and warnings.append(m.text))
    # A spec as runs logged it before (and as wandb's say): Vega-Lite v5.
    register_spec("old/line/v0", {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "data": {"name": "wandb"},
        "mark": "line", "encoding": {"x": {"field": "${field:x}", "type": "quantitative"},
                                     "y": {"field": "${field:y}", "type": "quantitative"}}})
    run = cairn.init(project="proj")
    table = cairn.Table(columns=["x", "y"], data=[[i, i * i] for i in range(10)])
    run.log({"squares": run.plot_table("wandb/line/v0", table, {"x": "x", "y": "y"},
                                       {"title": "Squares"}),
             "old": run.plot_table("old/line/v0", table, {"x": "x", "y": "y"})})
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    for key in ("squares", "old"):
        panel = page.locator(f'section[data-media-key="{key}"]')
        expect(panel.locator("canvas")).to_be_visible(timeout=20_000)
    assert not [w for w in warnings if "Vega" in w or "version" in w], warnings


def log_sweep(log_run: LogRun) -> list[Logged]:
    """Eight runs over three decades of learning rate, two optimisers; ``best`` grows with
    the learning rate."""
    return [log_run(name=f"run-{i}", steps=3,
                    config={"lr": 10 ** (-4 + i * 3 / 7), "optimizer": "adam" if i % 2 else "sgd"})
            for i in range(8)]


def test_scatter_with_a_text_field_as_x(page: Page, log_run: LogRun,
                                        server: Callable[[], LiveServer],
                                        screenshots: Path) -> None:
    runs = log_sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj?cmp=1&sx=config.optimizer&sy=summary.best")
    scatter = page.get_by_role("figure", name="Scatter chart")
    expect(scatter).to_have_attribute("aria-busy", "false", timeout=15_000)
    expect(scatter.locator("canvas")).to_have_count(1)
    expect(scatter.get_by_role("alert")).to_have_count(0)
    # Points were drawn: the canvas holds more than axes (a strong colour somewhere).
    coloured = page.evaluate("""() => {
        const c = document.querySelector('[aria-label="Scatter chart"] canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) {
            const hi = Math.max(d[i], d[i + 1], d[i + 2]), lo = Math.min(d[i], d[i + 1], d[i + 2]);
            if (d[i + 3] > 200 && hi - lo > 60) n++;
        }
        return n;
    }""")
    page.get_by_role("figure", name="Scatter chart").screenshot(
        path=str(screenshots / "scatter-text-x.png"))
    assert coloured > 100, coloured


def test_parallel_coordinates_brush_and_log_axes(page: Page, log_run: LogRun,
                                                 server: Callable[[], LiveServer],
                                                 screenshots: Path) -> None:
    runs = log_sweep(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj?cmp=1&pc=config.lr,config.optimizer"
              "&pm=summary.best&panels=train/loss")
    figure = page.get_by_role("figure", name="Parallel coordinates chart")
    expect(figure.locator("path.pc-line")).to_have_count(8)
    lr_axis = figure.locator('g.pc-axis[data-field="config.lr"]')
    expect(lr_axis).to_have_attribute("data-scale", "linear")

    page.get_by_label("Log scale for lr").check()
    expect(lr_axis).to_have_attribute("data-scale", "log")
    assert "plog=config.lr" in page.url
    # Decades: 1e-4 to 0.1.
    ticks = lr_axis.locator("text.pc-tick").all_text_contents()
    assert ticks == ["0.0001", "0.001", "0.01", "0.1"], ticks

    # Brush the top half of the lr axis: the four largest learning rates.
    hit = lr_axis.locator("rect.pc-hit").bounding_box()
    assert hit is not None
    x = hit["x"] + hit["width"] / 2
    page.mouse.move(x, hit["y"] + 2)
    page.mouse.down()
    page.mouse.move(x, hit["y"] + hit["height"] * 0.5, steps=6)
    page.mouse.up()
    expect(figure).to_have_attribute("data-brushed", "4")
    expect(page.get_by_text("4 of 8 runs in the brush")).to_be_visible()
    expect(figure.locator("path.pc-line[data-run]")).to_have_count(4)
    figure.screenshot(path=str(screenshots / "parallel-brush.png"))

    # The brushed runs become the selection, which the charts follow.
    page.get_by_role("button", name="Select brushed runs").click()
    wait_lines(page, "train/loss", 4)
    assert set(legend_colours(page, "train/loss")) == {f"run-{i}" for i in range(4, 8)}

    # A click on the axis clears its brush.
    lr_axis.locator("rect.pc-hit").click()
    expect(figure).to_have_attribute("data-brushed", "8")
