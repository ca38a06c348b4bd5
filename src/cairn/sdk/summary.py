"""``run.summary``: one value per key for the runs table. By default the last logged value;
``define_metric`` can ask for min/max/mean/first/last/best. As in wandb the latest write
wins: a value set by hand stands until the key is logged again.

Values set by hand are sent as flat keys (``summary["n"] = {"a": 1}`` sets ``n.a``), so that
``summary["n"]["b"] = 2`` adds ``n.b`` beside it; a key whose name holds dots
(``summary["val.acc"]``) travels with its parts and stays one key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

from cairn.aggregates import dotted_paths, flatten
from cairn.sdk.values import summary_value

SummaryWrite = Callable[[dict[str, Any], list[str], dict[str, list[str]]], None]
"""Sends a summary change: values set (flat keys), keys deleted, parts of dotted keys."""


class Summary:
    """A dict-like view of the run summary. Reads see every row logged so far."""

    def __init__(self, read: Callable[[], dict[str, Any]], write: SummaryWrite) -> None:
        self._read = read
        self._write = write

    def _set_path(self, parts: list[str], value: Any) -> None:
        """Set the value at ``parts`` (a key, or a key and the sub-keys below it)."""
        flat_key = ".".join(parts)
        cleaned = summary_value(value, flat_key)
        tree: dict[str, Any] = {parts[-1]: cleaned}
        for part in reversed(parts[:-1]):
            tree = {part: tree}
        # a dict set by hand is sent leaf by leaf, so later sub-key writes add beside it
        values = flatten(tree, is_leaf=lambda d: "_type" in d)
        self._write(values, [flat_key], dotted_paths(tree))

    def _flat_key(self, key: str) -> str:
        if not isinstance(key, str) or not key:
            raise KeyError(f"summary keys must be non-empty strings; got {key!r}")
        return key

    def __getitem__(self, key: str) -> Any:
        current = self._read()
        if key in current:
            node = current[key]
        else:
            node = current
            for part in key.split("."):
                if not isinstance(node, Mapping) or part not in node:
                    raise KeyError(key)
                node = node[part]
            return _view(self, key.split("."), node)
        return _view(self, [key], node)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: Any) -> None:
        self._set_path([self._flat_key(key)], value)

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
        # deleting a key that is not there is no error, as in wandb
        self._write({}, [self._flat_key(key)], {})

    def update(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        values = {**(data or {}), **kwargs}
        for key, value in values.items():
            self._set_path([self._flat_key(key)], value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    # The summary read is shared between reads until it changes: hand out copies.
    def __iter__(self) -> Iterator[str]:
        return iter(list(self._read()))

    def __len__(self) -> int:
        return len(self._read())

    def keys(self) -> Any:
        return self.as_dict().keys()

    def items(self) -> Any:
        return self.as_dict().items()

    def values(self) -> Any:
        return self.as_dict().values()

    def as_dict(self) -> dict[str, Any]:
        return _copy_tree(self._read())

    def __repr__(self) -> str:
        return f"Summary({self._read()!r})"


_MISSING = object()


class SummarySubDict(MutableMapping[str, Any]):
    """A dict value of the summary: writing into it (``summary["n"]["b"] = 2``) sets that
    key in the run's summary, as wandb's sub-dicts do."""

    def __init__(self, summary: Summary, parts: list[str], data: Mapping[str, Any]) -> None:
        self._summary = summary
        self._parts = parts
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return _view(self._summary, [*self._parts, key], self._data[key])

    def __setitem__(self, key: str, value: Any) -> None:
        self._summary._set_path([*self._parts, key], value)
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        self._summary._write({}, [".".join([*self._parts, key])], {})
        self._data.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SummarySubDict):
            other = other._data
        return isinstance(other, Mapping) and self._data == dict(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._data)


def _copy_tree(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy_tree(v) if isinstance(v, dict) else v for k, v in data.items()}


def _view(summary: Summary, parts: list[str], value: Any) -> Any:
    """A summary value as read: dicts (but media) as sub-dicts that write back."""
    if isinstance(value, dict) and "_type" not in value:
        return SummarySubDict(summary, parts, value)
    return value
