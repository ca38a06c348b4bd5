"""``Run.watch`` / ``unwatch``: PyTorch hooks that log parameter and gradient histograms.

As wandb does: a forward hook on each watched model logs ``parameters/<prefix><name>``
every ``log_freq`` forward passes, and a hook on each parameter that requires a gradient
logs ``gradients/<prefix><name>`` every ``log_freq`` backward passes. Each histogram has 64
bins computed where the tensor lives (``histc``); only the bin counts and the min and max
reach the host, as in wandb. Histograms are logged with ``commit=False``: they join the
next step the training loop commits. torch is imported only when ``watch`` is called.

``log_graph=True`` hooks every leaf module once: after the first forward pass has gone
through all of them, the model's layers (name, class, parameter shapes and counts, output
shape) are logged as a ``Graph`` under ``graph_<index>``, as wandb's torch graph holds
them (nodes only; wandb puts it in the summary, cairn in the history, where the media
panels list it).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cairn.sdk.run import Run

NUM_BINS = 64
_LOG_CHOICES = ("gradients", "parameters", "all", None)
_next_index = 0
"""wandb's global watch index: the second model watched in a process gets ``graph_1``."""


class _Every:
    """True once every ``freq`` calls (the ``freq``-th, ``2*freq``-th, ...)."""

    __slots__ = ("count", "freq")

    def __init__(self, freq: int) -> None:
        self.freq, self.count = max(int(freq), 1), 0

    def due(self) -> bool:
        self.count += 1
        if self.count < self.freq:
            return False
        self.count = 0
        return True


