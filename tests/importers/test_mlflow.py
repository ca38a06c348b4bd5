"""``cairn import mlflow``: runs made with MLflow's own client in a local file store (and
a SQLite one), read back through ``cairn.Api``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.importers.conftest import Invoke, api_of

mlflow_tracking = pytest.importorskip("mlflow.tracking")
T0 = 1_700_000_000_000  # ms


@pytest.fixture(scope="module")
def allow_file_store() -> Iterator[None]:
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    yield
    del os.environ["MLFLOW_ALLOW_FILE_STORE"]


def make_runs(uri: str, artifacts: Path) -> dict[str, str]:
    """Two experiments: ``vision`` (a finished and a failed run), ``audio`` (one still
    running); returns run ids by run name."""
    client = mlflow_tracking.MlflowClient(tracking_uri=uri)
    vision = client.create_experiment("vision", artifact_location=(artifacts / "v").as_uri())
    audio = client.create_experiment("audio", artifact_location=(artifacts / "a").as_uri())
    good = client.create_run(vision, run_name="good", start_time=T0,
                             tags={"team": "core", "baseline": "true",
                                   "mlflow.note.content": "the good one"}).info.run_id
    for key, value in {"lr": "0.01", "layers": "4", "use_bn": "True", "code": "007",
                       "opt": "adam"}.items():
        client.log_param(good, key, value)
    for step in range(50):
        client.log_metric(good, "loss", 1.0 / (step + 1), timestamp=T0 + 1000 * step,
                          step=step)
        if step % 10 == 0:
            client.log_metric(good, "val_acc", step / 50, timestamp=T0 + 1000 * step + 5,
                              step=step)
    source = artifacts / "src"
    (source / "plots").mkdir(parents=True)
    (source / "model.txt").write_text("weights")
    (source / "plots" / "curve.csv").write_text("a,b\n1,2\n")
    client.log_artifacts(good, str(source))
    client.set_terminated(good, "FINISHED", end_time=T0 + 60_000)
    bad = client.create_run(vision, run_name="bad", start_time=T0).info.run_id
    client.log_metric(bad, "loss", 9.0, timestamp=T0, step=0)
    client.set_terminated(bad, "FAILED", end_time=T0 + 1000)
    live = client.create_run(audio, run_name="live", start_time=T0).info.run_id
    client.log_metric(live, "loss", 1.0, timestamp=T0, step=0)
    return {"good": good, "bad": bad, "live": live}


@pytest.fixture(scope="module")
def file_store(tmp_path_factory: pytest.TempPathFactory, allow_file_store: None
               ) -> tuple[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("mlflow")
    uri = str(root / "mlruns")
    return uri, make_runs(uri, root / "artifacts")


def by_name(store: Path, project: str) -> dict[str, Any]:
    return {r.name: r for r in api_of(store).runs(project)}


def test_params_metrics_tags_and_state(invoke: Invoke, store: Path,
                                       file_store: tuple[str, dict[str, str]]) -> None:
    uri, ids = file_store
    result = invoke("import", "mlflow", uri)
    assert result.stdout.startswith("imported 3 runs, 57 points, 2 files")
    good = by_name(store, "vision")["good"]
    assert good.id == ids["good"]
    assert good.config == {"lr": 0.01, "layers": 4, "use_bn": True, "code": "007",
                           "opt": "adam"}
    rows = good.history(pandas=False)
    assert [r["_step"] for r in rows] == list(range(50))
    assert [r["_timestamp"] for r in rows] == [(T0 + 1000 * s) / 1000 for s in range(50)]
    assert rows[10]["val_acc"] == 0.2
    assert "val_acc" not in rows[11]
    assert sorted(good.tags) == ["baseline", "team:core"]
    assert good.notes == "the good one"
    assert good.state == "finished"
    assert by_name(store, "vision")["bad"].state == "failed"
    assert by_name(store, "audio")["live"].history(pandas=False)[0]["loss"] == 1.0


def test_artifacts_become_run_files(invoke: Invoke, store: Path, tmp_path: Path,
                                    file_store: tuple[str, dict[str, str]]) -> None:
    invoke("import", "mlflow", file_store[0], "--experiment", "vision")
    good = by_name(store, "vision")["good"]
    assert sorted(f.name for f in good.files()) == ["model.txt", "plots/curve.csv"]
    path = good.file("plots/curve.csv").download(root=tmp_path / "dl")
    assert path.read_text() == "a,b\n1,2\n"
    assert [p.name for p in api_of(store).projects()] == ["vision"]


def test_importing_twice_changes_nothing(invoke: Invoke, store: Path,
                                         file_store: tuple[str, dict[str, str]]) -> None:
    invoke("import", "mlflow", file_store[0])
    before = {n: (r.config, r.history(pandas=False)) for n, r in by_name(store, "vision").items()}
    again = invoke("import", "mlflow", file_store[0])
    assert again.stdout.strip() == "imported 0 runs, 0 points, 0 files, 3 runs already imported"
    assert {n: (r.config, r.history(pandas=False))
            for n, r in by_name(store, "vision").items()} == before


def test_bad_sources_are_clear_errors(invoke: Invoke, tmp_path: Path,
                                      file_store: tuple[str, dict[str, str]]) -> None:
    missing = invoke("import", "mlflow", str(tmp_path / "nope"), code=1)
    assert "no such folder" in missing.stderr
    unknown = invoke("import", "mlflow", file_store[0], "--experiment", "nope", code=1)
    assert "no MLflow experiment named 'nope'" in unknown.stderr
    assert "audio" in unknown.stderr
    assert "vision" in unknown.stderr


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # SQLAlchemy's, about MLflow's code
def test_a_sqlite_tracking_store(invoke: Invoke, store: Path, tmp_path: Path) -> None:
    pytest.importorskip("alembic")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ids = make_runs(uri, tmp_path / "artifacts")
    invoke("import", "mlflow", uri, "--project", "all")
    runs = by_name(store, "all")
    assert {r.id for r in runs.values()} == set(ids.values())
    assert len(runs["good"].history(pandas=False)) == 50


def test_a_run_failing_mid_import_keeps_its_history_and_completes_later(
        invoke: Invoke, store: Path, tmp_path: Path, allow_file_store: None) -> None:
    uri = str(tmp_path / "mlruns")
    ids = make_runs(uri, tmp_path / "artifacts")
    stored = next((tmp_path / "artifacts" / "v").rglob("model.txt"))
    stored.unlink()
    stored.symlink_to(tmp_path / "gone.txt")  # listed, but cannot be read
    failed = invoke("import", "mlflow", uri, "--experiment", "vision", code=1)
    assert f"MLflow run {ids['good']}" in failed.stderr, failed.stderr
    good = by_name(store, "vision")["good"]
    assert len(good.history(pandas=False)) == 50
    assert good.state != "finished"
    stored.unlink()
    stored.write_text("weights")
    second = invoke("import", "mlflow", uri, "--experiment", "vision")
    assert second.stdout.strip() == "imported 1 run, 0 points, 2 files, 1 run already imported"
    good = by_name(store, "vision")["good"]
    assert sorted(f.name for f in good.files()) == ["model.txt", "plots/curve.csv"]
    assert good.state == "finished"
    assert len(good.history(pandas=False)) == 50
