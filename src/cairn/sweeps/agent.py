"""The agent: asks the controller for trials and runs each, in this process (``function``)
or as a subprocess (the config's ``program``/``command``), until the sweep has nothing
more to hand out, ``count`` trials have run, or the sweep is stopped or canceled.

While a trial runs, a monitor thread stamps it alive in the store (an agent that dies
leaves a trial that the next claim marks ``crashed``), applies Hyperband to it, and stops
it when Hyperband or a cancel says so: a subprocess gets SIGTERM (SIGKILL after a grace
period), an in-process function gets ``TrialStopped`` raised in its thread. Either way the
run ends ``killed`` and the trial keeps the reason.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

from cairn.errors import Error, UsageError
from cairn.sdk.names import new_run_id
from cairn.settings import Settings
from cairn.store.base import MetadataStore
from cairn.store.sweeps import TrialRow
from cairn.sweeps.command import DEFAULT_COMMAND, build_command
from cairn.sweeps.controller import Controller, find_sweep
from cairn.sweeps.trial import trial_env, write_params

KILL_GRACE = 10.0
"""Seconds a stopped subprocess has between SIGTERM and SIGKILL."""


class TrialStopped(Error):
    """Raised inside an in-process trial that Hyperband (or a cancel) stopped."""


class _Monitor(threading.Thread):
    """Heartbeats one trial and decides whether it must stop."""

    def __init__(self, controller: Controller, trial: TrialRow, interval: float) -> None:
        super().__init__(name=f"cairn-sweep-trial-{trial.run_id}", daemon=True)
        self.controller, self.trial, self.interval = controller, trial, interval
        self.stop_reason: str | None = None
        self.on_stop: Callable[[], None] | None = None
        self.lock = threading.Lock()
        self._done = threading.Event()

    def run(self) -> None:
        store, sweep_pk = self.controller.store, self.controller.sweep.pk
        while not self._done.wait(self.interval):
            try:
                _, reason, sweep_state = store.trial_heartbeat(sweep_pk, self.trial.number)
                if reason is None and sweep_state == "canceled":
                    reason = "the sweep was canceled"
                if reason is None:
                    reason = self.controller.early_stop(self.trial.run_id)
                    if reason is not None:
                        store.stop_trial(sweep_pk, self.trial.number, reason)
            except Exception as exc:  # the store went away: keep the trial running
                print(f"cairn agent: cannot reach the sweep's store: {exc}", file=sys.stderr)
                continue
            if reason is not None:
                self._request_stop(reason)
                return

    def _request_stop(self, reason: str) -> None:
        with self.lock:
            if self._done.is_set():
                return
            self.stop_reason = reason
            if self.on_stop is not None:
                self.on_stop()

    def close(self) -> None:
        with self.lock:
            self._done.set()
            self.on_stop = None


def _raise_in(thread_id: int) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(TrialStopped))


def _finish_trial_run(run_id: str, state: str) -> None:
    """End the trial's run if the function left it open, in the trial's state."""
    from cairn.sdk.init import current

    run = current()
    if run is None or run.id != run_id:
        return
    if state == "finished":
        run.finish()
    else:
        run._finish(exit_code=143 if state == "killed" else 1, state=state)


def _run_function(function: Callable[[], object], env: Mapping[str, str], monitor: _Monitor,
                  run_id: str) -> str:
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    target = threading.get_ident()
    monitor.on_stop = lambda: _raise_in(target)
    state = "finished"
    try:
        try:
            function()
        finally:
            monitor.close()
    except TrialStopped:
        state = "killed"
    except Exception:
        traceback.print_exc()
        state = "failed"
    try:
        _finish_trial_run(run_id, state)
    except TrialStopped:  # delivered late, after the function had returned
        _finish_trial_run(run_id, state)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return "killed" if monitor.stop_reason is not None else state


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        proc.terminate()

    def kill_later() -> None:
        try:
            proc.wait(KILL_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                proc.kill()

    threading.Thread(target=kill_later, daemon=True).start()


def _run_command(argv: list[str], env: Mapping[str, str], monitor: _Monitor) -> str:
    try:
        proc = subprocess.Popen(argv, env={**os.environ, **env})
    except OSError as exc:
        monitor.close()
        print(f"cairn agent: cannot start {argv[0]}: {exc}", file=sys.stderr)
        return "failed"
    with monitor.lock:
        monitor.on_stop = lambda: _terminate(proc)
    code = proc.wait()
    monitor.close()
    if monitor.stop_reason is not None:
        return "killed"
    return "finished" if code == 0 else "failed"


class Agent:
    def __init__(self, store: MetadataStore, settings: Settings, sweep_id: str,
                 function: Callable[[], object] | None = None, entity: str | None = None,
                 project: str | None = None, heartbeat: float = 2.0,
                 poll: float = 2.0) -> None:
        self.settings = settings
        self.controller = Controller(store, find_sweep(store, sweep_id, entity, project))
        self.function = function
        self.heartbeat, self.poll = heartbeat, poll
        config = self.controller.config
        words = [str(w) for w in (config.command or DEFAULT_COMMAND)]
        if function is None and "${program}" in words and not config.program:
            raise UsageError(f"sweep {self.controller.sweep.path} has no program to run: give "
                             "agent() a function, or the config a program or command")

    def run(self, count: int | None = None) -> int:
        """Run trials until there are no more (or ``count``); how many ran."""
        ran = 0
        while count is None or ran < count:
            claim = self.controller.claim(new_run_id())
            if claim.trial is None:
                if claim.sweep.state == "paused":
                    time.sleep(self.poll)
                    continue
                break
            self.run_trial(claim.trial)
            ran += 1
        return ran

    def run_trial(self, trial: TrialRow) -> str:
        sweep = self.controller.sweep
        folder = self.settings.root / "sweeps" / sweep.sweep_id
        param_path = folder / f"config-{trial.run_id}.json"
        write_params(param_path, trial.params)
        env = trial_env(sweep.sweep_id, trial.run_id, sweep.entity, sweep.project, param_path)
        env.update(_store_env(self.settings))
        monitor = _Monitor(self.controller, trial, self.heartbeat)
        monitor.start()
        if self.function is not None:
            state = _run_function(self.function, env, monitor, trial.run_id)
        else:
            config = self.controller.config
            argv = build_command(config.command, config.program, trial.params,
                                 folder / f"args-{trial.run_id}.json")
            state = _run_command(argv, env, monitor)
        monitor.join(self.heartbeat + 5)
        self._await_run(trial.run_id, state, in_process=self.function is not None)
        self.controller.end(trial, state, monitor.stop_reason)
        return state


    def _await_run(self, run_id: str, state: str, in_process: bool) -> None:
        """Wait until the store holds the end of the trial's run, before its verdict:
        ``finish()`` leaves a run to its applier process, which may still be applying it
        (``sinks/handoffs.py``). A trial subprocess's run whose applier process died is
        applied here from its WAL files."""
        from cairn.records import RunRef
        from cairn.sinks.handoffs import wait_for_handoffs
        from cairn.wal.resume import apply_unsynced, run_wals

        if in_process:
            wait_for_handoffs()
            return
        sweep = self.controller.sweep
        ref = RunRef(sweep.entity, sweep.project, run_id)
        store = self.controller.store
        if not run_wals(self.settings.runs_dir, sweep.project, run_id):
            return  # the program logged no run
        deadline = time.monotonic() + RUN_APPLY_WAIT
        while True:
            found = store.get_run(ref)
            if found is not None and found.state in _ENDED:
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        apply_unsynced(self.settings.runs_dir, sweep.project, run_id, store, found, None)


RUN_APPLY_WAIT = 10.0
"""Seconds the agent waits for a trial subprocess's run to reach the store before it
applies the run's WAL files itself."""
_ENDED = ("finished", "failed", "killed")


def _store_env(settings: Settings) -> dict[str, str]:
    """Where a trial subprocess logs: the agent's own store."""
    return {"CAIRN_DIR": str(Path(settings.root)), "CAIRN_STORE": settings.store,
            "CAIRN_BLOBS": settings.blobs}


__all__ = ["Agent", "TrialStopped"]
