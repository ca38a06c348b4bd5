"""The Run API: logging, steps, summary, config and identity, read back from the store."""

from __future__ import annotations

import contextlib
import math
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cairn
from cairn.sdk.run import Run


def _history(run_path: str, keys: list[str] | None = None) -> list[dict[str, Any]]:
    return list(cairn.Api().run(run_path).scan_history(keys=keys))


def test_log_scalars_nested_and_implicit_columns() -> None:
    run = cairn.init(project="p")
    run.log({"loss": 0.5, "acc": 1, "ok": True, "note": "hi", "none": None,
             "train": {"lr": 0.1, "deep": {"x": 2}}})
    run.log({"loss": 0.25})
    run.finish()
    rows = _history(run.path)
    assert [r["_step"] for r in rows] == [0, 1]
    first = rows[0]
    assert first["loss"] == 0.5
    assert first["acc"] == 1
    assert first["ok"] is True
    assert first["note"] == "hi"
    assert first["none"] is None
    assert first["train.lr"] == 0.1
    assert first["train.deep.x"] == 2
    assert isinstance(first["acc"], int)
    assert first["_timestamp"] == pytest.approx(time.time(), abs=60)
    assert 0 <= first["_runtime"] < 60
    stored = cairn.Api().run(run.path)
    assert stored.summary["train"] == {"lr": 0.1, "deep": {"x": 2}}
    assert stored.summary["loss"] == 0.25
    assert stored.summary["_step"] == 1


def test_nan_and_inf_are_kept() -> None:
    run = cairn.init(project="p")
    for value in (math.nan, math.inf, -math.inf, 1.5):
        run.log({"v": value})
    run.finish()
    values = [r["v"] for r in _history(run.path, ["v"])]
    assert math.isnan(values[0])
    assert values[1:] == [math.inf, -math.inf, 1.5]


def test_commit_false_merges_into_one_row() -> None:
    run = cairn.init(project="p")
    run.log({"a": 1}, commit=False)
    run.log({"b": 2}, commit=False)
    run.log({"c": 3})
    run.log({"a": 4})
    run.finish()
    rows = _history(run.path, None)
    assert [(r["_step"], r.get("a"), r.get("b"), r.get("c")) for r in rows] == [
        (0, 1, 2, 3), (1, 4, None, None)]


def test_explicit_steps_and_lower_step_dropped_with_warning() -> None:
    run = cairn.init(project="p")
    run.log({"a": 1}, step=5)
    run.log({"b": 2}, step=5)  # same step: merged
    run.log({"a": 3}, step=10)
    with pytest.warns(cairn.CairnWarning, match=r"step 7 is lower than the current step 10.*x"):
        run.log({"x": 9}, step=7)
    assert run.dropped_steps == 1
    run.log({"a": 4})  # no step: the current one (10) is committed with it
    assert run.step == 11
    run.finish()
    rows = _history(run.path)
    assert [(r["_step"], r.get("a"), r.get("b")) for r in rows] == [
        (5, 1, 2), (10, 4, None)]
    assert all("x" not in r for r in rows)


@pytest.mark.parametrize(("data", "fragment"), [
    ({1: 2.0}, "must be strings"),
    ({"": 1}, "must not be empty"),
    ({"a" * 2000: 1}, "characters long"),
    ({"ok": 1, "bad": object()}, "'bad'"),
    ({"nest": {"inner": {3: 1}}}, "under 'nest.inner.'"),
    ({"c": np.array([1 + 2j])}, "'c'"),
])
def test_invalid_data_raises_naming_the_key_and_applies_nothing(
        data: dict[Any, Any], fragment: str) -> None:
    run = cairn.init(project="p")
    with pytest.raises(ValueError, match=re.escape(fragment)):
        run.log(data)
    assert run.step == 0
    run.log({"ok": 2})
    run.finish()
    assert [r.get("ok") for r in _history(run.path)] == [2]


def test_log_rejects_non_dicts() -> None:
    run = cairn.init(project="p")
    with pytest.raises(ValueError, match="dict"):
        run.log([1, 2])  # type: ignore[arg-type]
    run.finish()


