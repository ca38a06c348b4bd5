"""Artifacts in the browser: the run page's Artifacts tab, the browser (types → names →
versions), a version page with editable aliases, its files, the lineage graph (pan, zoom,
click through) and the diff of two versions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer

import cairn


def _pipeline(tmp_path: Path) -> tuple[cairn.Run, cairn.Run]:
    """``prep`` logs data v0 and v1; ``train`` uses data:v1 and logs model v0."""
    (tmp_path / "train.csv").write_text("x,y\n1,2\n")
    (tmp_path / "test.csv").write_text("x,y\n3,4\n")
    prep = cairn.init(project="proj", name="prep")
    v0 = cairn.Artifact("mnist", "dataset", metadata={"rows": 2, "source": "synthetic"})
    v0.add_file(tmp_path / "train.csv")
    v0.add_file(tmp_path / "test.csv")
    prep.log_artifact(v0)
    (tmp_path / "train.csv").write_text("x,y\n1,2\n5,6\n")
    (tmp_path / "extra.csv").write_text("x,y\n7,8\n")
    v1 = cairn.Artifact("mnist", "dataset", description="with more rows")
    v1.add_file(tmp_path / "train.csv")
    v1.add_file(tmp_path / "extra.csv")
    prep.log_artifact(v1)
    v1.wait()
    prep.finish()
    train = cairn.init(project="proj", name="train")
    train.use_artifact("mnist:latest")
    model = cairn.Artifact("classifier", "model")
    with model.new_file("weights.bin", mode="wb") as fh:
        fh.write(b"\x00" * 2048)
    train.log_artifact(model, aliases=["best"])
    model.wait()
    train.finish()
    return prep, train


def test_run_artifacts_tab_links_to_versions(page: Page, tmp_path: Path,
                                             server: Callable[[], LiveServer],
                                             screenshots: Path) -> None:
    _, train = _pipeline(tmp_path)
    live = server()
    page.goto(f"{live.url}/{train.entity}/proj/runs/{train.id}?tab=artifacts")
    used = page.get_by_role("region", name="Used artifacts")
    logged = page.get_by_role("region", name="Logged artifacts")
    expect(used.get_by_role("link", name="mnist:v1")).to_be_visible()
    expect(logged.get_by_role("link", name="classifier:v0")).to_be_visible()
    expect(logged).to_contain_text("best")
    page.screenshot(path=str(screenshots / "run-artifacts-tab.png"))
    logged.get_by_role("link", name="classifier:v0").click()
    expect(page).to_have_url(f"{live.url}/{train.entity}/proj/artifacts/classifier/v0")
    expect(page.get_by_role("heading", name="classifier:v0")).to_be_visible()


def test_browser_version_page_aliases_files_diff(page: Page, tmp_path: Path,
                                                 server: Callable[[], LiveServer],
                                                 screenshots: Path) -> None:
    prep, _ = _pipeline(tmp_path)
    live = server()
    page.goto(f"{live.url}/{prep.entity}/proj")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Artifacts").click()
    nav = page.get_by_role("navigation", name="Artifact types")
    expect(nav.get_by_role("region", name="Type dataset")).to_contain_text("mnist")
    expect(nav.get_by_role("region", name="Type model")).to_contain_text("classifier")
    nav.get_by_role("link", name="mnist").click()
    versions = page.get_by_role("region", name="Versions")
    expect(versions.get_by_role("link")).to_have_count(2)
    expect(page.get_by_role("heading", name="mnist:v1")).to_be_visible()  # newest first
    facts = page.get_by_label("Version", exact=True)
    expect(facts).to_contain_text("with more rows")
    expect(facts).to_contain_text("2 files")
    expect(facts.get_by_role("link", name="prep")).to_be_visible()
    expect(facts.get_by_role("link", name="train")).to_be_visible()

    page.get_by_label("Add alias").fill("production")
    page.get_by_label("Add alias").press("Enter")
    expect(page.locator(".alias-editor .alias")).to_have_text(["latest", "production\u00d7"])
    page.reload()  # stored, not only shown
    expect(page.locator(".alias-editor .alias")).to_have_text(["latest", "production\u00d7"])
    page.screenshot(path=str(screenshots / "artifact-version.png"))
    page.get_by_role("button", name="Remove alias production").click()
    expect(page.locator(".alias-editor .alias")).to_have_text(["latest"])
    page.get_by_label("Add alias").fill("v9")
    page.get_by_label("Add alias").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("looks like a version")

    page.get_by_role("tab", name="Files").click()
    files = page.get_by_role("table", name="Artifact files")
    expect(files.get_by_role("row")).to_have_count(3)  # header + 2 files
    with page.expect_download() as info:
        files.get_by_role("row").filter(has_text="extra.csv").get_by_role("link").click()
    assert Path(info.value.path()).read_text() == "x,y\n7,8\n"

    page.get_by_role("tab", name="Diff").click()
    expect(page.get_by_label("Diff summary")).to_have_text("1 added · 1 removed · 1 changed")
    changes = page.get_by_role("list", name="Changes")
    expect(changes.locator(".diff-added")).to_contain_text("extra.csv")
    expect(changes.locator(".diff-removed")).to_contain_text("test.csv")
    expect(changes.locator(".diff-changed")).to_contain_text("train.csv")
    page.screenshot(path=str(screenshots / "artifact-diff.png"))


def test_lineage_graph_pans_zooms_and_clicks_through(page: Page, tmp_path: Path,
                                                     server: Callable[[], LiveServer],
                                                     screenshots: Path) -> None:
    prep, train = _pipeline(tmp_path)
    live = server()
    page.goto(f"{live.url}/{prep.entity}/proj/artifacts/mnist/v1?view=lineage")
    graph = page.get_by_role("img", name="Lineage graph")
    for node in ("run prep", "artifact mnist:v1", "run train", "artifact classifier:v0"):
        expect(graph.get_by_role("link", name=node)).to_be_visible()
    expect(graph.get_by_role("link", name="artifact mnist:v0")).to_be_visible()  # via prep
    expect(graph.locator(".lineage-edge")).to_have_count(4)
    page.screenshot(path=str(screenshots / "lineage.png"))
    fitted = float(graph.get_attribute("data-zoom") or 0)
    assert 0.2 <= fitted <= 1  # the whole graph fits at first
    node = graph.get_by_role("link", name="artifact classifier:v0").bounding_box()
    box = graph.bounding_box()
    assert node is not None
    assert box is not None
    assert node["x"] + node["width"] <= box["x"] + box["width"]
    page.get_by_role("button", name="Zoom in").click()
    expect(graph).to_have_attribute("data-zoom", f"{min(4, fitted * 1.25):.2f}")
    zoomed = graph.get_attribute("data-zoom")
    before = graph.locator("g").first.get_attribute("transform")
    page.mouse.move(box["x"] + box["width"] - 40, box["y"] + box["height"] - 40)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 140, box["y"] + box["height"] - 90, steps=5)
    page.mouse.up()
    assert graph.locator("g").first.get_attribute("transform") != before  # panned
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.wheel(0, 300)
    expect(graph).not_to_have_attribute("data-zoom", zoomed or "")
    page.get_by_role("button", name="Fit").click()
    graph.get_by_role("link", name="run train").click()
    expect(page).to_have_url(f"{live.url}/{train.entity}/proj/runs/{train.id}")
