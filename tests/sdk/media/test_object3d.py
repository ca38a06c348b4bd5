"""cairn.Object3D: mesh files and open files byte for byte; point clouds as pts.json."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.sdk.media.conftest import LogOne

import cairn

OBJ = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"


def test_meshes_and_point_clouds(log_one: LogOne, tmp_path: Path) -> None:
    obj = tmp_path / "tri.obj"
    obj.write_text(OBJ)
    points = np.random.default_rng(2).random((50, 6))
    with open(obj) as opened:
        row = log_one({"mesh": cairn.Object3D(opened), "cloud": cairn.Object3D(points)})
    assert row["mesh"]["format"] == "obj"
    assert row["mesh"].read_bytes() == OBJ.encode()
    cloud = row["cloud"].json()
    assert cloud["type"] == "lidar/beta"
    assert np.allclose(cloud["points"], points)
    assert row["cloud"]["format"] == "pts.json"
    assert row["cloud"]["points"] == 50


def test_a_pts_json_file_is_checked(log_one: LogOne, tmp_path: Path) -> None:
    good = tmp_path / "scan.pts.json"
    good.write_text(json.dumps([[0, 0, 0], [1, 1, 1]]))
    assert log_one({"p": cairn.Object3D(good)})["p"]["points"] == 2
    bad = tmp_path / "bad.pts.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not JSON"):
        cairn.Object3D(bad)


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: cairn.Object3D(np.zeros((4, 5))), "Nx3, Nx4 or Nx6; got shape (4, 5)"),
    (lambda: cairn.Object3D(np.array([[0, 0, np.nan]])), "must be finite"),
    (lambda: cairn.Object3D("model.fbx"), "unsupported format 'fbx'"),
    (lambda: cairn.Object3D(42), "got shape ()"),
])
def test_bad_input_is_refused(make: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        make()


def test_gltf_with_external_buffers_and_babylon_files_are_refused(
        log_one: LogOne, tmp_path: Path) -> None:
    embedded = {"asset": {"version": "2.0"},
                "buffers": [{"uri": "data:application/octet-stream;base64,AAAA",
                             "byteLength": 3}]}
    inside = tmp_path / "inside.gltf"
    inside.write_text(json.dumps(embedded))
    assert log_one({"m": cairn.Object3D(inside)})["m"]["format"] == "gltf"
    outside = tmp_path / "outside.gltf"
    outside.write_text(json.dumps({**embedded, "images": [{"uri": "https://example.com/t.png"}]}))
    with pytest.raises(ValueError, match=r"images refer to 'https://example\.com/t\.png'.*glb"):
        cairn.Object3D(outside)
    babylon = tmp_path / "scene.babylon"
    babylon.write_text("{}")
    with pytest.raises(ValueError, match="unsupported format 'babylon'"):
        cairn.Object3D(babylon)


def test_open_files_without_a_name_take_file_type_and_point_cloud_scenes(
        log_one: LogOne) -> None:
    import io

    mesh = cairn.Object3D.from_file(io.BytesIO(OBJ.encode()), file_type="obj")
    box = {"corners": np.zeros((8, 3)), "label": "car", "color": [255, 0, 0]}
    scene = cairn.Object3D.from_point_cloud(
        points=np.ones((4, 3)), boxes=[box], vectors=[{"start": [0, 0, 0], "end": [1, 1, 1]}])
    row = log_one({"mesh": mesh, "scene": scene})
    assert row["mesh"]["format"] == "obj"
    assert row["mesh"].read_bytes() == OBJ.encode()
    doc = row["scene"].json()
    assert doc["type"] == "lidar/beta"
    assert doc["boxes"][0]["corners"] == [[0.0, 0.0, 0.0]] * 8
    assert doc["boxes"][0]["label"] == "car"
    assert doc["vectors"] == [{"start": [0, 0, 0], "end": [1, 1, 1]}]
    assert row["scene"]["points"] == 4
    with pytest.raises(ValueError, match=re.escape("the open file (pass file_type=)")):
        cairn.Object3D.from_file(io.BytesIO(b"x"))
