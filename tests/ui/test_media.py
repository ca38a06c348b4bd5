"""The run page's Media tab in Chromium: image grids with a step slider, overlays and class
toggles, zoom; histograms over steps; a 10,000-row table (sort, filter, virtualised);
custom charts with an editable spec; audio and video players; sandboxed HTML."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer

import cairn


def _media_run() -> cairn.Run:
    run = cairn.init(project="proj", name="vision")
    rng = np.random.default_rng(0)
    for step in range(4):
        pixels = np.zeros((48, 64, 3), dtype=np.uint8)
        pixels[..., 2] = 60 * step
        pixels[8:30, 10:40, 0] = 220
        mask = np.zeros((48, 64), dtype=np.uint8)
        mask[30:46, 4:30] = 2
        boxes = {"predictions": {"box_data": [
            {"position": {"minX": 0.15, "maxX": 0.62, "minY": 0.16, "maxY": 0.62},
             "class_id": 1, "box_caption": f"cat {0.5 + step / 10:.1f}"}],
            "class_labels": {1: "cat", 2: "grass"}}}
        images = [cairn.Image(pixels, caption=f"sample {i} @ {step}", boxes=boxes,
                              masks={"truth": {"mask_data": mask,
                                               "class_labels": {0: "bg", 2: "grass"}}})
                  for i in range(3)]
        run.log({"examples": images,
                 "weights": cairn.Histogram(rng.normal(step, 1.0, 2000), num_bins=48),
                 "loss": 1.0 / (step + 1)})
    table = cairn.Table(columns=["id", "label", "score", "thumb"])
    thumb = cairn.Image(np.full((8, 8, 3), 180, dtype=np.uint8), caption="thumb")
    for i in range(10_000):
        table.add_data(i, f"item-{i % 7}", math.sin(i), thumb if i < 50 else None)
    truth = rng.integers(0, 2, 200)
    p_yes = np.clip(truth * 0.3 + rng.random(200) * 0.7, 0, 1)
    roc = cairn.plot.roc_curve(truth, np.stack([1 - p_yes, p_yes], axis=1), labels=["no", "yes"])
    tone = np.sin(np.arange(8000) / 8 * 2 * np.pi / 20).astype(np.float32) * 0.6
    frames = np.zeros((8, 3, 24, 32), dtype=np.uint8)
    for t in range(8):
        frames[t, 1, :, t * 4:(t + 1) * 4] = 255
    run.log({"predictions": table, "roc": roc, "tone": cairn.Audio(tone, sample_rate=8000),
             "clip": cairn.Video(frames, fps=4, caption="sweep"),
             "report": cairn.Html(HOSTILE_HTML, scripts=True)})
    run.finish()
    return run


# Logged HTML that tries everything: read the parent page, its cookies and storage, and
# call home. It records what it could reach in its own body.
HOSTILE_HTML = """
<h1 id="title">Report</h1><pre id="out">pending</pre>
<script>
const seen = [];
try { seen.push("parent:" + parent.document.title); } catch (e) { seen.push("parent:blocked"); }
try { seen.push("cookie:" + document.cookie); } catch (e) { seen.push("cookie:blocked"); }
try { seen.push("storage:" + localStorage.length); } catch (e) { seen.push("storage:blocked"); }
try { parent.document.body.innerHTML = "pwned"; } catch (e) { seen.push("write:blocked"); }
fetch("/api/v1/projects").then(() => seen.push("fetch:ok"), () => seen.push("fetch:blocked"))
  .finally(() => { document.getElementById("out").textContent = seen.join(" "); });
