"""Run ids and readable run names."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cairn.errors import SettingsError

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
MAX_RUN_ID = 128
"""Longer than wandb's generated ids and than most hand-made ones; a run id names files."""
_ID_PATTERN = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.\-]{{0,{MAX_RUN_ID - 1}}}$")
_ADJECTIVES = (
    "amber", "brisk", "calm", "crimson", "dashing", "dawn", "eager", "earnest", "fancy",
    "fearless", "gentle", "glad", "golden", "hardy", "hazy", "icy", "jolly", "keen", "lively",
    "lucky", "misty", "noble", "olive", "proud", "quiet", "rapid", "rosy", "royal", "silent",
    "silver", "sleek", "snowy", "solar", "spring", "stellar", "sunny", "swift", "tidy", "vivid",
    "warm", "wild", "wise", "young", "zesty",
)
_NOUNS = (
    "aurora", "badger", "brook", "canyon", "cedar", "cloud", "comet", "cosmos", "dune", "ember",
    "falcon", "fern", "field", "firefly", "forest", "frost", "galaxy", "glade", "grove", "harbor",
    "haze", "island", "lake", "leaf", "meadow", "moon", "mountain", "night", "ocean", "pine",
    "planet", "pond", "rain", "river", "sea", "shadow", "sky", "smoke", "snow", "star", "stone",
    "sun", "thunder", "tree", "valley", "water", "wave", "wind",
)


def _choices(options: str | tuple[str, ...], count: int) -> list[str]:
    """``count`` uniform random picks from the OS's randomness (rejection sampling; the
    ``secrets`` module would cost ``import cairn`` several milliseconds of hashlib)."""
    limit = 256 - 256 % len(options)
    picked: list[str] = []
    while len(picked) < count:
        picked += [options[b % len(options)] for b in os.urandom(count * 2) if b < limit]
    return picked[:count]


def new_run_id() -> str:
    """An 8-character lowercase id, as wandb makes them."""
    return "".join(_choices(_ID_ALPHABET, 8))


def validate_run_id(run_id: object) -> str:
    if not isinstance(run_id, str) or not _ID_PATTERN.match(run_id):
        raise SettingsError(
            f"invalid run id {run_id!r}: use 1 to {MAX_RUN_ID} letters, digits, '_', '-' or '.', "
            "starting with a letter or digit"
        )
    return run_id


def new_run_name(runs_dir: Path) -> str:
    """``adjective-noun-N`` where N counts the runs this folder has seen."""
    try:
        count = sum(1 for _ in os.scandir(runs_dir))
    except OSError:
        count = 0
    return f"{_choices(_ADJECTIVES, 1)[0]}-{_choices(_NOUNS, 1)[0]}-{count + 1}"
