"""Configurable panels and saved layouts in the browser: sections made, renamed, moved and
collapsed; panels added with their own settings, duplicated, moved, resized and removed;
everything saved in the store (it survives a reload), undone and redone; named views and
a link that reproduces the exact view."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect
from tests.ui.conftest import LiveServer, Logged, LogRun, wait_lines


def saved(live: LiveServer, run: Logged, until: Callable[[dict[str, Any]], bool]) -> Any:
    """The stored layout, once ``until`` holds for it (saves follow edits shortly)."""
    url = f"{live.url}/api/v1/projects/{run.entity}/proj/workspace"
    deadline = time.monotonic() + 10
    while True:
        found = httpx.get(url).json()
        if until(found) or time.monotonic() > deadline:
            assert until(found), found
            return found["layout"]
        time.sleep(0.1)


def see_lines(page: Page, metric: str, lines: int) -> None:
    """``wait_lines`` for an automatic panel that may be below the fold (panels draw only
    on screen)."""
    page.locator(f'section.panel[data-metric="{metric}"]').scroll_into_view_if_needed()
    wait_lines(page, metric, lines)


def section(page: Page, name: str) -> Locator:
    return page.locator(f'.sections > section.section[data-section="{name}"]')


def panels_of(page: Page, name: str) -> Locator:
    return section(page, name).locator(".panel-cell")


def menu(page: Page, title: str, item: str, nth: int = 0) -> None:
    page.get_by_role("button", name=f"Panel menu of {title}", exact=True).nth(nth).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def lines_in(cell: Locator, lines: int) -> None:
    figure = cell.locator(".chart")
    expect(figure).to_have_attribute("data-lines", str(lines))
    expect(figure).not_to_have_attribute("data-points", "0")


def fill_settings(page: Page, title: str, **fields: str) -> None:
    dialog = page.get_by_role("dialog", name=title)
    for label, value in fields.items():
        control = dialog.get_by_label(label.replace("_", " "), exact=True)
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        elif value in ("on", "off") and control.get_attribute("type") == "checkbox":
            control.set_checked(value == "on")
        else:
            control.fill(value)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)


def two_runs(log_run: LogRun) -> list[Logged]:
    return [log_run(name="alpha", config={"lr": 0.01}), log_run(name="beta", config={"lr": 0.02})]


def test_panels_are_made_edited_and_saved_in_the_store(
        page: Page, log_run: LogRun, server: Callable[[], LiveServer],
        screenshots: Path) -> None:
    runs = two_runs(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    wait_lines(page, "train/loss", 2)

    # A section of one's own, first, with a panel of two metrics picked by a regex.
    page.get_by_role("button", name="Add a section").click()
    page.get_by_label("Name of the new section").fill("Mine")
    page.get_by_label("Name of the new section").press("Enter")
    expect(section(page, "Mine")).to_be_visible()
    page.get_by_role("button", name="Add a panel to Mine").click()
    fill_settings(page, "Settings of a new panel", Title="Losses", Metrics="/loss$/")
    losses = panels_of(page, "Mine")
    expect(losses).to_have_count(1)
    lines_in(losses.first, 4)  # two runs, each with train/loss and val/loss
    expect(losses.first.get_by_role("list", name="Losses legend")).to_contain_text(
        "alpha · train/loss")

    menu(page, "Losses", "Duplicate")
    expect(losses).to_have_count(2)
    menu(page, "Losses", "Wider")
    expect(losses.first).to_have_attribute("data-w", "2")
    menu(page, "Losses", "Taller", nth=1)
    expect(losses.nth(1)).to_have_attribute("data-h", "3")
    # Removing an automatic panel hides its metric; the others stay automatic.
    menu(page, "train/acc", "Remove")
    expect(page.locator('section.panel[data-metric="train/acc"]')).to_have_count(0)
    layout = saved(live, runs[0], lambda f: f["layout"] is not None
                   and "train/acc" in f["layout"]["hidden"]
                   and len(f["layout"]["sections"][0]["panels"]) == 2
                   and f["layout"]["sections"][0]["panels"][1].get("h") == 3)
    assert layout["sections"][0]["name"] == "Mine"
    assert layout["sections"][0]["panels"][0]["w"] == 2
    assert layout["sections"][0]["panels"][0]["settings"] == {"metrics": ["/loss$/"],
                                                               "title": "Losses"}
    page.screenshot(path=str(screenshots / "layout-edited.png"))

    # It is the store's: a reload shows the same.
    page.reload()
    expect(panels_of(page, "Mine")).to_have_count(2)
    lines_in(panels_of(page, "Mine").first, 4)
    expect(panels_of(page, "Mine").first).to_have_attribute("data-w", "2")
    expect(page.locator('section.panel[data-metric="train/acc"]')).to_have_count(0)
    see_lines(page, "train/loss", 2)  # the automatic panel of train/loss is still there

    # Undo brings train/acc back; redo removes it again; the store follows.
    page.keyboard.press("Control+z")  # nothing to undo after a reload: no change
    expect(page.locator('section.panel[data-metric="train/acc"]')).to_have_count(0)
    menu(page, "train/loss", "Remove")
    expect(page.locator('section.panel[data-metric="train/loss"]')).to_have_count(0)
    page.keyboard.press("Control+z")
    see_lines(page, "train/loss", 2)
    page.keyboard.press("Control+Shift+z")
    expect(page.locator('section.panel[data-metric="train/loss"]')).to_have_count(0)
    page.get_by_role("button", name="Undo layout change").click()
    see_lines(page, "train/loss", 2)
    saved(live, runs[0], lambda f: "train/loss" not in f["layout"]["hidden"])


def test_sections_rename_move_collapse_and_panels_move_between_them(
        page: Page, log_run: LogRun, server: Callable[[], LiveServer],
        screenshots: Path) -> None:
    runs = two_runs(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    wait_lines(page, "train/loss", 2)
    heads = page.locator(".sections > section.section")
    expect(heads).to_have_count(2)
    expect(heads.first).to_have_attribute("data-section", "train")

    page.get_by_role("button", name="Rename section val").click()
    page.get_by_label("New name of section val").fill("Validation")
    page.get_by_label("New name of section val").press("Enter")
    page.get_by_role("button", name="Move section Validation up").click()
    expect(heads.first).to_have_attribute("data-section", "Validation")
    toggle = page.get_by_role("button", name=re.compile(r"^train \d+$"))
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # Drag train/acc's panel by its grip into Validation (open train again first).
    toggle.click()
    page.get_by_role("button", name="Drag train/acc").drag_to(
        section(page, "Validation").locator(".panel-cell").first)
    expect(panels_of(page, "Validation")).to_have_count(2)
    expect(panels_of(page, "Validation").first.locator("section.panel")).to_have_attribute(
        "aria-label", "train/acc")
    # The corner drags the size: a column wider, a row taller.
    cell = panels_of(page, "Validation").first
    box = cell.bounding_box()
    assert box is not None
    handle = cell.locator(".panel-resize")
    handle.hover()
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 1.9, box["y"] + box["height"] + 110, steps=6)
    page.mouse.up()
    expect(cell).to_have_attribute("data-w", "2")
    expect(cell).to_have_attribute("data-h", "3")
    toggle.click()
    saved(live, runs[0], lambda f: f["layout"] is not None
          and [s["name"] for s in f["layout"]["sections"]] == ["Validation", "train"]
          and f["layout"]["sections"][1]["collapsed"])
    page.screenshot(path=str(screenshots / "layout-sections.png"))

    page.reload()
    expect(heads.first).to_have_attribute("data-section", "Validation")
    expect(page.get_by_role("button", name=re.compile(r"^train \d+$"))).to_have_attribute(
        "aria-expanded", "false")
    expect(panels_of(page, "Validation")).to_have_count(2)
    expect(panels_of(page, "Validation").first).to_have_attribute("data-w", "2")
    expect(panels_of(page, "Validation").first).to_have_attribute("data-h", "3")


def test_a_panels_own_settings_change_its_chart(page: Page, log_run: LogRun,
                                                server: Callable[[], LiveServer],
                                                screenshots: Path) -> None:
    runs = [log_run(name="alpha", config={"lr": 0.01}),
            log_run(name="beta", config={"lr": 0.02}),
            log_run(name="gamma", config={"lr": 0.04}, spike=25)]
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    wait_lines(page, "train/loss", 3)
    page.get_by_role("button", name="Add a panel to train").click()
    fill_settings(page, "Settings of a new panel", Title="Loss", Metrics="train/loss",
                  Y_min="0", Y_max="5", Legend="{run} lr={config.lr}", Max_runs="2")
    panel = section(page, "train").locator(".panel-cell").filter(
        has=page.locator('section.panel[aria-label="Loss"]'))
    lines_in(panel, 2)
    figure = panel.locator(".chart")
    expect(figure).to_have_attribute("data-ymin", "0")
    expect(figure).to_have_attribute("data-ymax", "5")
    legend = panel.get_by_role("list", name="Loss legend")
    expect(legend).to_contain_text("gamma lr=0.04")  # newest first: gamma, beta
    expect(legend).not_to_contain_text("alpha")
    # The automatic panel of train/loss is gone (the configured one draws it).
    expect(page.locator('section.panel[aria-label="train/loss"]')).to_have_count(0)

    # Outliers ignored: gamma's spike of 100 no longer sets the scale; Gaussian smoothing
    # flattens it in the line as drawn.
    menu(page, "Loss", "Settings…")
    fill_settings(page, "Settings of Loss", Y_min="", Y_max="", Max_runs="",
                  Ignore_outliers="on", Smoothing_kind="gaussian", Smoothing_amount="3")
    lines_in(panel, 3)
    page.wait_for_function(
        """() => {
            const el = document.querySelector('section.panel[aria-label="Loss"] .chart');
            return el && Number(el.dataset.ymax) < 10 && Number(el.dataset.drawnMax) < 50;
        }""")
    drawn = float(figure.get_attribute("data-drawn-max") or "nan")
    assert 2 <= drawn < 50, drawn

    # Log x: the x scale is log10 (x from the first positive step).
    menu(page, "Loss", "Settings…")
    fill_settings(page, "Settings of Loss", Log_x="on", Ignore_outliers="off",
                  Smoothing_kind="")
    page.wait_for_function(
        """() => {
            const el = document.querySelector('section.panel[aria-label="Loss"] .chart');
            return el && Number(el.dataset.drawnMax) >= 100;
        }""")
    page.screenshot(path=str(screenshots / "panel-settings.png"))
    layout = saved(live, runs[0], lambda f: f["layout"] is not None and any(
        p["settings"].get("logX") for s in f["layout"]["sections"] for p in s["panels"]))
    own = layout["sections"][0]["panels"][0]["settings"]
    assert own == {"title": "Loss", "metrics": ["train/loss"], "legend": "{run} lr={config.lr}",
                   "logX": True}


def test_group_aggregation_and_band(page: Page, log_run: LogRun,
                                    server: Callable[[], LiveServer]) -> None:
    runs = [log_run(name=n, config={"opt": "adam"}, spike=s, steps=40)
            for n, s in (("a", None), ("b", None), ("c", 20))]
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj?group=config.opt")
    wait_lines(page, "train/loss", 1)
    page.get_by_role("button", name="Add a panel to train").click()
    fill_settings(page, "Settings of a new panel", Title="Median", Metrics="train/loss",
                  Group_aggregation="median", Group_band="stddev")
    figure = page.locator('section.panel[aria-label="Median"] .chart')
    expect(figure).to_have_attribute("data-lines", "1")
    # The median of three runs ignores the one spike (the mean would be 100/3 there);
    # the band is one standard deviation around it, which the y axis makes room for.
    page.wait_for_function(
        """() => {
            const el = document.querySelector('section.panel[aria-label="Median"] .chart');
            return el && Number(el.dataset.points) > 0 && Number(el.dataset.drawnMax) < 3;
        }""")
    ymax = float(figure.get_attribute("data-ymax") or "nan")
    assert ymax > 50, ymax  # 1.4 + sd of (1.4, 1.4, 100) ≈ 58


def test_named_views_default_view_and_copy_link(page: Page, log_run: LogRun,
                                                server: Callable[[], LiveServer],
                                                screenshots: Path) -> None:
    runs = two_runs(log_run)
    live = server()
    base = f"{live.url}/{runs[0].entity}/proj"
    page.goto(f"{base}?smooth=0.5")
    wait_lines(page, "train/loss", 2)
    menu(page, "val/loss", "Remove")
    expect(page.locator('section.panel[data-metric="val/loss"]')).to_have_count(0)

    page.get_by_role("button", name="Saved views").click()
    page.get_by_label("Name of the new view").fill("No val")
    page.get_by_role("button", name="Save view").click()
    views = page.get_by_role("list", name="Saved views")
    expect(views).to_contain_text("No val")
    page.get_by_role("button", name="Open with view No val by default").click()
    expect(page.get_by_role("button", name="Stop opening with view No val")).to_be_visible()
    page.get_by_role("button", name="Rename view No val").click()
    page.get_by_label("New name of view No val").fill("Train only")
    page.get_by_label("New name of view No val").press("Enter")
    expect(views).to_contain_text("Train only")
    page.screenshot(path=str(screenshots / "views.png"))
    page.keyboard.press("Escape")

    # Back to automatic panels, then a bare URL opens the default view: its layout and
    # its query string.
    page.get_by_role("button", name="Reset layout").click()
    wait_lines(page, "val/loss", 2)
    saved(live, runs[0], lambda f: f["layout"] is None)
    page.goto(base)
    page.wait_for_function("() => new URL(location.href).searchParams.get('smooth') === '0.5'")
    wait_lines(page, "train/loss", 2)
    expect(page.locator('section.panel[data-metric="val/loss"]')).to_have_count(0)

    # The link carries the layout: in a fresh tab over an automatic layout, it shows the
    # same panels and settings.
    page.get_by_role("button", name="Copy a link to this view").click()
    link = page.get_by_label("Link to this view", exact=True).input_value()
    assert "smooth=0.5" in link, link
    assert "ly=" in link, link
    httpx.delete(f"{live.url}/api/v1/projects/{runs[0].entity}/proj/workspace")
    other = page.context.new_page()
    other.goto(link)
    wait_lines(other, "train/loss", 2)
    expect(other.locator('section.panel[data-metric="val/loss"]')).to_have_count(0)
    expect(other.get_by_role("status")).to_contain_text("layout of the link you opened")
    assert "ly=" not in other.url
    assert "smooth=0.5" in other.url

    # Delete the view: the workspace opens automatic again.
    page.get_by_role("button", name="Saved views").click()
    page.get_by_role("button", name="Delete view Train only").click()
    expect(page.get_by_text("No saved views yet.")).to_be_visible()


def test_a_stale_tab_does_not_overwrite_a_newer_layout(page: Page, log_run: LogRun,
                                                       server: Callable[[], LiveServer]) -> None:
    runs = two_runs(log_run)
    live = server()
    url = f"{live.url}/{runs[0].entity}/proj"
    page.goto(url)
    wait_lines(page, "train/loss", 2)
    other = page.context.new_page()
    other.goto(url)
    wait_lines(other, "train/loss", 2)
    menu(other, "val/loss", "Remove")
    saved(live, runs[0], lambda f: f["version"] == 1)
    # The first tab still holds version 0: its change is refused, and it shows the newer.
    menu(page, "train/acc", "Remove")
    expect(page.get_by_role("alert")).to_contain_text("changed in another tab")
    expect(page.locator('section.panel[data-metric="val/loss"]')).to_have_count(0)
    expect(page.locator('section.panel[data-metric="train/acc"]')).to_have_count(1)
    layout = saved(live, runs[0], lambda f: f["version"] == 1)
    assert layout["hidden"] == ["val/loss"]


def test_run_page_panels_stay_read_only(page: Page, log_run: LogRun,
                                        server: Callable[[], LiveServer]) -> None:
    run = log_run(name="solo")
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}")
    page.get_by_role("tab", name="Charts").click()
    wait_lines(page, "train/loss", 1)
    expect(page.get_by_role("button", name="Panel menu of train/loss")).to_have_count(0)


def test_text_panels_and_run_colours_are_saved_in_the_layout(
        page: Page, log_run: LogRun, server: Callable[[], LiveServer],
        screenshots: Path) -> None:
    runs = two_runs(log_run)
    live = server()
    page.goto(f"{live.url}/{runs[0].entity}/proj")
    wait_lines(page, "train/loss", 2)
    page.get_by_role("button", name="Add a text panel to train").click()
    fill_settings(page, "Settings of a new text panel", Title="Findings",
                  Text="## What we saw\n\n**lr** matters: $x^2$")
    text = page.locator('section.panel[aria-label="Findings"]')
    expect(text.get_by_role("heading", name="What we saw")).to_be_visible()
    expect(text.locator("strong")).to_have_text("lr")
    expect(text.locator(".katex").first).to_be_visible()

    # A run's colour is the layout's now, not the browser's.
    page.get_by_label("Colour of beta").fill("#ff00aa")
    legend = page.get_by_role("list", name="train/loss legend")
    expect(legend.locator(".legend-item", has_text="beta")).to_have_attribute("data-color",
                                                                              "#ff00aa")
    layout = saved(live, runs[0], lambda f: f["layout"] is not None
                   and f["layout"].get("colors") and any(
                       p["type"] == "markdown" for s in f["layout"]["sections"]
                       for p in s["panels"]))
    assert layout["colors"] == {runs[1].id: "#ff00aa"}
    page.screenshot(path=str(screenshots / "text-panel.png"))
    page.evaluate("() => localStorage.clear()")
    page.reload()
    wait_lines(page, "train/loss", 2)
    expect(legend.locator(".legend-item", has_text="beta")).to_have_attribute("data-color",
                                                                              "#ff00aa")
    expect(page.locator('section.panel[aria-label="Findings"] strong')).to_have_text("lr")
