"""TensorBoard's ``SummaryWriter`` (tensorboardX here; torch's in tests/integrations)
mirrored into the run: images, text and hyperparameters besides scalars and histograms."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import cairn

tensorboardX = pytest.importorskip("tensorboardX")


def test_images_text_and_hparams(wandb: ModuleType, tmp_path: Path) -> None:
    run = wandb.init(project="tb", sync_tensorboard=True)
    writer = tensorboardX.SummaryWriter(str(tmp_path / "logs"))
    try:
        chw = np.zeros((3, 4, 5), dtype=np.float32)
        chw[0] = 1.0  # red, as floats in [0, 1]
        writer.add_image("samples/input", chw, global_step=1)
        writer.add_images("batch", np.full((2, 4, 5, 1), 255, dtype=np.uint8), 1,
                          dataformats="NHWC")
        writer.add_image("gray", np.full((4, 5), 0.5), 2, dataformats="HW")
        writer.add_text("note", "hello", 2)
        writer.add_hparams({"lr": 0.1, "layers": 2}, {"hparam/acc": 0.9})
    finally:
        writer.close()
    run.finish()
    stored = cairn.Api().run(run.path)
    rows = list(stored.scan_history())
    first = next(row for row in rows if row.get("global_step") == 1)
    image = first["samples_input"]["images"][0].image()  # wandb's key: "/" made "_"
    assert image.size == (5, 4)
    assert image.getpixel((0, 0))[:3] == (255, 0, 0)
    assert [i.image().size for i in first["batch"]["images"]] == [(5, 4), (5, 4)]
    second = next(row for row in rows if row.get("global_step") == 2)
    assert second["gray"]["images"][0].image().getpixel((0, 0)) == 128
    assert second["note"] == "hello"
    assert stored.config == {"lr": 0.1, "layers": 2}
    assert stored.summary["hparam/acc"] == pytest.approx(0.9)
    assert list((tmp_path / "logs").glob("events.out.tfevents.*"))  # still written


def test_pr_curves_as_wandb_logs_them(wandb: ModuleType, tmp_path: Path) -> None:
    """``add_pr_curve`` and ``add_pr_curve_raw``: a line chart of precision against recall,
    the points where both are 0 left out, by recall ascending."""
    run = wandb.init(project="tb", sync_tensorboard=True)
    writer = tensorboardX.SummaryWriter(str(tmp_path / "logs"))
    try:
        # thresholds 0, 0.5, 1: true positives 3, 2, 0; false positives 2, 1, 0
        writer.add_pr_curve("pr", np.array([1, 0, 1, 1, 0]),
                            np.array([0.9, 0.2, 0.7, 0.4, 0.6]), 3, num_thresholds=3)
        writer.add_pr_curve_raw("raw", [4, 2], [4, 0], [0, 4], [0, 2],
                                [0.5, 1.0], [1.0, 0.5], 4, num_thresholds=2)
    finally:
        writer.close()
    run.finish()
    stored = cairn.Api().run(run.path)
    rows = list(stored.scan_history())
    chart = next(row for row in rows if row.get("global_step") == 3)["pr"]
    assert chart["fields"] == {"x": "recall", "y": "precision"}
    assert chart["string_fields"] == {"title": "pr Precision v. Recall"}
    assert chart["spec_name"] == "cairn/line/v0"  # wandb's wandb/line/v0
    assert chart.table().columns == ["recall", "precision"]
    assert chart.table().data == [[pytest.approx(2 / 3), pytest.approx(2 / 3)],
                                  [1.0, pytest.approx(0.6)]]
    raw = next(row for row in rows if row.get("global_step") == 4)["raw"]
    assert raw.table().data == [[0.5, 1.0], [1.0, 0.5]]


def _records(*events: tuple[int, float]) -> bytes:
    """``(step, loss)`` events as an event file's bytes."""
    import io

    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.record_writer import RecordWriter

    out = io.BytesIO()
    writer = RecordWriter(out)
    for step, loss in events:
        summary = Summary(value=[Summary.Value(tag="loss", simple_value=loss)])
        writer.write(Event(wall_time=1_700_000_000 + step, step=step,
                           summary=summary).SerializeToString())
    return out.getvalue()


def test_tf_summary_event_files_are_followed_record_by_record(wandb: ModuleType,
                                                             tmp_path: Path) -> None:
    """How ``tf.summary`` writers are mirrored (TensorFlow itself runs in tests/
    integrations): the files a writer makes in its logdir are followed, a record is read
    once it is whole, the files there before are not read, and the run's finish reads the
    rest. Keras' ``train`` logdir is a namespace, as in wandb."""
    pytest.importorskip("tensorboard")
    from cairn.integration import tensorboard_tf

    run = wandb.init(project="tb")
    folder = tmp_path / "train"
    folder.mkdir()
    (folder / "events.out.tfevents.1.old").write_bytes(_records((0, 9.0)))  # another run's
    tensorboard_tf._follow(folder, tensorboard_tf._event_files(folder), None)
    path = folder / "events.out.tfevents.2.host"
    data = _records((0, 1.0), (1, 0.5), (2, 0.25))
    cut = len(_records((0, 1.0), (1, 0.5))) - 3
    path.write_bytes(data[:cut])  # the second record is still being written
    tensorboard_tf.read_new()
    assert run.summary.get("train/loss") is None  # step 0's row is still open
    with path.open("ab") as f:
        f.write(data[cut:])
    run.finish()  # reads the rest first
    rows = cairn.Api().run(run.path).history(pandas=False)
    assert [(r["global_step"], r["train/loss"]) for r in rows] == [(0, 1.0), (1, 0.5),
                                                                   (2, 0.25)]


def test_a_damaged_event_file_stops_being_followed_with_a_warning(wandb: ModuleType,
                                                                  tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from cairn.errors import CairnWarning
    from cairn.integration import tensorboard_tf

    run = wandb.init(project="tb")
    tensorboard_tf._follow(tmp_path, set(), None)
    data = bytearray(_records((0, 1.0), (1, 0.5)))
    data[-6] ^= 0xFF  # in the second record's value
    (tmp_path / "events.out.tfevents.2.host").write_bytes(bytes(data))
    with pytest.warns(CairnWarning, match="damaged at byte"):
        run.finish()
    rows = cairn.Api().run(run.path).history(pandas=False)
    assert [(r["global_step"], r["loss"]) for r in rows] == [(0, 1.0)]


def test_root_logdir_names_the_namespaces(wandb: ModuleType, tmp_path: Path) -> None:
    """``patch(root_logdir=…)``, as wandb's: a logdir's values under its path there."""
    pytest.importorskip("tensorboard")
    from cairn.integration import tensorboard_tf

    run = wandb.init(project="tb")
    tensorboard_tf.patch(root_logdir=str(tmp_path))
    try:
        folder = tmp_path / "exp" / "seed1"
        folder.mkdir(parents=True)
        tensorboard_tf._follow(folder, set(), None)
        (folder / "events.out.tfevents.2.host").write_bytes(_records((0, 1.0)))
        run.finish()
    finally:
        tensorboard_tf.unpatch()
    (row,) = cairn.Api().run(run.path).history(pandas=False)
    assert row["exp/seed1/loss"] == 1.0
