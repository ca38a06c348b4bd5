"""A second init() without finish(), and resume modes that cannot be honoured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cairn


def test_a_second_init_returns_the_active_run_with_a_warning(kit: Any,
                                                             cairn_root: Path) -> None:
    first = cairn.init(project="re")
    first.log({"x": 1})
    with pytest.warns(cairn.CairnWarning, match=f"run {first.id} is active; returning it"):
        again = cairn.init(project="re", name="other")
    assert again is first
    assert cairn.run is first
    first.log({"x": 2})
    first.finish()
    stored = kit.stored_run(cairn_root, first.path)
    assert stored.row.state == "finished"
    assert stored.series["x"][1] == [1.0, 2.0]


def test_finish_previous_finishes_the_first_run(kit: Any, cairn_root: Path) -> None:
    first = cairn.init(project="re")
    first.log({"x": 1})
    second = cairn.init(project="re", reinit="finish_previous")
    assert second is not first
    assert cairn.run is second
    with pytest.raises(cairn.UsageError, match="finished"):
        first.log({"x": 2})
    assert kit.stored_run(cairn_root, first.path).row.state == "finished"
    second.log({"y": 1})
    second.finish()
    assert kit.stored_run(cairn_root, second.path).series["y"][1] == [1.0]


def test_create_new_gives_two_live_runs(kit: Any, cairn_root: Path) -> None:
    first = cairn.init(project="re")
    second = cairn.init(project="re", reinit="create_new")
    assert second is not first
    assert cairn.run is first
    for step in range(50):
        first.log({"a": step})
        second.log({"b": -step})
    second.finish()
    assert cairn.run is first
    first.finish()
    one = kit.stored_run(cairn_root, first.path)
    two = kit.stored_run(cairn_root, second.path)
    assert one.row.state == two.row.state == "finished"
    assert one.series["a"][1] == [float(s) for s in range(50)]
    assert "b" not in one.series
    assert two.series["b"][1] == [float(-s) for s in range(50)]
    assert "a" not in two.series


def test_resume_must_without_the_run_raises(cairn_root: Path) -> None:
    with pytest.raises(cairn.ResumeError, match="resume='must' but there is no run 'ghost1'"):
        cairn.init(project="re", id="ghost1", resume="must")
    with pytest.raises(cairn.ResumeError, match="needs the id"):
        cairn.init(project="re", resume="must")
    assert cairn.run is None


def test_resume_never_with_an_existing_run_raises(cairn_root: Path) -> None:
    run = cairn.init(project="re", id="taken1")
    run.log({"x": 1})
    run.finish()
    with pytest.raises(cairn.ResumeError, match="already exists and resume='never'"):
        cairn.init(project="re", id="taken1", resume="never")
    assert cairn.run is None
    resumed = cairn.init(project="re", id="taken1", resume="must")
    assert resumed.resumed
    assert resumed.starting_step == 1
    resumed.finish()
