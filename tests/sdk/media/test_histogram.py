"""cairn.Histogram, and arrays logged directly becoming histograms as in wandb."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
from tests.sdk.media.conftest import LogOne

import cairn


def test_sequence_and_np_histogram_round_trip(log_one: LogOne) -> None:
    data = np.random.default_rng(3).normal(size=1000)
    counts, edges = np.histogram(data, bins=20)
    row = log_one({"seq": cairn.Histogram(data, num_bins=20),
                   "pre": cairn.Histogram(np_histogram=(counts, edges))})
    for key in ("seq", "pre"):
        assert row[key]["_type"] == "histogram"
        assert row[key]["values"] == counts.tolist()
        assert row[key]["bins"] == pytest.approx(edges.tolist())


def test_attributes_as_wandb_and_non_finite_values_left_out() -> None:
    hist = cairn.Histogram([1.0, 2.0, math.nan, math.inf, 3.0], num_bins=2)
    assert sum(hist.histogram) == 3
    assert len(hist.bins) == 3


def test_arrays_of_more_than_32_values_become_32_bin_histograms(log_one: LogOne) -> None:
    row = log_one({"weights": np.arange(1000, dtype=np.float32), "small": np.arange(32)})
    assert row["weights"]["_type"] == "histogram"
    assert len(row["weights"]["values"]) == 32
    assert sum(row["weights"]["values"]) == 1000
    assert row["small"] == list(range(32))


def test_histograms_over_steps_in_summary_and_history() -> None:
    run = cairn.init(project="media")
    for step in range(3):
        run.log({"h": cairn.Histogram([step] * 10, num_bins=4)})
    run.finish()
    stored = cairn.Api().run(run.path)
    rows = list(stored.scan_history(keys=["h"]))
    assert [sum(r["h"]["values"]) for r in rows] == [10, 10, 10]
    assert stored.summary["h"]["_type"] == "histogram"


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: cairn.Histogram([1, 2], num_bins=513), "num_bins is 513; the most is 512"),
    (lambda: cairn.Histogram([1, 2], num_bins=0), "positive integer"),
    (cairn.Histogram, "give a sequence or np_histogram"),
    (lambda: cairn.Histogram(np_histogram=([1, 2], [0, 1])), "one edge more than counts"),
    (lambda: cairn.Histogram(np_histogram=([1] * 600, list(range(601)))), "600 bins"),
    (lambda: cairn.Histogram(["a", "b"]), "not numeric"),
])
def test_bad_input_is_refused(make: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        make()


def test_a_bad_array_logged_directly_names_the_key() -> None:
    run = cairn.init(project="media")
    with pytest.raises(ValueError, match="'c'"):
        run.log({"c": np.ones(40, dtype=np.complex64)})
    run.finish()
