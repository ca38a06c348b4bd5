"""Reports in the browser: made from the project's report list, edited in place (Markdown
with LaTeX, live panel blocks over their own run sets), saved in the store (they survive a
reload), a stale editor told instead of overwriting, shown read-only to a team viewer,
exported to a static HTML file that shows its charts with scripts off, and printed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

import cairn
from cairn.server.app import app_context
from cairn.server.team import TeamConfig, create_team_app
from cairn.store.accounts import Accounts
from cairn.store.sqlite import SqliteStore
from cairn.testing import LiveServer

from .conftest import LiveServer as LocalServer
from .conftest import Logged, LogRun

TEXT = ("# Findings\n\nThe loss falls as $e^{-5 \\lambda t}$.\n\n"
        '<img src="x" onerror="window.__pwned = 1"><script>window.__pwned = 2</script>')


def panel_lines(page: Page, lines: int, nth: int = 0) -> None:
    chart = page.locator('.report-block[data-type="panel"] .chart').nth(nth)
    chart.scroll_into_view_if_needed()
    expect(chart).to_have_attribute("data-lines", str(lines))
    expect(chart).not_to_have_attribute("data-points", "0")


def test_a_report_is_made_edited_saved_exported_and_printed(
        page: Page, browser: Browser, log_run: LogRun, server: Callable[[], LocalServer],
        screenshots: Path, tmp_path: Path) -> None:
    runs = [log_run(name="alpha", config={"lr": 0.01}), log_run(name="beta", config={"lr": 0.02})]
    live = server()
    where = f"{live.url}/{runs[0].entity}/proj"
    page.goto(f"{where}/reports")
    expect(page.get_by_role("heading", name="No reports yet")).to_be_visible()
    page.get_by_role("button", name="New report").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+\?edit=1$"))
    report_id = int(re.findall(r"/reports/(\d+)", page.url)[0])

    page.get_by_label("Report title").fill("Loss study")
    page.get_by_label("Markdown").fill(TEXT)
    preview = page.get_by_label("Preview")
    expect(preview.get_by_role("heading", name="Findings")).to_be_visible()
    expect(preview.locator(".katex")).to_have_count(1)
    page.get_by_role("button", name="+ Panel").click()
    page.get_by_label("Metrics").fill("train/loss")
    page.get_by_label("Metrics").press("Tab")
    # The block's own run set: the workspace link of a search for alpha.
    page.get_by_label("Run set").fill(f"{where}?q=alpha")
    page.get_by_label("Run set").press("Tab")
    panel_lines(page, 1)
    page.get_by_role("button", name="+ Panel").click()
    page.get_by_label("Metrics").nth(1).fill("train/acc")
    page.get_by_label("Metrics").nth(1).press("Tab")
    panel_lines(page, 2, nth=1)
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
    page.screenshot(path=str(screenshots / "report-editing.png"), full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Unsaved changes")).to_have_count(0)
    expect(page.get_by_role("heading", name="Loss study")).to_be_visible()

    stored = httpx.get(f"{live.url}/api/v1/projects/{runs[0].entity}/proj/reports/"
                       f"{report_id}").json()
    assert stored["version"] == 2
    kinds = [(b["type"], b.get("runs", {}).get("query")) for b in stored["body"]["blocks"]]
    assert kinds == [("markdown", None), ("panel", "q=alpha"), ("panel", "")]

    page.reload()
    expect(page.get_by_role("heading", name="Loss study")).to_be_visible()
    expect(page.locator(".report-body .markdown h1")).to_have_text("Findings")
    panel_lines(page, 1)
    panel_lines(page, 2, nth=1)
    assert page.evaluate("window.__pwned") is None
    expect(page.locator('.report-body img[onerror], .report-body script')).to_have_count(0)
    page.screenshot(path=str(screenshots / "report-read.png"), full_page=True)

    # The list shows it; the project's header links to the list.
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("link", name="Loss study")).to_be_visible()
    page.get_by_role("link", name="Loss study").click()
    panel_lines(page, 1)
    panel_lines(page, 2, nth=1)

    with page.expect_download() as got:
        page.get_by_role("button", name="Export HTML").click()
    exported = tmp_path / "report.html"
    got.value.save_as(exported)
    html = exported.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "onerror" not in html
    static = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
    try:
        view = static.new_page()
        view.goto(exported.as_uri())
        expect(view.get_by_role("heading", name="Loss study")).to_be_visible()
        expect(view.locator(".markdown h1")).to_have_text("Findings")
        expect(view.locator("math")).to_have_count(1)
        charts = view.locator("figure.report-chart svg")
        expect(charts).to_have_count(2)
        # one line of alpha, then alpha and beta
        assert charts.nth(0).locator("polyline").count() == 1
        assert charts.nth(1).locator("polyline").count() == 2
        expect(charts.nth(1)).to_contain_text("beta")
        view.screenshot(path=str(screenshots / "report-exported.png"), full_page=True)
    finally:
        static.close()

    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Export HTML")).to_be_hidden()
    expect(page.locator(".topbar")).to_be_hidden()
    page.screenshot(path=str(screenshots / "report-print.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_a_stale_editor_is_told_and_overwrites_nothing(
        page: Page, log_run: LogRun, server: Callable[[], LocalServer]) -> None:
    run: Logged = log_run(name="alpha")
    live = server()
    api = f"{live.url}/api/v1/projects/{run.entity}/proj/reports"
    made = httpx.post(api, json={"title": "Shared", "body": {"blocks": [
        {"id": "t", "type": "markdown", "text": "first"}]}}).json()
    page.goto(f"{live.url}/{run.entity}/proj/reports/{made['id']}")
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Markdown").fill("mine")
    # someone else saves meanwhile
    other = httpx.put(f"{api}/{made['id']}", json={"version": 1, "body": {"blocks": [
        {"id": "t", "type": "markdown", "text": "theirs"}]}})
    assert other.status_code == 200, other.text
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("saved by someone else")
    expect(page.get_by_label("Markdown")).to_have_value("mine")  # the edit is kept
    assert httpx.get(f"{api}/{made['id']}").json()["body"]["blocks"][0]["text"] == "theirs"
    page.get_by_role("button", name="Load theirs").click()
    expect(page.get_by_label("Markdown")).to_have_value("theirs")
    page.get_by_label("Markdown").fill("merged")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Unsaved changes")).to_have_count(0)
    found = httpx.get(f"{api}/{made['id']}").json()
    assert (found["version"], found["body"]["blocks"][0]["text"]) == (3, "merged")


PASSWORD = "correct horse battery"


@dataclass
class Team:
    url: str
    report_id: int


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    """A team server: ada administers team ``lab`` and wrote a report on ``lab/shared``;
    vic is the team's viewer."""
    folder = tmp_path / "team"
    store = SqliteStore(folder / "cairn.db")
    accounts = Accounts(store)
    keys = {name: accounts.create_user(name, password=PASSWORD)[1] for name in ("ada", "vic")}
    accounts.create_team("lab", admin="ada")
    accounts.set_team_member("lab", "vic", "viewer")
    store.close()
    app = create_team_app(TeamConfig(
        store=str(folder), blobs=f"file://{folder / 'blobs'}", root=str(tmp_path / "server"),
        access_log=False, key_cache_seconds=0))
    live = LiveServer(app).start()
    try:
        run = cairn.init(entity="lab", project="shared", mode="online", name="only",
                         settings={"base_url": live.url, "api_key": keys["ada"]})
        for step in range(20):
            run.log({"train/loss": 1.0 / (step + 1)})
        run.finish()
        made = httpx.post(f"{live.url}/api/v1/projects/lab/shared/reports",
                          headers={"Authorization": f"Bearer {keys['ada']}"},
                          json={"title": "Team results", "body": {"blocks": [
                              {"id": "t", "type": "markdown", "text": "## Summary"},
                              {"id": "c", "type": "panel", "runs": {"query": "", "max": 5},
                               "panel": {"id": "p", "type": "line",
                                         "settings": {"metrics": ["train/loss"]}}}]}})
        assert made.status_code == 201, made.text
        yield Team(live.url, made.json()["id"])
    finally:
        live.stop()
        app_context(app).store.close()


def test_a_team_viewer_reads_a_report_and_cannot_edit_it(
        team: Team, page: Page, screenshots: Path) -> None:
    path = f"/lab/shared/reports/{team.report_id}"
    page.goto(team.url + path)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("User name").fill("vic")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Team results")).to_be_visible()
    expect(page.get_by_text("Read only")).to_be_visible()
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    expect(page.locator(".report-body .markdown h2")).to_have_text("Summary")
    panel_lines(page, 1)
    expect(page.locator(".report-meta")).to_contain_text("by ada")
    page.screenshot(path=str(screenshots / "report-viewer.png"), full_page=True)
    page.goto(f"{team.url}/lab/shared/reports")
    expect(page.get_by_role("link", name="Team results")).to_be_visible()
    expect(page.get_by_role("button", name="New report")).to_have_count(0)
