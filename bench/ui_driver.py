"""What the UI benchmark (W6) drives: ``cairn ui`` in its own process, Debian's Chromium
through Playwright, plain HTTP requests to the API, and a script in every page that
observes the app without changing it.

The page script (``OBSERVER_JS``, added before the app's own scripts) records, on the
page's clock (``performance.now()``, 0 = navigation start):

- ``arrivals``: each envelope answer reaching the page. The app fetches and parses
  envelopes in a worker and posts the typed arrays to the page; the script wraps the
  setter of ``Worker.prototype.onmessage`` the app uses, so each message is stamped
  before the app sees it.
- ``points``: each ``points`` event of the live stream (``EventSource``), stamped before
  the app's listener runs; ``streams``: each stream the page opened, and when it opened.
- ``ymax``: every change of a chart's ``data-ymax`` attribute (a MutationObserver).
- ``allCharts``: when every chart on screen first has data (``data-points`` > 0, no panel
  loading).

Each arrival, ``ymax`` change and ``allCharts`` entry gets ``drawStart`` and ``drawn``.
``CanvasRenderingContext2D.stroke`` is wrapped: the first stroke after the entry starts
the draw that shows it (uPlot's redraw and the app's draw hook), and a zero-delay timer
set then fires once the main thread is free again: after the draw's task, and after the
rendering step that rasterizes the canvas lines when it runs in between (in software
here: ``--disable-gpu``; with many lines it costs more than the drawing calls). So
``drawn`` is "the new picture is ready to show", a little late rather than early.

The app itself marks ``cairn:first-chart`` when the first chart is drawn with data.
Nothing here reaches the network: Chromium runs with background networking off, and the
server listens on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 900}

OBSERVER_JS = r"""
(() => {
  const b = (window.__bench = { arrivals: [], points: [], ymax: [], streams: [],
                                allCharts: null, awaitDraw: [], strokes: 0 });
  const now = () => performance.now();
  const desc = Object.getOwnPropertyDescriptor(Worker.prototype, "onmessage");
  if (desc && desc.set) {
    Object.defineProperty(Worker.prototype, "onmessage", {
      configurable: true, enumerable: desc.enumerable, get: desc.get,
      set(fn) {
        const wrapped = typeof fn !== "function" ? fn : function (e) {
          const d = e.data || {};
          const series = Array.isArray(d.series) ? d.series : null;
          let buckets = 0;
          if (series) for (const s of series) buckets += s.n || 0;
          const arrival = { t: now(), series: series ? series.length : -1, buckets,
                            error: d.error ? String(d.error.message) : null, drawn: null };
          b.arrivals.push(arrival);
          b.awaitDraw.push(arrival);
          return fn.call(this, e);
        };
        desc.set.call(this, wrapped);
      },
    });
  }
  const Source = window.EventSource;
  window.EventSource = class extends Source {
    constructor(url, init) {
      super(url, init);
      const entry = { url: String(url), created: now(), opened: null };
      b.streams.push(entry);
      this.addEventListener("open", () => { if (entry.opened === null) entry.opened = now(); });
    }
  };
  const add = Source.prototype.addEventListener;
  Source.prototype.addEventListener = function (type, fn, opts) {
    if (type === "points" && typeof fn === "function") {
      const orig = fn;
      fn = function (e) {
        b.points.push({ t: now(), data: String(e.data).slice(0, 4000) });
        return orig.call(this, e);
      };
    }
    return add.call(this, type, fn, opts);
  };
  // A chart draws in one task (uPlot's redraw and the app's draw hook): the first stroke
  // after an awaited change starts it, a zero-delay timer runs once that task is done.
  const stroke = CanvasRenderingContext2D.prototype.stroke;
  CanvasRenderingContext2D.prototype.stroke = function (...args) {
    b.strokes++;
    if (b.awaitDraw.length) {
      const waiting = b.awaitDraw;
      b.awaitDraw = [];
      const t = now();
      for (const w of waiting) w.drawStart = t;
      setTimeout(() => {
        const end = now();
        for (const w of waiting) w.drawn = end;
      }, 0);
    }
    return stroke.apply(this, args);
  };
  const watch = () => {
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.attributeName !== "data-ymax") continue;
        const el = r.target;
        const panel = el.closest && el.closest("section.panel");
        const entry = { t: now(), value: el.getAttribute("data-ymax"),
                        metric: panel ? panel.getAttribute("data-metric") : null, drawn: null };
        b.ymax.push(entry);
        b.awaitDraw.push(entry);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ymax"] });
    const allDrawn = () => {
      const charts = [...document.querySelectorAll("section.panel .chart[data-points]")];
      return charts.length > 0 && charts.every((c) => Number(c.dataset.points) > 0)
        && !document.querySelector("section.panel .panel-loading") ? charts.length : 0;
    };
    const frame = () => {
      if (b.allCharts === null) {
        const n = allDrawn();
        if (n) {
          b.allCharts = { t: now(), charts: n, drawn: null };
          b.awaitDraw.push(b.allCharts);
        }
      }
      if (b.allCharts === null || b.allCharts.drawn === null) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  if (document.documentElement) watch();
  else document.addEventListener("DOMContentLoaded", watch);
})();
"""


# ---- the server ----------------------------------------------------------------------

class UiServer:
    """``cairn ui --dir ROOT --port 0`` in its own process (what a user runs), ready once
    it answers ``/api/v1/openapi.json`` (which does not touch the store)."""

    def __init__(self, root: Path, timeout: float = 60,
                 env: dict[str, str] | None = None, store: str | None = None) -> None:
        root = root.resolve()
        where = ["--store", store] if store else []
        env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
        t0 = time.perf_counter()
        # -P: the working folder must not shadow the package (it may hold a cairn/ folder).
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "cairn", "ui", "--dir", str(root), *where, "--port",
             "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
            cwd=root.parent)
        self.output: list[str] = []
        self.url = self._wait_for_url(timeout)
        self._wait_ready(timeout)
        self.start_s = time.perf_counter() - t0
        threading.Thread(target=self._drain, daemon=True).start()
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        self.host, self.port = host, int(port)

    def _wait_for_url(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if found:
                return found.group(1)
        self.stop()
        raise RuntimeError("cairn ui did not start:\n" + "".join(self.output)[-3000:])

    def _wait_ready(self, timeout: float) -> None:
        # The socket listens before uvicorn serves: wait for the first real answer.
        deadline = time.monotonic() + timeout
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        while True:
            try:
                conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def unavailable() -> str | None:
    """Why a browser workload cannot run here (no Playwright, no Chromium, no built web
    app), or None when it can."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    from cairn.server.static import default_ui_dir

    if not (default_ui_dir() / "index.html").is_file():
        return "the web app is not built (make ui)"
    return None


@contextmanager
def ui_server(root: Path, store: str | None = None) -> Iterator[UiServer]:
    """``cairn ui`` on the cairn folder ``root`` (on the store ``store``, when given)."""
    server = UiServer(root, store=store)
    try:
        yield server
    finally:
        server.stop()


# ---- HTTP ----------------------------------------------------------------------------

class Client:
    """One keep-alive connection to the API; ``timed`` returns (ms, status, body)."""

    def __init__(self, server: UiServer) -> None:
        self.conn = http.client.HTTPConnection(server.host, server.port, timeout=120)

    def timed(self, method: str, path: str, body: Any = None) -> tuple[float, int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        return (time.perf_counter() - t0) * 1000, response.status, payload

    def close(self) -> None:
        self.conn.close()


# ---- the browser ---------------------------------------------------------------------

@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, never a downloaded browser."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            warm = browser.new_page()  # start the browser's own machinery before timing
            warm.goto("about:blank")
            warm.close()
            yield browser
        finally:
            browser.close()


def new_context(browser: Any) -> Any:
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    context.add_init_script(OBSERVER_JS)
    return context


def page_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    return errors


def first_chart_ms(page: Any, timeout_ms: float) -> float | None:
    """Wait for the app's ``cairn:first-chart`` mark; its time from navigation start."""
    page.wait_for_function(
        "() => performance.getEntriesByName('cairn:first-chart').length > 0",
        timeout=timeout_ms)
    value = page.evaluate(
        "() => performance.getEntriesByName('cairn:first-chart')[0].startTime")
    return float(value) if value is not None else None


def all_charts(page: Any, timeout_ms: float) -> dict[str, Any]:
    """Wait until every chart on screen has data and was drawn since (the observer's
    ``allCharts``)."""
    page.wait_for_function(
        "() => window.__bench && window.__bench.allCharts && "
        "window.__bench.allCharts.drawn !== null", timeout=timeout_ms)
    return dict(page.evaluate("() => window.__bench.allCharts"))


def navigation_timing(page: Any) -> dict[str, Any]:
    """The document's navigation timing and the API calls the page made itself (its
    worker's envelope requests are in the worker's timeline, not here)."""
    return dict(page.evaluate(
        """() => {
            const n = performance.getEntriesByType('navigation')[0];
            const api = performance.getEntriesByType('resource')
                .filter((r) => r.name.includes('/api/v1/'))
                .map((r) => ({ path: new URL(r.name).pathname.replace(/^.*\\/api\\/v1/, ''),
                               start: r.startTime, end: r.responseEnd }));
            const arrivals = window.__bench ? window.__bench.arrivals : [];
            return { response_end: n ? n.responseEnd : null,
                     dom_content_loaded: n ? n.domContentLoadedEventEnd : null,
                     load: n ? n.loadEventEnd : null, api, arrivals };
        }"""))
