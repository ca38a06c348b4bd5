"""``cairn import wandb``: runs written offline by the real wandb 0.31 (its own venv) are
imported with that venv's Python, and read back through ``cairn.Api``; what wandb
persisted is read independently with ``tests/oracle/read_wandb.py``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.importers.conftest import WANDB_PYTHON, _wandb_env, api_of, import_wandb_cli, run_logs
from tests.oracle.harness import HERE as ORACLE

pytestmark = pytest.mark.slow


def wandb_view(log_folder: Path) -> dict[str, Any]:
    """What wandb persisted in a run folder, read by the oracle's reader."""
    log = next(log_folder.glob("run-*.wandb"))
    proc = subprocess.run([str(WANDB_PYTHON), str(ORACLE / "read_wandb.py"), str(log)],
                          capture_output=True, text=True, check=True, timeout=120,
                          env=_wandb_env(log_folder))
    return dict(json.loads(proc.stdout))


@pytest.fixture(scope="module")
def imported(wandb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("imported") / "store"
    proc = import_wandb_cli(store, wandb_dir)
    assert proc.stdout.strip().startswith("imported 2 runs, ")
    return store


def run_of(store: Path, name: str) -> Any:
    runs = [r for r in api_of(store).runs("vision") if r.name == name]
    assert len(runs) == 1
    return runs[0]


def test_history_is_what_wandb_logged(imported: Path, wandb_dir: Path) -> None:
    expected = wandb_view(run_logs(wandb_dir)["first"])["history"]
    rows = run_of(imported, "resnet-a").history(pandas=False)
    assert [r["_step"] for r in rows] == [r["_step"] for r in expected]
    for got, want in zip(rows, expected, strict=True):
        assert got["_timestamp"] == pytest.approx(want["_timestamp"], abs=1e-6)
        for key in ("loss", "acc", "epoch", "val.loss", "flag", "phase"):
            if key in want:
                assert got[key] == want[key], (got["_step"], key)
    assert rows[0]["_runtime"] >= 0


def test_run_attributes_config_summary_and_state(imported: Path, wandb_dir: Path) -> None:
    run = run_of(imported, "resnet-a")
    folder = run_logs(wandb_dir)["first"]
    assert run.id == folder.name.rsplit("-", 1)[1]
    assert (run.notes, run.tags, run.group, run.job_type) == \
        ("first try", ["base", "a"], "sweep-1", "train")
    assert run.config == {"lr": 0.01, "model": {"layers": 4, "act": "relu"}}
    assert run.state == "finished"
    assert run.summary["best_acc"] == 0.97
    assert run.summary["loss"] == 0.001  # set by hand after the last log: it wins
    assert run.summary["acc"] == pytest.approx(299 / 300)
    wandb_summary = wandb_view(folder)["summary"]
    assert wandb_summary["val"] == {"loss": {"min": pytest.approx(2 / 300)}}
    assert run.summary["val"] == wandb_summary["val"]  # define_metric(summary="min")
    environment = run.metadata
    assert environment["program"].endswith("make_runs.py")
    assert environment["python"].count(".") == 2
    assert environment["cwd"] == str(folder.parents[1])
    failed = run_of(imported, "crashy")
    assert failed.state == "failed"
    assert [r["loss"] for r in failed.history(pandas=False)] == [5.0, 4.0]


def test_media_and_files_become_blobs(imported: Path, wandb_dir: Path) -> None:
    run = run_of(imported, "resnet-a")
    folder = run_logs(wandb_dir)["first"] / "files"
    row = next(r for r in run.history(pandas=False) if "sample" in r)
    wandb_row = next(r for r in wandb_view(folder.parent)["history"] if "sample" in r)
    image = row["sample"]
    assert image.image().size == (6, 8)
    assert image.read_bytes() == (folder / wandb_row["sample"]["path"]).read_bytes()
    assert row["weights"]["_type"] == "histogram"
    assert row["weights"]["values"] == wandb_row["weights"]["values"]
    grid = next(r for r in run.history(pandas=False) if "grid" in r)["grid"]
    assert grid["count"] == 2
    assert len(grid["images"]) == 2
    names = {f.name for f in run.files()}
    assert "notes.txt" in names
    assert wandb_row["sample"]["path"] in names
    saved = run.file("notes.txt").download(root=folder.parents[2] / "dl", replace=True)
    assert saved.read_text() == "kept with the run"


def test_console_output_is_imported(imported: Path) -> None:
    run = run_of(imported, "resnet-a")
    store = api_of(imported).backend.store
    lines = [line.text for line in store.console_lines(run._row.pk)]
    assert "hello from stdout" in lines


def test_importing_twice_changes_nothing(imported: Path, wandb_dir: Path) -> None:
    def snapshot() -> list[Any]:
        return [(r.id, r.name, r.state, r.config, dict(r.summary), r.history(pandas=False),
                 sorted(f.name for f in r.files())) for r in api_of(imported).runs("vision")]

    before = snapshot()
    proc = import_wandb_cli(imported, wandb_dir)
    assert proc.stdout.strip() == "imported 0 runs, 0 points, 0 files, 2 runs already imported"
    after = snapshot()
    assert json.dumps(after, default=str, sort_keys=True) == \
        json.dumps(before, default=str, sort_keys=True)


def test_damaged_log_keeps_what_precedes_the_damage(wandb_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "wandb" / run_logs(wandb_dir)["first"].name
    shutil.copytree(run_logs(wandb_dir)["first"], folder)
    log = next(folder.glob("run-*.wandb"))
    data = bytearray(log.read_bytes())
    at = len(data) // 2
    data[at:at + 64] = bytes(64)  # zeroed in the middle: crc mismatches
    log.write_bytes(bytes(data))
    garbage = tmp_path / "wandb" / "offline-run-x-broken1"
    garbage.mkdir()
    (garbage / "run-broken1.wandb").write_bytes(b"this is not a wandb log at all")
    store = tmp_path / "store"
    proc = import_wandb_cli(store, tmp_path / "wandb", code=1)
    assert "not a wandb run log" in proc.stderr
    assert "run-broken1.wandb" in proc.stderr
    assert "damaged part" in proc.stderr
    assert proc.stdout.strip().startswith("imported 1 run, ")
    rows = run_of(store, "resnet-a").history(pandas=False)
    assert 0 < len(rows) < 302
    assert [r["_step"] for r in rows][:10] == list(range(10))


def test_an_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = import_wandb_cli(tmp_path / "store", tmp_path / "empty", code=1)
    assert "no wandb run logs" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("shim", [False, True], ids=["no-wandb", "compat-package"])
def test_without_the_real_wandb_the_error_says_what_to_install(
        wandb_dir: Path, tmp_path: Path, shim: bool) -> None:
    extra = ""
    if shim:  # a package named wandb that is not wandb (as cairn's compatibility one)
        (tmp_path / "shim" / "wandb").mkdir(parents=True)
        (tmp_path / "shim" / "wandb" / "__init__.py").write_text("__version__ = '0.99'\n")
        extra = str(tmp_path / "shim")
    proc = import_wandb_cli(tmp_path / "store", wandb_dir, code=1,
                            python=Path(sys.executable), extra_path=extra)
    assert "needs the real wandb package" in proc.stderr
    assert "cairn[import-wandb]" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_resumed_run_is_one_run_with_a_session_per_folder(tmp_path: Path) -> None:
    script = tmp_path / "resume.py"
    script.write_text(
        "import wandb\n"
        "for part in range(2):\n"
        "    run = wandb.init(project='vision', id='resume01', resume='allow', name='r')\n"
        "    for i in range(3):\n"
        "        run.log({'loss': part * 10 + i}, step=part * 3 + i)\n"
        "    run.finish()\n")
    subprocess.run([str(WANDB_PYTHON), str(script)], cwd=tmp_path, env=_wandb_env(tmp_path),
                   check=True, capture_output=True, timeout=300)
    store = tmp_path / "store"
    first = import_wandb_cli(store, tmp_path / "wandb")
    assert first.stdout.strip() == "imported 1 run, 6 points, 0 files"
    run = run_of(store, "r")
    assert run.id == "resume01"
    assert [(r["_step"], r["loss"]) for r in run.history(pandas=False)] == \
        [(0, 0), (1, 1), (2, 2), (3, 10), (4, 11), (5, 12)]
    assert run.metadata["sessions"] == 2
    again = import_wandb_cli(store, tmp_path / "wandb")
    assert again.stdout.strip() == "imported 0 runs, 0 points, 0 files, 1 run already imported"


def test_a_log_that_grew_adds_only_its_new_part(imported: Path, wandb_dir: Path,
                                                 tmp_path: Path) -> None:
    """A run still writing at the first import (its log cut short): importing its full
    log later brings in the rest, once, and the run ends as wandb's did."""
    folder = tmp_path / "wandb" / run_logs(wandb_dir)["first"].name
    shutil.copytree(run_logs(wandb_dir)["first"], folder)
    log = next(folder.glob("run-*.wandb"))
    full = log.read_bytes()
    log.write_bytes(full[:len(full) // 2])
    store = tmp_path / "store"
    first = import_wandb_cli(store, folder)
    assert "no exit record" in first.stderr
    partial = run_of(store, "resnet-a").history(pandas=False)
    assert 0 < len(partial) < 302
    log.write_bytes(full)
    import_wandb_cli(store, folder)
    again = import_wandb_cli(store, folder)
    assert again.stdout.strip().endswith("1 run already imported")
    grown, whole = run_of(store, "resnet-a"), run_of(imported, "resnet-a")
    assert grown.history(pandas=False) == whole.history(pandas=False)
    assert dict(grown.summary) == dict(whole.summary)
    assert (grown.state, grown.config) == (whole.state, whole.config)
