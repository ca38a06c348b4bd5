"""``wandb.sdk.lib.RunDisabled``: what ``init(mode="disabled")`` returns. In cairn that is an
ordinary :class:`cairn.Run` in disabled mode, so ``isinstance(run, RunDisabled)`` asks that."""

from __future__ import annotations

from typing import Any


class _DisabledCheck(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        from cairn.sdk.run import Run

        return isinstance(instance, Run) and instance.disabled


class RunDisabled(metaclass=_DisabledCheck):
    """A disabled run (``mode="disabled"``): every call is accepted and nothing is kept."""
