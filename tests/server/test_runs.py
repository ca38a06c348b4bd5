"""The runs table (filters, search, order, paging, columns), one run, and edits."""

from __future__ import annotations

import json
import math
from typing import Any

from tests.server.conftest import JSON, ApiClient, LogRun, assert_error

import cairn
from cairn.store.sqlite import SqliteStore

RUN_FIELDS = {"id", "entity", "project", "path", "name", "state", "notes", "tags", "group",
              "job_type", "created_at", "updated_at", "heartbeat_at", "finished_at",
              "exit_code", "last_step", "host", "config", "summary", "meta", "url"}


def _runs(api: ApiClient, entity: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"/api/v1/projects/{entity}/proj/runs", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_run_has_every_field(api: ApiClient, log_run: LogRun) -> None:
    run = log_run(name="first", config={"lr": 0.1}, tags=["a"], group="g", job_type="train",
                  notes="n")
    body = _runs(api, run.entity)
    assert (body["total"], body["limit"], body["offset"]) == (1, 100, 0)
    found = body["runs"][0]
    assert set(found) == RUN_FIELDS
    assert found["path"] == f"{run.entity}/proj/{run.id}"
    assert (found["name"], found["tags"], found["group"], found["job_type"],
            found["notes"]) == ("first", ["a"], "g", "train", "n")
    assert found["state"] == "finished"
    assert found["exit_code"] == 0
    assert found["last_step"] == 9
    assert found["config"] == {"lr": 0.1}
    assert found["summary"]["loss"] == 0.1
    assert found["summary"]["spiky"] == 9.0
    assert found["url"].endswith(f"/{run.entity}/proj/runs/{run.id}")
    assert "session_starts" not in found["meta"]


def test_filters_order_and_paging(api: ApiClient, log_run: LogRun) -> None:
    made = [log_run(name=f"r{i}", config={"lr": i / 10}) for i in range(5)]
    entity = made[0].entity
    body = _runs(api, entity, filters=json.dumps({"config.lr": {"$gte": 0.2}}),
                 order="-config.lr", limit=2, offset=1)
    assert body["total"] == 3
    assert [r["name"] for r in body["runs"]] == ["r3", "r2"]
    assert [r["name"] for r in _runs(api, entity, order="config.lr")["runs"]] == [
        f"r{i}" for i in range(5)]
    assert [r["name"] for r in _runs(api, entity)["runs"]] == [f"r{i}" for i in
                                                               reversed(range(5))]
    empty = _runs(api, entity, offset=10)
    assert (empty["runs"], empty["total"]) == ([], 5)


def test_search_is_a_case_insensitive_substring(api: ApiClient) -> None:
    specs = [dict(name="Alpha-one"), dict(name="b", tags=["BaseLine"]),
             dict(name="c", group="grp_x"), dict(name="d", job_type="EVAL"),
             dict(name="e", config={"optimizer": "AdamW"}), dict(name="f"),
             dict(name="g", config={"path": "50%_done"}), dict(name="h", tags=["café"])]
    for spec in specs:
        run = cairn.init(project="proj", **spec)
        run.log({"acc": 0.5} if spec["name"] != "f" else {"special_metric": 1.0})
        run.finish()
    entity = run.entity

    def names(search: str, **params: Any) -> list[str]:
        return sorted(r["name"] for r in _runs(api, entity, search=search, **params)["runs"])

    assert names("alpha") == ["Alpha-one"]
    assert names("baseline") == ["b"]
    assert names("GRP_X") == ["c"]
    assert names("eval") == ["d"]
    assert names("adamw") == ["e"]
    assert names("special_met") == ["f"]  # a summary key
    assert names("50%_") == ["g"]  # % and _ are literal
    assert names("%") == ["g"]
    assert names("café") == ["h"]
    assert names("nothing like it") == []
    assert _runs(api, entity, search="a", limit=1)["total"] >= 2
    both = names("a", filters=json.dumps({"name": {"$in": ["Alpha-one", "b"]}}))
    assert both == ["Alpha-one", "b"]


def test_columns_restrict_config_and_summary(api: ApiClient) -> None:
    run = cairn.init(project="proj", config={"lr": 0.1, "model": {"hidden": 8, "act": "relu"},
                                             "other": 1})
    run.log({"loss": 1.0, "val": {"acc": 0.5}})
    run.finish()
    found = _runs(api, run.entity, columns="config.lr,config.model,summary.val.acc")["runs"][0]
    assert found["config"] == {"lr": 0.1, "model": {"hidden": 8, "act": "relu"}}
    assert found["summary"] == {"val": {"acc": 0.5}}
    found = _runs(api, run.entity, columns="config.model.hidden")["runs"][0]
    assert (found["config"], found["summary"]) == ({"model": {"hidden": 8}}, {})
    assert _runs(api, run.entity, columns="")["runs"][0]["config"] == {}


def test_non_finite_summary_and_config(api: ApiClient) -> None:
    run = cairn.init(project="proj", config={"eps": math.inf, "bad": math.nan})
    run.log({"loss": math.nan, "grad": -math.inf})
    run.finish()
    found = api.get(f"/api/v1/runs/{run.entity}/proj/{run.id}").json()
    assert found["config"] == {"eps": "Infinity", "bad": None}
    assert (found["summary"]["loss"], found["summary"]["grad"]) == (None, "-Infinity")


def test_one_run_with_its_metrics(api: ApiClient, log_run: LogRun) -> None:
    run = log_run(steps=5)
    body = api.get(run.api_path).json()
    assert set(body) == RUN_FIELDS | {"metrics"}
    metrics = {m["key"]: m for m in body["metrics"]}
    assert metrics["loss"] == {"key": "loss", "kind": "f", "count": 5, "first_step": 0,
                               "last_step": 4}
    assert metrics["acc"]["kind"] == "i"
    assert_error(api.get(f"/api/v1/runs/{run.entity}/proj/nope"), 404, "not_found")


def test_patch_name_notes_and_tags(api: ApiClient, log_run: LogRun,
                                   store: SqliteStore) -> None:
    run = log_run(name="old", tags=["x"], notes="before")
    body = api.patch(run.api_path, json={"name": "new", "tags": ["a", "b"]}).json()
    assert (body["name"], body["tags"], body["notes"]) == ("new", ["a", "b"], "before")
    body = api.patch(run.api_path, json={"notes": ""}).json()
    assert (body["name"], body["notes"]) == ("new", "")
    assert api.patch(run.api_path, json={}).json()["name"] == "new"
    assert cairn.Api().run(f"{run.entity}/proj/{run.id}").tags == ["a", "b"]
    trail = store.edits(run.entity, "proj")  # each change is in the audit trail
    assert [(e.kind, e.target, e.body["records"]) for e in trail] == [
        ("run_update", run.id, [["meta", {"notes": ""}]]),
        ("run_update", run.id, [["meta", {"name": "new", "tags": ["a", "b"]}]])]
    assert {e.origin.split()[0] for e in trail} == {"ui"}


def test_patch_refuses_bad_edits(api: ApiClient, log_run: LogRun) -> None:
    run = log_run(name="keep")
    for body in ({"name": 5}, {"name": None}, {"tags": "a"}, {"tags": [1]},
                 {"tags": [["a"]]}, {"notes": ["x"]}, {"state": "finished"},
                 {"config": {}}):
        message = assert_error(api.patch(run.api_path, json=body), 400, "bad_request")
        assert next(iter(body)) in message
    for raw in (b"[1, 2]", b"{bad json", b'"name"', b"\xff\xfe"):
        assert_error(api.patch(run.api_path, content=raw, headers=JSON), 400, "bad_request")
    assert_error(api.patch(f"/api/v1/runs/{run.entity}/proj/nope", json={"name": "x"}), 404,
                 "not_found")
    assert api.get(run.api_path).json()["name"] == "keep"
    assert cairn.Api().runs(f"{run.entity}/proj").__len__() == 1
