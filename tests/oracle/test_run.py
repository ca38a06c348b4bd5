"""``Run`` attributes and lifecycle (init, finish, reinit, resume, misuse), under wandb
and cairn."""

from __future__ import annotations

import pytest
from tests.oracle.harness import Results, case, cases_in, compare


@case()
def run_properties(wandb, observe, observe_raises):
    import os

    run = wandb.init(project="p", notes="n", tags=["a", "b"], group="g", job_type="train",
                     config={"x": 1})
    observe("id", (type(run.id).__name__, len(run.id), run.id.isalnum()))
    observe("project", run.project)
    observe("path_tail", run.path.split("/")[-2:] == [run.project, run.id])
    observe("notes", run.notes)
    observe("tags", run.tags)
    observe("group", run.group)
    observe("job_type", run.job_type)
    observe("resumed", run.resumed)
    observe("starting_step", run.starting_step)
    observe("step", run.step)
    observe("sweep_id", run.sweep_id)
    observe("dir_exists", os.path.isdir(run.dir))
    observe("start_time_type", type(run.start_time).__name__)
    observe("module_run_is_run", wandb.run is run)
    run.log({"a": 1})
    run.log({"a": 2})
    observe("step_after", run.step)


@case()
def run_setters(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.name = "renamed"
    run.notes = "new notes"
    run.tags = ["c", "d"]
    observe("name", run.name)
    observe("notes", run.notes)
    observe("tags", run.tags)


@case()
def run_tags_string(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    observe_raises("set", lambda: setattr(run, "tags", "x"))
    observe("tags", run.tags)


def _observed(result):
    return {name: value for name, value, _ in result["observed"]}


def _urls_and_name_check(cairn, wandb):
    seen, expected = _observed(cairn), _observed(wandb)
    assert expected == {"url": None, "name": None}
    assert seen["url"].startswith("http://127.0.0.1")
    assert isinstance(seen["name"], str)
    assert seen["name"]


@case()
def reinit_finish_previous_finishes_every_live_run(wandb, observe, observe_raises):
    first = wandb.init(project="p")
    wandb.init(project="p", reinit="create_new")
    third = wandb.init(project="p", reinit="finish_previous")
    observe_raises("log_first", lambda: first.log({"x": 1}))
    third.log({"y": 1})
    observe("module_run_is_third", wandb.run is third)


@case(differs="offline wandb has no URL and no name (None); cairn's url points at the "
              "local web UI (cairn ui) and a run gets a generated name, as online wandb "
              "gives it", check=_urls_and_name_check)
def run_url_and_name_offline(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    observe("url", run.url)
    observe("name", run.name)


def _seed_methods_check(cairn, wandb):
    seen, expected = _observed(cairn), _observed(wandb)
    assert all(v["raised"] == ["AttributeError"] for v in expected.values()), expected
    assert seen["project_name"] == {"returned": "p"}
    assert seen["get_url"]["returned"].startswith(seen["get_project_url"]["returned"])
    assert seen["join"] == {"returned": None}
    assert isinstance(seen["_telemetry_get_framework"]["returned"], str)
    assert "returned" in seen["plot_table"]
    assert cairn["persisted"][0]["state"] == "finished"


@case(differs="project_name(), get_url(), get_project_url(), get_sweep_url(), join(), "
              "plot_table() and _telemetry_get_framework() are on the seed's Run page; "
              "wandb 0.31 removed them from Run (AttributeError), cairn keeps them",
      check=_seed_methods_check)
def run_seed_methods(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    observe_raises("project_name", lambda: run.project_name())
    observe_raises("get_url", lambda: run.get_url())
    observe_raises("get_project_url", lambda: run.get_project_url())
    observe_raises("get_sweep_url", lambda: run.get_sweep_url())
    observe_raises("_telemetry_get_framework", lambda: run._telemetry_get_framework())
    observe_raises("plot_table", lambda: run.plot_table)
    observe_raises("join", lambda: run.join())


@case()
def finish_with_exit_code(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"a": 1})
    observe("finish", run.finish(exit_code=1))
    observe("module_run", wandb.run)


@case()
def context_manager(wandb, observe, observe_raises):
    with wandb.init(project="p") as second:
        second.log({"b": 2})
    observe("after_with", wandb.run)

    def failing():
        with wandb.init(project="p") as third:
            third.log({"c": 3})
            raise KeyError("boom")

    observe_raises("raising_with", failing)


@case()
def after_finish_writes(wandb, observe, observe_raises):
    run = wandb.init(project="p", config={"c": 1})
    run.log({"a": 1})
    run.finish()
    observe_raises("log", lambda: run.log({"b": 2}))
    observe_raises("summary_set", lambda: run.summary.__setitem__("k", 1))
    observe_raises("config_update", lambda: run.config.update({"x": 1}))
    observe_raises("define_metric", lambda: run.define_metric("m"))
    observe_raises("finish_again", lambda: run.finish())


def _refused_config_check(cairn, wandb):
    for side in (cairn, wandb):
        assert _observed(side)["config_update"]["type"] == "UsageError"
    assert _observed(wandb)["config"] == {"c": 1, "x": 1}
    assert _observed(cairn)["config"] == {"c": 1}


@case(differs="after finish(), config.update() raises UsageError in both; wandb's in-process "
              "config still shows the refused value, cairn's is left as it was",
      check=_refused_config_check)
def after_finish_config(wandb, observe, observe_raises):
    run = wandb.init(project="p", config={"c": 1})
    run.finish()
    observe_raises("config_update", lambda: run.config.update({"x": 1}))
    observe("config", dict(run.config))


def _reads_check(cairn, wandb):
    assert _observed(wandb)["summary"] == {"returned": {}}
    summary = _observed(cairn)["summary"]["returned"]
    assert summary["a"] == 1
    assert summary["_step"] == 0
    assert _observed(cairn)["config"] == _observed(wandb)["config"] == {"returned": {"c": 1}}


@case(differs="after finish(), offline wandb's run.summary reads as empty; cairn's still "
              "holds the run's summary (config reads the same in both)", check=_reads_check)
def after_finish_reads(wandb, observe, observe_raises):
    run = wandb.init(project="p", config={"c": 1})
    run.log({"a": 1})
    run.finish()
    observe_raises("summary", lambda: dict(run.summary))
    observe_raises("config", lambda: dict(run.config))


@case()
def module_api(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    wandb.define_metric("a", summary="max")
    wandb.log({"a": 1})
    wandb.log({"a": 0})
    wandb.summary["manual"] = 5
    wandb.config.update({"k": "v"})
    observe("summary", run.summary)
    observe("config", run.config)
    wandb.finish()
    observe("run_after", wandb.run)
    observe_raises("finish_without_run", lambda: wandb.finish())


@case()
def misuse_before_init(wandb, observe, observe_raises):
    observe("run", wandb.run)
    observe_raises("log", lambda: wandb.log({"a": 1}))
    observe_raises("define_metric", lambda: wandb.define_metric("a"))
    observe_raises("summary_set", lambda: wandb.summary.__setitem__("a", 1))


@case()
def reinit_create_new_after_default(wandb, observe, observe_raises):
    first = wandb.init(project="p")
    second = wandb.init(project="p", reinit="create_new")
    observe("distinct", first is not second and first.id != second.id)
    observe("module_run", {first: "first", second: "second"}.get(wandb.run, "other"))
    observe_raises("module_log", lambda: wandb.log({"x": 1}))
    first.log({"y": 2})
    second.log({"z": 3})
    second.finish()
    observe("after_second_finish", {first: "first"}.get(wandb.run, repr(wandb.run)))


@case()
def reinit_create_new_twice(wandb, observe, observe_raises):
    first = wandb.init(project="p", reinit="create_new")
    second = wandb.init(project="p", reinit="create_new")
    observe("module_run", {first: "first", second: "second"}.get(wandb.run, repr(wandb.run)))
    observe_raises("module_log", lambda: wandb.log({"x": 1}))
    first.log({"y": 2})
    second.log({"z": 3})


@case()
def reinit_finish_previous(wandb, observe, observe_raises):
    first = wandb.init(project="p")
    first.log({"a": 1})
    second = wandb.init(project="p", reinit="finish_previous")
    observe("distinct", first is not second)
    observe_raises("log_first", lambda: first.log({"b": 1}))
    second.log({"c": 1})


@case()
def run_ids(wandb, observe, observe_raises):
    def start(run_id):
        run = wandb.init(project="p", id=run_id)
        got = run.id
        run.finish()
        return got

    observe_raises("id_64", lambda: start("a" * 64))
    observe_raises("id_dash_underscore", lambda: start("run-1_x"))


@case()
def run_id_bad_characters(wandb, observe, observe_raises):
    observe_raises("id_slash", lambda: wandb.init(project="p", id="a/b"))


@case()
def run_long_ids(wandb, observe, observe_raises):
    def start(run_id):
        run = wandb.init(project="p", id=run_id)
        got = len(run.id)
        run.finish()
        return got

    observe_raises("id_65", lambda: start("b" * 65))
    observe_raises("id_128", lambda: start("c" * 128))


def _resume_check(cairn, wandb):
    def seen(result):
        return {name: value for name, value, _ in result["observed"]}

    assert seen(wandb)["second"] == {"resumed": False, "starting_step": 0, "step": 0}
    assert seen(cairn)["second"] == {"resumed": True, "starting_step": 2, "step": 2}
    second = cairn["persisted"][1]
    assert [row["_step"] for row in second["history"]] == [0, 1, 2]
    assert second["summary"]["a"] == 3
    assert second["config"] == {"lr": 0.1, "bs": 8}
    assert [row["_step"] for row in wandb["persisted"][1]["history"]] == [0]


@case(differs="resume offline: wandb cannot resume without its server (the second init "
              "starts a new history at step 0); cairn continues the stored run at step 2 "
              "with its config", check=_resume_check)
def resume_allow(wandb, observe, observe_raises):
    first = wandb.init(project="p", id="resumeme", config={"lr": 0.1})
    first.log({"a": 1})
    first.log({"a": 2})
    first.finish()
    second = wandb.init(project="p", id="resumeme", resume="allow", config={"bs": 8})
    observe("second", {"resumed": second.resumed, "starting_step": second.starting_step,
                       "step": second.step})
    second.log({"a": 3})


@case(numpy=True)
def media_in_second_run(wandb, observe, observe_raises):
    import numpy as np

    first = wandb.init(project="p")
    first.log({"a": 1})
    first.finish()
    second = wandb.init(project="p")
    second.log({"img": wandb.Image(np.zeros((4, 4, 3), dtype=np.uint8))})
    second.log({"a": 2})
    second.finish()


@case()
def save_and_alert(wandb, observe, observe_raises):
    import os

    run = wandb.init(project="p")
    with open("notes.txt", "w") as f:
        f.write("hello")
    observe_raises("save_type", lambda: type(run.save("notes.txt", policy="now")).__name__)
    observe_raises("saved", lambda: os.path.exists(os.path.join(run.dir, "notes.txt")))
    observe_raises("alert", lambda: run.alert(title="t", text="x"))


@case()
def save_relative_globs_with_base_path(wandb, observe, observe_raises):
    import os

    os.makedirs("models/sub", exist_ok=True)
    for name in ("models/x.zip", "models/sub/y.zip", "models/sub/[1].zip"):
        with open(name, "w") as f:
            f.write(name)
    run = wandb.init(project="p")

    def saved(*args, **kwargs):
        return sorted(os.path.relpath(p, run.dir) for p in run.save(*args, **kwargs))

    observe("one", saved("models/x.zip", base_path="models", policy="now"))
    observe("tree", saved("models/**/*.zip", base_path="models", policy="now"))
    observe("literal", saved("models/sub/[1].zip", base_path="models", policy="now",
                             glob=False))
    observe("dotted", saved("./models/sub/../x.zip", policy="now"))
    observe_raises("outside", lambda: run.save("models/x.zip", base_path="models/sub",
                                               policy="now"))


@case()
def save_absolute_globs_keep_one_folder(wandb, observe, observe_raises):
    """An absolute glob without base_path keeps the glob's folder: its files are named
    below the folder above it (wandb's documented rule)."""
    import os

    os.makedirs("ckpt/run123/deep", exist_ok=True)
    for name in ("ckpt/run123/a.txt", "ckpt/run123/b.txt", "ckpt/run123/deep/c.txt"):
        with open(name, "w") as f:
            f.write(name)
    run = wandb.init(project="p")

    def saved(*args, **kwargs):
        return sorted(os.path.relpath(p, run.dir) for p in run.save(*args, **kwargs))

    folder = os.path.abspath("ckpt/run123")
    observe("glob", saved(os.path.join(folder, "*.txt"), policy="now"))
    observe("file", saved(os.path.join(folder, "deep", "c.txt"), policy="now"))
    observe("base", saved(os.path.join(folder, "deep", "c.txt"),
                          base_path=os.path.abspath("ckpt"), policy="now"))


def _run_dir_save_check(cairn, wandb):
    assert _observed(wandb)["saved"] == ["files/m.pt"]
    assert _observed(cairn)["saved"] == ["m.pt"]


@case(differs="save(os.path.join(run.dir, 'm.pt')): wandb's rule names it files/m.pt, a "
              "second copy of the m.pt it uploads from run.dir anyway; cairn names a file "
              "inside run.dir by its path there (README, Files and artifacts)",
      check=_run_dir_save_check)
def save_absolute_path_inside_run_dir(wandb, observe, observe_raises):
    import os

    run = wandb.init(project="p")
    with open(os.path.join(run.dir, "m.pt"), "w") as f:
        f.write("weights")
    saved = run.save(os.path.join(run.dir, "m.pt"), policy="now")
    observe("saved", sorted(os.path.relpath(p, run.dir) for p in saved))


@case()
def attach_from_another_process(wandb, observe, observe_raises):
    """A child process attaches to the live run (as Lightning's spawned workers do), logs,
    and exits without finish() (a child's finish() ends wandb's run under its parent, whose
    next call then times out; cairn ends only the child's part: tests/compat/
    test_attach.py)."""
    import subprocess
    import sys

    module = "wandb" if wandb.__name__ == "wandb" else "cairn.compat.wandb"
    child = ("import importlib, sys\n"
             "wandb = importlib.import_module(sys.argv[1])\n"
             "run = wandb._attach(sys.argv[2])\n"
             "print(run.step, run.id == sys.argv[3], wandb.run is run, flush=True)\n"
             "run.log({'child': 1.0})\n"
             "run.log({'child': 2.0})\n"
             "run.config.update({'rank': 0})\n"
             "run.summary['best'] = 7\n")
    run = wandb.init(project="p", config={"lr": 0.1})
    run.log({"parent": 1.0})
    done = subprocess.run([sys.executable, "-c", child, module, run._attach_id, run.id],
                          capture_output=True, text=True, timeout=120, check=False)
    observe("child", (done.returncode, done.stdout.split()))
    run.log({"parent": 2.0})
    observe("parent_step", run.step)
    run.finish()


@case()
def forked_children_log_into_the_run(wandb, observe, observe_raises):
    """Children forked from the run's process (DataLoader workers, a fork-method pool) log
    into the parent's run object, one after the other, then exit without finish(): each
    row gets a step of its own, and the parent continues after the children's steps."""
    import multiprocessing as mp
    import warnings

    run = wandb.init(project="p", config={"lr": 0.1})
    run.log({"parent": 1.0})

    def child(rank):
        run.log({"child": float(rank)})
        run.log({"child": rank + 0.5, "rank": rank})
        run.config.update({f"rank{rank}": True})

    warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads running
    for rank in range(2):
        worker = mp.get_context("fork").Process(target=child, args=(rank,))
        worker.start()
        worker.join()
        observe(f"exit{rank}", worker.exitcode)
    run.log({"parent": 2.0})
    observe("parent_step", run.step)
    run.finish()


@case()
def distributed_artifacts(wandb, observe, observe_raises):
    """upsert_artifact / finish_artifact: both need a group or a distributed_id (wandb
    offline cannot commit a draft, so what is compared is the calls' contract; the store
    side is in tests/sdk/artifacts/test_distributed.py)."""
    import pathlib

    pathlib.Path("shard.txt").write_text("a")
    run = wandb.init(project="p")
    observe_raises("upsert_without_group",
                   lambda: run.upsert_artifact("shard.txt", name="d", type="dataset"))
    observe_raises("finish_without_group",
                   lambda: run.finish_artifact("shard.txt", name="d", type="dataset"))
    art = run.upsert_artifact("shard.txt", name="d", type="dataset", distributed_id="job")
    observe("upserted", (art.name, art.type, art.distributed_id))
    run.finish()
    run = wandb.init(project="p", group="g")
    art = wandb.Artifact("d", "dataset")
    art.add_file("shard.txt")
    done = run.finish_artifact(art)
    observe("finished", (done is art, art.distributed_id))
    run.finish()


@case()
def profiler_without_torch(wandb, observe, observe_raises):
    """wandb.profiler exists; without torch installed its trace handler raises the
    tracker's Error (torch's own traces: tests/integrations/scripts/profiler_torch.py)."""
    observe("has_handler", callable(wandb.profiler.torch_trace_handler))
    wandb.init(project="p")
    observe_raises("handler", wandb.profiler.torch_trace_handler)
    wandb.finish()


@pytest.mark.slow
@pytest.mark.timeout(600)  # the first test also runs every case (the oracle fixture)
@pytest.mark.parametrize("case_name", cases_in(__name__))
def test_matches_wandb(case_name: str, oracle: Results) -> None:
    compare(case_name, oracle)
