"""The run page: overview (config tree, summary, notes as Markdown + LaTeX), editing the
name, tags and notes, its charts and tabs; and the compare page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer, LogRun, wait_lines

import cairn

NOTES = "## Findings\n\nWarm-up **helps**: $\\eta = 10^{-3}$.\n\n- first\n- second\n"


def test_run_page_shows_config_summary_and_notes(page: Page, log_run: LogRun,
                                                 server: Callable[[], LiveServer],
                                                 screenshots: Path) -> None:
    run = log_run(name="resnet", config={"lr": 0.001, "model": {"depth": 50, "act": "relu"}},
                  notes=NOTES, tags=["baseline"], group="g1", job_type="train")
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}")
    expect(page.get_by_role("heading", name="resnet")).to_be_visible()
    config = page.get_by_role("region", name="Config")
    expect(config).to_contain_text("depth")
    expect(config).to_contain_text("50")
    expect(config).to_contain_text("relu")
    summary = page.get_by_role("region", name="Summary")
    expect(summary).to_contain_text("best")
    notes = page.get_by_role("region", name="Notes")
    expect(notes.get_by_role("heading", name="Findings")).to_be_visible()
    expect(notes.locator("strong")).to_have_text("helps")
    expect(notes.locator(".katex").first).to_be_visible()
    expect(page.get_by_role("region", name="Run")).to_contain_text("g1")
    page.screenshot(path=str(screenshots / "run.png"))

    page.get_by_role("tab", name="Charts").click()
    wait_lines(page, "train/loss", 1)
    page.get_by_role("tab", name="Media").click()
    expect(page.get_by_text("No media logged")).to_be_visible()


def test_run_page_edits_name_tags_and_notes(page: Page, log_run: LogRun,
                                            server: Callable[[], LiveServer]) -> None:
    run = log_run(name="before", tags=["old"])
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}")
    page.get_by_role("button", name="Rename run").click()
    page.get_by_label("Run name").fill("after")
    page.get_by_label("Run name").press("Enter")
    expect(page.get_by_role("heading", name="after")).to_be_visible()

    page.get_by_role("button", name="Remove tag old").click()
    page.get_by_label("Add tag").fill("new")
    page.get_by_label("Add tag").press("Enter")
    expect(page.locator(".tag")).to_have_text(["new"])

    page.get_by_role("button", name="Edit notes").click()
    page.get_by_label("Notes (Markdown)").fill("*edited* note")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_role("region", name="Notes").locator("em")).to_have_text("edited")

    page.reload()  # saved on the server, not only on the page
    expect(page.get_by_role("heading", name="after")).to_be_visible()
    expect(page.locator(".tag")).to_have_text(["new"])
    expect(page.get_by_role("region", name="Notes").locator("em")).to_have_text("edited")


def test_compare_highlights_differences(page: Page, log_run: LogRun,
                                        server: Callable[[], LiveServer],
                                        screenshots: Path) -> None:
    a = log_run(name="a", config={"lr": 0.01, "opt": "adam", "seed": 1})
    b = log_run(name="b", config={"lr": 0.02, "opt": "adam", "seed": 1})
    live = server()
    page.goto(f"{live.url}/{a.entity}/proj")
    page.get_by_role("checkbox", name="Select a", exact=True).check()
    page.get_by_role("checkbox", name="Select b", exact=True).check()
    page.get_by_role("link", name="Compare").click()
    expect(page).to_have_url(f"{live.url}/{a.entity}/proj/compare?runs={a.id},{b.id}")
    table = page.get_by_role("table")
    expect(table.get_by_role("row", name="lr")).to_have_attribute("data-differs", "true")
    expect(table.get_by_role("row", name="opt")).to_have_attribute("data-differs", "false")
    page.screenshot(path=str(screenshots / "compare.png"))
    page.get_by_label("Only differences").check()
    expect(table.get_by_role("row", name="opt")).to_have_count(0)
    expect(table.get_by_role("row", name="lr")).to_be_visible()


def test_the_run_urls_open_the_right_pages(page: Page, server: Callable[[], LiveServer],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    live = server()
    monkeypatch.setenv("CAIRN_UI_URL", live.url)
    run = cairn.init(project="linked", name="linked-run")
    run.log({"x": 1.0})
    run.finish()
    page.goto(run.url)
    expect(page.get_by_role("heading", name="linked-run")).to_be_visible()
    page.goto(run.get_project_url())
    expect(page.get_by_role("row").filter(has_text="linked-run")).to_be_visible()


def test_pinned_config_keys_come_first_and_run_nothing(page: Page,
                                                       server: Callable[[], LiveServer],
                                                       screenshots: Path) -> None:
    run = cairn.init(project="proj", name="pinned", config={
        "lr": 0.1, "paper": "**bold** <img src=x onerror=\"window.__pwned = 1\">", "seed": 3})
    run.pin_config_keys(["paper", "lr", "not-in-config"])
    run.log({"loss": 1.0})
    run.finish()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}")
    pinned = page.get_by_role("region", name="Pinned")
    # in the run's order; a key the config lacks is left out
    expect(pinned.locator("dt")).to_have_text(["paper", "lr"])
    expect(pinned.locator("strong")).to_have_text("bold")
    expect(pinned).to_contain_text("0.1")
    expect(page.get_by_role("region", name="Metadata")).not_to_contain_text("pinned_keys")
    page.screenshot(path=str(screenshots / "run-pinned.png"))
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
