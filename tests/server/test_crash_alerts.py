"""Crash alerts: a run killed with -9 cannot alert, so the server does, once per run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.sdk.test_alerts import Receiver

import cairn
from cairn.server.crash_alerts import CrashAlerts
from cairn.settings import load_settings
from cairn.store.registry import open_store

CHILD = """
import time, cairn
run = cairn.init(project="crashy", name="doomed", settings={"console": "off"})
run.log({"a": 1})
run._flush_to_store()
print(run.path, flush=True)
time.sleep(600)
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_a_killed_run_gets_one_crash_alert(cairn_root: Path, receiver: Receiver) -> None:
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD)],
                            stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    assert proc.stdout is not None
    path = proc.stdout.readline().strip()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    settings = load_settings({"root": cairn_root, "alert_on": "crashed", "alert_backoff": 0,
                              "notifiers": [{"type": "webhook", "url": receiver.url + "/ok"}]})
    store = open_store(cairn_root)
    try:
        watcher = CrashAlerts(settings, store)
        assert [ref.path for ref in watcher.check()] == [path]
        assert watcher.check() == []  # once per run
        assert CrashAlerts(settings, store).check() == []  # and across restarts
        deadline = time.monotonic() + 10
        while not receiver.bodies("/ok") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        store.close()
    (post,) = receiver.bodies("/ok")
    assert post["title"] == "Run crashed: doomed"
    assert post["level"] == "ERROR"
    assert post["run"]["path"] == path
    alerts = cairn.Api().run(path).alerts()
    assert [(a.title, a.level) for a in alerts] == [("Run crashed: doomed", "ERROR")]
    deadline = time.monotonic() + 10
    while not cairn.Api().run(path).alerts()[0].deliveries and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [d.status for d in cairn.Api().run(path).alerts()[0].deliveries] == ["sent"]
