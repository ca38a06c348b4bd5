"""``wandb.sdk.data_types.molecule``."""

from __future__ import annotations

from cairn.sdk.media import Molecule

__all__ = ["Molecule"]
