"""cairn.plot and cairn.plots: the preset charts' tables and specs."""

from __future__ import annotations

import numpy as np
import pytest

import cairn


def test_line_scatter_bar_histogram_name_their_columns() -> None:
    table = cairn.Table(columns=["a", "b"], data=[[1, 2], [3, 4]])
    assert cairn.plot.line(table, "a", "b", title="t").fields == {"x": "a", "y": "b"}
    assert cairn.plot.scatter(table, "a", "b").spec_name == "cairn/scatter/v0"
    assert cairn.plot.bar(table, "a", "b").fields == {"label": "a", "value": "b"}
    assert cairn.plot.histogram(table, "b").fields == {"value": "b"}


def test_line_series_makes_one_row_a_point() -> None:
    chart = cairn.plot.line_series([0, 1, 2], [[1, 2, 3], [3, 2, 1]], keys=["up", "down"],
                                   xname="epoch")
    assert chart.table.columns == ["step", "lineKey", "lineVal"]
    assert chart.table.data[:3] == [[0, "up", 1], [1, "up", 2], [2, "up", 3]]
    assert chart.string_fields["xname"] == "epoch"
    with pytest.raises(ValueError, match="2 keys for 1 lines"):
        cairn.plot.line_series([0], [[1]], keys=["a", "b"])


def test_pr_and_roc_curves_of_a_perfect_classifier() -> None:
    y_true = np.array([0, 1, 1, 0])
    probas = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
    pr = cairn.plots.precision_recall(y_true, probas, labels=["neg", "pos"])
    pos = [row for row in pr.table.data if row[0] == "pos"]
    assert max(p for _, r, p in pos if r == 1.0) == 1.0
    roc = cairn.plot.roc_curve(y_true, probas, labels=["neg", "pos"])
    points = [(f, t) for c, f, t in roc.table.data if c == "pos"]
    assert (0.0, 1.0) in points
    assert roc.spec_name == "cairn/area-under-curve/v0"


def test_confusion_matrix_counts_pairs() -> None:
    chart = cairn.plot.confusion_matrix(y_true=[0, 1, 1, 2], preds=[0, 1, 2, 2],
                                        class_names=["a", "b", "c"])
    counts = {(a, p): n for a, p, n in chart.table.data}
    assert counts[("b", "c")] == 1
    assert counts[("c", "c")] == 1
    assert sum(counts.values()) == 4
    with pytest.raises(ValueError, match="exactly one of probs and preds"):
        cairn.plot.confusion_matrix(y_true=[0])
