"""The run page's environment: a failed run's error on the overview, and the System tab's
charts of the run's system metrics."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer

FAILING = """
import time, cairn
run = cairn.init(project="env", name="diverged", settings={"system_interval": 0.05})
for step in range(30):
    run.log({"loss": 1.0 / (step + 1)})
    sum(i * i for i in range(20_000))
    time.sleep(0.01)
print(run.id, flush=True)
raise FloatingPointError("loss became nan at step 30")
"""


def test_failed_run_shows_its_error_and_system_charts(page: Page,
                                                      server: Callable[[], LiveServer],
                                                      screenshots: Path) -> None:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(FAILING)],
                         capture_output=True, text=True, env=dict(os.environ), check=False)
    run_id = out.stdout.strip()
    assert run_id, out.stderr
    import cairn

    entity = cairn.Api().default_entity
    live = server()
    page.goto(f"{live.url}/{entity}/env/runs/{run_id}")
    error = page.get_by_role("region", name="Error")
    expect(error).to_contain_text("Failed with FloatingPointError")
    expect(error).to_contain_text("loss became nan at step 30")
    expect(error.locator("pre")).to_contain_text("line 9, in <module>")
    expect(page.locator(".run-head .state")).to_have_text("failed")
    page.screenshot(path=str(screenshots / "run-failed.png"))

    page.get_by_role("tab", name="System").click()
    grid = page.get_by_role("region", name="System metrics")
    expect(grid.get_by_role("region", name="Process CPU (%)")).to_be_visible()
    expect(grid.get_by_role("region", name="CPU per core (%)")).to_be_visible()
    expect(grid.get_by_role("region", name="System memory (%)")).to_be_visible()
    expect(grid.get_by_role("region", name="Network sent (bytes)")).to_be_visible()
    expect(grid.locator("canvas").first).to_be_visible()
    page.screenshot(path=str(screenshots / "run-system.png"), full_page=True)
