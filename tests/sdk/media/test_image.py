"""cairn.Image: every input kind round-trips (log → store → Api) with its pixels and
metadata; boxes and masks; bad input is refused naming what was wrong."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest
from tests.sdk.media.conftest import LogOne

import cairn
from cairn.sdk.media.stored import MediaFile


def _blob_count(root: Path) -> int:
    return sum(1 for p in (root / "blobs" / "sha256").rglob("*") if p.is_file())


def test_uint8_rgb_array_round_trips_with_metadata(log_one: LogOne) -> None:
    pixels = np.random.default_rng(1).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    got = log_one({"img": cairn.Image(pixels, caption="a cat")})["img"]
    assert isinstance(got, MediaFile)
    assert got["_type"] == "image-file"
    assert (got["width"], got["height"], got["format"]) == (32, 24, "png")
    assert got.caption == "a cat"
    assert np.array_equal(np.asarray(got.image()), pixels)
    assert got["size"] == len(got.read_bytes())


def test_the_picture_is_there_before_logging(tmp_path: Path) -> None:
    pixels = np.full((3, 5, 3), 9, dtype=np.uint8)
    assert np.array_equal(np.asarray(cairn.Image(pixels).image), pixels)
    path = tmp_path / "p.png"
    PIL.Image.fromarray(pixels).save(path)
    assert cairn.Image(path).image.size == (5, 3)


def test_float_chw_and_grayscale_arrays_are_scaled_to_bytes(log_one: LogOne) -> None:
    chw = np.zeros((3, 4, 5), dtype=np.float32)
    chw[0] = 1.0
    gray = np.linspace(-1, 1, 20).reshape(4, 5)
    row = log_one({"chw": cairn.Image(chw), "gray": cairn.Image(gray)})
    rgb = np.asarray(row["chw"].image())
    assert rgb.shape == (4, 5, 3)
    assert (rgb[..., 0] == 255).all()
    assert (rgb[..., 1:] == 0).all()
    g = np.asarray(row["gray"].image())
    assert g.shape == (4, 5)
    assert g.min() == 0
    assert g.max() == 255


def test_float_pixels_are_only_copied_in_log_and_scaled_in_the_writer_thread() -> None:
    shade = np.full((6, 6, 3), 0.5)  # float64, in [0, 1]
    image = cairn.Image(shade)
    # Scaling float pixels to bytes costs milliseconds: log() keeps a compact private
    # copy (float32) and the writer thread scales it when it encodes the PNG.
    assert image._pixels.dtype == np.float32
    run = cairn.init(project="media")
    run.log({"img": image})
    shade[:] = 0.0
    run.finish()
    got = next(cairn.Api().run(run.path).scan_history(keys=["img"]))["img"]
    assert (np.asarray(got.image()) == 128).all()  # rint(0.5 * 255)
    assert (np.asarray(image.image) == 128).all()


def test_integer_pixels_are_scaled_as_wandb_guesses_their_range(log_one: LogOne) -> None:
    mask = np.zeros((4, 4), dtype=np.int64)
    mask[:2] = 1  # a 0/1 mask: black and white, not all black
    signed = np.array([[-2, 0], [0, 2]], dtype=np.int32)
    bytes_like = np.array([[0, 128], [200, 255]], dtype=np.int64)
    row = log_one({"mask": cairn.Image(mask), "signed": cairn.Image(signed),
                   "bytes": cairn.Image(bytes_like)})
    assert np.unique(np.asarray(row["mask"].image())).tolist() == [0, 255]
    assert np.asarray(row["signed"].image()).tolist() == [[0, 128], [128, 255]]
    assert np.asarray(row["bytes"].image()).tolist() == [[0, 128], [200, 255]]


def test_later_changes_to_the_array_do_not_change_what_was_logged() -> None:
    pixels = np.zeros((8, 8, 3), dtype=np.uint8)
    run = cairn.init(project="media")
    run.log({"img": cairn.Image(pixels)})
    pixels[:] = 200
    run.finish()
    got = next(cairn.Api().run(run.path).scan_history(keys=["img"]))["img"]
    assert np.asarray(got.image()).max() == 0


def test_files_are_stored_byte_for_byte_and_pil_images_are_accepted(
        log_one: LogOne, tmp_path: Path) -> None:
    jpg = tmp_path / "photo.jpg"
    PIL.Image.new("RGB", (10, 6), (10, 200, 30)).save(jpg, format="JPEG")
    pil_image = PIL.Image.new("RGBA", (3, 2), (1, 2, 3, 4))
    row = log_one({"file": cairn.Image(str(jpg)), "pil": cairn.Image(pil_image)})
    assert row["file"].read_bytes() == jpg.read_bytes()
    assert (row["file"]["format"], row["file"]["width"], row["file"]["height"]) == ("jpg", 10, 6)
    assert np.array_equal(np.asarray(row["pil"].image()), np.asarray(pil_image))
    target = row["file"].download(tmp_path / "out")
    assert target.read_bytes() == jpg.read_bytes()
    assert target.suffix == ".jpg"
    with pytest.raises(FileExistsError):
        row["file"].download(tmp_path / "out")
    assert row["file"].download(tmp_path / "out", exist_ok=True) == target


def test_the_same_image_twice_is_stored_once(cairn_root: Path) -> None:
    pixels = np.full((16, 16, 3), 7, dtype=np.uint8)
    run = cairn.init(project="media")
    for _ in range(5):
        run.log({"img": cairn.Image(pixels)})
    run.finish()
    assert _blob_count(cairn_root) == 1
    rows = list(cairn.Api().run(run.path).scan_history(keys=["img"]))
    assert len({r["img"].digest for r in rows}) == 1


def _noise(height: int, width: int, seed: int) -> Any:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def _wandb_keys(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k != "images"}


def test_a_list_of_images_is_stored_in_wandbs_images_separated_shape(log_one: LogOne) -> None:
    a, b = _noise(8, 6, 0), _noise(8, 6, 1)
    got = log_one({"examples": [cairn.Image(a), cairn.Image(b)]})["examples"]
    digests = [m.digest for m in got["images"]]
    # What wandb 0.31 (offline) stored in the history row for the same log call; its
    # filenames are media/images/<key>_<step>_<hash>.png, cairn's are named by content.
    assert _wandb_keys(got) == {
        "_type": "images/separated", "width": 6, "height": 8, "format": "png", "count": 2,
        "filenames": [f"media/images/{d}.png" for d in digests]}
    # cairn's addition: each image's own reference, with its pixels
    assert [m["_type"] for m in got["images"]] == ["image-file", "image-file"]
    assert all(np.array_equal(np.asarray(m.image()), pixels)
               for m, pixels in zip(got["images"], [a, b], strict=True))
    assert got["filenames"] == [m["path"] for m in got["images"]]


def test_captions_are_listed_when_the_first_image_has_one(log_one: LogOne) -> None:
    a, b = _noise(8, 6, 0), _noise(8, 6, 1)
    got = log_one({"captioned": [cairn.Image(a, caption="first"),
                                 cairn.Image(b, caption="second")],
                   "second_only": [cairn.Image(a), cairn.Image(b, caption="second")]})
    # wandb 0.31: captions are the images' captions, None where one has none, and left
    # out when the first image has none
    assert got["captioned"]["captions"] == ["first", "second"]
    assert "captions" not in got["second_only"]
    assert [m.caption for m in got["second_only"]["images"]] == [None, "second"]


def test_images_of_different_sizes_take_the_first_ones_size(log_one: LogOne) -> None:
    got = log_one({"mixed": [cairn.Image(_noise(8, 6, 0), caption="only"),
                             cairn.Image(_noise(5, 4, 2), file_type="jpg")]})["mixed"]
    # wandb 0.31 stored width 6, height 8, format png for this mix, and captions
    # ["only", None]; each image keeps its own size and format in cairn's references
    assert _wandb_keys(got) | {"filenames": None} == {
        "_type": "images/separated", "width": 6, "height": 8, "format": "png", "count": 2,
        "captions": ["only", None], "filenames": None}
    assert [(m["width"], m["height"], m["format"]) for m in got["images"]] == \
        [(6, 8, "png"), (4, 5, "jpg")]
    assert got["filenames"][1].endswith(".jpg")


def test_the_summary_holds_the_same_shape_and_filenames_resolve(cairn_root: Path) -> None:
    run = cairn.init(project="media")
    run.log({"examples": [cairn.Image(_noise(8, 6, 0)), cairn.Image(_noise(8, 6, 1))]})
    run.finish()
    stored = cairn.Api().run(run.path)
    summary = stored.summary["examples"]
    assert (summary["_type"], summary["count"]) == ("images/separated", 2)
    row = next(stored.scan_history(keys=["examples"]))["examples"]
    assert summary["filenames"] == row["filenames"]
    files = [stored.file(name) for name in row["filenames"]]
    assert [f.digest for f in files] == [m.digest for m in row["images"]]


def test_overlays_of_a_list_are_listed_per_image(log_one: LogOne) -> None:
    mask = np.zeros((8, 6), dtype=np.uint8)
    mask[1:3, 1:3] = 1
    boxed = cairn.Image(np.zeros((8, 6, 3), dtype=np.uint8),
                        boxes={"pred": {"box_data": [{"position": {
                            "minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.6},
                            "class_id": 1}], "class_labels": {1: "cat"}}},
                        masks={"truth": {"mask_data": mask}})
    got = log_one({"det": [boxed, cairn.Image(np.zeros((8, 6, 3), dtype=np.uint8))]})["det"]
    # wandb 0.31 lists each image's masks and boxes (None for an image without) under
    # all_masks / all_boxes; cairn keeps its own mask and box dicts in them
    assert got["all_masks"] == [got["images"][0]["masks"], None]
    assert got["all_boxes"] == [got["images"][0]["boxes"], None]
    assert np.array_equal(np.asarray(got["images"][0].mask("truth")), mask)


def test_a_single_image_keeps_wandbs_image_file_shape(log_one: LogOne) -> None:
    got = log_one({"single": cairn.Image(_noise(8, 6, 0), caption="one")})["single"]
    # wandb 0.31 stored _type, sha256, size, path, format, width, height, caption
    # (cairn derives path when read: media/images/<sha256>.png)
    assert {k: got[k] for k in ("_type", "format", "width", "height", "caption")} == {
        "_type": "image-file", "format": "png", "width": 6, "height": 8, "caption": "one"}
    assert got["path"] == f"media/images/{got['sha256']}.png"
    assert got["size"] == len(got.read_bytes())


def test_lists_stored_before_the_separated_shape_still_read(log_one: LogOne) -> None:
    # Stores written before lists of images took wandb's shape hold a list of image
    # references; logging those references as plain dicts stores exactly that list.
    pixels = _noise(4, 4, 3)
    ref = dict(log_one({"img": cairn.Image(pixels)})["img"])
    del ref["path"]  # derived when read, never stored
    got = log_one({"old": [ref, ref]})["old"]
    assert [type(m) for m in got] == [MediaFile, MediaFile]
    assert np.array_equal(np.asarray(got[1].image()), pixels)


def test_a_list_of_lists_of_images_stays_lists_of_references(log_one: LogOne) -> None:
    # wandb batches only a key's own value; cairn keeps nested lists as they were
    pixels = _noise(4, 4, 4)
    got = log_one({"grid": [[cairn.Image(pixels), cairn.Image(pixels)]]})["grid"]
    assert [[m["_type"] for m in inner] for inner in got] == [["image-file", "image-file"]]


def test_boxes_and_masks_with_class_labels(log_one: LogOne) -> None:
    mask = np.zeros((10, 20), dtype=np.uint8)
    mask[2:5, 3:9] = 2
    boxes = {"predictions": {
        "box_data": [{"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.6},
                      "class_id": 1, "box_caption": "cat 0.9", "scores": {"conf": 0.9}},
                     {"position": {"middle": [5, 5], "width": 4, "height": 2},
                      "domain": "pixel", "class_id": 2}],
        "class_labels": {1: "cat", 2: "dog"}}}
    image = cairn.Image(np.zeros((10, 20, 3), dtype=np.uint8), boxes=boxes,
                        masks={"truth": {"mask_data": mask, "class_labels": {0: "bg", 2: "dog"}}},
                        classes=[{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}])
    got = log_one({"det": image})["det"]
    stored = got["boxes"]["predictions"]
    assert stored["class_labels"] == {1: "cat", 2: "dog"}
    assert stored["box_data"][0]["box_caption"] == "cat 0.9"
    assert stored["box_data"][1]["position"] == {"middle": [5.0, 5.0], "width": 4.0,
                                                 "height": 2.0}
    assert got["masks"]["truth"]["class_labels"] == {0: "bg", 2: "dog"}
    assert np.array_equal(np.asarray(got.mask("truth")), mask)
    assert got["classes"] == [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: cairn.Image(np.zeros((5, 5, 5))), "shape (5, 5, 5) is not an image"),
    (lambda: cairn.Image(np.zeros((2, 3, 4, 5))), "is not an image"),
    (lambda: cairn.Image(np.array([["a", "b"]])), "not numeric"),
    (lambda: cairn.Image(np.zeros((0, 4))), "empty"),
    (lambda: cairn.Image("/no/such/file.png"), "cannot read '/no/such/file.png'"),
    (lambda: cairn.Image("notes.txt"), "unsupported format 'txt'"),
    (lambda: cairn.Image(np.zeros((4, 4)), file_type="tiff"), "unsupported file_type"),
    (lambda: cairn.Image(np.zeros((4, 4)), boxes={"p": {"box_data": [{"class_id": 1}]}}),
     "position must be a dict"),
    (lambda: cairn.Image(np.zeros((4, 4)), boxes={"p": {"box_data": [
        {"position": {"minX": 0.5, "maxX": 0.1, "minY": 0, "maxY": 1}, "class_id": 1}]}}),
     "min above max"),
    (lambda: cairn.Image(np.zeros((4, 4)), masks={"m": {"mask_data": np.zeros((3, 3))}}),
     "mask_data is 3x3 but the image is 4x4"),
    (lambda: cairn.Image(np.zeros((4, 4)), masks={"m": {"mask_data": np.full((4, 4), 0.5)}}),
     "integer class ids"),
])
def test_bad_input_is_refused(make: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        make()


def test_an_unreadable_image_file_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match="not a readable image"):
        cairn.Image(fake)


def test_mixing_media_and_values_in_a_list_names_the_key() -> None:
    run = cairn.init(project="media")
    with pytest.raises(ValueError, match="'examples'"):
        run.log({"examples": [cairn.Image(np.zeros((2, 2))), 3]})
    run.log({"ok": 1})
    run.finish()
    assert [r["ok"] for r in cairn.Api().run(run.path).scan_history()] == [1]


def test_matplotlib_figures_become_images_with_image_and_charts_when_logged() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    ax.plot([0, 1, 2], [2, 0, 1], label="loss")
    ax.set_title("Training")
    ax.set_yscale("log")
    pictured, pic_ax = plt.subplots(figsize=(3, 2), dpi=50)
    pic_ax.imshow(np.zeros((4, 4)))
    run = cairn.init(project="media")
    run.log({"chart": fig, "wrapped": cairn.Image(fig, caption="c"), "picture": pictured})
    plt.close(fig)
    run.log({"current": plt})  # pyplot itself: its current figure (the picture)
    plt.close("all")
    run.finish()
    rows = list(cairn.Api().run(run.path).scan_history())
    chart = rows[0]["chart"]
    assert chart["_type"] == "plotly-file"
    figure = chart.json()
    assert figure["data"][0]["x"] == [0, 1, 2]
    assert figure["data"][0]["y"] == [2, 0, 1]
    assert figure["data"][0]["name"] == "loss"
    assert figure["layout"]["title"]["text"] == "Training"
    assert figure["layout"]["yaxis"]["type"] == "log"
    assert (rows[0]["wrapped"]["_type"], rows[0]["wrapped"].caption) == ("image-file", "c")
    assert (rows[0]["wrapped"]["width"], rows[0]["wrapped"]["height"]) == (150, 100)
    assert rows[0]["picture"]["_type"] == "image-file"
    assert rows[1]["current"]["_type"] == "image-file"


def test_scatters_and_bars_convert_and_other_shapes_stay_pictures() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cairn.sdk.media.matplotlib_charts import figure_to_plotly

    fig, ax = plt.subplots()
    ax.scatter([1, 2], [3, 4], label="pts")
    ax.bar([0, 1], [5, 6])
    converted = figure_to_plotly(fig)
    assert converted is not None
    assert [t["type"] for t in converted["data"]] == ["scatter", "bar"]
    assert converted["data"][1]["y"] == [5, 6]
    ax.add_patch(matplotlib.patches.Circle((0, 0), 1))
    assert figure_to_plotly(fig) is None
    two, _ = plt.subplots(1, 2)
    assert figure_to_plotly(two) is None
    plt.close("all")


def test_a_matplotlib_object_that_is_no_figure_is_refused_naming_the_key() -> None:
    import matplotlib.colors

    run = cairn.init(project="media")
    with pytest.raises(ValueError, match=r"under key 'norm'.*Normalize is not a figure"):
        run.log({"norm": matplotlib.colors.Normalize()})
    run.log({"loss": 1.0})  # the run goes on
    run.finish()
