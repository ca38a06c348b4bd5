"""TensorBoard writers mirrored into the run: ``init(sync_tensorboard=True)`` or
``wandb.tensorboard.patch()``.

The ``SummaryWriter`` classes of ``torch.utils.tensorboard`` and ``tensorboardX`` are
patched so that ``add_scalar``, ``add_scalars``, ``add_histogram``, ``add_image``,
``add_images``, ``add_text`` and ``add_hparams`` also log to the current run, as wandb's
sync does: each value under its tag (``add_scalars``: ``<main_tag>/<tag>``; images, as
wandb, under the tag with ``/`` made ``_``), with ``global_step`` as a metric that every
other key is plotted against; values of one ``global_step`` form one history row,
written when the step changes or the writer flushes or closes. ``add_figure`` arrives
through ``add_image(s)``, which the writers call for it. Beyond wandb (which drops them):
text is logged as a string, and ``add_hparams``' hyperparameters update the run's config
(its metrics arrive through the ``add_scalar`` calls the writers make for them).
``add_pr_curve`` and ``add_pr_curve_raw`` become wandb's chart of precision against recall
(``tensorboard_summary.py``). The event files are written as before.

TensorFlow 2's ``tf.summary`` writers write from C++ ops, so they are mirrored as wandb
mirrors them, by following their event files (``tensorboard_tf.py``), unless ``patch`` is
told ``pytorch=True`` or ``tensorboard_x=True``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import threading
from typing import Any

WRITERS = ("torch.utils.tensorboard.writer", "tensorboardX.writer")
"""The modules whose ``SummaryWriter`` is patched, where installed."""
_METHODS = ("add_scalar", "add_scalars", "add_histogram", "add_image", "add_images",
            "add_text", "add_hparams", "add_pr_curve", "add_pr_curve_raw", "flush", "close")

_lock = threading.Lock()
_originals: dict[tuple[type, str], Any] = {}
_row_step: dict[int, int | None] = {}
"""The ``global_step`` of the row each run is building (by ``id(run)``)."""


def current_run() -> Any:
    import cairn

    return cairn.run


_run = current_run


def _number(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        return value.item()
    return value


def _commit_locked(run: Any) -> None:
    """Write the row being built (the run's own pending row: its finish writes it too)."""
    if run is not None and id(run) in _row_step and not run._finished:
        run.log({}, commit=True)
        del _row_step[id(run)]


def add_values(values: dict[str, Any], step: int | None) -> None:
    """Log ``values`` into the row of ``step`` (``global_step``); a new step writes the
    row being built first."""
    run = _run()
    if run is None or run._finished:
        return
    with _lock:
        if id(run) not in _row_step and not getattr(run, "_tensorboard_metrics", False):
            run.define_metric("global_step")
            run.define_metric("*", step_metric="global_step")
            run._tensorboard_metrics = True
        step = int(step) if step is not None else None
        if id(run) in _row_step and step != _row_step[id(run)]:
            _commit_locked(run)
        if step is not None:
            values = {**values, "global_step": step}
        run.log(values, commit=False)
        _row_step[id(run)] = step


def _histogram(values: Any) -> Any:
    import numpy as np

    from cairn.sdk.media import Histogram

    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    array = np.asarray(values, dtype=float).reshape(-1)
    return Histogram(array[np.isfinite(array)])


def _image_key(tag: str) -> str:
    """wandb's history key of an image tag: ``/`` and ``\\`` become ``_``."""
    return tag.replace("/", "_").replace("\\", "_")


def _images(values: Any, dataformats: str) -> list[Any]:
    """TensorBoard's image tensors (``CHW``, ``HWC``, ``HW``, ``NCHW``, ``NHWC``; floats in
    [0, 1], or uint8) as ``cairn.Image`` objects."""
    import numpy as np

    from cairn.sdk.media import Image

    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
    layout = dataformats.upper()
    if array.ndim != len(layout) or not set(layout) <= set("NCHW"):
        raise ValueError(f"an image of shape {array.shape} does not have the layout "
                         f"{dataformats!r}")
    if "N" not in layout:
        array, layout = array[None], "N" + layout
    if "C" not in layout:
        array, layout = array[..., None], layout + "C"
    array = np.transpose(array, [layout.index(axis) for axis in "NHWC"])
    if array.dtype != np.uint8:
        array = (np.clip(array.astype(float), 0.0, 1.0) * 255).round().astype(np.uint8)
    if array.shape[-1] == 1:
        array = array[..., 0]
    return [Image(image) for image in array]


def commit_row() -> None:
    """Write the current run's row being built."""
    with _lock:
        _commit_locked(_run())


def _patched(name: str, original: Any) -> Any:
    @functools.wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        try:
            _mirror(name, args, kwargs, original.__module__)
        except Exception as exc:  # a bad value must not break the user's TensorBoard logging
            import warnings

            from cairn.errors import CairnWarning

            warnings.warn(f"cairn: could not mirror SummaryWriter.{name} into the run: {exc}",
                          CairnWarning, stacklevel=2)
        return result

    return method


def _argument(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _mirror(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], module: str) -> None:
    step = _argument(args, kwargs, 2, "global_step")
    if name in ("add_pr_curve", "add_pr_curve_raw"):
        _pr_curve(name, args, kwargs, module)
    elif name == "add_scalar":
        add_values({args[0] if args else kwargs["tag"]:
              _number(_argument(args, kwargs, 1, "scalar_value"))}, step)
    elif name == "add_scalars":
        main = args[0] if args else kwargs["main_tag"]
        values = _argument(args, kwargs, 1, "tag_scalar_dict") or {}
        add_values({f"{main}/{k}": _number(v) for k, v in values.items()}, step)
    elif name == "add_histogram":
        add_values({args[0] if args else kwargs["tag"]:
              _histogram(_argument(args, kwargs, 1, "values"))}, step)
    elif name in ("add_image", "add_images"):
        layout = _argument(args, kwargs, 4, "dataformats") or \
            ("CHW" if name == "add_image" else "NCHW")
        images = _images(_argument(args, kwargs, 1, "img_tensor"), layout)
        tag = _image_key(args[0] if args else kwargs["tag"])
        add_values({tag: images}, step)  # a list, also of one, as wandb's sync logs them
    elif name == "add_text":
        add_values({args[0] if args else kwargs["tag"]:
              str(_argument(args, kwargs, 1, "text_string"))}, step)
    elif name == "add_hparams":
        run = _run()
        hparams = _argument(args, kwargs, 0, "hparam_dict") or {}
        if run is not None and not run._finished and hparams:
            run.config.update({str(k): _number(v) for k, v in hparams.items()},
                              allow_val_change=True)
    else:  # flush, close
        with _lock:
            _commit_locked(_run())


def _pr_curve(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], module: str) -> None:
    """As wandb: the curve the writer stores (made again by the writer's own summary
    function) as a chart of precision against recall."""
    import numpy as np

    from cairn.integration.tensorboard_summary import summary_values

    summaries = importlib.import_module(module.rsplit(".", 1)[0] + ".summary")

    def array(value: Any) -> Any:
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        return np.asarray(value)

    tag = args[0] if args else kwargs["tag"]
    names: tuple[str, ...]
    if name == "add_pr_curve":
        names = ("labels", "predictions", "global_step", "num_thresholds", "weights")
        given = {n: _argument(args, kwargs, i + 1, n) for i, n in enumerate(names)}
        summary = summaries.pr_curve(tag, array(given["labels"]), array(given["predictions"]),
                                     given["num_thresholds"] or 127, given["weights"])
    else:
        names = ("true_positive_counts", "false_positive_counts", "true_negative_counts",
                 "false_negative_counts", "precision", "recall", "global_step",
                 "num_thresholds", "weights")
        given = {n: _argument(args, kwargs, i + 1, n) for i, n in enumerate(names)}
        summary = summaries.pr_curve_raw(tag, *(array(given[n]) for n in names[:6]),
                                         given["num_thresholds"] or 127, given["weights"])
    add_values(summary_values(summary).values, given["global_step"])


