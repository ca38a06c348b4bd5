"""A sweep's configuration in wandb's schema, checked before anything runs.

``parse_config`` takes the dict (or a YAML/JSON file's text, see ``load_config``) a user
would give ``wandb.sweep`` and returns a ``SweepConfig``: the method, the metric, the
flattened parameters (``optimizer.lr`` for ``parameters: {optimizer: {parameters: {lr:
...}}}``), early termination and the program/command. Anything outside wandb's schema
raises ``SweepConfigError`` naming the key and what is allowed there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cairn.errors import Error
from cairn.sweeps.params import DISTRIBUTIONS, Param, parse_param


class SweepConfigError(Error, ValueError):
    """A sweep configuration outside wandb's schema (the key is named)."""


METHODS = ("grid", "random", "bayes")
GOALS = ("minimize", "maximize")
TOP_KEYS = ("method", "metric", "parameters", "name", "description", "program", "command",
            "run_cap", "early_terminate", "entity", "project", "controller", "apiVersion",
            "kind", "job", "image_uri")
_METRIC_KEYS = ("name", "goal", "target", "impute", "impute_while_running")
_HYPERBAND_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Metric:
    name: str
    goal: str = "minimize"
    target: float | None = None

    def better(self, a: float, b: float) -> bool:
        """Whether value ``a`` is better than ``b`` for this goal."""
        return a < b if self.goal == "minimize" else a > b

    def reached(self, value: float) -> bool:
        if self.target is None:
            return False
        return value <= self.target if self.goal == "minimize" else value >= self.target


@dataclass(frozen=True)
class Hyperband:
    """``early_terminate: {type: hyperband, ...}`` with wandb's defaults filled in."""

    bands: tuple[int, ...]
    """The iterations (1-based counts of logged metric values) at which runs are judged."""
    eta: float
    strict: bool


@dataclass(frozen=True)
class SweepConfig:
    raw: dict[str, Any]
    """The configuration as given (what ``Api().sweep(...).config`` returns)."""
    method: str
    params: tuple[Param, ...]
    """Every leaf parameter, nested ones by their dotted path, sorted by path."""
    metric: Metric | None = None
    run_cap: int | None = None
    name: str | None = None
    description: str | None = None
    program: str | None = None
    command: tuple[Any, ...] | None = None
    early_terminate: Hyperband | None = None
    tops: tuple[str, ...] = field(default=())
    """Top-level parameter names, in the order given (the order of command-line args)."""

    @property
    def searched(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.distribution != "constant")


