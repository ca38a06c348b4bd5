"""The run page's environment: a failed run's error on the overview, and the System tab's
charts of the run's system metrics."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, Response, expect
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


def _console_run(root: Path, lines: list[list[object]], *, finished: bool = True) -> str:
    from cairn.records import Record, RunRef
    from cairn.store.registry import open_store

    ref = RunRef("me", "logs", "r1")
    records = [Record(ref, "s", 1, "run", {"name": "printer", "at": 1000.0,
                                           "start_time": 1000.0})]
    records.append(Record(ref, "s", 2, "console", {"lines": lines}))
    if finished:
        records.append(Record(ref, "s", 3, "finish", {"exit_code": 0, "at": 2000.0}))
    store = open_store(root)
    try:
        store.apply_records(records)
    finally:
        store.close()
    return "/me/logs/runs/r1?tab=logs"


def test_logs_tab_opens_at_the_end_of_100k_lines_pages_back_and_searches_on_the_server(
        page: Page, server: Callable[[], LiveServer], cairn_root: Path,
        screenshots: Path) -> None:
    lines: list[list[object]] = [
        [1000.0 + i / 100, "stderr" if i % 1000 == 999 else "stdout",
         f"step {i} loss {1 / (i + 1):.5f}" if i % 7 else f"\x1b[32mstep {i} ok\x1b[0m"]
        for i in range(100_000)]
    url = _console_run(cairn_root, lines)
    live = server()
    fetched: list[int] = []  # lines per answer of the logs route

    def count(response: Response) -> None:
        if "/logs?" in response.url and response.ok:
            fetched.append(len(response.json()["lines"]))

    page.on("response", count)
    page.goto(live.url + url)
    log = page.get_by_role("log", name="Log lines")
    expect(page.get_by_text("100,000 lines")).to_be_visible()
    # Virtualised: a screenful of rows in the DOM, not 100,000.
    rows = log.locator(".log-line").count()
    assert 10 < rows < 200
    # Coloured segments keep their colour; the escape codes are not shown.
    green = log.locator(".log-line", has_text="step 99995 ok").locator("span.log-text span")
    expect(green).to_have_css("color", "rgb(47, 158, 68)")
    expect(log).not_to_contain_text("\x1b")
    expect(log.locator(".log-line").last).to_contain_text("step 99999")  # opens at the end
    page.screenshot(path=str(screenshots / "run-logs.png"))
    assert sum(fetched) <= 2000  # the tail only

    # Scrolling up loads the page before, and the reader stays where they were.
    log.evaluate("el => el.scrollTop = 0")
    expect(log.locator(".log-line", has_text="step 97999 loss")).to_have_count(1)
    expect(log.locator(".log-line").first).not_to_contain_text("step 98000 ")
    assert sum(fetched) <= 4000

    page.get_by_role("searchbox", name="Search the output").fill("STEP 4243 loss")
    expect(page.get_by_text("1 of 100,000 lines", exact=True)).to_be_visible()
    expect(log.locator(".log-line")).to_have_count(1)
    expect(log.locator(".log-line")).to_contain_text("step 4243 loss 0.00024")
    page.get_by_role("searchbox", name="Search the output").fill("step 4242")
    expect(page.get_by_text("11 of 100,000 lines", exact=True)).to_be_visible()
    page.screenshot(path=str(screenshots / "run-logs-search.png"))
    page.get_by_role("searchbox", name="Search the output").fill("no such line")
    expect(page.get_by_text("0 of 100,000 lines", exact=True)).to_be_visible()
    page.get_by_role("searchbox", name="Search the output").fill("")
    expect(page.get_by_text("100,000 lines", exact=True)).to_be_visible()
    expect(log.locator(".log-line").last).to_contain_text("step 99999")
    assert max(fetched) <= 2000
    assert sum(fetched) < 20_000  # never the whole log


def test_logs_tab_follows_a_running_run(page: Page, server: Callable[[], LiveServer],
                                        cairn_root: Path) -> None:
    import cairn

    run = cairn.init(project="live", settings={"console": "off"})
    run._queue(_console_op(["first line"]))
    run._flush_to_store()
    live = server()
    page.goto(f"{live.url}/{run.entity}/live/runs/{run.id}?tab=logs")
    log = page.get_by_role("log", name="Log lines")
    expect(log).to_contain_text("first line")
    run._queue(_console_op(["\x1b[1;31mlater line\x1b[0m"]))
    run._flush_to_store()
    expect(log).to_contain_text("later line", timeout=15_000)
    run.finish()


def _console_op(texts: list[str]) -> object:
    import time

    from cairn.sdk.writer import Op

    return Op("console", {"lines": [[time.time(), "stdout", t] for t in texts]})


def test_overview_shows_the_environment_with_git_and_the_diff(
        page: Page, server: Callable[[], LiveServer], tmp_path: Path,
        screenshots: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q", "-b", "exp")
    git("config", "user.email", "dev@example.com")
    git("config", "user.name", "Dev")
    git("remote", "add", "origin", "https://token@git.example.com/team/p.git")
    (repo / "train.py").write_text(
        "import cairn\nrun = cairn.init(project='envui', save_code=True, "
        "settings={'disable_git': False})\nprint(run.id)\n")
    git("add", ".")
    git("commit", "-q", "-m", "first")
    (repo / "train.py").write_text((repo / "train.py").read_text() + "# tuned\n")
    out = subprocess.run([sys.executable, "train.py", "--epochs", "3"], cwd=repo,
                         capture_output=True, text=True, env=dict(os.environ), check=True)
    run_id = out.stdout.strip()
    import cairn

    live = server()
    page.goto(f"{live.url}/{cairn.Api().default_entity}/envui/runs/{run_id}")
    card = page.get_by_role("region", name="Environment")
    expect(card).to_contain_text("train.py --epochs 3")
    expect(card).to_contain_text("https://git.example.com/team/p.git")
    expect(card).not_to_contain_text("token")
    expect(card).to_contain_text("on exp")
    expect(card).to_contain_text("uncommitted changes")
    page.screenshot(path=str(screenshots / "run-environment.png"))
    href = card.get_by_role("link", name="diff.patch").get_attribute("href")
    diff = page.request.get(live.url + (href or ""))
    assert diff.ok
    assert "+# tuned" in diff.text()


def test_alerts_show_on_the_run_page_and_in_the_project_feed(
        page: Page, server: Callable[[], LiveServer], screenshots: Path) -> None:
    import cairn

    down = "http://127.0.0.1:9/nobody"  # the discard port: nothing answers
    run = cairn.init(project="alerting", name="lr-sweep-3", settings={
        "console": "off", "notifiers": [{"type": "slack", "url": down}],
        "alert_retries": 0, "alert_timeout": 1})
    run.alert("Loss spike", "loss jumped to 9.1 at step 1200", level="WARN")
    run.alert("Loss spike", "again", level="WARN")
    run._flush_to_store()
    live = server()
    page.goto(f"{live.url}/{run.entity}/alerting/runs/{run.id}")
    card = page.get_by_role("region", name="Run alerts")
    expect(card).to_contain_text("Loss spike")
    expect(card).to_contain_text("+1 suppressed")
    expect(card.locator(".delivery-failed")).to_contain_text("slack:127.0.0.1: failed",
                                                             timeout=15_000)
    # Live: a new alert appears while the page is open.
    run.alert("Diverged", "loss is nan", level="ERROR")
    run._flush_to_store()
    expect(card).to_contain_text("Diverged", timeout=15_000)
    page.screenshot(path=str(screenshots / "run-alerts.png"))
    run.finish()
    other = cairn.init(project="alerting", name="baseline", settings={"console": "off"})
    other.alert("Done", "accuracy 0.93")
    other.finish()

    page.get_by_role("link", name="Alerts", exact=True).click()
    feed = page.get_by_role("list", name="Alerts")
    expect(feed.get_by_role("listitem", name="INFO alert: Done")).to_be_visible()
    expect(feed.get_by_role("listitem", name="ERROR alert: Diverged")).to_be_visible()
    expect(feed.get_by_role("listitem", name="WARN alert: Loss spike")).to_contain_text(
        "lr-sweep-3")
    page.screenshot(path=str(screenshots / "project-alerts.png"))
    feed.get_by_role("link", name="baseline").click()
    expect(page.get_by_role("heading", name="baseline")).to_be_visible()
