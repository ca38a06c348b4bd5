"""The sweeps resources: a project's sweeps, one sweep with its trials and importance,
and its state controls."""

from __future__ import annotations

import getpass

import pytest

import cairn

from .conftest import ApiClient, assert_error


def _run_sweep() -> str:
    sweep_id = cairn.sweep({"method": "random", "run_cap": 8, "metric": {"name": "loss"},
                            "parameters": {"x": {"min": -1.0, "max": 1.0},
                                           "opt": {"parameters": {
                                               "kind": {"values": ["a", "b"]}}}}},
                           project="sw", seed=4)

    def train() -> None:
        run = cairn.init()
        x, kind = run.config["x"], run.config["opt"]["kind"]
        run.log({"loss": x * x + (0.5 if kind == "b" else 0.0)})

    cairn.agent(sweep_id, function=train, project="sw")
    return sweep_id


def test_list_detail_and_controls(api: ApiClient) -> None:
    sweep_id = _run_sweep()
    entity = getpass.getuser()
    listed = api.get(f"/api/v1/projects/{entity}/sw/sweeps").json()["sweeps"]
    assert [s["id"] for s in listed] == [sweep_id]
    assert listed[0]["trial_count"] == 8
    assert listed[0]["states"] == {"finished": 8}
    assert listed[0]["state"] == "finished"
    path = f"/api/v1/sweeps/{entity}/sw/{sweep_id}"
    detail = api.get(path).json()
    assert detail["config"]["run_cap"] == 8
    trials = detail["trials"]
    assert len(trials) == 8
    assert set(trials[0]["params"]) == {"x", "opt.kind"}
    assert detail["best"] == min(t["value"] for t in trials)
    assert all(t["run_name"] for t in trials)
    found = api.get(path + "/importance").json()
    importance = {p["name"]: p for p in found["params"]}
    assert set(importance) == {"x", "opt.kind"}
    assert importance["opt.kind"]["correlation"] is None  # categorical
    assert found["method"].startswith(("fANOVA", "PED-ANOVA"))
    assert importance["x"]["importance"] is not None
    assert importance["x"]["importance"] + importance["opt.kind"]["importance"] == \
        pytest.approx(1.0)

    assert_error(api.patch(path, json={"state": "paused"}), 400, "bad_request")
    assert api.patch(path, json={"state": "canceled"}).json()["state"] == "canceled"
    assert_error(api.patch(path, json={"state": "asleep"}), 400, "bad_request")
    assert_error(api.get(f"/api/v1/sweeps/{entity}/sw/nosuch"), 404, "not_found")


def test_pause_and_resume(api: ApiClient) -> None:
    sweep_id = cairn.sweep({"method": "grid", "parameters": {"a": {"values": [1, 2]}}},
                           project="sw")
    path = f"/api/v1/sweeps/{getpass.getuser()}/sw/{sweep_id}"
    assert api.patch(path, json={"state": "paused"}).json()["state"] == "paused"
    assert api.patch(path, json={"state": "running"}).json()["state"] == "running"
    assert api.get(path).json()["trials"] == []
