"""The controller's state in the store, on SQLite and PostgreSQL: trials handed out once,
run_cap exact, dead agents' trials crashed and their grid points handed out again."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from cairn.store.base import MetadataStore
from cairn.store.sweeps import SweepRow, TrialRow
from cairn.sweeps.config import parse_config
from cairn.sweeps.controller import Controller, create_sweep, find_sweep

GRID = {"method": "grid", "metric": {"name": "loss"},
        "parameters": {"a": {"values": [1, 2, 3]}, "b": {"min": 0, "max": 3}}}


def _sweep(store: MetadataStore, raw: dict[str, Any]) -> SweepRow:
    return create_sweep(store, parse_config(raw), "e", "p", seed=1)


def test_create_and_find(store: MetadataStore) -> None:
    row = _sweep(store, GRID)
    assert row.grid_size == 12
    assert row.state == "running"
    assert row.config == GRID
    assert find_sweep(store, row.sweep_id).pk == row.pk
    assert find_sweep(store, f"e/p/{row.sweep_id}").pk == row.pk
    assert [s.sweep_id for s in store.find_sweeps("e", "p")] == [row.sweep_id]
    assert store.get_project("e", "p") is not None


def test_grid_handed_out_once_from_threads(store: MetadataStore) -> None:
    row = _sweep(store, GRID)
    got: list[TrialRow] = []
    lock = threading.Lock()

    def agent(k: int) -> None:
        controller = Controller(store, row)
        n = 0
        while True:
            claim = controller.claim(f"r{k}-{n}")
            if claim.trial is None:
                return
            with lock:
                got.append(claim.trial)
            controller.end(claim.trial, "finished")
            n += 1

    threads = [threading.Thread(target=agent, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(t.grid_index for t in got) == list(range(12))  # type: ignore[type-var]
    points = {(t.params["a"], t.params["b"]) for t in got}
    assert len(points) == 12
    assert find_sweep(store, row.sweep_id).state == "finished"


def test_run_cap_is_exact(store: MetadataStore) -> None:
    row = _sweep(store, {"method": "random", "run_cap": 5,
                         "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    controllers = [Controller(store, row) for _ in range(3)]
    claims = [c.claim(f"r{i}-{k}") for k in range(4) for i, c in enumerate(controllers)]
    assert sum(c.trial is not None for c in claims) == 5
    assert find_sweep(store, row.sweep_id).state == "running"  # five still run
    for claim, controller in zip(claims, controllers * 4, strict=True):
        if claim.trial is not None:
            controller.end(claim.trial, "finished")
    assert controllers[0].claim("late").trial is None
    assert find_sweep(store, row.sweep_id).state == "finished"


def test_dead_agent_trial_is_crashed_and_its_point_handed_out_again(
        store: MetadataStore) -> None:
    row = _sweep(store, {"method": "grid", "parameters": {"a": {"values": [1, 2]}}})
    dead = store.claim_trial(row.pk, "gone", host=None, pid=None, run_cap=None,
                             propose=lambda s, t, i: {"a": [1, 2][i or 0]})
    assert dead.trial is not None
    # its heartbeat is old and no process can be asked: the next claim finds it dead
    controller = Controller(store, row)
    controller.store.trial_heartbeat(row.pk, dead.trial.number)
    _age(store, row.pk)
    first = controller.claim("next")
    assert first.trial is not None
    assert first.trial.grid_index == dead.trial.grid_index
    states = {t.run_id: t for t in store.sweep_trials(row.pk)}
    assert states["gone"].state == "crashed"
    assert "agent stopped" in (states["gone"].stop_reason or "")
    second = controller.claim("other")
    assert second.trial is not None
    assert second.trial.grid_index == 1
    assert controller.claim("none").trial is None


def _age(store: MetadataStore, sweep_pk: int) -> None:
    """Make every running trial's heartbeat older than the store's timeout."""
    with store._write() as conn:  # type: ignore[attr-defined]
        conn.execute("UPDATE sweep_trials SET heartbeat_at = heartbeat_at - 1e6 WHERE "
                     "sweep = ?", (sweep_pk,))


@pytest.mark.parametrize(("action", "state"), [("paused", "paused"),
                                               ("canceled", "canceled")])
def test_no_trials_unless_running(store: MetadataStore, action: str, state: str) -> None:
    row = _sweep(store, GRID)
    store.set_sweep_state(row.pk, action)
    claim = Controller(store, row).claim("r")
    assert claim.trial is None
    assert claim.sweep.state == state
    store.set_sweep_state(row.pk, "running")
    assert Controller(store, row).claim("r").trial is not None


def test_stop_request_and_heartbeat(store: MetadataStore) -> None:
    row = _sweep(store, GRID)
    claim = Controller(store, row).claim("r")
    assert claim.trial is not None
    assert store.trial_heartbeat(row.pk, 0) == ("running", None, "running")
    store.stop_trial(row.pk, 0, "hyperband: worse")
    assert store.trial_heartbeat(row.pk, 0) == ("running", "hyperband: worse", "running")
    store.end_trial(row.pk, 0, "killed")
    trial = store.sweep_trials(row.pk)[0]
    assert trial.state == "killed"
    assert trial.stop_reason == "hyperband: worse"
    with pytest.raises(ValueError, match="ends as one of"):
        store.end_trial(row.pk, 0, "running")
    with pytest.raises(ValueError, match="state is one of"):
        store.set_sweep_state(row.pk, "sleeping")