def test_numpy_values_of_every_kind() -> None:
    run = cairn.init(project="p")
    data = {
        "f32": np.float32(0.5), "f16": np.float16(2.0), "i64": np.int64(7), "u8": np.uint8(3),
        "b": np.bool_(True), "zero_d": np.array(1.25), "vec": np.arange(4, dtype=np.int16),
        "mat": np.ones((2, 2), dtype=np.float32), "when": np.array(["2024-01-01"],
                                                                   dtype="datetime64[D]"),
        "strs": np.array(["a", "b"]),
    }
    run.log(data)
    run.finish()
    row = _history(run.path)[0]
    assert row["f32"] == 0.5
    assert row["f16"] == 2.0
    assert row["i64"] == 7
    assert row["u8"] == 3
    assert row["b"] is True
    assert row["zero_d"] == 1.25
    assert row["vec"] == [0, 1, 2, 3]
    assert row["mat"] == [[1.0, 1.0], [1.0, 1.0]]
    assert row["when"] == ["2024-01-01"]
    assert row["strs"] == ["a", "b"]


def test_big_values_deep_nesting_and_long_strings() -> None:
    run = cairn.init(project="p")
    nested: dict[str, Any] = {"leaf": 1}
    for i in range(100):
        nested = {f"l{i}": nested}
    big = "x" * (10 * 1024 * 1024)
    run.log({"deep": nested, "big": big, "huge_int": 2**80})
    run.finish()
    row = _history(run.path)[0]
    deep_key = next(k for k in row if k.startswith("deep."))
    assert deep_key.count(".") == 101
    assert row[deep_key] == 1
    assert row["big"] == big
    assert row["huge_int"] == float(2**80)


def test_summary_last_value_override_and_update() -> None:
    run = cairn.init(project="p")
    run.log({"loss": 3.0, "acc": 0.1})
    run.log({"loss": 2.0, "acc": 0.2})
    assert run.summary["loss"] == 2.0
    run.summary["acc"] = 0.99
    run.log({"loss": 1.0})
    assert run.summary["acc"] == 0.99  # stands until acc is logged again
    assert run.summary["loss"] == 1.0
    run.summary.update({"best": {"epoch": 3}})
    assert run.summary["best"] == {"epoch": 3}
    assert run.summary["best.epoch"] == 3
    del run.summary["loss"]
    assert "loss" not in run.summary
    run.finish()
    stored = cairn.Api().run(run.path).summary
    assert stored["acc"] == 0.99
    assert stored["best"] == {"epoch": 3}
    assert "loss" not in stored


def test_define_metric_summaries_and_globs() -> None:
    run = cairn.init(project="p")
    run.define_metric("loss", summary="min,max,mean,first,last")
    run.define_metric("val/*", summary="best", goal="maximize")
    run.define_metric("quiet", summary="none")
    for loss, acc in ((4.0, 0.2), (1.0, 0.9), (2.0, 0.5)):
        run.log({"loss": loss, "val/acc": acc, "quiet": 1})
    expected_loss = {"min": 1.0, "max": 4.0, "mean": pytest.approx(7 / 3), "first": 4.0,
                     "last": 2.0}
    assert run.summary["loss"] == expected_loss
    assert run.summary["val/acc"] == {"best": 0.9}
    assert "quiet" not in run.summary
    run.finish()
    stored = cairn.Api().run(run.path).summary
    assert stored["loss"] == expected_loss
    assert stored["val/acc"] == {"best": 0.9}


def test_define_metric_step_metric_syncs_rows() -> None:
    run = cairn.init(project="p")
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch")
    run.log({"epoch": 1})
    run.log({"val/acc": 0.5})
    run.finish()
    rows = _history(run.path, ["val/acc", "epoch"])
    assert rows == [{"_step": 1, "val/acc": 0.5, "epoch": 1}]


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"name": ""}, "non-empty"),
    ({"name": "a*b"}, "trailing"),
    ({"name": "x", "summary": "median"}, "median"),
    ({"name": "x", "goal": "up"}, "goal"),
])
def test_define_metric_validates(kwargs: dict[str, Any], fragment: str) -> None:
    run = cairn.init(project="p")
    with pytest.raises(ValueError, match=fragment):
        run.define_metric(**kwargs)
    run.finish()


