"""Live updates: points logged by a running run appear on an open chart, and its state in
the table, without a reload and without refetching the history."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer, chart, wait_lines

import cairn
from cairn.errors import NotFoundError


def wait_for_step(path: str, step: int) -> None:
    """Until the store holds the run's points up to ``step`` (the applier runs apart)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            if cairn.Api().run(path).lastHistoryStep >= step:
                return
        except NotFoundError:
            pass
        assert time.monotonic() < deadline, f"{path} never reached step {step} in the store"
        time.sleep(0.05)


def test_points_of_a_live_run_appear_without_reload(
        page: Page, server: Callable[[], LiveServer]) -> None:
    run = cairn.init(project="live", name="streaming")
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1)})
    wait_for_step(f"{run.entity}/live/{run.id}", 4)
    live = server()
    envelopes: list[str] = []
    page.on("request", lambda r: "/envelopes" in r.url and envelopes.append(r.url))
    page.goto(f"{live.url}/{run.entity}/live")
    wait_lines(page, "loss", 1)
    expect(chart(page, "loss")).to_have_attribute("data-points", "5")
    row = page.locator(f'.tbody .tr[data-run="{run.id}"]')
    expect(row.locator(".state")).to_have_text("running")
    page.evaluate("window.__marker = 1")  # a reload would lose it

    logged = time.monotonic()
    for i in range(5, 8):
        run.log({"loss": 10.0 + i})
    expect(chart(page, "loss")).to_have_attribute("data-points", "8", timeout=5_000)
    seen = time.monotonic() - logged
    print(f"live point appeared after {seen:.2f}s")
    assert seen < 4, f"a live point took {seen:.1f}s to appear"
    assert float(chart(page, "loss").get_attribute("data-ymax") or 0) == 17.0
    assert page.evaluate("window.__marker") == 1
    assert len(envelopes) == 1, "the history was fetched again instead of only new points"

    run.finish()
    expect(row.locator(".state")).to_have_text("finished", timeout=5_000)


def test_a_run_started_while_the_page_is_open_appears(
        page: Page, server: Callable[[], LiveServer]) -> None:
    first = cairn.init(project="live", name="first")
    first.log({"loss": 1.0})
    first.finish()
    live = server()
    page.goto(f"{live.url}/{first.entity}/live")
    wait_lines(page, "loss", 1)

    second = cairn.init(project="live", name="second")
    for i in range(3):
        second.log({"loss": 2.0 + i})
    expect(page.locator(".tbody .tr[data-run]")).to_have_count(2, timeout=5_000)
    expect(page.locator(f'.tbody .tr[data-run="{second.id}"] .state')).to_have_text("running")
    wait_lines(page, "loss", 2)
    second.log({"loss": 9.0})
    expect(chart(page, "loss")).to_have_attribute("data-ymax", "9", timeout=5_000)
    second.finish()
