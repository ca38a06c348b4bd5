"""Browser fixtures: runs logged with the real client into the test's cairn folder, the
real app (``create_app``) under uvicorn on a free 127.0.0.1 port, and Debian's Chromium
driven by Playwright (never a downloaded browser).

Screenshots go to ``$CAIRN_SCREENSHOTS`` when it is set (to look at them), else to the
test's tmp_path.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import cairn
import cairn.testing
from cairn.server.app import create_app
from cairn.server.context import ServerOptions
from cairn.server.static import default_ui_dir
from cairn.settings import load_settings
from cairn.sinks.handoffs import wait_for_handoffs
from cairn.store.sqlite import SqliteStore

# Read at import: each test's isolated cairn folder clears every CAIRN_* variable.
SCREENSHOTS = os.environ.get("CAIRN_SCREENSHOTS")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)
if not (default_ui_dir() / "index.html").is_file():
    pytest.skip("the web app is not built: run `make ui`", allow_module_level=True)

from playwright.sync_api import Browser, Page, Playwright, sync_playwright  # noqa: E402


@dataclass
class Logged:
    id: str
    entity: str
    project: str
    name: str


LogRun = Callable[..., Logged]


@pytest.fixture
def log_run() -> LogRun:
    """Log a finished run: ``steps`` rows of ``train/loss`` and ``train/acc`` (and
    ``val/loss`` every 10 steps), with ``config``; ``spike`` puts 100.0 at that step."""

    def log(project: str = "proj", steps: int = 50, spike: int | None = None,
            **init: Any) -> Logged:
        run = cairn.init(project=project, **init)
        lr = float(run.config.get("lr", 0.01))
        for i in range(steps):
            loss = 100.0 if i == spike else 2.0 * math.exp(-i * lr * 5)
            row: dict[str, Any] = {"train/loss": loss, "train/acc": 1 - loss / 3}
            if i % 10 == 0:
                row["val/loss"] = loss * 1.1
            run.log(row)
        run.summary["best"] = 1 - loss / 3
        run.finish()
        return Logged(run.id, run.entity, run.project, run.name)

    return log


class LiveServer(cairn.testing.LiveServer):
    """``create_app`` on the test's cairn folder under a real uvicorn (polling the store
    often, so live tests are quick)."""

    def __init__(self, root: Path) -> None:
        self.store = SqliteStore(root / "cairn.db")
        super().__init__(create_app(
            load_settings(), self.store,
            options=ServerOptions(poll_interval=0.1, keepalive_interval=1.0)))

    def stop(self) -> float:
        took = super().stop()
        self.store.close()
        return took


@pytest.fixture
def server(cairn_root: Path) -> Iterator[Callable[[], LiveServer]]:
    """Start the server once the test has logged its runs (the store must exist)."""
    started: list[LiveServer] = []

    def start() -> LiveServer:
        wait_for_handoffs()  # the runs logged so far are in the store
        live = LiveServer(cairn_root).start()
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                          args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def dialogs() -> list[str]:
    """Messages of every alert/confirm/prompt a page opened (there should be none)."""
    return []


@pytest.fixture
def page(browser: Browser, dialogs: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900},
                                  color_scheme="light")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda err: errors.append(str(err)))

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    opened.set_default_timeout(10_000)
    yield opened
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chart(page: Page, metric: str) -> Any:
    """The chart of one metric panel (a Playwright locator)."""
    return page.locator(f'section.panel[data-metric="{metric}"] .chart')


def wait_lines(page: Page, metric: str, lines: int) -> None:
    """Wait until the metric's chart draws exactly ``lines`` lines, all with data."""
    page.wait_for_function(
        """([metric, lines]) => {
            const el = document.querySelector(`section.panel[data-metric="${metric}"] .chart`);
            return el && Number(el.dataset.lines) === lines && Number(el.dataset.points) > 0
                && !el.closest('section.panel').querySelector('.panel-loading');
        }""",
        arg=[metric, lines],
    )