def patch(root_logdir: str | None = None, pytorch: bool | None = None,
          tensorboard_x: bool | None = None, save: bool = True) -> list[str]:
    """Patch every installed ``SummaryWriter``; returns the modules patched."""
    patched = []
    for module_name in WRITERS:
        if module_name.startswith("torch") and pytorch is False:
            continue
        if module_name.startswith("tensorboardX") and tensorboard_x is False:
            continue
        top = module_name.split(".")[0]
        if importlib.util.find_spec(top) is None:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # torch without the tensorboard package
            continue
        writer = module.SummaryWriter
        for method in _METHODS:
            if (writer, method) not in _originals:
                _originals[(writer, method)] = getattr(writer, method)
                setattr(writer, method, _patched(method, _originals[(writer, method)]))
        patched.append(module_name)
    if not pytorch and not tensorboard_x:  # as wandb: tf.summary unless told otherwise
        from cairn.integration import tensorboard_tf

        if tensorboard_tf.patch(root_logdir):
            patched.append(tensorboard_tf.OPS_MODULE)
    return patched


def unpatch() -> None:
    """Restore the writers; values not yet in a row are logged first."""
    from cairn.integration import tensorboard_tf

    tensorboard_tf.unpatch()
    with _lock:
        _commit_locked(_run())
    for (writer, method), original in list(_originals.items()):
        setattr(writer, method, original)
    _originals.clear()


def flush() -> None:
    """Log the row being built (the run's finish does it too)."""
    with _lock:
        _commit_locked(_run())
