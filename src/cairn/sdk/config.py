"""``run.config``: the run's hyperparameters, a nested dict with attribute access.

Every change is sent as a full snapshot record (configs are small, and a snapshot makes
replays trivially idempotent). Changing a value that is already set raises
``ConfigError`` unless ``allow_val_change=True``, as in wandb; as there, a top-level key's
value is compared and replaced whole (a nested dict is one value, not merged into).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cairn.errors import ConfigError
from cairn.sdk.values import clean_value

_OWN = frozenset({"_items", "_locked", "_emit"})


def _as_mapping(data: Any) -> Mapping[str, Any]:
    if data is None:
        return {}
    if type(data).__name__ == "Namespace" and hasattr(data, "_get_kwargs"):  # argparse
        return dict(vars(data))
    if isinstance(data, Mapping):
        return data
    if hasattr(data, "flag_values_dict"):  # absl flags
        return dict(data.flag_values_dict())
    if hasattr(data, "__dict__") and not isinstance(data, type):
        return {k: v for k, v in vars(data).items() if not k.startswith("_")}
    raise TypeError(f"config must be a dict, an argparse.Namespace or an object with "
                    f"attributes; got {type(data).__name__}")


class Config:
    """Nested key-value hyperparameters of a run."""

    def __init__(self, emit: Callable[[dict[str, Any]], None] | None = None) -> None:
        object.__setattr__(self, "_items", {})
        object.__setattr__(self, "_emit", emit)
        object.__setattr__(self, "_locked", {})

    # ---- changes -----------------------------------------------------------------------
    def _merge(self, target: dict[str, Any], data: Mapping[str, Any], allow_val_change: bool,
               only_missing: bool, locking: bool = False) -> bool:
        """Set each top-level key of ``data`` in ``target``. As in wandb, a value (a dict
        included) is replaced whole, never merged into: changing one needs
        ``allow_val_change``."""
        changed = False
        for key, raw in data.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"config keys must be non-empty strings; got {key!r}")
            if key in self._locked and not locking:
                _warn_locked(key, self._locked[key])
                continue
            value = clean_value(raw.as_dict() if isinstance(raw, Config) else raw)
            if key in target:
                if only_missing:
                    continue
                if target[key] != value and not allow_val_change:
                    raise ConfigError(_change_message(key, target[key], value))
                if target[key] == value and type(target[key]) is type(value):
                    continue
            target[key] = value
            changed = True
        return changed

    def update(self, data: Any = None, allow_val_change: bool = False, **kwargs: Any) -> None:
        """Merge ``data`` (dict, argparse Namespace, object) and keyword arguments."""
        merged = dict(_as_mapping(data))
        merged.update(kwargs)
        candidate = _deep_copy(self._items)
        if self._merge(candidate, merged, allow_val_change, only_missing=False):
            self._replace(candidate)

    def update_locked(self, data: Any, user: str | None = None,
                      _allow_val_change: bool = False) -> None:
        """Set ``data``'s keys and lock them: later ``update``/``setdefaults``/assignments
        of those keys are ignored with a warning, as wandb does for a sweep's parameters."""
        merged = dict(_as_mapping(data))
        candidate = _deep_copy(self._items)
        changed = self._merge(candidate, merged, _allow_val_change, only_missing=False,
                              locking=True)
        self._locked.update({key: user or "a locking caller" for key in merged})
        if changed:
            self._replace(candidate)

    def persist(self) -> None:
        """Record the config as it is now (every change is already recorded as made)."""
        if self._emit is not None:
            self._emit(_deep_copy(self._items))

    def setdefaults(self, data: Any) -> None:
        """Set only the keys that are not set yet."""
        candidate = _deep_copy(self._items)
        if self._merge(candidate, _as_mapping(data), False, only_missing=True):
            self._replace(candidate)

    def _load(self, data: Mapping[str, Any]) -> None:
        """Restore a resumed run's config without emitting a change."""
        object.__setattr__(self, "_items", _deep_copy(dict(data)))

    def _replace(self, items: dict[str, Any]) -> None:
        """Record the new config, then show it: a refused change (a finished run's
        config) leaves the config as it was."""
        if self._emit is not None:
            self._emit(_deep_copy(items))
        object.__setattr__(self, "_items", items)

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __setattr__(self, key: str, value: Any) -> None:
        if key in _OWN:
            object.__setattr__(self, key, value)
        else:
            self.update({key: value})

    def __delitem__(self, key: str) -> None:
        candidate = _deep_copy(self._items)
        del candidate[key]
        self._replace(candidate)

    # ---- reads -------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._items[key]
        except KeyError:
            raise AttributeError(f"config has no key {key!r}") from None

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> Any:
        return self._items.keys()

    def items(self) -> Any:
        return self._items.items()

    def values(self) -> Any:
        return self._items.values()

    def as_dict(self) -> dict[str, Any]:
        return _deep_copy(self._items)

    def __eq__(self, other: object) -> bool:
        items: dict[str, Any] = self._items
        if isinstance(other, Config):
            return items == other.as_dict()
        return isinstance(other, Mapping) and items == dict(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Config({self._items!r})"


def _warn_locked(key: str, user: str) -> None:
    import warnings

    from cairn.errors import CairnWarning

    warnings.warn(f"cairn: config item {key!r} was locked by {user!r} (ignored update)",
                  CairnWarning, stacklevel=4)


def _change_message(path: str, old: Any, new: Any) -> str:
    return (f"config key {path!r} is already {old!r}; refusing to change it to {new!r}. "
            "Pass allow_val_change=True to config.update() to change it")


def _deep_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in data.items()}


class ConfigStatic:
    """``run.config_static``: a read-only copy of the config, by attribute or key (wandb's
    ``ConfigStatic``)."""

    def __init__(self, config: Config) -> None:
        object.__setattr__(self, "__dict__", config.as_dict())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("run.config_static is read-only; change run.config instead")

    def __setitem__(self, key: str, value: Any) -> None:
        raise AttributeError("run.config_static is read-only; change run.config instead")

    def __getitem__(self, key: str) -> Any:
        return self.__dict__[key]

    def keys(self) -> Any:
        return self.__dict__.keys()

    def __str__(self) -> str:
        return str(self.__dict__)
