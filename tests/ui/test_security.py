"""Hostile names, tags and notes are shown as text (or sanitised Markdown) everywhere and
execute nothing."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer, LogRun, wait_lines

NAME = "<img src=x onerror=alert(1)>"
NOTES = """# Hi <img src=x onerror=alert(2)>

<script>alert(3)</script>

[click](javascript:alert(4)) <a href="javascript:alert(5)">a</a>
<iframe src="javascript:alert(6)"></iframe> <svg onload=alert(7)></svg>

$x^2$ and $$\\href{javascript:alert(8)}{y}$$
"""


def test_hostile_run_executes_nothing(page: Page, log_run: LogRun,
                                      server: Callable[[], LiveServer],
                                      dialogs: list[str]) -> None:
    run = log_run(name=NAME, notes=NOTES, tags=["<b onmouseover=alert(9)>t</b>"],
                  config={"<img src=y onerror=alert(10)>": "<script>alert(11)</script>"})
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj")
    expect(page.get_by_role("link", name=NAME)).to_be_visible()
    wait_lines(page, "train/loss", 1)
    page.locator('section.panel[data-metric="train/loss"] .u-over').hover()
    expect(page.locator(".chart-tooltip .tt-name").first).to_have_text(NAME)

    page.get_by_role("link", name=NAME).click()
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    notes = page.get_by_role("region", name="Notes")
    expect(notes.get_by_role("heading", name="Hi")).to_be_visible()
    expect(notes.locator("script, iframe, [onerror], [onload]")).to_have_count(0)
    for link in notes.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    expect(page.get_by_role("region", name="Config")).to_contain_text("<script>alert(11)</script>")

    page.goto(f"{live.url}/{run.entity}/proj/compare?runs={run.id}")
    expect(page.get_by_role("link", name=NAME)).to_be_visible()
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