def test_identity_and_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_UI_URL", "http://127.0.0.1:9999")
    run = cairn.init(project="vision", entity="team", group="g", job_type="train",
                     tags=["a", "b"], notes="hello")
    assert re.fullmatch(r"[a-z0-9]{8}", run.id)
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d+", run.name)
    assert run.path == f"team/vision/{run.id}"
    assert run.url == f"http://127.0.0.1:9999/team/vision/runs/{run.id}"
    assert run.get_project_url() == "http://127.0.0.1:9999/team/vision"
    assert run.sweep_id is None
    assert run.get_sweep_url() is None
    assert run._get_sweep_url() is None
    assert Path(run.dir).is_dir()
    assert run.dir.endswith("files")
    assert run.start_time == pytest.approx(time.time(), abs=60)
    assert (run.starting_step, run.resumed, run.mode) == (0, False, "local")
    run.name = "renamed"
    run.tags = ["c"]
    run.notes = "changed"
    run.finish()
    stored = cairn.Api().run(run.path)
    assert (stored.name, stored.tags, stored.notes) == ("renamed", ["c"], "changed")
    assert (stored.group, stored.job_type, stored.state) == ("g", "train", "finished")


def test_entity_defaults_to_the_os_user() -> None:
    import getpass

    run = cairn.init(project="p")
    assert run.entity == getpass.getuser()
    run.finish()


def test_user_ids_are_validated() -> None:
    with pytest.raises(ValueError, match="invalid run id"):
        cairn.init(project="p", id="bad/id")
    run = cairn.init(project="p", id="my-run_1")
    assert run.id == "my-run_1"
    run.finish()


def test_unknown_init_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="projct"):
        cairn.init(projct="p")  # type: ignore[call-arg]


def test_finish_states_and_context_manager() -> None:
    ok = cairn.init(project="p")
    ok.finish()
    bad = cairn.init(project="p")
    bad.finish(exit_code=3)
    def fail_inside_a_run() -> cairn.Run:
        with cairn.init(project="p") as ctx:
            ctx.log({"a": 1})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_inside_a_run()
    ctx = cairn.Api().runs("p", order="-created_at")[0]
    api = cairn.Api()
    assert api.run(ok.path).state == "finished"
    failed = api.run(bad.path)
    assert (failed.state, failed.exit_code) == ("failed", 3)
    assert ctx.state == "failed"
    with pytest.raises(cairn.UsageError):
        ok.log({"a": 1})


def test_live_data_reaches_the_store_within_a_second() -> None:
    from cairn.sinks.process import shared_process

    run = cairn.init(project="p")
    process = shared_process()
    assert process is not None
    assert process.ready.wait(30)  # steady state: the applier process has started
    run.log({"live": 1.0})
    api = cairn.Api()
    deadline = time.monotonic() + 1.0
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not rows:
        with contextlib.suppress(cairn.NotFoundError):
            rows = list(api.run(run.path).scan_history(keys=["live"]))
        time.sleep(0.05)
    assert rows == [{"_step": 0, "live": 1.0}]
    assert api.run(run.path).state == "running"
    run.finish()


def test_history_rows_of_the_live_run() -> None:
    run = cairn.init(project="p")
    run.log({"a": 1})
    run.log({"a": 2}, commit=False)
    assert run.history.step == 1
    assert run.history.row == {"a": 2}
    assert [r["a"] for r in run.history.rows(["a"])] == [1]
    run.finish()


def test_telemetry_singletons_and_proto_run() -> None:
    from cairn.sdk.telemetry import detect_framework

    assert detect_framework({"torch": object(), "lightning": object()}) == "lightning"
    assert detect_framework({"sklearn": object()}) == "sklearn"
    assert detect_framework({}) == ""
    run = cairn.init(project="p")
    assert run._telemetry_get_framework() == detect_framework()
    run._add_singleton("precision", "amp", "bf16")
    run._add_singleton("precision", "amp", "bf16")
    assert run.config["_cairn"] == {"precision": {"amp": "bf16"}}
    run._add_singleton("precision", "amp", "fp16")
    assert run.config["_cairn"]["precision"]["amp"] == "fp16"
    proto = run._make_proto_run()
    assert proto["name"] == run.name
    assert proto["pid"] > 0
    run.finish()


def test_run_is_exported_class() -> None:
    run = cairn.init(project="p")
    assert isinstance(run, Run)
    assert isinstance(run, cairn.Run)
    run.finish()
