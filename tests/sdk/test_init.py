"""init(): modes, resume, module-level functions and exit handling."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cairn


def test_module_level_functions_follow_the_current_run() -> None:
    assert cairn.run is None
    with pytest.raises(cairn.Error, match=r"cairn.init\(\)"):
        cairn.log({"a": 1})
    with pytest.raises(cairn.Error):
        _ = cairn.config.lr
    with pytest.raises(cairn.Error):
        cairn.define_metric("x")
    run = cairn.init(project="p", config={"lr": 1})
    assert cairn.run is run
    assert cairn.config.lr == 1
    cairn.log({"a": 1})
    cairn.summary["b"] = 2
    assert cairn.summary["a"] == 1
    assert cairn.summary["b"] == 2
    cairn.finish()
    assert cairn.run is None


def test_second_init_returns_the_active_run_unless_asked() -> None:
    first = cairn.init(project="p")
    with pytest.warns(cairn.CairnWarning, match="returning it"):
        again = cairn.init(project="p")
    assert again is first
    second = cairn.init(project="p", reinit="finish_previous")
    assert second is not first
    assert cairn.Api().run(first.path).state == "finished"
    third = cairn.init(project="p", reinit="create_new")
    assert cairn.run is second  # as in wandb, create_new leaves cairn.run alone
    cairn.log({"x": 1})
    assert second.summary["x"] == 1
    assert "x" not in third.summary
    third.finish()
    assert cairn.run is second
    second.finish()
    assert cairn.run is None


def test_offline_mode_writes_only_the_wal(cairn_root: Path) -> None:
    run = cairn.init(project="p", mode="offline")
    run.log({"a": 1})
    run.finish()
    assert run.wal_path.is_file()
    assert not (cairn_root / "cairn.db").exists()


def test_disabled_mode_accepts_everything_and_writes_nothing(cairn_root: Path) -> None:
    run = cairn.init(project="p", mode="disabled", config={"a": 1})
    run.log({"x": object()})  # not even validated, as in wandb
    run.summary["s"] = 1
    run.define_metric("x", summary="max")
    run.config.update({"b": 2})
    assert run.summary["s"] == 1
    assert run.config.b == 2
    run.finish()
    assert not cairn_root.exists()


def test_online_without_server_logs_locally_and_says_so() -> None:
    with pytest.warns(cairn.CairnWarning, match="logs locally"):
        run = cairn.init(project="p", mode="online")
    run.log({"a": 1})
    run.finish()
    assert cairn.Api().run(run.path).summary["a"] == 1


def test_wandb_environment_variables_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_PROJECT", "from-env")
    monkeypatch.setenv("WANDB_RUN_GROUP", "grp")
    monkeypatch.setenv("WANDB_TAGS", "a,b")
    run = cairn.init()
    assert (run.project, run.group, run.tags) == ("from-env", "grp", ("a", "b"))
    run.finish()


def test_resume_continues_history_summary_and_config() -> None:
    run = cairn.init(project="p", id="resumable", config={"lr": 0.1})
    run.define_metric("loss", summary="min")
    for loss in (3.0, 1.0, 2.0):
        run.log({"loss": loss})
    run.finish()
    again = cairn.init(project="p", id="resumable", resume="must")
    assert again.resumed
    assert again.starting_step == 3
    assert again.step == 3
    assert again.config.lr == 0.1
    assert again.name == run.name
    again.log({"loss": 0.5})
    assert again.summary["loss"] == {"min": 0.5}
    again.finish()
    stored = cairn.Api().run(again.path)
    assert [r["loss"] for r in stored.scan_history(keys=["loss"])] == [3.0, 1.0, 2.0, 0.5]
    assert stored.summary["loss"] == {"min": 0.5}
    assert stored.state == "finished"
    runtimes = [r["_runtime"] for r in stored.scan_history(keys=["_runtime"])]
    assert runtimes == sorted(runtimes)


def test_resume_modes_refuse_clearly() -> None:
    with pytest.raises(cairn.ResumeError, match="no run 'ghost'"):
        cairn.init(project="p", id="ghost", resume="must")
    with pytest.raises(cairn.ResumeError, match="needs the id"):
        cairn.init(project="p", resume="must")
    cairn.init(project="p", id="exists").finish()
    with pytest.raises(cairn.ResumeError, match="already exists"):
        cairn.init(project="p", id="exists", resume="never")
    fresh = cairn.init(project="p", id="new-one", resume="allow")
    assert not fresh.resumed
    fresh.finish()
    with pytest.raises(ValueError, match="resume must be"):
        cairn.init(project="p", resume="sometimes")


def test_resume_auto_picks_up_a_crashed_run(cairn_root: Path) -> None:
    script = textwrap.dedent("""
        import os, cairn
        run = cairn.init(project="p")
        run.log({"a": 1})
        run._flush_to_store()
        print(run.id, flush=True)
        os._exit(1)  # dies without finishing
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=os.environ.copy(), check=False)
    crashed_id = out.stdout.strip()
    assert crashed_id, out.stderr
    run = cairn.init(project="p", resume="auto")
    assert run.id == crashed_id
    assert run.resumed
    assert run.starting_step == 1
    run.finish()
    assert not (cairn_root / "resume.json").exists()


