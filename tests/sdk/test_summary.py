"""``run.summary`` as wandb keeps it: latest write wins, sub-dicts write back, dotted keys
stay flat, live and stored alike."""

from __future__ import annotations

from typing import Any

import pytest

import cairn


def _stored(run_path: str) -> dict[str, Any]:
    return cairn.Api().run(run_path).summary


def test_writing_into_a_summary_dict_is_stored() -> None:
    run = cairn.init(project="p")
    run.summary["n"] = {"a": 1}
    run.summary["n"]["b"] = 2
    assert run.summary["n"] == {"a": 1, "b": 2}
    run.summary["deep"] = {"x": {"y": 1}}
    run.summary["deep"]["x"]["z"] = 2
    run.finish()
    stored = _stored(run.path)
    assert stored["n"] == {"a": 1, "b": 2}
    assert stored["deep"] == {"x": {"y": 1, "z": 2}}


def test_setting_a_dict_replaces_the_key_whole() -> None:
    run = cairn.init(project="p")
    run.log({"n": {"a": 1, "b": 2}})
    run.summary["n"] = {"c": 3}
    assert run.summary["n"] == {"c": 3}
    run.finish()
    assert _stored(run.path)["n"] == {"c": 3}


def test_latest_write_wins_between_log_and_manual_summary() -> None:
    run = cairn.init(project="p")
    run.summary["m"] = 5
    run.log({"m": 6})
    assert run.summary["m"] == 6
    run.log({"m": 7})
    run.summary["m"] = 1
    assert run.summary["m"] == 1
    run.finish()
    assert _stored(run.path)["m"] == 1


def test_a_deleted_key_comes_back_when_logged_and_deleting_a_missing_key_is_silent() -> None:
    run = cairn.init(project="p")
    run.log({"m": 6, "g": {"a": 1}})
    del run.summary["m"]
    del run.summary["g"]
    assert "m" not in run.summary
    assert "g" not in run.summary
    del run.summary["never-set"]
    run.log({"m": 7})
    assert run.summary["m"] == 7
    run.finish()
    stored = _stored(run.path)
    assert stored["m"] == 7
    assert "g" not in stored


def test_define_metric_after_values_counts_them_live_as_in_the_store() -> None:
    run = cairn.init(project="p")
    for value in (5, 1, 3):
        run.log({"q": value})
    run.define_metric("q", summary="min,max,mean")
    run.log({"q": 4})
    live = dict(run.summary["q"])
    assert live == {"min": 1, "max": 5, "mean": 3.25}
    run.finish()
    assert _stored(run.path)["q"] == live


def test_dotted_keys_stay_flat_live_and_stored() -> None:
    run = cairn.init(project="p")
    run.log({"val.acc": 2, "train": {"loss": 1, "x.y": 3}})
    run.summary["best.acc"] = 4
    live = run.summary.as_dict()
    assert live["val.acc"] == 2
    assert live["best.acc"] == 4
    assert live["train"] == {"loss": 1, "x.y": 3}
    assert run.summary["val.acc"] == 2
    run.finish()
    stored = _stored(run.path)
    assert stored["val.acc"] == 2
    assert stored["best.acc"] == 4
    assert stored["train"] == {"loss": 1, "x.y": 3}
    assert "val" not in stored


def test_after_finish_changes_raise_and_reads_work() -> None:
    run = cairn.init(project="p", config={"lr": 0.1})
    run.log({"a": 1})
    run.finish()
    with pytest.raises(cairn.UsageError, match="finished"):
        run.summary["a"] = 2
    with pytest.raises(cairn.UsageError, match="finished"):
        run.config.update({"b": 1})
    with pytest.raises(cairn.UsageError, match="finished"):
        run.define_metric("a", summary="max")
    assert run.summary["a"] == 1
    assert run.config.as_dict() == {"lr": 0.1}


def test_disabled_mode_keeps_an_in_process_summary() -> None:
    run = cairn.init(project="p", mode="disabled")
    run.log({"a": 1, "b": {"c": 2}})
    run.log({"a": 3})
    assert run.summary["a"] == 3
    assert run.summary["b"] == {"c": 2}
    run.summary["z"] = 5
    assert run.summary["z"] == 5
    run.finish()


def test_tags_set_to_one_string_is_one_tag() -> None:
    run = cairn.init(project="p")
    run.tags = "baseline"
    assert run.tags == ("baseline",)
    run.finish()
    assert cairn.Api().run(run.path).tags == ["baseline"]


def test_long_run_ids_are_accepted() -> None:
    run_id = "a" * 128
    run = cairn.init(project="p", id=run_id)
    assert run.id == run_id
    run.finish()
    assert cairn.Api().run(run.path).id == run_id
    with pytest.raises(cairn.UsageError, match="invalid run id"):
        cairn.init(project="p", id="a" * 129)


def test_a_dotted_summary_key_can_be_filtered_and_sorted_on() -> None:
    first = cairn.init(project="p")
    first.log({"val.acc": 0.5})
    first.finish()
    second = cairn.init(project="p")
    second.log({"val": {"acc": 0.9}})
    second.finish()
    found = cairn.Api().runs("p", filters={"summary.val.acc": {"$gte": 0.4}},
                             order="-summary.val.acc")
    assert [r.id for r in found] == [second.id, first.id]


def test_a_dotted_key_stays_flat_after_a_refused_row_named_it_first() -> None:
    run = cairn.init(project="p")
    with pytest.raises(ValueError, match="'bad'"):
        run.log({"v.acc": 1.0, "bad": object()})
    run.log({"v.acc": 2.0})
    assert run.summary.as_dict()["v.acc"] == 2.0
    run.finish()
    assert _stored(run.path)["v.acc"] == 2.0


def test_a_value_set_over_a_logged_dict_replaces_it_until_logged_again() -> None:
    run = cairn.init(project="p")
    run.log({"n": {"a": 1, "b": 2}})
    run.summary["n"] = 5
    assert run.summary.as_dict()["n"] == 5
    run.finish()
    stored = _stored(run.path)
    assert stored["n"] == 5
    assert "n.a" not in stored


def test_logging_below_a_replaced_key_shows_only_what_was_logged_since() -> None:
    run = cairn.init(project="p")
    run.log({"n": {"a": 1, "b": 2}})
    run.summary["n"] = 5
    run.log({"n": {"a": 3}})
    assert run.summary["n"] == {"a": 3}  # as wandb: n was replaced, then n.a logged
    run.finish()
    assert _stored(run.path)["n"] == {"a": 3}


def test_what_a_summary_read_hands_out_is_a_copy() -> None:
    run = cairn.init(project="p")
    run.log({"n": {"a": 1}})
    run.summary.as_dict()["n"]["a"] = 99
    dict(run.summary.items())["n"]["a"] = 98
    assert run.summary["n"] == {"a": 1}
    run.finish()
