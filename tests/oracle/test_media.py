"""Media, histograms and tables in history and summary, under wandb and cairn. Stored
media are compared by kind and shape (``harness.MEDIA_KEYS``), not by path or digest."""

from __future__ import annotations

import pytest
from tests.oracle.harness import Results, case, cases_in, compare


def _finished(cairn, wandb):
    for stored in cairn["persisted"]:
        assert stored["state"] == "finished", stored["state"]


@case(numpy=True, check=_finished)
def image_then_finish(wandb, observe, observe_raises):
    import numpy as np

    run = wandb.init(project="p")
    run.log({"loss": 1.0})
    run.log({"img": wandb.Image(np.zeros((8, 6, 3), dtype=np.uint8), caption="c")})
    run.finish()


@case(numpy=True)
def image_in_history(wandb, observe, observe_raises):
    import numpy as np

    run = wandb.init(project="p")
    run.log({"img": wandb.Image(np.zeros((8, 6, 3), dtype=np.uint8), caption="c")})
    run.log({"loss": 1.0})


@case(numpy=True)
def image_list(wandb, observe, observe_raises):
    import numpy as np

    run = wandb.init(project="p")
    images = [wandb.Image(np.full((4, 5, 3), i, dtype=np.uint8), caption=f"c{i}")
              for i in range(2)]
    run.log({"examples": images})
    run.log({"loss": 1.0})


@case()
def table_in_history(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    table = wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])
    run.log({"t": table})
    run.log({"loss": 1.0})


@case()
def histogram_object(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"h": wandb.Histogram([1, 2, 2, 3, 3, 3], num_bins=3)})
    run.log({"h2": wandb.Histogram(np_histogram=([1, 2], [0.0, 1.0, 2.0]))})
    run.log({"loss": 1.0})


@case()
def histogram_bins_limit(wandb, observe, observe_raises):
    wandb.init(project="p")
    observe_raises("513", lambda: wandb.Histogram(list(range(600)), num_bins=513))


@case(numpy=True)
def media_in_summary(wandb, observe, observe_raises):
    import numpy as np

    run = wandb.init(project="p")
    run.summary["best"] = wandb.Image(np.zeros((4, 4, 3), dtype=np.uint8))
    run.log({"loss": 1.0})


@case(numpy=True)
def box3d_corners(wandb, observe, observe_raises):
    box = wandb.box3d(center=(1, 2, 3), size=(2, 4, 6), orientation=(0.9, 0.1, 0.3, 0.2),
                      color=(0.5, 0.25, 1.0), label="car", score=0.9)
    observe("corners", [[round(v, 9) for v in corner] for corner in box["corners"]])
    observe("rest", {k: box[k] for k in ("color", "label", "score")})
    plain = wandb.box3d(center=(0, 0, 0), size=(1, 1, 1), orientation=(2, 0, 0, 0),
                        color=(1, 0, 0))
    observe("unit corners", [[round(v, 9) for v in corner] for corner in plain["corners"]])
    observe("no label", [plain["label"], plain["score"]])
    try:
        wandb.box3d(center=(0, 0, 0), size=(1, 1, 1), orientation=(0, 0, 0, 0), color=(1, 0, 0))
        refused = None
    except ValueError:
        refused = "ValueError"
    observe("zero quaternion", refused)


@pytest.mark.slow
@pytest.mark.timeout(600)  # the first test also runs every case (the oracle fixture)
@pytest.mark.parametrize("case_name", cases_in(__name__))
def test_matches_wandb(case_name: str, oracle: Results) -> None:
    compare(case_name, oracle)
