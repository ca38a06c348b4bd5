"""Run summaries computed from history: the last value by default, or what
``define_metric(summary=...)`` asks for, with manual overrides that stick.

The same :class:`SummaryState` runs in two places: inside the training process (so that
``run.summary`` can be read there) and in the store's ``apply_records`` (so that a summary
rebuilt from a WAL equals the one the process saw). It is plain Python; the state is a
msgpack-able dict.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

SUMMARY_CHOICES = frozenset({"min", "max", "mean", "first", "last", "best", "copy", "none"})
GOALS = frozenset({"minimize", "maximize"})

# Aggregate slots of a numeric key. _FIRST_STEP came later: None in older states.
_COUNT, _SUM, _MIN, _MAX, _FIRST, _LAST, _LAST_STEP, _FINITE, _KIND, _FIRST_STEP = range(10)
_KIND_RANK = {"b": 0, "i": 1, "f": 2}


def typed(value: float, kind: str) -> Any:
    """A stored float64 back as the type it was logged as (int and bool series)."""
    if kind == "f" or not math.isfinite(value):
        return value
    return bool(value) if kind == "b" else int(value)


def _is_glob_match(pattern: str, key: str) -> bool:
    if pattern.endswith("*"):
        return key.startswith(pattern[:-1])
    return pattern == key


def parse_summary_spec(spec: str | None) -> tuple[str, ...]:
    """``"min,max"`` → ``("min", "max")``; raises ``ValueError`` naming a bad choice."""
    if spec is None:
        return ()
    parts = tuple(p.strip().lower() for p in spec.split(",") if p.strip())
    for part in parts:
        if part not in SUMMARY_CHOICES:
            choices = ", ".join(sorted(SUMMARY_CHOICES))
            raise ValueError(f"unknown summary {part!r} in define_metric; use one of {choices}")
    return parts


def nest(flat: Mapping[str, Any],
         paths: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """``{"a.b": 1}`` → ``{"a": {"b": 1}}``; a key that is both a leaf and a prefix stays flat.

    ``paths`` gives the parts of keys whose own names hold dots (``log({"val.acc": 1})``
    stays ``{"val.acc": 1}``, as in wandb); other keys split at every dot. Dict values (a
    define_metric summary, an override) are leaves: never merged into, so the caller's
    dicts are not changed.
    """
    out: dict[str, Any] = {}
    made: set[int] = {id(out)}  # the dicts nest() created, the only ones it adds to
    paths = paths or {}
    split = {key: list(paths.get(key) or key.split(".")) for key in flat}
    for key in sorted(flat, key=lambda k: len(split[k])):
        parts = split[key]
        node = out
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
                made.add(id(child))
            elif id(child) not in made:
                node[".".join(parts[i:])] = flat[key]
                break
            node = child
        else:
            if parts[-1] in node and id(node[parts[-1]]) in made:
                out[key] = flat[key]
            else:
                node[parts[-1]] = flat[key]
    return out


def dotted_paths(data: Mapping[str, Any], parents: tuple[str, ...] = ()
                 ) -> dict[str, list[str]]:
    """The flat keys of nested ``data`` whose parts hold dots themselves, with their parts
    (what :func:`nest` needs to rebuild them); dict values are walked as ``flatten`` does."""
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        parts = (*parents, str(key))
        if isinstance(value, Mapping) and value:
            out.update(dotted_paths(value, parts))
        elif any("." in part for part in parts):
            out[".".join(parts)] = list(parts)
    return out


_NEEDS_STATS = frozenset({"min", "max", "mean", "best"})


class ColumnStats(NamedTuple):
    """What one batch adds to a key's aggregates; min, max and total skip NaN."""

    points: int
    total: float
    lo: float
    hi: float
    first: float
    first_step: int
    last: float
    last_step: int
    finite: int
    kind: str


def _nan_aware(pick: Any, old: float, new: float) -> float:
    """``min``/``max`` of two values where NaN means "no value yet"."""
    if math.isnan(old):
        return new
    if math.isnan(new):
        return old
    return float(pick(old, new))


