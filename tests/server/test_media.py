"""The run media routes: which keys hold media at which steps, and their references; the
bytes come back from the blob route."""

from __future__ import annotations

import numpy as np
import pytest
from tests.server.conftest import ApiClient, assert_error

import cairn
from cairn.server import media


def _media_run() -> cairn.Run:
    run = cairn.init(project="proj")
    for step in range(3):
        pixels = np.full((4, 5, 3), step * 60, dtype=np.uint8)
        run.log({"img": cairn.Image(pixels, caption=f"step {step}"), "loss": 1.0 / (step + 1),
                 "h": cairn.Histogram([step, step + 1], num_bins=2), "note": "text",
                 "pair": [cairn.Image(pixels), cairn.Image(pixels)]})
    run.log({"table": cairn.Table(columns=["a"], data=[[1]])})
    run.finish()
    return run


def test_media_keys_with_types_and_steps(api: ApiClient) -> None:
    run = _media_run()
    keys = api.get(f"/api/v1/runs/{run.entity}/proj/{run.id}/media").json()["keys"]
    assert [(k["key"], k["type"], k["steps"], k["list"]) for k in keys] == [
        ("h", "histogram", [0, 1, 2], False),
        ("img", "image-file", [0, 1, 2], False),
        ("pair", "image-file", [0, 1, 2], True),
        ("table", "table-file", [3], False),
    ]


def test_references_by_step_and_the_bytes_by_digest(api: ApiClient) -> None:
    run = _media_run()
    base = f"/api/v1/runs/{run.entity}/proj/{run.id}/media"
    one = api.get(f"{base}/img", params={"step": 1}).json()
    assert [item["step"] for item in one["items"]] == [1]
    ref = one["items"][0]["value"]
    assert (ref["caption"], ref["width"], ref["height"]) == ("step 1", 5, 4)
    blob = api.get(f"/api/v1/blobs/{ref['sha256']}", params={"type": "image/png"})
    assert blob.status_code == 200
    assert blob.headers["content-type"] == "image/png"
    assert len(blob.content) == ref["size"]
    paged = api.get(base + "/img", params={"limit": 2}).json()
    assert [i["step"] for i in paged["items"]] == [0, 1]
    assert paged["next_step"] == 2


def test_a_list_of_images_is_served_in_wandbs_shape_with_each_reference(
        api: ApiClient) -> None:
    run = _media_run()
    base = f"/api/v1/runs/{run.entity}/proj/{run.id}/media"
    value = api.get(f"{base}/pair", params={"step": 2}).json()["items"][0]["value"]
    assert (value["_type"], value["count"], value["width"], value["height"]) == \
        ("images/separated", 2, 5, 4)
    assert [ref["_type"] for ref in value["images"]] == ["image-file", "image-file"]
    assert value["filenames"] == [f"media/images/{ref['sha256']}.png"
                                  for ref in value["images"]]


def test_an_incremental_table_is_a_media_key_with_its_increments(api: ApiClient) -> None:
    run = cairn.init(project="proj")
    table = cairn.Table(columns=["x"], data=[[1]], log_mode="INCREMENTAL")
    run.log({"inc": table})
    table.add_data(2)
    run.log({"inc": table})
    run.finish()
    base = f"/api/v1/runs/{run.entity}/proj/{run.id}/media"
    assert [(k["key"], k["type"]) for k in api.get(base).json()["keys"]] == \
        [("inc", "incremental-table-file")]
    first, second = (i["value"] for i in api.get(f"{base}/inc").json()["items"])
    assert second["previous_increments"] == [first["sha256"]]


def test_stored_lists_of_references_are_still_media_lists() -> None:
    # rows stored before lists of images took the images/separated shape
    old = [{"_type": "image-file", "sha256": "a" * 64}, {"_type": "image-file", "sha256": "b" * 64}]
    separated = {"_type": "images/separated", "count": 2, "images": old}
    assert [media.media_type(v) for v in (old, separated)] == ["image-file", "image-file"]
    assert [media.is_list(v) for v in (old, separated, old[0])] == [True, True, False]
    assert media.media_type({"_type": "images/separated", "count": 2}) is None


def test_unknown_runs_and_keys_are_404_and_bad_steps_400(api: ApiClient) -> None:
    run = _media_run()
    base = f"/api/v1/runs/{run.entity}/proj/{run.id}/media"
    assert_error(api.get(f"/api/v1/runs/{run.entity}/proj/nope/media"), 404, "not_found")
    assert_error(api.get(f"{base}/nothing"), 404, "not_found")
    assert_error(api.get(f"{base}/img", params={"step": "x"}), 400, "bad_request")
    assert api.get(f"{base}/loss").json()["items"] == []


def test_media_in_the_summary_are_one_column_filtered_by_type(api: ApiClient) -> None:
    run = _media_run()
    columns = api.get(f"/api/v1/projects/{run.entity}/proj/columns").json()["summary"]
    assert {"img", "pair", "h", "table"} <= set(columns)
    assert not [c for c in columns if c.startswith(("img.", "h.", "table."))]
    found = cairn.Api().runs(f"{run.entity}/proj", filters={"summary.img": "image-file"})
    assert [r.id for r in found] == [run.id]


def test_long_keys_are_listed_and_served_spread_over_their_steps(
        api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    run = cairn.init(project="proj")
    for step in range(30):
        run.log({"h": cairn.Histogram([step, step + 1], num_bins=2)})
    run.finish()
    monkeypatch.setattr(media, "MAX_INDEX_STEPS", 4)
    base = f"/api/v1/runs/{run.entity}/proj/{run.id}/media"
    (key,) = api.get(base).json()["keys"]
    assert (key["count"], key["first_step"], key["last_step"]) == (30, 0, 29)
    assert key["steps"] == [0, 10, 19, 29]
    spread = api.get(f"{base}/h", params={"limit": 5, "spread": 1}).json()
    assert [item["step"] for item in spread["items"]] == [0, 7, 14, 22, 29]  # the latest too
    assert (spread["total"], spread["next_step"]) == (30, None)
    assert spread["items"][-1]["value"]["values"] == [1, 1]
    newer = api.get(f"{base}/h", params={"limit": 5, "spread": 1, "min_step": 27}).json()
    assert [item["step"] for item in newer["items"]] == [27, 28, 29]
    paged = api.get(f"{base}/h", params={"limit": 5}).json()
    assert [item["step"] for item in paged["items"]] == [0, 1, 2, 3, 4]
    assert paged["next_step"] == 5
