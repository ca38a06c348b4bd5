"""scikit-learn charts, as wandb's ``wandb.sklearn``: each computes a chart from a fitted
model or from labels and predictions and logs it to the current run under wandb's key
(``roc``, ``precision_recall``, ``confusion_matrix``, ``feature_importances``,
``class_proportions``, ``summary_metrics``). ``plot_classifier`` logs them all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cairn.errors import UsageError


def _log(key: str, chart: Any) -> None:
    import cairn

    run = cairn.run
    if run is None:
        raise UsageError(f"You must call wandb.init() (cairn.init()) before plotting {key}")
    run.log({key: chart})


def plot_roc(y_true: Any = None, y_probas: Any = None, labels: Sequence[Any] | None = None,
             plot_micro: bool = True, plot_macro: bool = True,
             classes_to_plot: Sequence[Any] | None = None) -> None:
    import cairn.plot

    _log("roc", cairn.plot.roc_curve(y_true, y_probas, labels, classes_to_plot))


def plot_precision_recall(y_true: Any = None, y_probas: Any = None,
                          labels: Sequence[Any] | None = None, plot_micro: bool = True,
                          classes_to_plot: Sequence[Any] | None = None) -> None:
    import cairn.plot

    _log("precision_recall", cairn.plot.pr_curve(y_true, y_probas, labels, classes_to_plot))


def plot_confusion_matrix(y_true: Any = None, y_pred: Any = None,
                          labels: Sequence[Any] | None = None, true_labels: Any = None,
                          pred_labels: Any = None, normalize: bool = False) -> None:
    """The confusion matrix of ``y_true`` against ``y_pred`` (any label values; ``labels``
    names the classes in the order of their sorted values)."""
    import cairn.plot

    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    classes = np.unique(np.concatenate([truth, predicted]))
    index = {value: i for i, value in enumerate(classes.tolist())}
    names = [str(n) for n in labels] if labels is not None else [str(c) for c in classes]
    if len(names) < len(classes):
        raise ValueError(f"plot_confusion_matrix(): {len(classes)} classes but "
                         f"{len(names)} labels")
    _log("confusion_matrix", cairn.plot.confusion_matrix(
        y_true=[index[v] for v in truth.tolist()], preds=[index[v] for v in predicted.tolist()],
        class_names=names))


def plot_feature_importances(model: Any = None, feature_names: Sequence[str] | None = None,
                             title: str = "Feature Importance",
                             max_num_features: int = 50) -> None:
    """A bar per feature of a fitted model's ``feature_importances_`` (or ``coef_``)."""
    import cairn.plot
    from cairn.sdk.media import Table

    values = getattr(model, "feature_importances_", None)
    if values is None and getattr(model, "coef_", None) is not None:
        values = np.abs(np.asarray(model.coef_)).reshape(-1, np.asarray(model.coef_).shape[-1])
        values = values.mean(axis=0)
    if values is None:
        raise ValueError("plot_feature_importances(): the model has no feature_importances_ "
                         "or coef_ (fit it first)")
    values = np.asarray(values, dtype=float)
    names = list(feature_names) if feature_names is not None else \
        [str(i) for i in range(len(values))]
    order = np.argsort(values)[::-1][:max_num_features]
    table = Table(columns=["feature_names", "importance"],
                  data=[[names[i], float(values[i])] for i in order])
    _log("feature_importances", cairn.plot.bar(table, "feature_names", "importance",
                                               title=title))


def plot_class_proportions(y_train: Any = None, y_test: Any = None,
                           labels: Sequence[Any] | None = None) -> None:
    """How many examples of each class the train and test sets hold."""
    import cairn.plot
    from cairn.sdk.media import Table

    rows = []
    for split, values in (("train", y_train), ("test", y_test)):
        classes, counts = np.unique(np.asarray(values), return_counts=True)
        for value, count in zip(classes.tolist(), counts.tolist(), strict=True):
            name = str(labels[value]) if labels is not None and isinstance(value, int) \
                else str(value)
            rows.append([f"{split}: {name}", int(count)])
    table = Table(columns=["class", "count"], data=rows)
    _log("class_proportions", cairn.plot.bar(table, "class", "count",
                                             title="Class Proportions"))


def plot_summary_metrics(model: Any = None, X: Any = None, y: Any = None,
                         X_test: Any = None, y_test: Any = None) -> None:
    """Accuracy, precision, recall and F1 of a classifier (MAE, MSE, R² of a regressor)
    on the test set."""
    from sklearn import base, metrics  # type: ignore[import-untyped, unused-ignore]

    import cairn.plot
    from cairn.sdk.media import Table

    predicted = model.predict(X_test)
    if base.is_classifier(model):
        scores = {"accuracy": metrics.accuracy_score(y_test, predicted),
                  "precision": metrics.precision_score(y_test, predicted, average="weighted",
                                                       zero_division=0),
                  "recall": metrics.recall_score(y_test, predicted, average="weighted",
                                                 zero_division=0),
                  "f1": metrics.f1_score(y_test, predicted, average="weighted",
                                         zero_division=0)}
    else:
        scores = {"mae": metrics.mean_absolute_error(y_test, predicted),
                  "mse": metrics.mean_squared_error(y_test, predicted),
                  "r2": metrics.r2_score(y_test, predicted)}
    name = type(model).__name__
    table = Table(columns=["metric_name", "metric_value", "model_name"],
                  data=[[k, round(float(v), 3), name] for k, v in scores.items()])
    _log("summary_metrics", cairn.plot.bar(table, "metric_name", "metric_value",
                                           title="Summary Metrics"))


def plot_classifier(model: Any, X_train: Any, X_test: Any, y_train: Any,
                    y_test: Any, y_pred: Any, y_probas: Any,
                    labels: Sequence[Any] | None = None, model_name: str = "Classifier",
                    feature_names: Sequence[str] | None = None, **kwargs: Any) -> None:
    """Every classifier chart this module has, from one fitted model."""
    plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    plot_class_proportions(y_train, y_test, labels)
    plot_roc(y_test, y_probas, labels)
    plot_precision_recall(y_test, y_probas, labels)
    plot_confusion_matrix(y_test, y_pred, labels)
    if hasattr(model, "feature_importances_") or hasattr(model, "coef_"):
        plot_feature_importances(model, feature_names)