</script>
"""


def test_media_tab_panels(page: Page, server: Callable[[], LiveServer],
                          screenshots: Path) -> None:
    run = _media_run()
    live = server()
    page.context.add_cookies([{"name": "session", "value": "secret", "url": live.url}])
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")

    images = page.locator('section[data-media-key="examples"]')
    expect(images.locator("figure")).to_have_count(3)
    expect(images.locator("figcaption").first).to_have_text("sample 0 @ 3")
    expect(images.locator(".media-box")).to_have_count(3)
    page.wait_for_function("""() => [...document.querySelectorAll(
        'section[data-media-key="examples"] img')].every(i => i.complete && i.naturalWidth)""")

    slider = images.get_by_label("examples: step")
    slider.fill("1")
    expect(images.locator("figcaption").first).to_have_text("sample 0 @ 1")
    expect(images.locator("output")).to_have_text("1")

    images.screenshot(path=str(screenshots / "media-images.png"))
    images.get_by_role("button", name="cat").click()
    expect(images.locator(".media-box")).to_have_count(0)
    expect(images.get_by_role("button", name="cat")).to_have_attribute("aria-pressed", "false")

    images.get_by_role("button", name="Zoom sample 0 @ 1").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("img")).to_be_visible()
    page.screenshot(path=str(screenshots / "media-zoom.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    hist = page.locator('section[data-media-key="weights"]')
    expect(hist.locator("canvas")).to_be_visible()
    expect(hist.locator(".media-bars rect")).to_have_count(48)

    table = page.locator('section[data-media-key="predictions"]')
    expect(table.locator(".media-table-count")).to_have_text("10,000 rows")
    rendered = table.locator("[role=row].media-tr").count()
    assert 0 < rendered < 120  # virtualised: only the rows in view (and a margin)
    expect(table.locator(".media-cell-img").first).to_be_visible()
    table.get_by_role("columnheader", name="score").click()
    table.get_by_role("columnheader", name="score ▲").click()
    first_score = float(table.locator(".media-tr").first.locator("[role=cell]").nth(2)
                        .inner_text())
    assert first_score > 0.9999
    expect(table.get_by_text("page 1 of 10")).to_be_visible()
    table.get_by_label("predictions: filter rows").fill("item-3")
    expect(table.locator(".media-table-count")).to_have_text("1,429 rows")
    table.get_by_role("button", name="Next").click()
    expect(table.get_by_text("page 2 of 2")).to_be_visible()
    expect(table.locator(".media-tr").first.locator("[role=cell]").nth(1)).to_have_text("item-3")
    table.get_by_role("button", name="Previous").click()

    chart = page.locator('section[data-media-key="roc"]')
    expect(chart.locator("canvas")).to_be_visible(timeout=20_000)
    expect(chart.locator(".media-chart")).to_have_attribute("data-spec",
                                                            "cairn/area-under-curve/v0")

    expect(page.locator('section[data-media-key="tone"] audio')).to_be_attached()
    expect(page.locator('section[data-media-key="clip"] img')).to_be_visible()

    frame = page.frame_locator('section[data-media-key="report"] iframe')
    expect(frame.locator("#out")).to_contain_text("fetch:blocked")
    seen = frame.locator("#out").inner_text()
    assert "parent:blocked" in seen
    assert "write:blocked" in seen
    assert "storage:blocked" in seen
    assert "secret" not in seen
    page.locator('section[data-media-key="report"]').screenshot(
        path=str(screenshots / "media-html.png"))
    expect(page.get_by_role("heading", name="vision")).to_be_visible()
    assert page.evaluate("document.body.textContent.trim()") != "pwned"
    page.screenshot(path=str(screenshots / "media-tab.png"), full_page=True)



def test_custom_chart_spec_can_be_edited(page: Page, server: Callable[[], LiveServer],
                                         screenshots: Path) -> None:
    run = cairn.init(project="proj")
    table = cairn.Table(columns=["x", "y"], data=[[i, i * i] for i in range(10)])
    run.log({"squares": run.plot_table("wandb/line/v0", table, {"x": "x", "y": "y"},
                                       {"title": "Squares"})})
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    panel = page.locator('section[data-media-key="squares"]')
    expect(panel.locator("canvas")).to_be_visible(timeout=20_000)
    panel.get_by_role("button", name="Edit spec").click()
    editor = panel.get_by_label("squares: Vega-Lite spec")
    spec = editor.input_value()
    assert '"${field:x}"' in spec
    editor.fill(spec.replace('"type": "line"', '"type": "point"'))
    panel.get_by_role("button", name="Apply").click()
    expect(panel.locator("canvas")).to_be_visible()
    editor.fill("{not json")
    panel.get_by_role("button", name="Apply").click()
    expect(panel.get_by_role("alert")).to_contain_text("not JSON")
    page.screenshot(path=str(screenshots / "media-chart.png"), full_page=True)


def test_workspace_media_puts_runs_side_by_side(page: Page, server: Callable[[], LiveServer],
                                                screenshots: Path) -> None:
    names = []
    first_id = ""
    for shade in (40, 200):
        run = cairn.init(project="proj", name=f"shade-{shade}")
        first_id = first_id or run.id
        for step in range(2):
            run.log({"samples": cairn.Image(np.full((12, 16, 3), shade + step, dtype=np.uint8),
                                            caption=f"{shade}@{step}"),
                     "acts": cairn.Histogram(np.arange(shade), num_bins=8), "loss": 1.0})
        run.finish()
        names.append(run.name)
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj")
    page.get_by_role("button", name="Media", exact=True).click()
    panel = page.locator('section[data-media-key="samples"]')
    expect(panel.locator(".media-run")).to_have_count(2)
    expect(panel.locator(".media-run-label")).to_have_text(names[::-1])  # newest first
    expect(panel.locator("figcaption")).to_have_count(2)
    panel.get_by_label("samples: step").fill("0")
    expect(panel.locator("figcaption").first).to_have_text("200@0")
    expect(page.locator('section[data-media-key="acts"] .media-heat')).to_have_count(2)
    page.locator('section[data-media-key="samples"]').scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "media-workspace.png"))

    page.goto(f"{live.url}/{run.entity}/proj/compare?runs={first_id},{run.id}&media=1")
    compared = page.locator('section[data-media-key="samples"]')
    expect(compared.locator(".media-run-label")).to_have_text([names[0], names[1]])
    expect(page.get_by_role("row", name="samples")).to_contain_text("image 16\u00d712")
    compared.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "media-compare.png"))


def _canvas_digest(page: Page, selector: str) -> str:
    return str(page.locator(selector).evaluate("c => c.toDataURL('image/png')"))


def test_3d_viewer_draws_point_clouds_and_meshes_and_orbits(
        page: Page, server: Callable[[], LiveServer], screenshots: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    xyz = rng.normal(size=(2000, 3))
    rgb = np.clip((xyz + 2) * 60, 0, 255)
    obj = tmp_path / "pyramid.obj"
    obj.write_text("v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0.5 0.5 1\n"
                   "f 1 2 5\nf 2 3 5\nf 3 4 5\nf 4 1 5\nf 1 2 3\nf 1 3 4\n")
    run = cairn.init(project="proj")
    run.log({"cloud": cairn.Object3D(np.hstack([xyz, rgb]), caption="lidar"),
             "mesh": cairn.Object3D(str(obj))})
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    for key in ("cloud", "mesh"):
        viewer = page.locator(f'section[data-media-key="{key}"] .media-3d')
        expect(viewer).to_have_attribute("aria-busy", "false", timeout=20_000)
        expect(viewer.locator("canvas")).to_be_visible()
    selector = 'section[data-media-key="mesh"] .media-3d canvas'
    before = _canvas_digest(page, selector)
    box = page.locator(selector).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 80, box["y"] + box["height"] / 2 + 20,
                    steps=5)
    page.mouse.up()
    assert _canvas_digest(page, selector) != before  # the camera orbited
    expect(page.locator('section[data-media-key="cloud"] figcaption')).to_contain_text(
        "2,000 points")
    page.screenshot(path=str(screenshots / "media-3d.png"), full_page=True)


def test_plotly_figures_are_drawn(page: Page, server: Callable[[], LiveServer],
                                  screenshots: Path) -> None:
    run = cairn.init(project="proj")
    run.log({"fig": cairn.Plotly({"data": [{"type": "bar", "x": ["a", "b", "c"],
                                            "y": [3, 1, 2]}],
                                  "layout": {"title": {"text": "Counts"}}})})
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    figure = page.get_by_role("figure", name="fig")
    expect(figure).to_have_attribute("aria-busy", "false", timeout=20_000)
    expect(figure.locator(".main-svg").first).to_be_visible()
    expect(figure.locator(".bars path")).to_have_count(3)
    expect(figure).to_contain_text("Counts")
    page.screenshot(path=str(screenshots / "media-plotly.png"))


def test_a_logged_plotly_figure_cannot_make_the_page_fetch_urls(
        page: Page, server: Callable[[], LiveServer]) -> None:
    probe = "http://127.0.0.1:9/probe"
    run = cairn.init(project="proj")
    run.log({"fig": cairn.Plotly({
        "data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2]},
                 {"type": "image", "source": f"{probe}/trace.png"}],
        "layout": {"images": [{"source": f"{probe}/layout.png", "xref": "paper",
                               "yref": "paper", "x": 0, "y": 1, "sizex": 1, "sizey": 1}],
                   "title": {"text": "Probe"}}})})
    run.finish()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    figure = page.get_by_role("figure", name="fig")
    expect(figure).to_have_attribute("aria-busy", "false", timeout=20_000)
    expect(figure.locator(".bars path")).to_have_count(2)
    page.wait_for_timeout(300)
    assert [u for u in requests if u.startswith(probe)] == []


def test_media_of_a_running_run_appear_as_it_logs(page: Page,
                                                  server: Callable[[], LiveServer]) -> None:
    run = cairn.init(project="proj")
    run.log({"frame": cairn.Image(np.zeros((4, 4), dtype=np.uint8), caption="first")})
    run._flush_to_store()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    panel = page.locator('section[data-media-key="frame"]')
    expect(panel.locator("figcaption")).to_have_text("first")
    run.log({"frame": cairn.Image(np.ones((4, 4), dtype=np.uint8), caption="second")})
    run._flush_to_store()
    expect(panel.locator("figcaption")).to_have_text("second", timeout=10_000)  # follows
    panel.get_by_label("frame: step").fill("0")
    expect(panel.locator("figcaption")).to_have_text("first")
    run.log({"frame": cairn.Image(np.ones((4, 4), dtype=np.uint8), caption="third")})
    run._flush_to_store()
    expect(panel.get_by_label("frame: step")).to_have_attribute("max", "2", timeout=10_000)
    expect(panel.locator("output")).to_have_text("0")  # a picked step stays
    run.finish()


def test_a_logged_spec_cannot_load_urls(page: Page, server: Callable[[], LiveServer],
                                        dialogs: list[str]) -> None:
    from cairn.sdk.charts import register_spec

    register_spec("evil/fetch/v0", {
        "data": {"url": "/api/v1/projects"}, "mark": "point",
        "transform": [{"calculate": "alert('x')", "as": "y"}],
        "encoding": {"x": {"field": "${field:x}", "type": "quantitative"}}})
    run = cairn.init(project="proj")
    table = cairn.Table(columns=["a"], data=[[1]])
    run.log({"evil": cairn.plot_table("evil/fetch/v0", table, {"x": "a"})})
    run.finish()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    panel = page.locator('section[data-media-key="evil"]')
    expect(panel.get_by_role("alert")).to_be_visible(timeout=20_000)
    assert not [u for u in requests if u.endswith("/api/v1/projects")]
    assert dialogs == []


def test_an_incremental_table_shows_every_increments_rows(
        page: Page, server: Callable[[], LiveServer]) -> None:
    run = cairn.init(project="proj")
    table = cairn.Table(columns=["i"], data=[[0], [1]], log_mode="INCREMENTAL")
    run.log({"growing": table})
    table.add_data(2)
    run.log({"growing": table})
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    panel = page.locator('section[data-media-key="growing"]')
    # the latest step's increment holds one row; the table is all three
    expect(panel.locator(".media-table-count")).to_have_text("3 rows", timeout=20_000)
