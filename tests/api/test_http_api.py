"""``cairn.Api(base_url=…, api_key=…)`` reads a team server over HTTP and gives the same
objects as an ``Api`` on the server's own store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import cairn
from cairn.server.app import app_context
from cairn.server.team import TeamConfig, create_team_app
from cairn.store.accounts import Accounts
from cairn.store.sqlite import SqliteStore
from cairn.testing import LiveServer


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[LiveServer, str, Path]]:
    folder = tmp_path / "team"
    local = SqliteStore(folder / "cairn.db")
    key = Accounts(local).create_user("ada")[1]
    local.close()
    config = TeamConfig(store=str(folder), blobs=f"file://{folder / 'blobs'}",
                        root=str(tmp_path / "cairn"), access_log=False)
    live = LiveServer(create_team_app(config)).start()
    yield live, key, folder
    live.stop()
    app_context(live.app).store.close()


def test_the_api_over_http_reads_what_the_store_holds(
        team: tuple[LiveServer, str, Path], tmp_path: Path) -> None:
    live, key, folder = team
    run = cairn.init(project="p", mode="online", config={"lr": 0.5, "layers": [1, 2]},
                     settings={"base_url": live.url, "api_key": key})
    image = np.arange(27, dtype=np.uint8).reshape(3, 3, 3)
    for step in range(50):
        run.log({"loss": 1 / (step + 1), "acc": step, "note": f"s{step}"})
    run.log({"pic": cairn.Image(image)})
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    run.save(str(notes), base_path=str(tmp_path), policy="now")
    run.finish()

    remote = cairn.Api(base_url=live.url, api_key=key)
    local = cairn.Api(store=str(folder))
    try:
        [remote_run] = remote.runs("ada/p")
        local_run = local.run(run.path)
        assert remote_run.id == local_run.id == run.id
        assert remote_run.config == local_run.config == {"lr": 0.5, "layers": [1, 2]}
        assert remote_run.summary == local_run.summary
        assert remote_run.state == "finished"
        assert list(remote_run.scan_history(keys=["loss", "acc"])) == list(
            local_run.scan_history(keys=["loss", "acc"]))
        steps, values = remote_run.series("loss")
        assert list(steps) == list(range(50))
        assert np.allclose(values, [1 / (s + 1) for s in range(50)])
        pic = next(iter(remote_run.scan_history(keys=["pic"])))["pic"]
        assert np.array_equal(np.asarray(pic.image()), image)
        [project] = [p for p in remote.projects() if p.name == "p"]
        assert project.run_count == 1
        downloaded = remote_run.file("notes.txt").download(root=str(tmp_path / "got"))
        assert downloaded.read_text() == "hello"
        with pytest.raises(cairn.errors.NotFoundError):
            remote.run("ada/p/nope")
    finally:
        remote.backend.close()
        local.backend.close()


def test_a_wrong_key_is_one_clear_error(team: tuple[LiveServer, str, Path]) -> None:
    live, key, _ = team
    api = cairn.Api(base_url=live.url, api_key=_wrong(key))
    try:
        with pytest.raises(cairn.errors.StoreError, match="refused the API key"):
            api.projects()
    finally:
        api.backend.close()


def _wrong(key: str) -> str:
    """The key with its last digit changed: well-formed, not valid."""
    return key[:-1] + ("1" if key.endswith("0") else "0")


def test_an_artifact_logged_online_is_used_online(team: tuple[LiveServer, str, Path],
                                                  tmp_path: Path) -> None:
    live, key, _ = team
    settings = {"base_url": live.url, "api_key": key}
    data = tmp_path / "data.txt"
    data.write_text("weights")
    producer = cairn.init(project="p", mode="online", settings=settings)
    artifact = cairn.Artifact("model", type="model")
    artifact.add_file(str(data))
    producer.log_artifact(artifact)
    producer.finish()
    consumer = cairn.init(project="p", mode="online", settings=settings)
    used = consumer.use_artifact("model:latest")
    folder = Path(used.download(root=str(tmp_path / "got")))
    assert (folder / "data.txt").read_text() == "weights"
    consumer.finish()


def test_reports_are_read_over_http_as_from_the_store(
        team: tuple[LiveServer, str, Path]) -> None:
    live, key, folder = team
    run = cairn.init(project="p", mode="online", settings={"base_url": live.url, "api_key": key})
    run.log({"loss": 1.0})
    run.finish()
    body = {"blocks": [{"id": "t", "type": "markdown", "text": "# Hi $x$"},
                       {"id": "c", "type": "panel", "runs": {"query": "q=a", "max": 3},
                        "panel": {"id": "p", "type": "line", "settings": {"metrics": ["loss"]}}}]}
    made = app_context(live.app).store.create_report("ada", "p", "Study", body)
    remote = cairn.Api(base_url=live.url, api_key=key)
    local = cairn.Api(store=str(folder))
    try:
        for api in (remote, local):
            [listed] = api.reports("ada/p")
            assert (listed.id, listed.title, listed.version, listed.body) == (
                made.id, "Study", 1, {})
            found = api.report(f"ada/p/{made.id}")
            assert (found.title, found.body) == ("Study", body)
            with pytest.raises(cairn.errors.NotFoundError):
                api.report(f"ada/p/{made.id + 1}")
            with pytest.raises(ValueError, match="entity/project/report_id"):
                api.report("ada/p/first")
    finally:
        remote.backend.close()
        local.backend.close()
