"""``cairn.Histogram``: a distribution stored inline in history (bins and counts)."""

from __future__ import annotations

from typing import Any

from cairn.sdk.media.base import Encoder, Media

MAX_BINS = 512


class Histogram(Media):
    """wandb's ``Histogram(sequence=None, np_histogram=None, num_bins=64)``.

    Counted at construction (so ``bins`` and ``histogram`` are there at once, as in
    wandb); non-finite values are left out. At most 512 bins.
    """

    _type = "histogram"
    MAX_LENGTH = MAX_BINS

    def __init__(self, sequence: Any = None, np_histogram: Any = None,
                 num_bins: int = 64) -> None:
        import numpy as np

        if np_histogram is not None:
            self.histogram, self.bins = _from_np_histogram(np_histogram)
        elif sequence is not None:
            if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 1:
                raise ValueError(f"Histogram: num_bins must be a positive integer; got "
                                 f"{num_bins!r}")
            if num_bins > MAX_BINS:
                raise ValueError(f"Histogram: num_bins is {num_bins}; the most is {MAX_BINS}")
            from cairn.sdk.media.arrays import as_array

            values = as_array(sequence, "Histogram").astype(np.float64).reshape(-1)
            values = values[np.isfinite(values)]
            counts, edges = np.histogram(values, bins=num_bins)
            self.histogram = [int(c) for c in counts]
            self.bins = [float(e) for e in edges]
        else:
            raise ValueError("Histogram: give a sequence or np_histogram")
        if len(self.histogram) > MAX_BINS:
            raise ValueError(f"Histogram: {len(self.histogram)} bins; the most is {MAX_BINS}")

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        return {"_type": self._type, "values": list(self.histogram), "bins": list(self.bins)}

    def __repr__(self) -> str:
        return f"<cairn.Histogram {len(self.histogram)} bins>"


def _from_np_histogram(pair: Any) -> tuple[list[Any], list[float]]:
    import math

    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise ValueError("Histogram: np_histogram must be a (counts, bin_edges) pair as "
                         "numpy.histogram returns")
    counts, edges = ([_plain(v) for v in _flat(part)] for part in pair)
    if len(edges) != len(counts) + 1:
        raise ValueError(f"Histogram: np_histogram has {len(counts)} counts and {len(edges)} "
                         "bin edges; expected one edge more than counts")
    if not all(isinstance(e, int | float) and math.isfinite(e) for e in edges):
        raise ValueError("Histogram: np_histogram bin edges must be finite numbers")
    if not all(isinstance(c, int | float) for c in counts):
        raise ValueError("Histogram: np_histogram counts must be numbers")
    return counts, [float(e) for e in edges]


def _flat(part: Any) -> list[Any]:
    values = part.tolist() if hasattr(part, "tolist") else list(part)
    if any(isinstance(v, list) for v in values):
        raise ValueError("Histogram: np_histogram counts and edges must be 1-D")
    return list(values)


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("Histogram: np_histogram values must be numbers, not booleans")
    return value


def array_histogram(value: Any, key: str) -> Histogram:
    """An array or tensor logged directly: a 32-bin histogram, as wandb makes."""
    try:
        return Histogram(value, num_bins=32)
    except ValueError as exc:
        raise ValueError(f"cannot log the array under key {key!r}: {exc}") from exc
