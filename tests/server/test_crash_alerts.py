"""Crash alerts: a run killed with -9 cannot alert, so the server does, once per run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.sdk.test_alerts import Receiver

import cairn
from cairn.records import Record, RunRef
from cairn.server.crash_alerts import CrashAlerts
from cairn.settings import load_settings
from cairn.store.base import MetadataStore
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


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _start_session(store: MetadataStore, ref: RunRef, session: str, at: float) -> None:
    """A session of ``ref`` whose process is gone: the run reads as crashed."""
    store.apply_records([Record(ref, session, 1, "run",
                                {"name": ref.run_id, "at": at, "host": socket.gethostname(),
                                 "pid": _dead_pid()})])


def test_crash_checks_write_nothing_twice_skip_history_and_alert_each_session(
        cairn_root: Path, receiver: Receiver) -> None:
    settings = load_settings({"root": cairn_root, "alert_on": "crashed", "alert_backoff": 0,
                              "heartbeat_timeout": 60,
                              "notifiers": [{"type": "webhook", "url": receiver.url + "/ok"}]})
    store = open_store(cairn_root)
    try:
        old, new = RunRef("me", "p", "old"), RunRef("me", "p", "new")
        _start_session(store, old, "s-old", time.time() - 3600)  # crashed long before
        _start_session(store, new, "s1", time.time())
        watcher = CrashAlerts(settings, store)
        assert [ref.path for ref in watcher.check()] == [new.path]  # no flood of history
        deadline = time.monotonic() + 10  # the delivery's outcome is written when it is done
        while not cairn.Api().run(new.path).alerts()[0].deliveries:
            assert time.monotonic() < deadline
            time.sleep(0.05)

        before = store.get_run(new)
        project_before = store.get_project("me", "p")
        assert before is not None
        assert project_before is not None
        time.sleep(0.01)
        assert watcher.check() == []
        assert CrashAlerts(settings, store).check() == []  # a restarted watcher: a read only
        after = store.get_run(new)
        project_after = store.get_project("me", "p")
        assert after is not None
        assert project_after is not None
        assert after.updated_at == before.updated_at  # nothing rewritten
        assert project_after.last_activity == project_before.last_activity

        _start_session(store, new, "s2", time.time())  # resumed, and crashed again
        assert [ref.path for ref in watcher.check()] == [new.path]
    finally:
        store.close()
    assert [a.title for a in cairn.Api().run(new.path).alerts()] == ["Run crashed: new"] * 2
    assert cairn.Api().run(old.path).alerts() == []
