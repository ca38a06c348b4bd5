"""``cairn.plot``: wandb's preset custom charts, each a :class:`CustomChart` to log.

    run.log({"roc": cairn.plot.roc_curve(y_true, y_probas, labels=["cat", "dog"])})

Each returns a table plus a built-in Vega-Lite spec (``cairn/line/v0`` …); ``plot_table``
takes any spec by name, and :func:`register_spec` adds your own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cairn.sdk.charts import CustomChart, plot_table, register_spec
from cairn.sdk.media.table import Table

__all__ = ["CustomChart", "bar", "confusion_matrix", "histogram", "line", "line_series",
           "plot_table", "pr_curve", "register_spec", "roc_curve", "scatter"]

_MAX_CURVE_POINTS = 500


def line(table: Table, x: str, y: str, stroke: str | None = None, title: str = "",
         split_table: bool = False) -> CustomChart:
    fields = {"x": x, "y": y} | ({"stroke": stroke} if stroke else {})
    return plot_table("cairn/line/v0", table, fields, {"title": title}, split_table)


def scatter(table: Table, x: str, y: str, title: str = "",
            split_table: bool = False) -> CustomChart:
    return plot_table("cairn/scatter/v0", table, {"x": x, "y": y}, {"title": title},
                      split_table)


def bar(table: Table, label: str, value: str, title: str = "",
        split_table: bool = False) -> CustomChart:
    return plot_table("cairn/bar/v0", table, {"label": label, "value": value},
                      {"title": title}, split_table)


def histogram(table: Table, value: str, title: str = "",
              split_table: bool = False) -> CustomChart:
    return plot_table("cairn/histogram/v0", table, {"value": value}, {"title": title},
                      split_table)


def line_series(xs: Sequence[Any], ys: Sequence[Sequence[Any]],
                keys: Sequence[str] | None = None, title: str = "", xname: str = "x",
                split_table: bool = False) -> CustomChart:
    """Several lines on one chart: ``ys[i]`` against ``xs`` (or ``xs[i]`` when ``xs`` is
    a list of lists)."""
    ys = [list(_values(y)) for y in ys]
    xs = list(_values(xs))
    per_line = xs and isinstance(xs[0], list | tuple)
    if keys is not None and len(keys) != len(ys):
        raise ValueError(f"line_series: {len(keys)} keys for {len(ys)} lines")
    names = list(keys) if keys is not None else [f"key_{i}" for i in range(len(ys))]
    table = Table(columns=["step", "lineKey", "lineVal"])
    for i, line_values in enumerate(ys):
        line_xs = list(xs[i]) if per_line else xs
        if len(line_xs) != len(line_values):
            raise ValueError(f"line_series: line {names[i]!r} has {len(line_values)} values "
                             f"but {len(line_xs)} x values")
        for x, y in zip(line_xs, line_values, strict=True):
            table.add_data(x, names[i], y)
    return plot_table("cairn/lineseries/v0", table,
                      {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
                      {"title": title, "xname": xname}, split_table)


def _values(seq: Any) -> Any:
    return seq.tolist() if hasattr(seq, "tolist") else seq


def _curve_inputs(y_true: Any, y_probas: Any, labels: Sequence[Any] | None,
                  classes_to_plot: Sequence[Any] | None, what: str,
                  ) -> tuple[Any, Any, list[tuple[int, Any, str]]]:
    """The labels, the scores and ``(column, class value, name)`` of each class to plot.

    As wandb: the classes are the distinct values of ``y_true``, sorted, and column ``i``
    of ``y_probas`` scores the ``i``-th of them (so string labels work); integer classes
    are named ``labels[class]``; ``classes_to_plot`` lists class values."""
    import numpy as np

    truth = np.asarray(_values(y_true))
    probas = np.asarray(_values(y_probas), dtype=np.float64)
    if probas.ndim == 1:
        probas = np.stack([1 - probas, probas], axis=1)
    if probas.ndim != 2 or truth.ndim != 1 or probas.shape[0] != truth.shape[0]:
        raise ValueError(f"{what}: y_probas must be samples x classes and y_true one label "
                         f"per sample; got shapes {probas.shape} and {truth.shape}")
    classes = np.unique(truth)
    if classes.size > probas.shape[1]:
        raise ValueError(f"{what}: y_true has {classes.size} distinct labels but y_probas "
                         f"only {probas.shape[1]} columns (one per label, in sorted order)")
    wanted = None if classes_to_plot is None else list(_values(classes_to_plot))
    chosen: list[tuple[int, Any, str]] = []
    for i, value in enumerate(classes.tolist()):
        if wanted is not None and value not in wanted:
            continue
        if labels is not None and isinstance(value, int) and 0 <= value < len(labels):
            name = str(labels[value])
        else:
            name = str(value)
        chosen.append((i, value, name))
    return truth, probas, chosen


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers before strings, each in their own order (labels may mix them)."""
    return (0, value) if isinstance(value, int | float) else (1, str(value))


def _thin(*columns: Any) -> list[Any]:
    """At most _MAX_CURVE_POINTS points of a curve, first and last kept."""
    import numpy as np

    n = len(columns[0])
    if n <= _MAX_CURVE_POINTS:
        return list(columns)
    at = np.unique(np.linspace(0, n - 1, _MAX_CURVE_POINTS).round().astype(int))
    return [c[at] for c in columns]


