"""``cairn import tensorboard``: event files written by tensorboardX, read back through
``cairn.Api``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from tests.importers.conftest import Invoke, api_of

from cairn.api.public import Api
from cairn.backend import open_backend
from cairn.cli.main import cli
from cairn.testing_postgres import TemporaryPostgres

tensorboardX = pytest.importorskip("tensorboardX")
pytest.importorskip("tensorboard")


def write_logdir(logdir: Path) -> None:
    """Two runs (``baseline``, ``wide``) and the hparams run tensorboardX adds below one."""
    rng = np.random.default_rng(0)
    with tensorboardX.SummaryWriter(str(logdir / "baseline")) as writer:
        for step in range(0, 200, 2):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step, walltime=1_700_000_000 + step)
            writer.add_scalar("lr", 0.1, step, walltime=1_700_000_000 + step)
        writer.add_histogram("weights", rng.normal(size=1000), 10, walltime=1_700_000_010)
        writer.add_image("input", rng.integers(0, 255, (3, 8, 6), dtype=np.uint8), 20,
                         walltime=1_700_000_020)
        writer.add_text("notes", "hello **there**", 0, walltime=1_700_000_000)
    with tensorboardX.SummaryWriter(str(logdir / "wide")) as writer:
        writer.add_scalar("train/loss", 3.0, 0, walltime=1_700_000_100)
        writer.add_hparams({"lr": 0.01, "optimizer": "adam", "layers": 4, "bn": True},
                           {"hp/final": 0.5}, name="hparams")


def runs_by_name(store: Path) -> dict[str, Any]:
    return {r.name: r for r in api_of(store).runs("tensorboard")}


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    write_logdir(tmp_path / "logs")
    return tmp_path / "logs"


def test_scalars_with_steps_and_wall_times(invoke: Invoke, logdir: Path, store: Path) -> None:
    result = invoke("import", "tensorboard", str(logdir))
    assert result.stdout.startswith("imported 3 runs, ")
    run = runs_by_name(store)["baseline"]
    rows = [r for r in run.history(pandas=False) if "train/loss" in r]
    assert [r["_step"] for r in rows] == list(range(0, 200, 2))
    assert [r["_timestamp"] for r in rows] == [1_700_000_000 + s for s in range(0, 200, 2)]
    assert rows[1]["train/loss"] == pytest.approx(1 / 3, rel=1e-6)
    assert rows[0]["lr"] == 0.1  # a float32 shown as TensorBoard shows it
    assert run.state == "finished"


def test_histograms_images_text_and_hparams(invoke: Invoke, logdir: Path, store: Path) -> None:
    invoke("import", "tensorboard", str(logdir))
    runs = runs_by_name(store)
    history = runs["baseline"].history(pandas=False)
    hist = next(r["weights"] for r in history if "weights" in r)
    assert hist["_type"] == "histogram"
    assert sum(hist["values"]) == 1000
    assert len(hist["bins"]) == len(hist["values"]) + 1
    image = next(r["input"] for r in history if "input" in r)
    from PIL import Image

    assert Image.open(io.BytesIO(image.read_bytes())).size == (6, 8)
    assert next(r["notes"] for r in history if "notes" in r) == "hello **there**"
    assert runs["wide/hparams"].config == {"lr": 0.01, "optimizer": "adam", "layers": 4,
                                           "bn": True}
    assert runs["wide/hparams"].summary["hp/final"] == 0.5


def test_importing_twice_changes_nothing_and_new_files_add(invoke: Invoke, logdir: Path,
                                                           store: Path) -> None:
    invoke("import", "tensorboard", str(logdir))
    before = [(r.id, r.history(pandas=False)) for r in api_of(store).runs("tensorboard")]
    again = invoke("import", "tensorboard", str(logdir))
    assert again.stdout.strip() == "imported 0 runs, 0 points, 0 files, 3 runs already imported"
    assert [(r.id, r.history(pandas=False)) for r in api_of(store).runs("tensorboard")] == before
    # training resumed: a new event file in the same folder adds its points to the run
    with tensorboardX.SummaryWriter(str(logdir / "baseline"), filename_suffix=".resumed") as w:
        w.add_scalar("train/loss", 0.001, 500, walltime=1_700_001_000)
    resumed = invoke("import", "tensorboard", str(logdir))
    assert resumed.stdout.strip() == \
        "imported 1 run, 1 point, 0 files, 2 runs already imported"
    run = runs_by_name(store)["baseline"]
    assert run.history(pandas=False)[-1]["_step"] == 500
    assert run.summary["train/loss"] == pytest.approx(0.001)


def test_a_damaged_file_is_reported_and_the_rest_imported(invoke: Invoke, logdir: Path,
                                                          store: Path) -> None:
    (logdir / "broken").mkdir()
    (logdir / "broken" / "events.out.tfevents.1.host").write_bytes(b"\x01" * 100)
    result = invoke("import", "tensorboard", str(logdir), code=1)
    assert "events.out.tfevents.1.host" in result.stderr
    assert set(runs_by_name(store)) == {"baseline", "wide/hparams", "wide"}


def test_a_folder_without_event_files_is_a_clear_error(invoke: Invoke, tmp_path: Path
                                                       ) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke("import", "tensorboard", str(tmp_path / "empty"), code=1)
    assert "no TensorBoard event files" in result.stderr
    missing = invoke("import", "tensorboard", str(tmp_path / "nope"), code=1)
    assert "no such folder" in missing.stderr


def test_a_file_damaged_midway_keeps_the_events_before(invoke: Invoke, logdir: Path,
                                                       store: Path) -> None:
    event_file = next((logdir / "baseline").glob("events.out.tfevents.*"))
    data = bytearray(event_file.read_bytes())
    data[2000] ^= 0xFF  # among the scalars
    event_file.write_bytes(bytes(data))
    result = invoke("import", "tensorboard", str(logdir))
    assert "damaged after" in result.stderr
    steps = [r["_step"] for r in runs_by_name(store)["baseline"].history(pandas=False)]
    assert 0 < len(steps) < 100
    assert steps[:5] == [0, 2, 4, 6, 8]


@pytest.mark.slow
def test_into_a_postgres_store(logdir: Path, tmp_path: Path,
                               postgres_server: TemporaryPostgres) -> None:
    schema = postgres_server.new_schema()
    uri, blobs = postgres_server.uri(schema=schema), (tmp_path / "blobs").as_uri()
    args = ["--store", uri, "--blobs", blobs, "import", "tensorboard", str(logdir)]
    try:
        first = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert first.exit_code == 0, first.stderr
        again = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert again.stdout.strip().endswith("3 runs already imported")
        api = Api(backend=open_backend(uri, blobs=blobs, create=False))
        try:
            run = next(r for r in api.runs("tensorboard") if r.name == "baseline")
            assert len([r for r in run.history(pandas=False) if "train/loss" in r]) == 100
            image = next(r["input"] for r in run.history(pandas=False) if "input" in r)
            assert image.read_bytes().startswith(b"\x89PNG")
        finally:
            api.backend.close()
    finally:
        postgres_server.drop_schema(schema)


def test_tensor_summaries_as_tensorflow_2_writes_them(invoke: Invoke, tmp_path: Path,
                                                      store: Path) -> None:
    """Scalars and histograms as tensors; like tf.summary, only a tag's first value
    carries the metadata that names its plugin."""
    from tensorboard.compat.proto.summary_pb2 import Summary as TbSummary
    from tensorboard.plugins.histogram import metadata as histogram_metadata
    from tensorboard.plugins.scalar import metadata as scalar_metadata
    from tensorboard.util import tensor_util
    from tensorboardX.proto.summary_pb2 import Summary

    buckets = np.array([[0.0, 1.0, 3.0], [1.0, 2.0, 5.0]])
    with tensorboardX.SummaryWriter(str(tmp_path / "logs" / "tf2")) as writer:
        for step in range(3):
            first = step == 0
            summary = TbSummary(value=[
                TbSummary.Value(tag="acc", tensor=tensor_util.make_tensor_proto(step / 4),
                                metadata=scalar_metadata.create_summary_metadata("", "")
                                if first else None),
                TbSummary.Value(tag="w", tensor=tensor_util.make_tensor_proto(buckets),
                                metadata=histogram_metadata.create_summary_metadata("", "")
                                if first else None)])
            writer._get_file_writer().add_summary(
                Summary.FromString(summary.SerializeToString()), step)
    invoke("import", "tensorboard", str(tmp_path / "logs"))
    rows = runs_by_name(store)["tf2"].history(pandas=False)
    assert [r["acc"] for r in rows] == [0.0, 0.25, 0.5]
    assert rows[2]["w"] == {"_type": "histogram", "values": [3, 5], "bins": [0.0, 1.0, 2.0]}


def test_a_file_that_grew_adds_only_its_new_part(invoke: Invoke, tmp_path: Path,
                                                  store: Path, monkeypatch: Any) -> None:
    """A run still writing at the first import: importing again adds its later steps,
    once each, with the summary of every step (not the first part twice)."""
    from cairn.importers import base

    monkeypatch.setattr(base, "HISTORY_ROWS", 4)  # full and partial history records
    writer = tensorboardX.SummaryWriter(str(tmp_path / "grow" / "exp"))
    try:
        for step in range(6):
            writer.add_scalar("loss", float(step), step)
        writer.flush()
        invoke("import", "tensorboard", str(tmp_path / "grow"))
        for step in range(6, 15):
            writer.add_scalar("loss", float(step), step)
        writer.flush()
        invoke("import", "tensorboard", str(tmp_path / "grow"))
        for step in range(15, 17):
            writer.add_scalar("loss", float(step), step)
    finally:
        writer.close()
    invoke("import", "tensorboard", str(tmp_path / "grow"))
    again = invoke("import", "tensorboard", str(tmp_path / "grow"))
    assert again.stdout.startswith("imported 0 runs, 0 points"), again.stdout
    (run,) = api_of(store).runs("tensorboard")
    steps, values = run.series("loss")
    assert list(steps) == list(range(17))
    assert list(values) == [float(s) for s in range(17)]
    assert run.summary["loss"] == 16.0
    assert run.summary["_step"] == 16
    assert run.state == "finished"


def append_events(path: Path, *events: tuple[int, Any]) -> None:
    """Append ``(step, summary)`` events (tensorboardX's summary protos) to an event
    file, whole and on disk (tensorboardX's writer flushes from a thread of its own)."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary as TbSummary
    from tensorboard.summary.writer.record_writer import RecordWriter

    with path.open("ab") as f:
        writer = RecordWriter(f)
        for step, summary in events:
            writer.write(Event(wall_time=1_700_000_000 + step, step=step, summary=TbSummary
                               .FromString(summary.SerializeToString())).SerializeToString())


def test_events_for_earlier_steps_and_late_hparams_are_added(invoke: Invoke, tmp_path: Path,
                                                             store: Path) -> None:
    """What a file gains after its first import goes where its steps say, not by where
    rows were: values for earlier steps join their rows, hparams the config."""
    from tensorboardX.summary import hparams, scalar, text

    path = tmp_path / "logs" / "exp" / "events.out.tfevents.1700000000.host"
    path.parent.mkdir(parents=True)
    append_events(path, *[(step, scalar("loss", float(step))) for step in range(6)],
                  (1, text("note", "first")))
    first = invoke("import", "tensorboard", str(tmp_path / "logs"))
    assert first.stdout.startswith("imported 1 run, 7 points"), first.stdout
    append_events(path, (2, scalar("acc", 0.5)),  # an evaluation of step 2, written later
                  (3, text("note", "second")), (6, scalar("loss", 6.0)),
                  *[(0, summary) for summary in hparams({"lr": 0.1, "layers": 2},
                                                        {"acc": 0.5})[:2]])
    invoke("import", "tensorboard", str(tmp_path / "logs"))
    (run,) = api_of(store).runs("tensorboard")
    steps, values = run.series("loss")
    assert list(steps) == list(range(7))
    assert list(values) == [float(s) for s in range(7)]
    assert [list(a) for a in run.series("acc")] == [[2], [0.5]]
    rows = {row["_step"]: row for row in run.history(pandas=False)}
    assert (rows[2]["loss"], rows[2]["acc"]) == (2.0, 0.5)
    assert (rows[1]["note"], rows[3]["note"]) == ("first", "second")
    assert run.config == {"lr": 0.1, "layers": 2}
    assert run.summary["loss"] == 6.0
    assert run.summary["acc"] == 0.5
    assert run.state == "finished"
    again = invoke("import", "tensorboard", str(tmp_path / "logs"))
    assert again.stdout.strip() == "imported 0 runs, 0 points, 0 files, 1 run already imported"


def test_an_unchanged_file_is_not_read_again(invoke: Invoke, logdir: Path,
                                             store: Path) -> None:
    """An import records how far it read each file (event files only grow): a file of
    the same size is skipped before reading it; here, damage written over its middle
    since, which a reading import would report, goes unread."""
    invoke("import", "tensorboard", str(logdir))
    event_file = next((logdir / "baseline").glob("events.out.tfevents.*"))
    data = bytearray(event_file.read_bytes())
    data[2000] ^= 0xFF
    event_file.write_bytes(bytes(data))
    again = invoke("import", "tensorboard", str(logdir))
    assert again.stderr == ""
    assert again.stdout.strip() == "imported 0 runs, 0 points, 0 files, 3 runs already imported"


def test_pr_curves_as_the_mirror_logs_them(invoke: Invoke, tmp_path: Path,
                                           store: Path) -> None:
    with tensorboardX.SummaryWriter(str(tmp_path / "logs" / "pr")) as writer:
        # thresholds 0, 0.5, 1: true positives 3, 2, 0; false positives 2, 1, 0
        writer.add_pr_curve("pr", np.array([1, 0, 1, 1, 0]),
                            np.array([0.9, 0.2, 0.7, 0.4, 0.6]), 3, num_thresholds=3)
    result = invoke("import", "tensorboard", str(tmp_path / "logs"))
    assert result.stderr == ""
    (row,) = runs_by_name(store)["pr"].history(pandas=False)
    chart = row["pr"]
    assert (chart["spec_name"], chart["fields"]) == ("cairn/line/v0",
                                                     {"x": "recall", "y": "precision"})
    assert chart.table().data == [[pytest.approx(2 / 3), pytest.approx(2 / 3)],
                                  [1.0, pytest.approx(0.6)]]
    invoke("gc", "--min-age", "0")  # the table's and the spec's blobs are the run's
    assert chart.spec()["mark"]
    assert len(chart.table().data) == 2
