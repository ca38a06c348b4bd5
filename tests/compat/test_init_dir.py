"""``init(dir=...)`` places the run's folder, as wandb's ``dir`` places ``wandb/``; the run
itself goes to the user's one store."""

from __future__ import annotations

from pathlib import Path

import cairn


def test_dir_places_the_run_folder_not_the_store(cairn_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs" / "yolo-exp"
    run = cairn.init(project="p", dir=out)
    run.log({"a": 1})
    run.save(str(_file(tmp_path / "note.txt")), base_path=str(tmp_path), policy="now")
    run.finish()
    folders = list((out / "cairn" / "runs").glob(f"run-*-{run.id}"))
    assert len(folders) == 1
    assert run.wal_path.parent == folders[0]
    assert (folders[0] / "files" / "note.txt").read_text() == "note"
    assert not (out / "cairn" / "cairn.db").exists()
    second = cairn.init(project="p", dir=tmp_path / "elsewhere")
    second.finish()
    api = cairn.Api(root=cairn_root)  # CAIRN_DIR: one store holds both runs
    try:
        assert sorted(r.id for r in api.runs("p")) == sorted([run.id, second.id])
        assert api.run(run.path).summary["a"] == 1
    finally:
        api.close()


def test_resume_with_the_same_dir(cairn_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = cairn.init(project="p", id="same", dir=out)
    run.log({"a": 1})
    run.finish()
    again = cairn.init(project="p", id="same", dir=out, resume="must")
    assert again.starting_step == 1
    again.log({"a": 2})
    again.finish()
    assert len(list((out / "cairn" / "runs").glob("run-*-same*"))) == 2


def _file(path: Path) -> Path:
    path.write_text("note")
    return path


_KILLED_BEFORE_APPLY = """
import os, sys, cairn
run = cairn.init(project="placed", dir=sys.argv[2],
                 settings={"applier": "thread", "apply_interval": 3600})
run.save(sys.argv[1], policy="now")
run._writer.process()  # the record is in the WAL; the store has not applied it
os._exit(9)  # as kill -9 would
"""


def test_sync_and_gc_find_run_folders_placed_elsewhere(cairn_root: Path,
                                                        tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from click.testing import CliRunner

    from cairn.cli.main import cli

    cairn.init(project="earlier").finish()  # the store exists
    offline = cairn.init(project="placed", mode="offline", dir=tmp_path / "yolo")
    offline.log({"a": 1})
    offline.finish()
    saved = _file(tmp_path / "weights.bin")
    subprocess.run([sys.executable, "-c", _KILLED_BEFORE_APPLY, str(saved),
                    str(tmp_path / "lightning")], check=False, env=os.environ.copy())
    runner = CliRunner()
    gc = runner.invoke(cli, ["gc", "--min-age", "0"])
    assert "deleted 0 blobs" in gc.output  # named by the placed WAL: kept
    synced = runner.invoke(cli, ["sync"])  # no PATH: runs/ and the placed folders
    assert synced.exit_code == 0, synced.output
    api = cairn.Api(root=cairn_root)
    try:
        assert api.run(offline.path).summary["a"] == 1
        (killed,) = [r for r in api.runs("placed") if r.id != offline.id]
        with killed.file(f"{tmp_path.name}/weights.bin").open() as f:
            assert f.read() == b"note"
    finally:
        api.close()
    assert (cairn_root / "placed-runs").read_text().count("\n") == 2
