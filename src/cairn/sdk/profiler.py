"""``wandb.profiler``: PyTorch profiler traces kept as run files, as wandb's.

    with torch.profiler.profile(schedule=..., on_trace_ready=cairn.profiler.torch_trace_handler()):
        ...

:func:`torch_trace_handler` is torch's own ``tensorboard_trace_handler`` writing into
``<run.dir>/pytorch_traces``; the run keeps what is written there as run files
(``pytorch_traces/<worker>.<time>.pt.trace.json``) when it finishes, as every file
written into ``run.dir``. The traces open in TensorBoard's profiler plugin, Perfetto or
``chrome://tracing`` after ``cairn restore`` or a download from the run's files.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from cairn.errors import Error, UsageError

PYTORCH_MODULE = "torch"
PYTORCH_PROFILER_MODULE = "torch.profiler"
TRACES = "pytorch_traces"
"""The folder of ``run.dir`` the traces are written to (wandb's name)."""


def torch_trace_handler() -> Any:
    """A trace handler for ``torch.profiler.profile(on_trace_ready=...)`` that keeps each
    trace the profiler makes as a file of the current run. Call ``init()`` first; torch
    1.9 or later is needed (its profiler API)."""
    try:
        torch = importlib.import_module(PYTORCH_MODULE)
        torch_profiler = importlib.import_module(PYTORCH_PROFILER_MODULE)
    except ImportError as exc:
        raise Error(f"the PyTorch profiler needs torch, which cannot be imported "
                    f"({exc})") from None
    if _release(torch.__version__) < (1, 9):
        raise Error("torch version must be at least 1.9 in order to use the PyTorch "
                    f"Profiler API; version installed: {torch.__version__}")
    from cairn.sdk.init import current

    run = current()
    if run is None:
        raise UsageError("Please call `cairn.init()` before "
                         "`cairn.profiler.torch_trace_handler()`")
    logdir = os.path.join(run.dir, TRACES)
    # wandb's os.mkdir fails on a second handler for the run; a second profile is common
    os.makedirs(logdir, exist_ok=True)
    return torch_profiler.tensorboard_trace_handler(logdir)


def _release(version: str) -> tuple[int, ...]:
    """``(major, minor)`` of a version string such as ``2.3.1+cpu``."""
    parts = []
    for part in version.split("+", maxsplit=1)[0].split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)
