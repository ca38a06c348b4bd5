"""``cairn.Object3D``: meshes (obj, gltf, glb, stl) and point clouds (pts.json, arrays)."""

from __future__ import annotations

import json
from typing import Any

from cairn.sdk.media.base import Encoder, Media, check_caption, check_size, read_source

OBJECT3D_FORMATS = frozenset({"obj", "gltf", "glb", "stl", "pts.json"})
"""What the viewer shows (wandb also takes ``babylon``, which it cannot)."""
_MAX_POINTS = 10_000_000


class Object3D(Media):
    """wandb's ``Object3D(data_or_path, caption=None)``.

    A path or open file of a mesh or point cloud, or a numpy array of points: Nx3 (x, y,
    z), Nx4 (x, y, z, category) or Nx6 (x, y, z, r, g, b), stored as ``pts.json``.
    """

    _type = "object3D-file"

    def __init__(self, data_or_path: Any, caption: str | None = None,
                 file_type: str | None = None, **kwargs: Any) -> None:
        self._caption = check_caption(caption, "Object3D")
        self.points: int | None = None
        if isinstance(data_or_path, str) or hasattr(data_or_path, "__fspath__") or \
                hasattr(data_or_path, "read"):
            self._bytes, self._format = read_source(data_or_path, "Object3D", OBJECT3D_FORMATS,
                                                    file_type)
            if self._format == "pts.json":
                self._check_pts_json()
            elif self._format == "gltf":
                _check_gltf(self._bytes)
            self._held = len(self._bytes)
            return
        if isinstance(data_or_path, dict):  # wandb's {"type": "lidar/beta", "points": ...}
            points = data_or_path.get("points")
            scene = {k: v for k, v in data_or_path.items() if k != "points"}
        else:
            points, scene = data_or_path, {}
        self._bytes, self.points = _points_json(points, scene)
        self._format = "pts.json"
        check_size(len(self._bytes), "Object3D")
        self._held = len(self._bytes)

    def _check_pts_json(self) -> None:
        try:
            doc = json.loads(self._bytes)
        except ValueError as exc:
            raise ValueError(f"Object3D: the pts.json file is not JSON ({exc})") from exc
        points = doc.get("points") if isinstance(doc, dict) else doc
        if not isinstance(points, list):
            raise ValueError("Object3D: a pts.json file holds a list of points (or "
                             "{\"points\": [...]})")
        self.points = len(points)

    @classmethod
    def from_numpy(cls, data: Any) -> Object3D:
        return cls(data)

    @classmethod
    def from_file(cls, data_or_path: Any, file_type: str | None = None) -> Object3D:
        """A mesh or point cloud file; ``file_type`` names the format of an open file
        without a name (``io.BytesIO``), as in wandb."""
        return cls(data_or_path, file_type=file_type)

    @classmethod
    def from_point_cloud(cls, points: Any, boxes: Any = (), vectors: Any = None,
                         point_cloud_type: str = "lidar/beta") -> Object3D:
        """wandb's scene of points with 3D boxes and vectors: ``boxes`` are dicts with
        ``corners`` (8 points), ``label`` and ``color``; ``vectors`` dicts with ``start``
        and ``end``."""
        from cairn.sdk.values import clean_value

        scene = {"type": point_cloud_type, "points": points,
                 "boxes": clean_value(list(boxes)), "vectors": clean_value(list(vectors or []))}
        return cls(scene)

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        ref: dict[str, Any] = {"_type": self._type, **encoder.put_bytes(self._bytes),
                               "format": self._format}
        if self.points is not None:
            ref["points"] = self.points
        if self._caption is not None:
            ref["caption"] = self._caption
        return ref


def _check_gltf(data: bytes) -> None:
    """A .gltf must carry its buffers and images inside it (``data:`` URIs): the viewer
    loads nothing from elsewhere, and the files beside it are not logged."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise ValueError(f"Object3D: the gltf file is not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ValueError("Object3D: a gltf file holds a JSON object")
    for part in ("buffers", "images"):
        for item in doc.get(part) or []:
            uri = item.get("uri") if isinstance(item, dict) else None
            if isinstance(uri, str) and not uri.startswith("data:"):
                raise ValueError(f"Object3D: the gltf file's {part} refer to {uri[:80]!r}, "
                                 "outside the file; embed them as data: URIs or log the "
                                 "model as .glb")


def _points_json(data: Any, scene: dict[str, Any]) -> tuple[bytes, int]:
    """The pts.json document of a point array, and how many points it holds."""
    import numpy as np

    from cairn.sdk.media.arrays import as_array

    array = as_array(data, "Object3D")
    if array.ndim != 2 or array.shape[1] not in (3, 4, 6):
        raise ValueError(f"Object3D: a point cloud is Nx3, Nx4 or Nx6; got shape "
                         f"{tuple(array.shape)}")
    if array.shape[0] > _MAX_POINTS:
        raise ValueError(f"Object3D: {array.shape[0]} points; the most is {_MAX_POINTS}")
    if not np.isfinite(array).all():
        raise ValueError("Object3D: point coordinates must be finite")
    doc = {"type": "lidar/beta", **scene, "points": array.tolist()}
    return json.dumps(doc, separators=(",", ":"), default=str).encode(), int(array.shape[0])


def box3d(*, center: Any, size: Any, orientation: Any, color: Any,
          label: str | None = None, score: float | None = None) -> dict[str, Any]:
    """wandb's ``box3d``: a box for :meth:`Object3D.from_point_cloud`, given by its
    ``center`` (x, y, z), ``size`` (its x, y and z lengths) and ``orientation``, the
    quaternion (r, x, y, z), of any non-zero length, by which the box is turned about its
    center (the same corners as wandb's). Returns the box as the scene keeps it: its 8
    corners (x, then y, then z, from the low side to the high), ``color`` (r, g, b in
    0..1), ``label`` and ``score``."""
    import numpy as np

    c = np.asarray(center, dtype=np.float64)
    s = np.asarray(size, dtype=np.float64)
    q = np.asarray(orientation, dtype=np.float64)
    for name, value, length in (("center", c, 3), ("size", s, 3), ("orientation", q, 4)):
        if value.shape != (length,):
            raise ValueError(f"box3d {name} must be {length} numbers; got shape {value.shape}")
    norm = float(np.linalg.norm(q))
    if norm == 0.0 or not np.isfinite(norm):
        raise ValueError(f"box3d orientation must be a non-zero quaternion; got {q.tolist()}")
    r, x, y, z = q / norm
    # The rotation of the quaternion, applied to the box's corners about its center.
    rotation = np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - r * z), 2 * (x * z + r * y)],
        [2 * (x * y + r * z), 1 - 2 * (x * x + z * z), 2 * (y * z - r * x)],
        [2 * (x * z - r * y), 2 * (y * z + r * x), 1 - 2 * (x * x + y * y)],
    ])
    half = s / 2
    signs = np.array([(a, b, d) for a in (-1, 1) for b in (-1, 1) for d in (-1, 1)],
                     dtype=np.float64)
    corners = c + (signs * half) @ rotation.T
    return {"corners": tuple(tuple(corner) for corner in corners),  # numpy floats, as wandb's
            "color": tuple(color), "label": label, "score": score}
