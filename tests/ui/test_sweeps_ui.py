"""The sweeps list and a sweep page in Chromium: state and controls, the charts, the
trials table sorted with the best trial highlighted, and the config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer

import cairn


def _sweep() -> str:
    sweep_id = cairn.sweep({"method": "grid", "name": "lr search",
                            "metric": {"name": "loss", "goal": "minimize"},
                            "parameters": {"lr": {"values": [0.001, 0.01, 0.1, 1.0]},
                                           "opt": {"parameters": {
                                               "kind": {"values": ["adam", "sgd"]}}}}},
                           project="sw")

    def train() -> None:
        run = cairn.init()
        lr, kind = run.config["lr"], run.config["opt"]["kind"]
        run.log({"loss": abs(lr - 0.01) + (0.0 if kind == "adam" else 0.5)})

    cairn.agent(sweep_id, function=train, project="sw")
    return sweep_id


def test_sweep_page(page: Page, server: Callable[[], LiveServer], screenshots: Path) -> None:
    sweep_id = _sweep()
    entity = cairn.Api().sweep(f"sw/{sweep_id}").entity
    live = server()
    page.goto(f"{live.url}/{entity}/sw/sweeps")
    row = page.locator(f'tr[data-sweep="{sweep_id}"]')
    expect(row).to_contain_text("lr search")
    expect(row).to_contain_text("8 / 8")
    expect(row.locator(".state")).to_have_text("finished")
    row.get_by_role("link").click()

    expect(page.locator("h1")).to_have_text("lr search")
    expect(page.locator(".sweep-head .state")).to_have_text("finished")
    expect(page.locator("svg[aria-label='metric over trials'] circle")).to_have_count(8)
    expect(page.locator("svg[aria-label='metric over trials'] .running-best")).to_have_count(1)
    expect(page.locator("svg[aria-label='parallel coordinates'] .pc-line")).to_have_count(8)
    # the importance model loads apart (its first fit imports Optuna and scikit-learn)
    expect(page.locator("table.importance tbody tr")).to_have_count(2, timeout=60_000)
    best = page.locator("tr.best-trial")
    expect(best).to_have_count(1)
    expect(best).to_contain_text("adam")
    expect(best).to_contain_text("0.01")
    page.locator("th.sortable", has_text="loss").click()  # ascending: the best first
    expect(page.locator(".trials-table tbody tr").first).to_have_class("best-trial")
    page.get_by_label("scatter parameter").select_option("opt.kind")
    expect(page.locator("svg[aria-label='opt.kind against the metric'] circle")).to_have_count(8)
    expect(page.locator("pre.sweep-config")).to_contain_text('"method": "grid"')
    page.screenshot(path=str(screenshots / "sweep-page.png"), full_page=True)


def test_controls_pause_and_resume(page: Page, server: Callable[[], LiveServer]) -> None:
    sweep_id = cairn.sweep({"method": "grid", "parameters": {"a": {"values": [1, 2]}}},
                           project="sw")
    entity = cairn.Api().sweep(f"sw/{sweep_id}").entity
    live = server()
    page.goto(f"{live.url}/{entity}/sw/sweeps/{sweep_id}")
    expect(page.locator(".sweep-head .state")).to_have_text("running")
    page.get_by_role("button", name="Pause").click()
    expect(page.locator(".sweep-head .state")).to_have_text("paused")
    assert cairn.Api().sweep(f"sw/{sweep_id}").state == "PAUSED"
    page.get_by_role("button", name="Resume").click()
    expect(page.locator(".sweep-head .state")).to_have_text("running")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator(".sweep-head .state")).to_have_text("canceled")
    expect(page.get_by_role("button", name="Resume")).to_have_count(0)