def flatten(data: Mapping[str, Any], prefix: str = "",
            is_leaf: Callable[[Mapping[str, Any]], bool] | None = None) -> dict[str, Any]:
    """The inverse of :func:`nest`: ``{"a": {"b": 1}}`` → ``{"a.b": 1}``. Dicts are walked;
    anything else, an empty dict, or a dict ``is_leaf`` accepts, is a value."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and value and not (is_leaf and is_leaf(value)):
            out.update(flatten(value, f"{prefix}{key}.", is_leaf))
        else:
            out[f"{prefix}{key}"] = value
    return out


class SummaryState:
    """Aggregates per history key, manual overrides and metric definitions of one run."""

    def __init__(self, state: Mapping[str, Any] | None = None, *,
                 lazy_stats: bool = False) -> None:
        """``lazy_stats``: skip min/max/mean for keys whose definition does not ask for
        them (the training process's copy; the store always keeps them)."""
        state = state or {}
        self.lazy_stats = lazy_stats
        self.numeric: dict[str, list[Any]] = {k: _slots(v) for k, v in state.get("num", {}).items()}
        self.objects: dict[str, Any] = dict(state.get("obj", {}))
        self.object_steps: dict[str, int] = dict(state.get("obj_step", {}))
        self.overrides: dict[str, Any] = dict(state.get("set", {}))
        self.step: int = int(state.get("step", -1))
        deleted = state.get("del") or {}
        self.deleted: dict[str, int] = (
            {str(k): self.step for k in deleted} if isinstance(deleted, list)  # older states
            else {str(k): int(v) for k, v in deleted.items()})
        """Keys deleted (or replaced) by hand, with the step logged last when that
        happened: they hide the key and the keys below it as logged up to that step."""
        self.metrics: dict[str, dict[str, Any]] = dict(state.get("metrics", {}))
        self.paths: dict[str, list[str]] = dict(state.get("paths", {}))
        self.version = 0
        """Counts changes, so a reader can keep the summary it built until the next one."""
        """Keys whose names hold dots, with their parts (see :func:`nest`)."""

    def to_state(self) -> dict[str, Any]:
        """The state as a msgpack-able dict, the inverse of the constructor."""
        return {
            "num": self.numeric,
            "obj": self.objects,
            "obj_step": self.object_steps,
            "set": self.overrides,
            "del": self.deleted,
            "metrics": self.metrics,
            "step": self.step,
            "paths": self.paths,
        }

    # ---- definitions -------------------------------------------------------------------
    def define(self, spec: Mapping[str, Any]) -> None:
        self.version += 1
        self.metrics[str(spec["name"])] = dict(spec)

    def definition(self, key: str) -> dict[str, Any] | None:
        exact = self.metrics.get(key)
        if exact is not None:
            return exact
        best: dict[str, Any] | None = None
        for name, spec in self.metrics.items():
            if name.endswith("*") and _is_glob_match(name, key) and (
                    best is None or len(name) > len(str(best["name"]))):
                best = spec
        return best

    # ---- updates -----------------------------------------------------------------------
    def update_numeric(self, key: str, steps: Sequence[int], values: Sequence[float],
                       kind: str = "f") -> None:
        """Fold points (steps increasing) into the key's aggregates."""
        if not values:
            return
        if self.lazy_stats and not self._wants_stats(key):
            self.fold(key, ColumnStats(
                points=len(values), total=0.0, lo=math.nan, hi=math.nan, first=values[0],
                first_step=steps[0], last=values[-1], last_step=steps[-1], finite=0,
                kind=kind))
            return
        total = sum(values, 0.0)  # fsum raises on inf - inf
        if math.isnan(total):
            finite = [v for v in values if not math.isnan(v)]
            total = sum(finite, 0.0) if finite else 0.0
        else:
            finite = values  # type: ignore[assignment]
        self.fold(key, ColumnStats(
            points=len(values), total=total, lo=min(finite) if finite else math.nan,
            hi=max(finite) if finite else math.nan, first=values[0], first_step=steps[0],
            last=values[-1], last_step=steps[-1], finite=len(finite), kind=kind))

    def _wants_stats(self, key: str) -> bool:
        spec = self.definition(key)
        return spec is not None and not _NEEDS_STATS.isdisjoint(spec.get("summary") or ())

    def _logged(self, key: str) -> None:
        """A key logged again: as in wandb the latest write wins, so a value set by hand
        (or a deletion) before it gives way to the logged one."""
        if self.overrides:
            for gone in [k for k in self.overrides if _related(k, key)]:
                del self.overrides[gone]

    def fold(self, key: str, stats: ColumnStats) -> None:
        """Fold one batch's statistics of a key into its aggregates. The first and last
        values follow the steps, so a session applied late (a resumed run's earlier
        session) does not replace a later last value."""
        self.version += 1
        self._logged(key)
        agg = self.numeric.get(key)
        if agg is None:
            self.numeric[key] = [stats.points, stats.total, stats.lo, stats.hi, stats.first,
                                 stats.last, stats.last_step, stats.finite, stats.kind,
                                 stats.first_step]
        else:
            agg[_COUNT] += stats.points
            agg[_SUM] += stats.total
            agg[_MIN] = _nan_aware(min, agg[_MIN], stats.lo)
            agg[_MAX] = _nan_aware(max, agg[_MAX], stats.hi)
            if stats.last_step >= agg[_LAST_STEP]:
                agg[_LAST] = stats.last
                agg[_LAST_STEP] = stats.last_step
            if agg[_FIRST_STEP] is not None and stats.first_step < agg[_FIRST_STEP]:
                agg[_FIRST] = stats.first
                agg[_FIRST_STEP] = stats.first_step
            agg[_FINITE] += stats.finite
            if _KIND_RANK.get(stats.kind, 2) > _KIND_RANK.get(agg[_KIND], 2):
                agg[_KIND] = stats.kind
        object_step = self.object_steps.get(key)
        if object_step is None or object_step <= stats.last_step:
            self.objects.pop(key, None)
            self.object_steps.pop(key, None)

    def observe_step(self, step: int) -> None:
        self.version += 1
        self.step = max(self.step, step)

    def update_objects(self, key: str, pairs: Sequence[tuple[int, Any]]) -> None:
        """The key's latest non-numeric value (strings, lists, media). A logged None
        leaves the summary as it was, as in wandb's stored summary (history keeps it)."""
        pairs = [pair for pair in pairs if pair[1] is not None]
        if not pairs:
            return
        self.version += 1
        step, value = max(pairs, key=lambda pair: pair[0])
        known = self.object_steps.get(key)
        if key in self.objects and known is not None and known > step:
            return
        self._logged(key)
        self.objects[key] = value
        self.object_steps[key] = step
        agg = self.numeric.get(key)
        if agg is not None and agg[_LAST_STEP] <= step:
            del self.numeric[key]

    def set_paths(self, paths: Mapping[str, Sequence[str]]) -> None:
        self.version += 1
        for key, parts in paths.items():
            if isinstance(parts, list | tuple) and ".".join(map(str, parts)) == key:
                self.paths[str(key)] = [str(p) for p in parts]

    def set_overrides(self, values: Mapping[str, Any], deleted: Iterable[str] = ()) -> None:
        """Values set by hand (flat keys) and keys deleted: a deleted key hides the keys
        below it too (``del summary["n"]`` removes ``n.a``), as logged so far."""
        self.version += 1
        for key in deleted:
            below = key + "."
            for gone in [k for k in self.overrides if k == key or k.startswith(below)]:
                del self.overrides[gone]
            self.deleted[key] = max(self.step, self._last_step_under(key))
        for key, value in values.items():
            self.overrides[key] = value

    # ---- reading -----------------------------------------------------------------------
    def _numeric_summary(self, key: str, agg: list[Any]) -> Any:
        spec = self.definition(key)
        choices = tuple(spec.get("summary") or ()) if spec else ()
        kind = agg[_KIND]
        if not choices or choices == ("copy",):
            return typed(agg[_LAST], kind)
        if "none" in choices:
            return _OMIT
        out: dict[str, Any] = {}
        for choice in choices:
            if choice == "min":
                out["min"] = typed(agg[_MIN], kind)
            elif choice == "max":
                out["max"] = typed(agg[_MAX], kind)
            elif choice == "mean":
                out["mean"] = agg[_SUM] / agg[_FINITE] if agg[_FINITE] else math.nan
            elif choice == "first":
                out["first"] = typed(agg[_FIRST], kind)
            elif choice == "last":
                out["last"] = typed(agg[_LAST], kind)
            elif choice == "best":
                goal = spec.get("goal") if spec else None
                out["best"] = typed(agg[_MAX] if goal == "maximize" else agg[_MIN], kind)
        return out

    def flat(self) -> dict[str, Any]:
        """The summary as flat ``a.b`` keys (a define_metric summary is a dict value)."""
        out: dict[str, Any] = {}
        if self.step >= 0 and "_step" not in self.deleted:
            out["_step"] = self.step
        hidden = self._hidden if self.deleted else None
        for key, agg in self.numeric.items():
            if hidden is not None and hidden(key, agg[_LAST_STEP]):
                continue
            value = self._numeric_summary(key, agg)
            if value is not _OMIT:
                out[key] = value
        for key, value in self.objects.items():
            numeric = self.numeric.get(key)
            step = self.object_steps.get(key, -1)
            if (numeric is None or step > numeric[_LAST_STEP]) and not (
                    hidden is not None and hidden(key, step)):
                out[key] = value
        out.update(self.overrides)
        return out

    def _last_step_under(self, key: str) -> int:
        """The step ``key`` or a key below it was last logged at (-1: never)."""
        below = key + "."
        steps = [agg[_LAST_STEP] for k, agg in self.numeric.items()
                 if k == key or k.startswith(below)]
        steps += [step for k, step in self.object_steps.items()
                  if k == key or k.startswith(below)]
        return max(steps, default=-1)

    def _hidden(self, key: str, last_step: int) -> bool:
        """Whether a deletion of ``key`` or of a key above it came after its last value."""
        parts = key.split(".")
        for end in range(1, len(parts) + 1):
            at = self.deleted.get(".".join(parts[:end]))
            if at is not None and at >= last_step:
                return True
        return False

    def nested(self) -> dict[str, Any]:
        return nest(self.flat(), self.paths)


def _slots(agg: Sequence[Any]) -> list[Any]:
    """A numeric key's aggregates, with slots that older states lack filled in."""
    slots = list(agg)
    if len(slots) <= _KIND:
        slots.append("f")
    if len(slots) <= _FIRST_STEP:
        slots.append(None)
    return slots


def _related(a: str, b: str) -> bool:
    """Whether one key is the other or lies below it (``n`` and ``n.a``)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


class _Omit:
    pass


_OMIT = _Omit()
