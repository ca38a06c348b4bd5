"""Projects, and the columns and metrics of a project."""

from __future__ import annotations

from tests.server.conftest import ApiClient, LogRun, assert_error

import cairn


def test_projects_most_recently_active_first(api: ApiClient, log_run: LogRun) -> None:
    assert api.get("/api/v1/projects").json() == {"projects": []}
    first = log_run("alpha")
    log_run("beta")
    log_run("alpha")
    projects = api.get("/api/v1/projects").json()["projects"]
    assert [p["name"] for p in projects] == ["alpha", "beta"]
    alpha = projects[0]
    assert alpha["entity"] == first.entity
    assert alpha["run_count"] == 2
    assert alpha["created_at"] <= alpha["last_activity"]


def test_columns_are_flat_sorted_and_distinct(api: ApiClient) -> None:
    for config in ({"lr": 0.1, "model": {"hidden": 32, "act": "relu"}},
                   {"lr": 0.2, "sizes": [1, 2], "empty": {}, "weird key/é": 1}):
        run = cairn.init(project="p", config=config)
        run.log({"loss": 1.0, "val": {"acc": 0.5}})
        cairn.define_metric("loss", summary="min,max")
        run.log({"loss": 0.5})
        run.finish()
    body = api.get(f"/api/v1/projects/{run.entity}/p/columns").json()
    assert body["config"] == ["empty", "lr", "model.act", "model.hidden", "sizes",
                              "weird key/é"]
    assert "val.acc" in body["summary"]
    assert {"loss.min", "loss.max"} <= set(body["summary"])
    assert body["summary"] == sorted(body["summary"])


def test_metrics_with_kinds_and_run_counts(api: ApiClient) -> None:
    run = cairn.init(project="p")
    run.log({"loss": 1.5, "epoch": 1, "note": "hello"})
    run.finish()
    run = cairn.init(project="p")
    run.log({"loss": 2.5, "epoch": 1.5})
    run.finish()
    metrics = api.get(f"/api/v1/projects/{run.entity}/p/metrics").json()["metrics"]
    by_key = {(m["key"], m["kind"]): m["runs"] for m in metrics}
    assert by_key[("loss", "f")] == 2
    assert by_key[("epoch", "f")] == 2  # an int in one run, a float in the other: f
    assert by_key[("note", "o")] == 1
    assert ("_runtime", "f") in by_key
    assert [m["key"] for m in metrics] == sorted(m["key"] for m in metrics)


def test_unknown_project(api: ApiClient, log_run: LogRun) -> None:
    run = log_run("alpha")
    for what in ("columns", "metrics", "runs"):
        message = assert_error(api.get(f"/api/v1/projects/{run.entity}/nope/{what}"), 404,
                               "not_found")
        assert "nope" in message
    assert_error(api.get("/api/v1/projects/someone-else/alpha/runs"), 404, "not_found")
