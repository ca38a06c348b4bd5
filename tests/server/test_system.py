"""The System tab's data: a run's system metrics as columns over wall time."""

from __future__ import annotations

from tests.server.conftest import ApiClient, LogRun, assert_error


def test_system_columns_and_live_since(api: ApiClient, log_run: LogRun) -> None:
    run = log_run(steps=3, settings={"system_interval": 0.05})
    url = f"{run.api_path}/system"
    body = api.get(url).json()
    assert len(body["at"]) >= 1
    assert body["last"] == body["at"][-1]
    cpu = body["series"]["system/cpu"]
    assert len(cpu) == len(body["at"])
    assert all(v is None or 0 <= v <= 100 for v in cpu)
    later = api.get(url, params={"since": body["last"]}).json()
    assert later == {"at": [], "series": {}, "last": body["last"]}
    assert_error(api.get(url, params={"points": 1}), 400, "bad_request")
    assert_error(api.get(f"{run.api_path}x/system"), 404, "not_found")
