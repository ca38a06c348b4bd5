"""``cairn.Image``: pictures from arrays, PIL images, files, matplotlib figures and tensors,
with bounding boxes and segmentation masks (wandb's ``Image``)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cairn.sdk.media.base import Encoder, Media, check_caption, read_source

IMAGE_FORMATS = frozenset({"png", "jpg", "jpeg", "bmp", "gif", "webp"})
_PIL_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP", "gif": "GIF",
                "webp": "WEBP"}
_MAX_PIXELS = 1 << 28
_PNG_LEVEL = 3
"""zlib level of PNGs made from arrays: on noisy pixels (most training images) about twice
as fast as Pillow's default 6 for the same size; smooth images come out a little larger."""


def pil() -> Any:
    try:
        import PIL.Image
    except ImportError as exc:
        raise ImportError("cairn.Image needs Pillow: pip install 'cairn[media]'") from exc
    return PIL.Image


def is_matplotlib(obj: Any) -> bool:
    module = type(obj).__module__
    return module.startswith("matplotlib") or getattr(obj, "__name__", "") == \
        "matplotlib.pyplot"


def current_figure(figure: Any) -> Any:
    """The Figure of ``figure``: itself, ``pyplot``'s current figure, or an artist's."""
    if getattr(figure, "__name__", "") == "matplotlib.pyplot":
        return figure.gcf()
    if hasattr(figure, "savefig"):
        return figure
    found = getattr(figure, "figure", None)
    if found is None and callable(getattr(figure, "get_figure", None)):
        found = figure.get_figure()
    if found is None or not hasattr(found, "savefig"):
        raise ValueError(f"a matplotlib {type(figure).__name__} is not a figure and belongs "
                         "to none; log a Figure, an Axes or pyplot")
    return found