def load_config(sweep: Mapping[str, Any] | str | Path) -> dict[str, Any]:
    """The config as a dict: a mapping as is, or a path to a YAML (or JSON) file."""
    if isinstance(sweep, Mapping):
        return dict(sweep)
    path = Path(sweep)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SweepConfigError(f"cannot read sweep config {path}: {exc}") from exc
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - pyyaml comes with the sweeps extra
        raise SweepConfigError("reading a YAML sweep config needs PyYAML: pip install "
                               "'cairn[sweeps]'") from exc
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SweepConfigError(f"sweep config {path} is not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise SweepConfigError(f"sweep config {path} must be a mapping of keys (method, "
                               f"parameters, ...); got {type(loaded).__name__}")
    return loaded


def _allowed(keys: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in keys:
        if key not in allowed:
            raise SweepConfigError(f"unknown key {where}{key!r} in the sweep config; allowed "
                                   f"there: {', '.join(allowed)}")


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SweepConfigError(f"{key} must be a finite number; got {value!r}")
    return float(value)


def _metric(raw: Any) -> Metric:
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, Mapping):
        raise SweepConfigError(f"metric must be a mapping with name, goal, target; got {raw!r}")
    _allowed(raw, _METRIC_KEYS, "metric.")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise SweepConfigError(f"metric.name must be the name of a logged metric; got {name!r}")
    goal = raw.get("goal", "minimize")
    if goal not in GOALS:
        raise SweepConfigError(f"metric.goal must be one of {', '.join(GOALS)}; got {goal!r}")
    target = raw.get("target")
    return Metric(name, goal, None if target is None else _number(target, "metric.target"))


def _hyperband(raw: Any) -> Hyperband:
    """wandb's brackets: from ``max_iter`` and ``s``, ``max_iter / eta**k`` for k = 1..s
    (while at least 1), ascending; from ``min_iter``, ``min_iter * eta**k``."""
    if not isinstance(raw, Mapping):
        raise SweepConfigError(f"early_terminate must be a mapping; got {raw!r}")
    _allowed(raw, _HYPERBAND_KEYS, "early_terminate.")
    if raw.get("type") != "hyperband":
        raise SweepConfigError(f"early_terminate.type must be 'hyperband'; got "
                               f"{raw.get('type')!r}")
    eta = _number(raw.get("eta", 3), "early_terminate.eta")
    if eta <= 1:
        raise SweepConfigError(f"early_terminate.eta must be greater than 1; got {eta:g}")
    strict = raw.get("strict", True)
    if not isinstance(strict, bool):
        raise SweepConfigError(f"early_terminate.strict must be true or false; got {strict!r}")
    bands: list[int] = []
    if "max_iter" in raw:
        max_iter, s = raw["max_iter"], raw.get("s")
        if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
            raise SweepConfigError(f"early_terminate.max_iter must be a positive integer; "
                                   f"got {max_iter!r}")
        if s is None:
            raise SweepConfigError("early_terminate with max_iter needs s (how many brackets)")
        steps = int(_number(s, "early_terminate.s"))
        band = float(max_iter)
        for _ in range(steps):
            band /= eta
            if band < 1:
                break
            bands.append(int(band))
        bands.sort()
    elif "min_iter" in raw:
        min_iter = raw["min_iter"]
        if isinstance(min_iter, bool) or not isinstance(min_iter, int) or min_iter < 1:
            raise SweepConfigError(f"early_terminate.min_iter must be a positive integer; "
                                   f"got {min_iter!r}")
        band = float(min_iter)
        for _ in range(100):
            if band > 2**53:
                break
            bands.append(int(band))
            band *= eta
    else:
        raise SweepConfigError("early_terminate needs min_iter, or max_iter and s")
    if not bands:
        raise SweepConfigError("early_terminate gives no brackets: increase s or max_iter, or "
                               "decrease eta")
    return Hyperband(tuple(bands), eta, strict)


def _flatten(raw: Any, prefix: str = "") -> list[Param]:
    where = f"parameters of {prefix[:-1]!r}" if prefix else "parameters"
    if not isinstance(raw, Mapping) or not raw:
        raise SweepConfigError(f"{where} must be a non-empty mapping of parameter names to "
                               f"their settings; got {raw!r}")
    found: list[Param] = []
    for name, spec in raw.items():
        if not isinstance(name, str) or not _PARAM_NAME.match(name):
            raise SweepConfigError(f"parameter name {name!r} in {where} must start with a "
                                   "letter or _ and hold only letters, digits, _ . -")
        path = prefix + name
        if isinstance(spec, Mapping) and "parameters" in spec:
            extra = set(spec) - {"parameters"}
            if extra:
                raise SweepConfigError(f"parameter {path!r} has nested parameters and also "
                                       f"{sorted(extra)}; a nested group holds only "
                                       "'parameters'")
            found += _flatten(spec["parameters"], path + ".")
        else:
            found.append(parse_param(path, spec))
    return found


def parse_config(raw: Mapping[str, Any]) -> SweepConfig:
    """Check ``raw`` against wandb's sweep schema and fill in its defaults."""
    if not isinstance(raw, Mapping):
        raise SweepConfigError(f"a sweep config must be a mapping; got {type(raw).__name__}")
    _allowed(raw, TOP_KEYS, "")
    method = raw.get("method")
    if method not in METHODS:
        hint = " (custom schedulers are not supported)" if method == "custom" else ""
        raise SweepConfigError(f"method must be one of {', '.join(METHODS)}; got "
                               f"{method!r}{hint}")
    if "parameters" not in raw:
        raise SweepConfigError("the sweep config needs parameters")
    params = sorted(_flatten(raw["parameters"]), key=lambda p: p.name)
    metric = _metric(raw["metric"]) if raw.get("metric") is not None else None
    if method == "bayes" and metric is None:
        raise SweepConfigError("method 'bayes' needs a metric (name and goal) to optimise")
    if method == "grid":
        for param in params:
            if not param.gridable:
                raise SweepConfigError(
                    f"parameter {param.name!r} has distribution {param.distribution!r}, which "
                    "grid search cannot enumerate; use values, value or int_uniform (or "
                    "method random/bayes)")
    run_cap = raw.get("run_cap")
    if run_cap is not None and (isinstance(run_cap, bool) or not isinstance(run_cap, int)
                                or run_cap < 1):
        raise SweepConfigError(f"run_cap must be a positive integer; got {run_cap!r}")
    early = raw.get("early_terminate")
    hyperband = _hyperband(early) if early is not None else None
    if hyperband is not None and metric is None:
        raise SweepConfigError("early_terminate needs a metric: it judges runs by its history")
    for key in ("name", "description", "program"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise SweepConfigError(f"{key} must be a string; got {raw[key]!r}")
    command = raw.get("command")
    if command is not None and (not isinstance(command, list) or not command):
        raise SweepConfigError(f"command must be a non-empty list of words and macros; got "
                               f"{command!r}")
    if command is not None:
        from cairn.sweeps.command import MACROS, unknown_macros

        bad = unknown_macros(command)
        if bad:
            raise SweepConfigError(f"command has the unknown macro {bad[0]}; known: "
                                   + ", ".join("${" + m + "}" for m in MACROS)
                                   + ", ${envvar:NAME}")
    return SweepConfig(
        raw=dict(raw), method=method, params=tuple(params), metric=metric, run_cap=run_cap,
        name=raw.get("name"), description=raw.get("description"), program=raw.get("program"),
        command=tuple(command) if command is not None else None, early_terminate=hyperband,
        tops=tuple(raw["parameters"]))


__all__ = ["DISTRIBUTIONS", "GOALS", "METHODS", "Hyperband", "Metric", "SweepConfig",
           "SweepConfigError", "load_config", "parse_config"]
