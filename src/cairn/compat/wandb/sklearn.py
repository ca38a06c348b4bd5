"""``wandb.sklearn``: cairn's scikit-learn charts."""

from __future__ import annotations

from cairn.integration.sklearn import (
    plot_class_proportions,
    plot_classifier,
    plot_confusion_matrix,
    plot_feature_importances,
    plot_precision_recall,
    plot_roc,
    plot_summary_metrics,
)

__all__ = ["plot_class_proportions", "plot_classifier", "plot_confusion_matrix",
           "plot_feature_importances", "plot_precision_recall", "plot_roc",
           "plot_summary_metrics"]
