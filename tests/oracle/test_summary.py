"""``run.summary`` and ``define_metric``, under wandb and cairn."""

from __future__ import annotations

import pytest
from tests.oracle.harness import Results, case, cases_in, compare


@case()
def summary_set_and_read(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.summary["best"] = 0.9
    run.summary.update({"note": "baseline", "nested": {"x": 1}})
    observe("summary", run.summary)
    observe("get", run.summary.get("best"))
    observe("get_missing", run.summary.get("nope", "default"))
    observe("contains", "best" in run.summary.keys())  # wandb's summary has no __contains__
    observe_raises("missing_item", lambda: run.summary["nope"])
    observe("keys", sorted(k for k in run.summary.keys() if not k.startswith("_")))


@case()
def summary_nested_assignment(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.summary["n"] = {"a": 1}
    run.summary["n"]["b"] = 2
    # Only b is observed live: wandb's live n is {'b': 2} here, its stored n complete.
    observe("n.b", run.summary["n"]["b"])


@case()
def summary_manual_then_log(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"loss": 1.0})
    run.summary["loss"] = 0.1
    observe("after_set", run.summary["loss"])
    run.log({"loss": 0.5})  # a later log() overwrites the manual value (wandb)
    observe("after_log", run.summary["loss"])
    observe("summary", run.summary)


@case()
def summary_delete_then_log(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"a": 1, "b": 2})
    del run.summary["a"]
    observe("after_del", run.summary)
    observe_raises("del_missing", lambda: run.summary.__delitem__("nope"))
    run.log({"a": 3})
    observe("after_log", run.summary)


@case()
def define_metric_summaries(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.define_metric("lo", summary="min")
    run.define_metric("hi", summary="max")
    run.define_metric("avg", summary="mean")
    run.define_metric("fin", summary="last")
    run.define_metric("both", summary="min,max")
    for v in (3.0, 1.0, 2.0):
        run.log({"lo": v, "hi": v, "avg": v, "fin": v, "both": v})
    observe("summary", run.summary)


@case()
def define_metric_first_and_none(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.define_metric("first_only", summary="first")
    run.define_metric("hidden_from_summary", summary="none")
    for v in (3.0, 1.0):
        run.log({"first_only": v, "hidden_from_summary": v})
    observe("summary", run.summary)


def _goal_check(cairn, wandb):
    assert wandb["error"]["raised"] == ["TypeError"]  # define_metric() got 'goal'
    assert cairn["error"] is None
    assert cairn["persisted"][0]["summary"]["loss"] == {"best": 1.0}
    assert cairn["persisted"][0]["summary"]["acc"] == {"best": 0.7}


@case(differs="define_metric(goal=...) with summary='best' is on the seed's Run page; "
              "wandb 0.31 dropped goal (TypeError), cairn keeps it",
      check=_goal_check)
def define_metric_goal_best(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.define_metric("loss", summary="best", goal="minimize")
    run.define_metric("acc", summary="best", goal="maximize")
    for loss, acc in ((2.0, 0.5), (1.0, 0.7), (1.5, 0.6)):
        run.log({"loss": loss, "acc": acc})
    observe("summary", run.summary)


@case()
def define_metric_step_metric_and_glob(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch")
    metric = run.define_metric("train/loss", step_metric="epoch", summary="min")
    observe("metric", {"name": metric.name, "step_metric": metric.step_metric})
    run.log({"train/loss": 1.0, "epoch": 0})
    run.log({"val/acc": 0.5, "val/loss": 0.7, "epoch": 1})
    run.log({"train/loss": 0.4, "epoch": 2})
    observe("summary", run.summary)


@case()
def define_metric_after_values(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"k": 1.0})
    run.log({"k": 5.0})
    run.define_metric("k", summary="min")
    observe("before", run.summary["k"])
    run.log({"k": 3.0})
    observe("after", run.summary["k"])


@case()
def define_metric_bad_arguments(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    observe_raises("bad_summary", lambda: run.define_metric("a", summary="median"))
    observe_raises("empty_name", lambda: run.define_metric(""))
    observe_raises("inner_glob", lambda: run.define_metric("a*b"))


@case()
def summary_set_over_a_logged_dict(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"n": {"a": 1, "b": 2}})
    run.summary["n"] = 5
    observe("after_set", run.summary["n"])
    run.log({"n": {"a": 3}})
    observe("after_log_a", run.summary["n"]["a"])


@case()
def disabled_mode_summary(wandb, observe, observe_raises):
    run = wandb.init(project="p", mode="disabled", config={"lr": 0.1})
    run.log({"loss": 0.5, "nested": {"a": 1}})
    run.log({"loss": 0.25})
    run.summary["best"] = 1
    observe("summary", {k: v for k, v in run.summary.items() if not k.startswith("_")})
    observe("config", run.config)
    observe("disabled", run.disabled)


@pytest.mark.slow
@pytest.mark.timeout(600)  # the first test also runs every case (the oracle fixture)
@pytest.mark.parametrize("case_name", cases_in(__name__))
def test_matches_wandb(case_name: str, oracle: Results) -> None:
    compare(case_name, oracle)
