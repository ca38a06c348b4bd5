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


def test_curve_columns_follow_the_sorted_distinct_labels_as_in_wandb() -> None:
    # String labels: column 0 scores "cat", column 1 "dog" (sorted); a perfect classifier.
    y_true = np.array(["dog", "cat", "dog", "cat"])
    probas = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    pr = cairn.plot.pr_curve(y_true, probas)
    assert {row[0] for row in pr.table.data} == {"cat", "dog"}
    dog = [(r, p) for c, r, p in pr.table.data if c == "dog"]
    assert (1.0, 1.0) in dog
    # Sparse integer labels 3 and 7 name labels[3] and labels[7]; classes_to_plot holds
    # label values, not column numbers.
    sparse = np.array([7, 3, 7, 3])
    names = [f"n{i}" for i in range(8)]
    roc = cairn.plot.roc_curve(sparse, probas, labels=names, classes_to_plot=[7])
    assert {row[0] for row in roc.table.data} == {"n7"}
    assert (0.0, 1.0) in [(f, t) for _, f, t in roc.table.data]
    chart = cairn.plots.precision_recall(sparse, probas, labels=names)
    assert {row[0] for row in chart.table.data} == {"n3", "n7"}
    with pytest.raises(ValueError, match="3 distinct labels but y_probas only 2 columns"):
        cairn.plot.pr_curve([0, 1, 2], probas[:3])


def test_confusion_matrix_without_class_names_uses_the_values_seen() -> None:
    chart = cairn.plot.confusion_matrix(y_true=["cat", "dog", "dog"],
                                        preds=["cat", "cat", "dog"])
    counts = {(a, p): n for a, p, n in chart.table.data}
    assert counts == {("cat", "cat"): 1, ("cat", "dog"): 0, ("dog", "cat"): 1,
                      ("dog", "dog"): 1}
    with pytest.raises(ValueError, match="class 5 is not an index into the 2 class_names"):
        cairn.plot.confusion_matrix(y_true=[0, 5], preds=[0, 1], class_names=["a", "b"])
