"""Alerts over HTTP: a run's, and the project's feed, newest first, paged back."""

from __future__ import annotations

from tests.server.conftest import ApiClient, assert_error

import cairn


def test_run_alerts_and_the_project_feed(api: ApiClient) -> None:
    first = cairn.init(project="proj", name="a", settings={"console": "off"})
    first.alert("spike", "loss 9", level="WARN")
    first.alert("spike", "loss 10", level="WARN")
    first.finish()
    second = cairn.init(project="proj", name="b", settings={"console": "off"})
    second.alert("nan", "loss nan", level="ERROR")
    second.alert("done", "ok")
    second.finish()
    body = api.get(f"/api/v1/runs/{first.entity}/proj/{first.id}/alerts").json()
    assert [(a["title"], a["text"], a["level"], a["suppressed"]) for a in body["alerts"]] == [
        ("spike", "loss 9", "WARN", 1)]
    assert body["alerts"][0]["run"] == {"id": first.id, "name": "a"}
    assert body["alerts"][0]["deliveries"] == []
    feed = api.get(f"/api/v1/projects/{first.entity}/proj/alerts").json()["alerts"]
    assert [a["title"] for a in feed] == ["done", "nan", "spike"]
    older = api.get(f"/api/v1/projects/{first.entity}/proj/alerts",
                    params={"before": feed[0]["id"], "limit": 1}).json()["alerts"]
    assert [a["title"] for a in older] == ["nan"]
    assert_error(api.get(f"/api/v1/projects/{first.entity}/nope/alerts"), 404, "not_found")
    assert_error(api.get(f"/api/v1/projects/{first.entity}/proj/alerts",
                         params={"limit": 0}), 400, "bad_request")