def figure_png(figure: Any) -> bytes:
    """PNG bytes of a matplotlib figure (or of ``pyplot``'s current figure)."""
    figure = current_figure(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


class Image(Media):
    """An image logged to history. See wandb's ``Image`` for the arguments.

    ``data_or_path``: a numpy array (HW, HWC or CHW; floats in [0, 1] or [-1, 1], or
    integers 0-255), a torch tensor, a PIL image, a matplotlib figure, or the path of an
    image file (stored byte for byte). ``file_type`` picks the encoding of array data
    (png by default). ``boxes`` and ``masks`` map a group name to wandb's box and mask
    dicts.
    """

    _type = "image-file"

    def __init__(self, data_or_path: Any, mode: str | None = None, caption: str | None = None,
                 grouping: int | None = None, classes: Any = None,
                 boxes: Mapping[str, Any] | None = None,
                 masks: Mapping[str, Any] | None = None,
                 file_type: str | None = None, normalize: bool = True) -> None:
        self._caption = check_caption(caption, "Image")
        self._grouping = grouping
        fmt = (file_type or "png").lower()
        if fmt not in IMAGE_FORMATS:
            raise ValueError(f"Image: unsupported file_type {file_type!r}; use one of "
                             f"{', '.join(sorted(IMAGE_FORMATS))}")
        self._format = "jpg" if fmt == "jpeg" else fmt
        self._mode = mode
        self._bytes: bytes | None = None
        self._pixels: Any = None   # a PIL image or an array, encoded in the writer thread
        self._normalize = normalize
        self._encoded: dict[str, Any] | None = None
        self._read(data_or_path, mode, normalize)
        self._held = len(self._bytes) if self._bytes is not None else \
            int(getattr(self._pixels, "nbytes", 0) or self.width * self.height * 4)
        self._classes = _classes(classes)
        from cairn.sdk.media.overlays import check_boxes, check_masks

        self._boxes = check_boxes(boxes, self.width, self.height)
        self._masks = check_masks(masks, self.width, self.height)

    def _read(self, data: Any, mode: str | None, normalize: bool) -> None:
        if isinstance(data, str | Path):
            self._bytes, fmt = read_source(data, "Image", IMAGE_FORMATS)
            self._format = "jpg" if fmt == "jpeg" else fmt
            self._size_of_bytes()
        elif isinstance(data, Image):
            self.__dict__.update({k: v for k, v in data.__dict__.items()
                                  if k in ("_bytes", "_pixels", "_format", "width", "height",
                                           "_normalize")})
        elif is_matplotlib(data):
            self._bytes = figure_png(data)
            self._format = "png"
            self._size_of_bytes()
        elif type(data).__module__.startswith("PIL."):
            image = data.convert(mode) if mode else data.copy()
            self._pixels = image
            self.width, self.height = image.size
        else:
            from cairn.sdk.media.arrays import as_array, hwc

            array = hwc(as_array(data, "Image", narrow_floats=True), "Image")
            if array.size > _MAX_PIXELS:
                raise ValueError(f"Image: {array.size} values is more than the limit of "
                                 f"{_MAX_PIXELS}")
            # Only the private copy is made here: scaling to bytes costs milliseconds for
            # float pixels and happens in the writer thread (_uint8_pixels).
            self._pixels = array
            self.height, self.width = int(array.shape[0]), int(array.shape[1])

    def _size_of_bytes(self) -> None:
        assert self._bytes is not None
        try:
            with pil().open(io.BytesIO(self._bytes)) as image:
                self.width, self.height = image.size
        except ImportError:
            raise
        except Exception as exc:
            raise ValueError(f"Image: the {self._format} file is not a readable image "
                             f"({exc})") from exc

    def _uint8_pixels(self) -> Any:
        """The pixels as a PIL image or a uint8 array (arrays are scaled here, lazily)."""
        pixels = self._pixels
        if hasattr(pixels, "save") or str(getattr(pixels, "dtype", "")) == "uint8":
            return pixels
        from cairn.sdk.media.arrays import to_uint8

        return to_uint8(pixels, self._normalize)

    def _encode_pixels(self) -> bytes:
        image = self._uint8_pixels()
        if not hasattr(image, "save"):  # a uint8 array
            image = pil().fromarray(image, mode=None)
            if self._mode:
                image = image.convert(self._mode)
        if self._format == "jpg" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        options = {"compress_level": _PNG_LEVEL} if self._format == "png" else {}
        image.save(out, format=_PIL_FORMATS[self._format], **options)
        return out.getvalue()

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        if self._encoded is not None:
            encoder.note(self._encoded["sha256"])
            for mask in (self._encoded.get("masks") or {}).values():
                encoder.note(mask["sha256"])
            return dict(self._encoded)
        if self._bytes is None:
            self._bytes = self._encode_pixels()
            self._pixels = None
        ref: dict[str, Any] = {"_type": self._type, **encoder.put_bytes(self._bytes),
                               "format": self._format, "width": self.width,
                               "height": self.height}
        if self._caption is not None:
            ref["caption"] = self._caption
        if self._grouping is not None:
            ref["grouping"] = self._grouping
        if self._classes:
            ref["classes"] = self._classes
        if self._boxes:
            ref["boxes"] = self._boxes
        if self._masks:
            from cairn.sdk.media.overlays import encode_masks

            ref["masks"] = encode_masks(self._masks, encoder)
        self._encoded = ref
        return dict(ref)

    @classmethod
    def _encode_list(cls, items: list[Media], encoder: Encoder) -> dict[str, Any]:
        return separated([item._encode(encoder) for item in items])

    @property
    def caption(self) -> str | None:
        return self._caption

    @property
    def image(self) -> Any:
        """The picture as a PIL image (as wandb's ``Image.image``)."""
        if self._pixels is not None:
            pixels = self._uint8_pixels()
            return pixels.copy() if hasattr(pixels, "save") else pil().fromarray(pixels)
        assert self._bytes is not None
        return pil().open(io.BytesIO(self._bytes))

    def __repr__(self) -> str:
        return f"<cairn.Image {self.width}x{self.height} {self._format}>"


def separated(refs: list[dict[str, Any]]) -> dict[str, Any]:
    """wandb's ``images/separated`` value for images logged as one list under one key.

    As in wandb 0.31: ``width``, ``height`` and ``format`` are the first image's (wandb
    takes them from the first even when sizes differ), ``filenames`` the images' paths,
    ``captions`` only when the first image has one, ``all_masks`` / ``all_boxes`` (None
    for an image without) only when some image has them. ``images`` is cairn's addition:
    each image's own reference, so each keeps its blob, size and overlays."""
    first = refs[0]
    group: dict[str, Any] = {"_type": "images/separated", "width": first["width"],
                             "height": first["height"], "format": first["format"],
                             "count": len(refs), "filenames": [image_path(r) for r in refs]}
    if "caption" in first:
        group["captions"] = [ref.get("caption") for ref in refs]
    for key, name in (("masks", "all_masks"), ("boxes", "all_boxes")):
        if any(key in ref for ref in refs):
            group[name] = [ref.get(key) for ref in refs]
    group["images"] = refs
    return group


def image_path(ref: dict[str, Any]) -> str:
    """An image's file name in its run (the ``path`` that ``cairn.Api`` gives a stored
    image and ``Run.file`` resolves): named by content, as the blob store keeps it."""
    return f"media/images/{ref['sha256']}.{ref['format']}"


def _classes(classes: Any) -> list[dict[str, Any]] | None:
    """wandb's ``Classes`` or a list of ``{"id", "name"}`` dicts."""
    if classes is None:
        return None
    items = getattr(classes, "_class_set", classes)
    out = []
    for item in items:
        if not isinstance(item, Mapping) or "id" not in item:
            raise ValueError(f"Image: classes must be dicts with 'id' and 'name'; got {item!r}")
        out.append({"id": int(item["id"]), "name": str(item.get("name", item["id"]))})
    return out


class Classes:
    """wandb's ``Classes``: the class set of an image's boxes and masks."""

    def __init__(self, class_set: list[dict[str, Any]]) -> None:
        self._class_set = list(class_set)
