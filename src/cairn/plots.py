"""``cairn.plots``: wandb's older chart helpers, drawn by the same custom charts as
``cairn.plot``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cairn.plot import CustomChart, pr_curve, roc_curve

__all__ = ["ROC", "precision_recall"]


def precision_recall(y_true: Any = None, y_probas: Any = None,
                     labels: Sequence[Any] | None = None, plot_micro: bool = True,
                     classes_to_plot: Sequence[Any] | None = None) -> CustomChart:
    """wandb's ``plots.precision_recall``: a precision-recall curve per class."""
    return pr_curve(y_true, y_probas, labels=labels, classes_to_plot=classes_to_plot)


def ROC(y_true: Any = None, y_probas: Any = None, labels: Sequence[Any] | None = None,
        classes_to_plot: Sequence[Any] | None = None) -> CustomChart:
    """wandb's ``plots.ROC``: a ROC curve per class."""
    return roc_curve(y_true, y_probas, labels=labels, classes_to_plot=classes_to_plot)