class Watcher:
    """The hooks one run placed, by wandb's hook names (``parameters/<prefix>``,
    ``gradients/<prefix><name>``)."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self._handles: dict[str, Any] = {}

    # ---- placing hooks -----------------------------------------------------------------
    def watch(self, models: Any, criterion: Any = None, log: str | None = "gradients",
              log_freq: int = 1000, idx: int | None = None, log_graph: bool = False) -> list[Any]:
        global _next_index
        if log not in _LOG_CHOICES:
            raise ValueError("watch() log must be one of 'gradients', 'parameters', 'all', or "
                             f"None; got {log!r}")
        if not isinstance(log_freq, int) or isinstance(log_freq, bool) or log_freq < 1:
            raise ValueError(f"watch() log_freq must be a positive int; got {log_freq!r}")
        try:
            import torch
        except ImportError as exc:
            raise ValueError("watch() only works with PyTorch models; torch is not "
                             "installed") from exc
        if not isinstance(models, tuple | list):
            models = (models,)
        for model in models:
            if not isinstance(model, torch.nn.Module):
                raise TypeError("watch() expected a PyTorch model (torch.nn.Module); got "
                                f"{type(model).__name__}")
        start = _next_index if idx is None else idx
        for offset, model in enumerate(models):
            index = start + offset
            _next_index += 1
            prefix = f"graph_{index}" if index > 0 else ""
            if log in ("parameters", "all"):
                self._watch_parameters(model, prefix, log_freq)
            if log in ("gradients", "all"):
                self._watch_gradients(model, prefix, log_freq)
            if log_graph:
                self._watch_graph(model, index)
        return []

    def _watch_graph(self, model: Any, index: int) -> None:
        from cairn.sdk.media.graph import Graph, Node

        graph = Graph(format="torch")
        leaves = [(name, module) for name, module in model.named_modules()
                  if not any(True for _ in module.children())] or [("", model)]
        waiting = {id(module) for _, module in leaves}
        handles: list[Any] = []

        def hook_for(name: str) -> Any:
            def after_forward(module: Any, inputs: Any, output: Any) -> None:
                if id(module) not in waiting:
                    return
                waiting.discard(id(module))
                shapes = [(n, list(p.shape)) for n, p in module.named_parameters()]
                graph.add_node(Node(id=name or type(module).__name__,
                                    name=name or type(module).__name__,
                                    class_name=str(module), parameters=shapes,
                                    output_shape=_nested_shape(output),
                                    num_parameters=[_count(shape) for _, shape in shapes]))
                if not waiting:
                    graph.loaded = True
                    for handle in handles:
                        handle.remove()
                    if not self._run._finished:
                        self._run.log({f"graph_{index}": graph}, commit=False)
            return after_forward

        for name, module in leaves:
            handles.append(module.register_forward_hook(hook_for(name)))
        for n, handle in enumerate(handles):
            self._handles[f"graph_{index}/{n}"] = handle

    def _watch_parameters(self, model: Any, prefix: str, log_freq: int) -> None:
        every = _Every(log_freq)

        def after_forward(module: Any, inputs: Any, output: Any) -> None:
            if not every.due():
                return
            for name, parameter in module.named_parameters():
                self._log_tensor(parameter.detach(), f"parameters/{prefix}{name}")

        key = f"parameters/{prefix}"
        self._add(model, key, model.register_forward_hook(after_forward))

    def _watch_gradients(self, model: Any, prefix: str, log_freq: int) -> None:
        for name, parameter in model.named_parameters():
            if not parameter.requires_grad:
                continue
            key = f"gradients/{prefix}{name}"
            old = self._handles.get(key)
            if old is not None:
                raise ValueError(f"watch(): a hook is already set under the name {key!r}")
            every = _Every(log_freq)

            def on_gradient(grad: Any, key: str = key, every: _Every = every) -> None:
                if every.due():
                    self._log_tensor(grad.detach(), key)

            self._add(model, key, parameter.register_hook(on_gradient))

    def _add(self, model: Any, key: str, handle: Any) -> None:
        self._handles[key] = handle
        names = model.__dict__.setdefault("_wandb_hook_names", [])
        names.append(key)

    # ---- removing them -----------------------------------------------------------------
    def unwatch(self, models: Any = None) -> None:
        if not models:
            for handle in self._handles.values():
                handle.remove()
            self._handles.clear()
            return
        if not isinstance(models, tuple | list):
            models = (models,)
        for model in models:
            names = model.__dict__.pop("_wandb_hook_names", None)
            if names is None:
                print(f"cairn: unwatch(): {type(model).__name__} was not watched",
                      file=sys.stderr)
                continue
            for key in names:
                handle = self._handles.pop(key, None)
                if handle is not None:
                    handle.remove()

    # ---- one histogram -----------------------------------------------------------------
    def _log_tensor(self, tensor: Any, key: str) -> None:
        if self._run._finished:
            return
        histogram = tensor_histogram(tensor)
        if histogram is None:
            return
        from cairn.sdk.media import Histogram

        counts, edges = histogram
        self._run.log({key: Histogram(np_histogram=(counts, edges))}, commit=False)


def _count(shape: list[int]) -> int:
    total = 1
    for size in shape:
        total *= size
    return total


def _nested_shape(value: Any) -> Any:
    """The shapes of a module's output (tensors in tuples, lists and dicts), as wandb's."""
    if hasattr(value, "shape"):
        return list(value.shape)
    if isinstance(value, tuple | list):
        return [_nested_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _nested_shape(v) for k, v in value.items()}
    return None


def tensor_histogram(tensor: Any) -> tuple[list[float], list[float]] | None:
    """``(counts, bin edges)`` of a tensor's finite values, 64 bins between its min and max
    (one bin when they are equal), computed on the tensor's device; None when it holds no
    finite value."""
    import torch

    if tensor.is_sparse:
        tensor = tensor.coalesce().values()
    flat = tensor.reshape(-1)
    if not flat.is_floating_point() or flat.dtype in (torch.float16, torch.bfloat16):
        flat = flat.float()
    finite = torch.isfinite(flat)
    if flat.numel() == 0:
        return None
    if not bool(finite.all()):
        flat = flat[finite]
        if flat.numel() == 0:
            return None
    low_t, high_t = torch.aminmax(flat)
    low, high = float(low_t), float(high_t)
    if low == high:
        return [float(flat.numel())], [low, high]
    counts = torch.histc(flat, bins=NUM_BINS, min=low, max=high).cpu().tolist()
    step = (high - low) / NUM_BINS
    edges = [low + i * step for i in range(NUM_BINS)] + [high]
    return counts, edges


