"""The System tab's data: a run's system metrics as columns over wall time."""

from __future__ import annotations

import time

from tests.server.conftest import ApiClient, Logged, assert_error

import cairn


def test_system_columns_and_live_since(api: ApiClient) -> None:
    live = cairn.init(project="proj", settings={"system_interval": 0.05})
    sampler = live._environment.system if live._environment is not None else None
    assert sampler is not None
    deadline = time.monotonic() + 30
    while sampler._probes is None and time.monotonic() < deadline:
        time.sleep(0.02)  # a run that ends before its probes open has no sample
    for step in range(3):
        live.log({"loss": 1.0 / (step + 1)})
    live.finish()
    run = Logged(live.id, live.entity, live.project, live.name)
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
