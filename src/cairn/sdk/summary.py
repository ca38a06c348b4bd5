"""``run.summary``: one value per key for the runs table. By default the last logged value;
``define_metric`` can ask for min/max/mean/first/last/best; a value set by hand sticks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cairn.sdk.values import summary_value


class Summary:
    """A dict-like view of the run summary. Reads see every row logged so far."""

    def __init__(self, read: Callable[[], dict[str, Any]],
                 write: Callable[[dict[str, Any], list[str]], None]) -> None:
        self._read = read
        self._write = write

    def _flat_key(self, key: str) -> str:
        if not isinstance(key, str) or not key:
            raise KeyError(f"summary keys must be non-empty strings; got {key!r}")
        return key

    def __getitem__(self, key: str) -> Any:
        current = self._read()
        if key in current:
            return current[key]
        node: Any = current
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise KeyError(key)
            node = node[part]
        return node

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: Any) -> None:
        flat = self._flat_key(key)
        self._write({flat: summary_value(value, flat)}, [])

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_"):
            object.__setattr__(self, key, value)
        else:
            self[key] = value

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"summary has no key {key!r}") from None

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._write({}, [self._flat_key(key)])

    def update(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        values = {**(data or {}), **kwargs}
        flat = {self._flat_key(k): v for k, v in values.items()}
        self._write({k: summary_value(v, k) for k, v in flat.items()}, [])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def keys(self) -> Any:
        return self._read().keys()

    def items(self) -> Any:
        return self._read().items()

    def values(self) -> Any:
        return self._read().values()

    def as_dict(self) -> dict[str, Any]:
        return self._read()

    def __repr__(self) -> str:
        return f"Summary({self._read()!r})"


_MISSING = object()