def test_unfinished_scripts_are_finished_at_exit() -> None:
    ok = "import cairn\nrun = cairn.init(project='p')\nrun.log({'a': 1})\nprint(run.path)\n"
    failing = ok + "raise SystemError('boom')\n"
    exiting = ok + "import sys\nsys.exit(4)\n"
    paths = []
    for script in (ok, failing, exiting):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             env=os.environ.copy(), check=False)
        paths.append(out.stdout.strip())
    api = cairn.Api()
    assert api.run(paths[0]).state == "finished"
    assert api.run(paths[0]).summary["a"] == 1
    assert api.run(paths[1]).state == "failed"
    assert (api.run(paths[2]).state, api.run(paths[2]).exit_code) == ("failed", 4)


def _sync(*paths: str) -> str:
    from click.testing import CliRunner

    from cairn.cli.main import cli

    result = CliRunner().invoke(cli, ["sync", *paths], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_offline_sessions_of_one_run_continue_each_other_and_sync_whole() -> None:
    first = cairn.init(project="p", id="away", mode="offline", resume="allow",
                       config={"lr": 0.1})
    first.define_metric("loss", summary="min")
    for loss in (3.0, 1.0, 2.0):
        first.log({"loss": loss})
    first.finish()
    # Within the same second: the resumed session's folder gets a suffix.
    second = cairn.init(project="p", id="away", mode="offline", resume="must",
                        config={"epochs": 2})
    assert second.resumed
    assert (second.starting_step, second.step) == (3, 3)
    assert second.name == first.name
    assert dict(second.config) == {"lr": 0.1, "epochs": 2}
    assert second.summary["loss"] == {"min": 1.0}
    second.log({"loss": 0.5})
    second.log({"loss": 4.0})
    second.finish()
    third = cairn.init(project="p", id="away", mode="offline", resume="allow")
    assert third.starting_step == 5
    third.finish()

    assert "0 already present" in _sync()
    stored = cairn.Api().run(first.path)
    assert [r["loss"] for r in stored.scan_history(keys=["loss"])] == [3.0, 1.0, 2.0, 0.5,
                                                                       4.0]
    assert stored.summary["loss"] == {"min": 0.5}
    assert stored.config == {"lr": 0.1, "epochs": 2}
    assert stored.state == "finished"


def test_resume_after_a_synced_session_continues_from_the_unsynced_one() -> None:
    first = cairn.init(project="p", id="half", mode="offline")
    first.log({"loss": 1.0})
    first.finish()
    _sync()
    second = cairn.init(project="p", id="half", mode="offline", resume="must")
    second.log({"loss": 2.0})
    second.finish()
    third = cairn.init(project="p", id="half", resume="must")  # local: the store and WALs
    assert third.starting_step == 2
    assert third.summary["loss"] == 2.0
    third.log({"loss": 3.0})
    third.finish()
    _sync()
    stored = cairn.Api().run(first.path)
    assert [r["loss"] for r in stored.scan_history(keys=["loss"])] == [1.0, 2.0, 3.0]


def test_resuming_a_killed_run_continues_after_the_steps_its_store_never_took() -> None:
    script = textwrap.dedent("""
        import os, cairn
        run = cairn.init(project="p", id="killed",
                         settings={"applier": "thread", "apply_interval": 3600})
        run.log({"loss": 1.0})
        run._flush_to_store()
        run.log({"loss": 2.0})
        run.log({"loss": 3.0})
        run._writer.process()  # in the WAL; the store has not applied it
        os._exit(9)  # as kill -9 would
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=os.environ.copy(), check=False)
    assert out.returncode == 9, out.stderr
    run = cairn.init(project="p", id="killed", resume="must")
    assert run.starting_step == 3
    assert run.summary["loss"] == 3.0
    run.log({"loss": 4.0})
    run.finish()
    _sync()
    stored = cairn.Api().run(run.path)
    assert [r["loss"] for r in stored.scan_history(keys=["loss"])] == [1.0, 2.0, 3.0, 4.0]


def test_a_local_resume_applies_the_sessions_the_store_lacks_first() -> None:
    first = cairn.init(project="p", id="later", mode="offline", config={"x": 1, "y": 2})
    del first.config["y"]
    for step in range(10):
        first.log({"loss": float(step)})
    first.finish()
    second = cairn.init(project="p", id="later", resume="must")  # local
    assert second.starting_step == 10
    stored = cairn.Api().run(second.path)  # before this session logs anything
    assert len(list(stored.scan_history(keys=["loss"]))) == 10
    assert stored.config == {"x": 1}
    second.log({"loss": 10.0})
    second.finish()
    assert "0 applied" in _sync()  # nothing left for a sync to bring
    stored = cairn.Api().run(second.path)
    assert [r["loss"] for r in stored.scan_history(keys=["loss"])] == [float(s)
                                                                       for s in range(11)]
    assert stored.config == {"x": 1}


@pytest.mark.parametrize("applier", ["process", "thread"])
def test_a_run_logs_to_the_store_and_blobs_the_settings_name(
        applier: str, cairn_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from cairn.store.blobs import LocalBlobStore

    store = f"sqlite:///{tmp_path / 'team' / 'runs.db'}"
    blobs = f"file://{tmp_path / 'team-blobs'}"
    monkeypatch.setenv("CAIRN_STORE", store)
    monkeypatch.setenv("CAIRN_BLOBS", blobs)
    monkeypatch.setenv("CAIRN_APPLIER", applier)
    run = cairn.init(project="p")
    for step in range(3):
        run.log({"loss": 1.0 / (step + 1)})
    run.log({"pic": cairn.Image(np.zeros((4, 4, 3), dtype=np.uint8))})
    run.finish()

    assert (tmp_path / "team" / "runs.db").is_file()
    assert not (cairn_root / "cairn.db").exists()
    assert not (cairn_root / "blobs").exists()
    assert run.wal_path.is_relative_to(cairn_root)  # the run's folder stays in the folder
    monkeypatch.delenv("CAIRN_STORE")
    monkeypatch.delenv("CAIRN_BLOBS")
    with pytest.raises(cairn.NotFoundError):
        cairn.Api().run(run.path)
    api = cairn.Api(store=store, blobs=blobs)
    try:
        stored = api.run(run.path)
        assert stored.state == "finished"
        assert list(stored.series("loss")[1]) == [1.0, 0.5, 1.0 / 3]
        pic = next(iter(stored.scan_history(keys=["pic"])))["pic"]
        assert LocalBlobStore(tmp_path / "team-blobs").has(pic.digest)
    finally:
        api.close()


def test_an_unknown_store_scheme_fails_init_before_any_folder(cairn_root: Path) -> None:
    with pytest.raises(cairn.StoreError, match="no storage backend for ftp://"):
        cairn.init(project="p", settings={"store": "ftp://host/x"})
    assert not (cairn_root / "runs").exists()
