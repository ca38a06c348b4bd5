"""``wandb.termlog`` / ``termwarn`` / ``termerror``: a line to stderr with the tracker's
prefix, silenced by ``WANDB_SILENT`` / ``CAIRN_SILENT``; ``repeat=False`` prints a line once."""

from __future__ import annotations

import os
import sys
from typing import Any

_seen: set[str] = set()
_PREFIX = "wandb"


def _silent() -> bool:
    return any(os.environ.get(name, "").lower() in ("1", "true", "yes")
               for name in ("WANDB_SILENT", "CAIRN_SILENT"))


def _emit(kind: str, string: str, newline: bool, repeat: bool, prefix: bool) -> None:
    if _silent():
        return
    if not repeat:
        if string in _seen:
            return
        _seen.add(string)
    head = f"{_PREFIX}: {kind}" if prefix else ""
    lines = [f"{head}{line}" for line in str(string).split("\n")]
    sys.stderr.write("\n".join(lines) + ("\n" if newline else ""))
    sys.stderr.flush()


def termlog(string: str = "", newline: bool = True, repeat: bool = True,
            prefix: bool = True) -> None:
    _emit("", string, newline, repeat, prefix)


def termwarn(string: str, newline: bool = True, repeat: bool = True,
             prefix: bool = True) -> None:
    _emit("WARNING ", string, newline, repeat, prefix)


def termerror(string: str, newline: bool = True, repeat: bool = True,
              prefix: bool = True) -> None:
    _emit("ERROR ", string, newline, repeat, prefix)


def termsetup(settings: Any = None, logger: Any = None) -> None:
    """Accepted for wandb's callers; cairn's terminal output needs no setup."""
