"""Full-resolution history rows, a page at a time."""

from __future__ import annotations

from tests.server.conftest import ApiClient, LogRun, assert_error

import cairn


def test_pages_of_rows(api: ApiClient, log_run: LogRun) -> None:
    run = log_run(steps=10)
    url = f"{run.api_path}/history"
    body = api.get(url, params={"keys": "loss,spiky", "limit": 4}).json()
    assert [r["_step"] for r in body["rows"]] == [0, 1, 2, 3]
    assert body["next_step"] == 4
    assert body["rows"][2] == {"_step": 2, "loss": 1 / 3, "spiky": None}
    assert body["rows"][3]["spiky"] == "Infinity"
    body = api.get(url, params={"keys": "loss,spiky", "limit": 4, "min_step": 4}).json()
    assert body["rows"][0] == {"_step": 4, "loss": 0.2, "spiky": "-Infinity"}
    body = api.get(url, params={"keys": "acc", "min_step": 8}).json()
    assert body == {"rows": [{"_step": 8, "acc": 8}, {"_step": 9, "acc": 9}],
                    "next_step": None}
    body = api.get(url, params={"keys": "acc", "min_step": 2, "max_step": 3}).json()
    assert [r["_step"] for r in body["rows"]] == [2, 3]
    assert api.get(url, params={"keys": "nope"}).json() == {"rows": [], "next_step": None}


def test_rows_with_any_of_the_keys(api: ApiClient) -> None:
    run = cairn.init(project="proj")
    run.log({"a": 1.0})
    run.log({"b": "text"})
    run.log({"a": 3.0, "b": "more"})
    run.finish()
    body = api.get(f"/api/v1/runs/{run.entity}/proj/{run.id}/history",
                   params={"keys": "a,b"}).json()
    assert body["rows"] == [{"_step": 0, "a": 1.0}, {"_step": 1, "b": "text"},
                            {"_step": 2, "a": 3.0, "b": "more"}]


def test_bad_history_requests(api: ApiClient, log_run: LogRun) -> None:
    run = log_run()
    url = f"{run.api_path}/history"
    for params in ({}, {"keys": ""}, {"keys": "loss", "limit": 0},
                   {"keys": "loss", "limit": 10001}, {"keys": "loss", "limit": "ten"},
                   {"keys": "loss", "min_step": -1}, {"keys": "loss", "min_step": "1.5"},
                   {"keys": "loss", "min_step": 5, "max_step": 4},
                   {"keys": "loss", "max_step": "9" * 40}):
        assert_error(api.get(url, params=params), 400, "bad_request")
    assert_error(api.get(f"/api/v1/runs/{run.entity}/proj/nope/history",
                         params={"keys": "loss"}), 404, "not_found")