def _ranked(truth: Any, scores: Any, positive: Any) -> tuple[Any, Any]:
    """Cumulative true and false positives at each distinct threshold, high to low."""
    import numpy as np

    order = np.argsort(-scores, kind="stable")
    hits = (truth[order] == positive).astype(np.float64)
    distinct = np.r_[np.flatnonzero(np.diff(scores[order])), hits.size - 1]
    tps = np.cumsum(hits)[distinct]
    fps = (distinct + 1) - tps
    return tps, fps


def pr_curve(y_true: Any, y_probas: Any, labels: Sequence[Any] | None = None,
             classes_to_plot: Sequence[Any] | None = None, interp_size: int = 21,
             title: str = "Precision v. Recall", split_table: bool = False) -> CustomChart:
    """Precision against recall, one line per class (one against the rest)."""
    import numpy as np

    truth, probas, chosen = _curve_inputs(y_true, y_probas, labels, classes_to_plot,
                                          "pr_curve")
    table = Table(columns=["class", "recall", "precision"])
    for column, value, name in chosen:
        tps, fps = _ranked(truth, probas[:, column], value)
        positives = max(1.0, float(tps[-1]) if tps.size else 1.0)
        recall = np.r_[0.0, tps / positives]
        precision = np.r_[1.0, tps / np.maximum(tps + fps, 1)]
        for r, p in zip(*_thin(recall, precision), strict=True):
            table.add_data(name, round(float(r), 6), round(float(p), 6))
    return plot_table("cairn/area-under-curve/v0", table,
                      {"x": "recall", "y": "precision", "class": "class"},
                      {"title": title, "x-axis-title": "Recall", "y-axis-title": "Precision"},
                      split_table)


def roc_curve(y_true: Any, y_probas: Any, labels: Sequence[Any] | None = None,
              classes_to_plot: Sequence[Any] | None = None, title: str = "ROC",
              split_table: bool = False) -> CustomChart:
    """True positive rate against false positive rate, one line per class."""
    import numpy as np

    truth, probas, chosen = _curve_inputs(y_true, y_probas, labels, classes_to_plot,
                                          "roc_curve")
    table = Table(columns=["class", "fpr", "tpr"])
    for column, value, name in chosen:
        tps, fps = _ranked(truth, probas[:, column], value)
        tpr = np.r_[0.0, tps / max(1.0, float(tps[-1]))]
        fpr = np.r_[0.0, fps / max(1.0, float(fps[-1]))]
        for f, t in zip(*_thin(fpr, tpr), strict=True):
            table.add_data(name, round(float(f), 6), round(float(t), 6))
    return plot_table("cairn/area-under-curve/v0", table,
                      {"x": "fpr", "y": "tpr", "class": "class"},
                      {"title": title, "x-axis-title": "False positive rate",
                       "y-axis-title": "True positive rate"}, split_table)


def confusion_matrix(probs: Any = None, y_true: Any = None, preds: Any = None,
                     class_names: Sequence[str] | None = None, title: str = "Confusion Matrix",
                     split_table: bool = False) -> CustomChart:
    """Counts of (actual, predicted) class pairs, from ``preds`` or ``probs`` (argmax)."""
    import numpy as np

    if (probs is None) == (preds is None):
        raise ValueError("confusion_matrix: give exactly one of probs and preds")
    if y_true is None:
        raise ValueError("confusion_matrix: y_true is required")
    predicted = np.asarray(_values(preds)) if preds is not None else \
        np.argmax(np.asarray(_values(probs)), axis=1)
    truth = np.asarray(_values(y_true))
    if predicted.shape != truth.shape or truth.ndim != 1:
        raise ValueError(f"confusion_matrix: y_true and the predictions must be the same "
                         f"length; got {truth.shape} and {predicted.shape}")
    if class_names is not None:
        # Class ids index class_names, as in wandb.
        n = len(class_names)
        classes = list(range(n))
        names = [str(c) for c in class_names]
    else:
        # The distinct values seen (wandb's semantics), so sparse ids and strings work.
        classes = sorted(set(truth.tolist()) | set(predicted.tolist()), key=_sort_key)
        n = len(classes)
        names = [str(c) for c in classes]
    index = {c: i for i, c in enumerate(classes)}
    counts = np.zeros((n, n), dtype=np.int64)
    for actual, guess in zip(truth.tolist(), predicted.tolist(), strict=True):
        if actual not in index or guess not in index:
            bad = actual if actual not in index else guess
            raise ValueError(f"confusion_matrix: class {bad!r} is not an index into the "
                             f"{n} class_names")
        counts[index[actual], index[guess]] += 1
    table = Table(columns=["Actual", "Predicted", "nPredictions"])
    for a in range(n):
        for p in range(n):
            table.add_data(names[a], names[p], int(counts[a, p]))
    return plot_table("cairn/confusion_matrix/v1", table,
                      {"Actual": "Actual", "Predicted": "Predicted",
                       "nPredictions": "nPredictions"}, {"title": title}, split_table)
