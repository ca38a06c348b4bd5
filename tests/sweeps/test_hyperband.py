"""Hyperband on synthetic learning curves, with wandb's bracket semantics."""

from __future__ import annotations

from cairn.sweeps.config import parse_config
from cairn.sweeps.hyperband import judge, signed_history, thresholds


def _config(**early: object) -> object:
    return parse_config({"method": "random", "metric": {"name": "loss"},
                         "parameters": {"a": {"value": 1}},
                         "early_terminate": {"type": "hyperband", **early}})


def test_wandb_doc_example() -> None:
    """The example in wandb's hyperband_stopping: max_iter 5, eta 2, s 2 -> bands 1, 2."""
    config = parse_config({"method": "grid", "metric": {"name": "loss"},
                           "parameters": {"a": {"values": [1]}},
                           "early_terminate": {"type": "hyperband", "max_iter": 5, "eta": 2,
                                               "s": 2}})
    early = config.early_terminate
    assert early is not None
    assert early.bands == (1, 2)
    histories = {"a": [10, 9], "b": [10, 10], "c": [10, 8, 8], "d": [10, 7, 7],
                 "e": [10, 6, 6]}
    assert thresholds(early, list(histories.values())) == [10, 8]
    stopped = judge(early, histories, ["b", "c", "d"])
    assert set(stopped) == {"b"}
    assert stopped["b"].band == 2
    assert stopped["b"].threshold == 8


def test_curves_below_the_top_third_stop_at_their_band() -> None:
    config = _config(min_iter=2, eta=3)
    early = config.early_terminate  # type: ignore[attr-defined]
    assert early.bands[:2] == (2, 6)
    good = [1.0 / (i + 1) for i in range(10)]
    curves = {f"r{k}": [v + k * 0.1 for v in good] for k in range(9)}
    curves["late"] = [5.0]  # not at a band yet
    stopped = judge(early, curves, list(curves))
    # band 6: threshold is the value at index int(9/3) = 3 of the sorted 6th values
    assert set(stopped) == {f"r{k}" for k in range(4, 9)}
    assert "late" not in stopped


def test_strict_judges_the_band_value_lenient_the_best() -> None:
    curves = {"a": [1.0, 1.0, 1.0], "b": [1.0, 1.0, 1.0], "c": [0.5, 3.0, 3.0]}
    strict = _config(min_iter=2, eta=3, strict=True).early_terminate  # type: ignore
    lenient = _config(min_iter=2, eta=3, strict=False).early_terminate  # type: ignore
    assert set(judge(strict, curves, ["c"])) == {"c"}  # 3.0 at band 2 > threshold 1.0
    assert judge(lenient, curves, ["c"]) == {}  # its best, 0.5, is within


def test_maximize_is_negated() -> None:
    config = parse_config({"method": "random", "metric": {"name": "acc", "goal": "maximize"},
                           "parameters": {"a": {"value": 1}},
                           "early_terminate": {"type": "hyperband", "min_iter": 1}})
    assert config.metric is not None
    hist = {k: signed_history(v, config.metric) for k, v in
            {"a": [0.9], "b": [0.8], "c": [0.1], "d": [0.2], "e": [0.95], "f": [0.85]}.items()}
    stopped = judge(config.early_terminate, hist, list(hist))  # type: ignore[arg-type]
    assert set(stopped) == {"b", "c", "d"}  # threshold: the 3rd best, 0.85 (f) itself
    assert "0.1" in stopped["c"].reason(config.metric)
