"""Media in the writer thread: a medium that cannot be stored is warned about once and
stored as None, and the rest of the row is kept."""

from __future__ import annotations

import shutil
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cairn
from cairn.errors import CairnWarning
from cairn.sdk import writer as writer_module
from cairn.sdk.media.base import MAX_MEDIA_BYTES, Encoder, Media, read_source
from cairn.wal.reader import read_wal


class _Broken(Media):
    _type = "image-file"

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        raise OSError(28, "No space left on device")


def test_a_medium_that_cannot_be_stored_is_none_after_one_warning() -> None:
    run = cairn.init(project="media")
    run.log({"img": _Broken(), "loss": 1.0})
    run.log({"img": cairn.Image(np.zeros((2, 2))), "loss": 0.5})
    with pytest.warns(CairnWarning, match="could not store the _Broken logged under 'img'"):
        run.finish()
    rows = list(cairn.Api().run(run.path).scan_history(keys=["img", "loss"]))
    assert [r["loss"] for r in rows] == [1.0, 0.5]
    assert rows[0]["img"] is None
    assert rows[1]["img"]["_type"] == "image-file"


def test_offline_media_stay_in_the_run_folder_until_cairn_sync() -> None:
    from click.testing import CliRunner

    from cairn.cli.main import cli

    pixels = np.full((3, 3), 5, dtype=np.uint8)
    run = cairn.init(project="media", mode="offline")
    run.log({"img": cairn.Image(pixels)})
    run.finish()
    run_dir = Path(run.dir).parent
    stored = [p for p in (run_dir / "blobs" / "sha256").rglob("*") if p.is_file()]
    assert len(stored) == 1
    result = CliRunner().invoke(cli, ["sync", str(run_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    got = next(cairn.Api().run(run.path).scan_history(keys=["img"]))["img"]
    assert np.array_equal(np.asarray(got.image()), pixels)


def test_huge_files_are_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    with open(huge, "wb") as out:  # sparse: claims more than the limit, takes no space
        out.truncate(MAX_MEDIA_BYTES + 1)
    with pytest.raises(ValueError, match=f"is {MAX_MEDIA_BYTES + 1} bytes; the limit"):
        read_source(huge, "Image")


def test_media_waiting_to_be_encoded_are_bounded_in_bytes() -> None:
    run = cairn.init(project="media")
    assert run._writer is not None
    run._writer.max_media_bytes = 3 * 64 * 64 * 3  # three images
    rng = np.random.default_rng(0)
    images = [cairn.Image(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)) for _ in range(24)]
    with pytest.warns(CairnWarning, match="faster than the writer can encode media"):
        run.log({"img": images[:4]})  # four at once: over the budget whatever the writer did
    assert run._writer.media_bytes <= 3 * 64 * 64 * 3  # log() returned once it had room
    for image in images[4:]:
        run.log({"img": image})
        assert run._writer.media_bytes <= 4 * 64 * 64 * 3
    run.log({"img": cairn.Image(np.zeros((64, 64, 3), dtype=np.uint8))}, step=30, commit=False)
    run.log({"img": cairn.Image(np.ones((64, 64, 3), dtype=np.uint8))}, step=30)  # replaces
    run.log({"img": cairn.Image(np.ones((64, 64, 3), dtype=np.uint8))}, step=31)
    run._writer.process()
    assert run._writer.media_bytes == 0
    with pytest.warns(CairnWarning, match="lower than the current step"):
        run.log({"img": cairn.Image(np.zeros((8, 8), dtype=np.uint8))}, step=1)  # dropped
    run.finish()
    rows = list(cairn.Api().run(run.path).scan_history(keys=["img"]))
    assert len(rows) == 23
    assert all(r["img"] is not None for r in rows)


def test_media_nested_in_lists_and_dicts_are_stored_with_the_rest_of_the_batch() -> None:
    pixels = np.full((4, 4), 9, dtype=np.uint8)
    run = cairn.init(project="media")
    run.log({"layers": [{"w": np.arange(100.0)}], "loss": 1.0})
    run.log({"x": [[cairn.Image(pixels), cairn.Image(pixels)]], "loss": 2.0})
    run.log({"loss": 3.0})
    run.finish()
    rows = list(cairn.Api().run(run.path).scan_history())
    assert [r["loss"] for r in rows] == [1.0, 2.0, 3.0]
    assert rows[0]["layers"][0]["w"]["_type"] == "histogram"
    assert sum(rows[0]["layers"][0]["w"]["values"]) == 100
    pair = rows[1]["x"][0]
    assert [ref["_type"] for ref in pair] == ["image-file", "image-file"]


class _Unpackable(Media):
    _type = "odd"

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        return {"_type": self._type, "what": object()}  # msgpack cannot hold it


def test_a_value_that_cannot_be_packed_is_none_and_the_batch_is_kept() -> None:
    run = cairn.init(project="media")
    run.log({"odd": _Unpackable(), "loss": 1.0})
    run.log({"loss": 0.5})
    with pytest.warns(CairnWarning, match="logged under 'odd' at step 0 cannot be stored"):
        run.finish()
    rows = list(cairn.Api().run(run.path).scan_history())
    assert [r["loss"] for r in rows] == [1.0, 0.5]
    assert rows[0].get("odd") is None


def test_media_wait_for_a_blob_store_that_refuses_bytes_and_are_stored_later() -> None:
    run = cairn.init(project="media")
    assert run._writer is not None
    temp = run._blobs.root / "tmp"  # where the store writes: a file there fails every put
    shutil.rmtree(temp, ignore_errors=True)
    temp.parent.mkdir(parents=True, exist_ok=True)
    temp.write_bytes(b"")
    with warnings.catch_warnings(record=True) as caught:  # the writer thread warns too
        warnings.simplefilter("always")
        run.log({"img": cairn.Image(np.full((4, 4), 7, dtype=np.uint8)), "loss": 1.0})
        assert run._writer.process() is False
        run.log({"img": cairn.Image(np.full((4, 4), 8, dtype=np.uint8)), "loss": 0.5})
        assert run._writer.process() is False
        assert run._writer.media_bytes > 0  # still held: log() waits past the cap
        in_wal = [r for r in read_wal(run.wal_path) if r.kind == "history"]
        temp.unlink()
        run.finish()
    assert any("keeping them in memory and retrying" in str(w.message) for w in caught)
    assert len(in_wal) == 2  # the rows' scalars did not wait for their media
    assert all(not r.body["obj"] and r.body["num"] for r in in_wal)
    rows = list(cairn.Api().run(run.path).scan_history(keys=["img", "loss"]))
    assert [r["loss"] for r in rows] == [1.0, 0.5]
    got = [np.asarray(r["img"].image()) for r in rows]
    assert [int(g[0, 0]) for g in got] == [7, 8]
    assert run._writer.media_bytes == 0


def test_media_of_items_the_writer_cannot_turn_into_records_are_released() -> None:
    run = cairn.init(project="media")
    writer = run._writer
    assert writer is not None
    image = cairn.Image(np.zeros((8, 8), dtype=np.uint8))
    with writer.lock:  # a row no batch can be built from (a bug, simulated): no time
        writer.buffer.append((0, None, {"img": image}))  # type: ignore[arg-type]
        writer.hold_media(image._held)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        writer.process()
    assert any("could not turn" in str(w.message) for w in caught)
    assert writer.media_bytes == 0  # log() would otherwise wait on them forever
    run.log({"loss": 1.0})
    run.finish()


class _Gated(Media):
    """A medium whose encoding waits for the test (a long video encode, held open)."""

    _type = "html-file"

    def __init__(self, text: str, gate: threading.Event | None = None) -> None:
        self.text = text
        self.gate = gate
        self.started = threading.Event()

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(30)
        return {"_type": self._type, **encoder.put_bytes(self.text.encode()), "format": "html"}


def test_rows_logged_during_a_long_media_encode_are_written_before_the_next_media(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "MEDIA_SLICE_S", 0.0)  # one medium per cycle
    run = cairn.init(project="media")
    writer = run._writer
    assert writer is not None
    writer._interval = 60.0  # the writer now waits for a wake-up ...
    time.sleep(0.2)  # ... once its current short wait is over
    gate = threading.Event()
    slow, quick = _Gated("slow", gate), _Gated("quick")
    run.log({"m": slow})
    run.log({"m": quick})
    writer._wake.set()  # takes both rows; encodes slow, held open by the gate
    assert slow.started.wait(30)
    run.log({"loss": 2.0})
    gate.set()
    run.finish()
    order = []
    for record in read_wal(run.wal_path):
        if record.kind == "history":
            order += [f"m@{pair[0]}" for pair in record.body["obj"].get("m", [])]
            order += ["loss"] if "loss" in record.body["num"] else []
    # The row logged while "slow" was encoding reached the WAL before the next medium was
    # encoded (without slicing it waited for every medium queued before it).
    assert sorted(order) == ["loss", "m@0", "m@1"]
    assert order.index("loss") < order.index("m@1")


def test_every_batch_of_media_is_written_when_a_slice_ends_between_batches(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "MEDIA_SLICE_S", 0.0)  # one batch per cycle
    run = cairn.init(project="media")
    writer = run._writer
    assert writer is not None
    writer._interval = 60.0  # the writer now waits for a wake-up ...
    time.sleep(0.2)  # ... once its current short wait is over
    run.log({"m": cairn.Image(np.full((2, 2), 1, dtype=np.uint8))})
    run.summary["between"] = 1  # an op between the rows: two history batches, one take
    run.log({"m": cairn.Image(np.full((2, 2), 2, dtype=np.uint8))})
    writer._wake.set()
    run.finish()
    rows = list(cairn.Api().run(run.path).scan_history(keys=["m"]))
    assert [int(np.asarray(r["m"].image())[0, 0]) for r in rows] == [1, 2]
