"""``cairn.Api``: projects, paged runs, run lookup, attributes, edits and deletion."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import cairn
from cairn.api.public import Api, Run
from cairn.errors import FilterError, NotFoundError


def _log_run(project: str = "p", **init: Any) -> Any:
    run = cairn.init(project=project, **init)
    run.log({"loss": 1.0, "acc": 0.5})
    run.log({"loss": 0.5, "acc": 0.75})
    run.finish()
    return run


class CountingStore:
    """A store wrapper that counts the calls made to it."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.store, name)


def test_no_store_yet(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no cairn store"):
        Api(root=tmp_path / "empty").projects()


def test_projects() -> None:
    _log_run("alpha")
    _log_run("alpha")
    _log_run("beta", entity="team")
    api = cairn.Api()
    projects = {p.name: p for p in api.projects()}
    assert {n: p.run_count for n, p in projects.items()} == {"alpha": 2, "beta": 1}
    assert projects["beta"].path == ["team", "beta"]
    assert projects["alpha"].created_at is not None
    assert "alpha" in repr(projects["alpha"])
    assert [p.name for p in api.projects("team")] == ["beta"]
    assert api.project("beta").entity == "team"
    with pytest.raises(NotFoundError, match="no project 'gamma'"):
        api.project("gamma")


def test_runs_are_paged_lazily() -> None:
    made = [_log_run(name=f"run-{i}", config={"i": i}) for i in range(5)]
    backend = cairn.Api().backend
    counting = CountingStore(backend.store)
    backend._store = counting  # type: ignore[attr-defined]
    api = cairn.Api(backend=backend)
    runs = api.runs("p", per_page=2)
    assert counting.calls == []
    assert len(runs) == 5
    assert counting.calls == ["query_runs_counted"]  # the first page counts them all
    assert len(runs) == 5
    assert counting.calls == ["query_runs_counted"]
    assert runs[0].name == "run-4"  # newest first
    assert counting.calls.count("query_runs_counted") == 1
    assert [r.name for r in runs] == [f"run-{i}" for i in range(4, -1, -1)]
    # The first page by LIMIT; past it, one filter-and-sort for every key, then pages by key.
    assert counting.calls.count("query_runs_counted") == 1
    assert counting.calls.count("query_run_pks") == 1
    assert counting.calls.count("runs_by_pk") == 2  # pages of 2 and 1
    assert runs[-1].name == "run-0"
    assert [r.name for r in runs[1:4]] == ["run-3", "run-2", "run-1"]
    assert [r.name for r in runs[::-2]] == ["run-0", "run-2", "run-4"]
    assert runs[5:] == []
    with pytest.raises(IndexError):
        runs[5]
    with pytest.raises(IndexError):
        runs[-6]
    with pytest.raises(TypeError):
        runs["0"]  # type: ignore[call-overload]
    assert counting.calls.count("query_run_pks") == 1
    assert {r.id for r in runs} == {r.id for r in made}


def test_runs_filters_order_and_paths() -> None:
    for i, lr in enumerate([0.1, 0.01, 0.001]):
        run = cairn.init(project="p", config={"lr": lr}, tags=["even"] if i % 2 == 0 else [])
        run.log({"acc": i / 10})
        run.finish()
    _log_run("other")
    api = cairn.Api()
    assert [r.config["lr"] for r in api.runs("p", {"config.lr": {"$lt": 0.05}},
                                            order="config.lr")] == [0.001, 0.01]
    assert [r.summary["acc"] for r in api.runs("p", order="-summary.acc")] == [0.2, 0.1, 0.0]
    assert len(api.runs("p", {"tags": "even"})) == 2
    assert len(api.runs()) == 4
    entity = api.runs("p")[0].entity
    assert len(api.runs(f"{entity}/p")) == 3
    assert len(api.runs("nobody/p")) == 0
    with pytest.raises(FilterError, match="unknown operator"):
        api.runs("p", {"config.lr": {"$bogus": 1}})
    with pytest.raises(FilterError, match="cannot be ordered by tags"):
        api.runs("p", order="tags")
    with pytest.raises(ValueError, match="per_page"):
        api.runs("p", per_page=0)
    with pytest.raises(ValueError, match="at most 2 parts"):
        api.runs("a/b/c")


def test_run_by_path_and_ambiguous_ids() -> None:
    run = _log_run("p", id="sameid")
    api = cairn.Api()
    for path in (run.path, f"{run.project}/{run.id}", run.id,
                 f"{run.entity}/{run.project}/runs/{run.id}"):
        assert api.run(path).id == "sameid"
    with pytest.raises(NotFoundError, match="no run"):
        api.run("p/unknown")
    with pytest.raises(NotFoundError, match="no run"):
        api.run(f"{run.entity}/p/unknown")
    with pytest.raises(ValueError, match="needs a path"):
        api.run("")
    other = _log_run("q", id="sameid")
    with pytest.raises(NotFoundError, match="ambiguous"):
        api.run("sameid")
    assert api.run("q/sameid").path == [other.entity, "q", "sameid"]


def test_run_attributes() -> None:
    run = cairn.init(project="p", name="nice", notes="about it", tags=["a", "b"], group="g",
                     job_type="train", config={"lr": 0.1, "model": {"depth": 3}})
    run.log({"loss": 2, "ok": True, "label": "x"})
    run.log({"loss": 1, "ok": False, "label": "y"})
    run.finish()
    stored = cairn.Api().run(run.path)
    assert isinstance(stored, Run)
    assert (stored.name, stored.display_name, stored.notes, stored.tags) == (
        "nice", "nice", "about it", ["a", "b"])
    assert (stored.group, stored.job_type, stored.state, stored.exit_code) == (
        "g", "train", "finished", 0)
    assert stored.config == {"lr": 0.1, "model": {"depth": 3}}
    assert stored.summary["loss"] == 1
    assert type(stored.summary["loss"]) is int
    assert stored.summary["ok"] is False
    assert stored.summary["label"] == "y"
    assert stored.summary["_step"] == 1
    assert stored.path == [run.entity, "p", run.id]
    assert stored.last_step == stored.lastHistoryStep == 1
    assert stored.created_at is not None
    assert stored.finished_at is not None
    assert stored.heartbeat_at is not None
    assert stored.url.endswith(f"/{run.entity}/p/runs/{run.id}")
    assert stored.metadata["pid"] > 0
    assert repr(stored).endswith("(finished)>")
    assert {s.key for s in stored.series_info()} >= {"loss", "ok", "label", "_runtime"}


def test_failed_and_running_states() -> None:
    failed = cairn.init(project="p")
    failed.finish(exit_code=2)
    running = cairn.init(project="p")
    running.log({"x": 1})
    running._flush_to_store()
    api = cairn.Api()
    assert (api.run(failed.path).state, api.run(failed.path).exit_code) == ("failed", 2)
    assert api.run(running.path).state == "running"
    running.finish()
    assert cairn.Api().run(running.path).state == "finished"


def test_update_saves_edits() -> None:
    run = cairn.init(project="p", name="before", config={"lr": 0.1, "opt": {"b": 1}})
    run.log({"loss": 0.5, "nan": math.nan, "acc": 0.9, "deep": {"x": 1, "y": 2}})
    run.finish()
    api = cairn.Api()
    stored = api.run(run.path)
    stored.name = "after"
    stored.notes = "edited"
    stored.tags = ["t1"]
    stored.group = "g"
    stored.config["lr"] = 0.2
    stored.config["opt"]["b"] = 2
    stored.summary["loss"] = 0.25
    stored.summary["deep"]["x"] = 10
    del stored.summary["acc"]
    stored.update()
    assert stored.name == "after"
    fresh = cairn.Api().run(run.path)
    assert (fresh.name, fresh.notes, fresh.tags, fresh.group) == ("after", "edited", ["t1"],
                                                                  "g")
    assert fresh.config == {"lr": 0.2, "opt": {"b": 2}}
    assert fresh.summary["loss"] == 0.25
    assert fresh.summary["deep"] == {"x": 10, "y": 2}
    assert "acc" not in fresh.summary
    assert math.isnan(fresh.summary["nan"])
    state = api.store.get_run(fresh._row.ref, with_state=True)
    assert state is not None
    # Only what changed became a manual override; the NaN still follows history.
    assert state.summary_state["set"] == {"loss": 0.25, "deep.x": 10}
    assert list(state.summary_state["del"]) == ["acc"]  # with the step it came at
    fresh.tags = "oops"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="tags must be a list of strings"):
        fresh.update()


def test_update_with_no_changes_changes_nothing() -> None:
    run = _log_run()
    stored = cairn.Api().run(run.path)
    before = (stored.name, stored.config, stored.summary)
    stored.update()
    stored.update()
    again = cairn.Api().run(run.path)
    assert (again.name, again.config, again.summary) == before
    state = cairn.Api().store.get_run(again._row.ref, with_state=True)
    assert state is not None
    assert state.summary_state["set"] == {}


def test_delete() -> None:
    keep = _log_run()
    gone = _log_run()
    api = cairn.Api()
    api.run(gone.path).delete()
    with pytest.raises(NotFoundError):
        api.run(gone.path)
    assert [r.id for r in api.runs("p")] == [keep.id]
    assert api.projects()[0].run_count == 1
    stale = api.run(keep.path)
    stale.delete()
    stale.name = "too late"
    with pytest.raises(NotFoundError, match="deleted"):
        stale.update()


def test_close_and_reopen() -> None:
    run = _log_run()
    api = cairn.Api()
    assert api.run(run.path).id == run.id
    api.close()
    api.close()
    assert api.run(run.path).id == run.id
    api.close()
