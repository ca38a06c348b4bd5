"""Media in the workspace's panel grid and the viewers of molecules and graphs, in
Chromium: media, histogram-over-steps and Vega panels added from a section's menu, saved in
the layout, undone, following the table's selection and run colours; a pasted Vega spec
drawn through the same safe renderer as logged charts; molecules in 3Dmol.js, graphs laid
out by dagre with pan and zoom; and the plain download view of other media (FileView)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer
from tests.ui.test_layouts import fill_settings, saved

import cairn


def _runs_with_media() -> list[Any]:
    runs = []
    for shade in (40, 200):
        run = cairn.init(project="proj", name=f"shade-{shade}", config={"shade": shade})
        for step in range(3):
            run.log({"train/loss": 1.0 / (step + 1),
                     "samples": cairn.Image(np.full((12, 16, 3), shade, dtype=np.uint8),
                                            caption=f"{shade}@{step}"),
                     "acts": cairn.Histogram(np.random.default_rng(step).normal(step, 1, 500))})
        table = cairn.Table(columns=["x", "y"], data=[[i, i * shade / 100] for i in range(5)])
        run.log({"curve": cairn.plot.line(table, "x", "y", title=f"curve {shade}")})
        run.summary["best"] = shade / 100
        run.finish()
        runs.append(run)
    return runs


def _add(page: Page, section: str, kind: str, **fields: str) -> None:
    page.get_by_role("button", name=f"Add a media panel to {section}").click()
    page.get_by_role("menuitem", name=kind, exact=True).click()
    fill_settings(page, "Settings of a new panel", **fields)


def test_media_histogram_and_vega_panels_are_added_saved_and_follow_the_table(
        page: Page, server: Callable[[], LiveServer], screenshots: Path) -> None:
    runs = _runs_with_media()
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    _add(page, "train", "Media", Key="samples")
    media = page.locator('[data-panel-type="media"]')
    expect(media.locator(".media-run")).to_have_count(2)
    # the runs' own colours, newest first as the table lists them
    expect(media.locator(".media-run-label")).to_have_text(["shade-200", "shade-40"])
    media.get_by_label("samples: step").fill("0")
    expect(media.locator("figcaption").first).to_have_text("200@0")

    _add(page, "train", "Histogram over steps", Key="acts", Title="Activations")
    heat = page.locator('[data-panel-type="histogram"]')
    expect(heat.get_by_role("heading", name="Activations")).to_be_visible()
    expect(heat.locator(".media-heat canvas")).to_have_count(2)

    _add(page, "train", "Vega chart", Key="curve")
    vega = page.locator('[data-panel-type="vega"]')
    expect(vega.locator("canvas")).to_be_visible(timeout=20_000)

    layout = saved(live, runs[0], lambda f: bool(f["layout"]) and sum(
        len(s["panels"]) for s in f["layout"]["sections"]) == 3)
    panels = [p for s in layout["sections"] for p in s["panels"]]
    assert [(p["type"], p["settings"].get("mediaKey")) for p in panels] == [
        ("media", "samples"), ("histogram", "acts"), ("vega", "curve")]
    assert panels[1]["settings"]["title"] == "Activations"
    page.screenshot(path=str(screenshots / "media-panels.png"), full_page=True)

    # Undo takes the Vega panel away, Redo brings it back.
    page.get_by_role("button", name="Undo layout change").click()
    expect(vega).to_have_count(0)
    page.get_by_role("button", name="Redo layout change").click()
    expect(vega).to_have_count(1)

    # Selecting one run in the table narrows every panel to it (after a reload: the
    # layout came from the store).
    page.goto(f"{live.url}/{runs[0].entity}/proj?sel={runs[0].id}")
    expect(media.locator(".media-run")).to_have_count(1)
    expect(media.locator("figcaption")).to_have_text("40@2")
    expect(heat.locator(".media-heat canvas")).to_have_count(1)


def test_a_vega_panel_draws_a_pasted_spec_over_the_runs_and_keeps_it_safe(
        page: Page, server: Callable[[], LiveServer], dialogs: list[str],
        screenshots: Path) -> None:
    runs = _runs_with_media()
    live = server()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    spec = ('{"mark": "bar", "encoding": {"x": {"field": "run", "type": "nominal"}, '
            '"y": {"field": "summary.best", "type": "quantitative"}, '
            '"color": {"field": "run"}}}')
    page.get_by_role("button", name="Add a media panel to train").click()
    page.get_by_role("menuitem", name="Vega chart", exact=True).click()
    dialog = page.get_by_role("dialog", name="Settings of a new panel")
    dialog.get_by_label("Vega-Lite spec").fill("{not json")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("not JSON")
    fill_settings(page, "Settings of a new panel", **{"Vega-Lite spec": spec})
    vega = page.locator('[data-panel-type="vega"]')
    expect(vega.locator("canvas")).to_be_visible(timeout=20_000)
    page.wait_for_timeout(500)
    vega.screenshot(path=str(screenshots / "vega-panel.png"))

    # A spec that asks for vega-embed's menu, code generation, its own loader, and a
    # URL to load gets none of them.
    hostile = ('{"usermeta": {"embedOptions": {"actions": true, "ast": false, '
               '"loader": {"baseURL": "/api/v1/projects"}}}, '
               '"data": {"url": "/api/v1/projects"}, "mark": "point", '
               '"transform": [{"calculate": "alert(1)", "as": "y"}], '
               '"encoding": {"x": {"field": "y", "type": "quantitative"}}}')
    page.get_by_role("button", name="Panel menu of Vega chart").click()
    page.get_by_role("menuitem", name="Settings…").click()
    fill_settings(page, "Settings of Vega chart", **{"Vega-Lite spec": hostile})
    expect(vega.get_by_role("alert")).to_be_visible(timeout=20_000)
    expect(page.locator(".has-actions, .vega-actions, .vega-embed details")).to_have_count(0)
    assert not [u for u in requests if u.endswith("/api/v1/projects")]
    assert dialogs == []


PDB_HEADER = "COMPND    <img src=x onerror=\"window.__pwned=1\">\n"


def test_molecules_open_in_a_3d_viewer(page: Page, server: Callable[[], LiveServer],
                                       tmp_path: Path, screenshots: Path) -> None:
    from rdkit import Chem

    sdf = tmp_path / "phenol.sdf"
    sdf.write_text(Chem.MolToMolBlock(_embedded("c1ccccc1O")))
    pdb = tmp_path / "ethanol.pdb"
    pdb.write_text(PDB_HEADER + Chem.MolToPDBBlock(_embedded("CCO")))
    run = cairn.init(project="proj", name="chem")
    run.log({"mol": [cairn.Molecule(str(sdf), caption="phenol"),
                     cairn.Molecule(str(pdb), caption="<b>ethanol</b>")],
             "train/loss": 1.0})
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    viewers = page.locator('section[data-media-key="mol"] .media-mol')
    expect(viewers).to_have_count(2)
    expect(viewers.nth(0)).to_have_attribute("data-atoms", "13", timeout=20_000)
    expect(viewers.nth(1)).to_have_attribute("data-atoms", "9", timeout=20_000)
    expect(viewers.nth(0).locator("canvas")).to_have_count(1)
    expect(page.get_by_text("<b>ethanol</b>", exact=False)).to_be_visible()
    # the file is still offered for download
    download = page.locator('section[data-media-key="mol"] a[download]').first
    assert (download.get_attribute("href") or "").startswith("/api/v1/blobs/")
    box = viewers.nth(0).bounding_box()
    assert box is not None
    before = viewers.nth(0).locator("canvas").evaluate("c => c.toDataURL()")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x + 80, y + 20, steps=6)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert viewers.nth(0).locator("canvas").evaluate("c => c.toDataURL()") != before
    assert page.evaluate("window.__pwned") is None
    page.locator('section[data-media-key="mol"]').screenshot(
        path=str(screenshots / "molecules.png"))

    # The workspace's media panel shows them too.
    page.goto(f"{live.url}/{run.entity}/proj")
    _add(page, "train", "Media", Key="mol")
    expect(page.locator('[data-panel-type="media"] .media-mol').first).to_have_attribute(
        "data-atoms", "13", timeout=20_000)


def _embedded(smiles: str) -> Any:
    from rdkit import Chem
    from rdkit.Chem import AllChem

    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    AllChem.EmbedMolecule(mol, randomSeed=1)
    return mol


EVIL = "<img src=x onerror=\"window.__pwned=1\">"


def test_graphs_are_laid_out_in_layers_with_pan_and_zoom(
        page: Page, server: Callable[[], LiveServer], dialogs: list[str],
        screenshots: Path) -> None:
    graph = cairn.Graph()
    names = ["input", "conv1", "relu1", "conv2", "relu2", "flatten", "fc", EVIL]
    nodes = [graph.add_node(id=i, name=n, class_name="Conv2d" if "conv" in n else "Layer",
                            output_shape=[8, 16, 16]) for i, n in enumerate(names)]
    for a, b in itertools.pairwise(nodes):
        graph.add_edge(a, b)
    graph.add_edge(nodes[1], nodes[4])  # a skip connection
    run = cairn.init(project="proj", name="model")
    run.log({"graph": graph, "train/loss": 1.0})
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    figure = page.locator('section[data-media-key="graph"] .media-graph')
    expect(figure).to_have_attribute("data-nodes", "8", timeout=20_000)
    expect(figure).to_have_attribute("data-edges", "8")
    expect(figure.locator(".graph-label").last).to_have_text(EVIL)
    # layered: each node below the one it follows
    ys = figure.locator(".graph-node").evaluate_all(
        "gs => gs.map(g => g.transform.baseVal[0].matrix.f)")
    assert ys == sorted(ys)
    assert ys[0] < ys[-1]
    svg = figure.locator("svg")
    fitted = svg.get_attribute("viewBox")
    box = svg.bounding_box()
    assert box is not None
    assert fitted is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    expect(svg).not_to_have_attribute("viewBox", fitted)
    zoomed = [float(v) for v in (svg.get_attribute("viewBox") or "").split()]
    assert zoomed[2] < [float(v) for v in fitted.split()][2]
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    panned = [float(v) for v in (svg.get_attribute("viewBox") or "").split()]
    assert panned[0] < zoomed[0]
    assert panned[2] == zoomed[2]
    figure.get_by_role("button", name="Fit").click()
    expect(svg).to_have_attribute("viewBox", fitted)
    figure.screenshot(path=str(screenshots / "graph.png"))
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []


def test_other_media_are_offered_for_download(page: Page, server: Callable[[], LiveServer],
                                              dialogs: list[str]) -> None:
    left = cairn.Table(columns=["id", "a"], data=[[1, "x"], [2, "y"]])
    right = cairn.Table(columns=["id", "b"], data=[[1, 0.5], [2, 0.25]])
    run = cairn.init(project="proj", name="joined")
    run.log({"joined": cairn.JoinedTable(left, right, "id")})
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=media")
    view = page.locator('section[data-media-key="joined"] .media-file')
    expect(view).to_have_attribute("data-type", "joined-table")
    expect(view).to_contain_text("joined-table")
    link = view.get_by_role("link", name="download")
    href = link.get_attribute("href") or ""
    assert href.startswith("/api/v1/blobs/")
    stored = page.request.get(live.url + href)
    assert stored.ok
    assert b'"join_key":"id"' in stored.body()
    assert dialogs == []
