"""One sweep parameter and its distribution, with wandb's meaning for every name.

Each distribution is also a monotone map from the unit interval (``ppf``) and back
(``cdf``): random search draws a uniform number and maps it; the Bayesian search works in
that unit space for every continuous distribution (as wandb's own Bayesian search does),
so a log-uniform learning rate is searched evenly in its exponent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_BOUNDED = ("min", "max")
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    # name: (required keys, optional keys with wandb's defaults)
    "constant": (("value",), {}),
    "categorical": (("values",), {}),
    "categorical_w_probabilities": (("values", "probabilities"), {}),
    "int_uniform": (_BOUNDED, {}),
    "uniform": (_BOUNDED, {}),
    "q_uniform": (_BOUNDED, {"q": 1.0}),
    "log_uniform": (_BOUNDED, {}),
    "log_uniform_values": (_BOUNDED, {}),
    "q_log_uniform": (_BOUNDED, {"q": 1.0}),
    "q_log_uniform_values": (_BOUNDED, {"q": 1.0}),
    "inv_log_uniform": (_BOUNDED, {}),
    "inv_log_uniform_values": (_BOUNDED, {}),
    "normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_normal": ((), {"mu": 0.0, "sigma": 1.0, "q": 1.0}),
    "log_normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_log_normal": ((), {"mu": 0.0, "sigma": 1.0, "q": 1.0}),
    "beta": ((), {"a": 1.0, "b": 1.0}),
    "q_beta": ((), {"a": 1.0, "b": 1.0, "q": 1.0}),
}
_EDGE = 1e-12  # the unit interval's ends map to infinity for unbounded distributions


class _Error(ValueError):
    pass


def _config_error(message: str) -> Exception:
    from cairn.sweeps.config import SweepConfigError

    return SweepConfigError(message)


@dataclass(frozen=True)
class Param:
    """A leaf parameter: its dotted path, its distribution and that distribution's
    settings (``*_values`` distributions are kept in wandb's exponent form here)."""

    name: str
    distribution: str
    settings: Mapping[str, Any]

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))

    @property
    def gridable(self) -> bool:
        return self.distribution in ("constant", "categorical", "categorical_w_probabilities",
                                     "int_uniform")

    @property
    def kind(self) -> str:
        """How the Bayesian search sees it: ``fixed``, ``categorical``, ``int`` or
        ``unit`` (a float in (0, 1) mapped through ``ppf``)."""
        if self.distribution == "constant":
            return "fixed"
        if self.distribution.startswith("categorical"):
            return "categorical"
        return "int" if self.distribution == "int_uniform" else "unit"

    @property
    def values(self) -> list[Any]:
        return list(self.settings["values"])

    def grid_values(self) -> list[Any]:
        """The values grid search enumerates, in order."""
        if self.distribution == "constant":
            return [self.settings["value"]]
        if self.distribution == "int_uniform":
            return list(range(int(self.settings["min"]), int(self.settings["max"]) + 1))
        return self.values

    # ---- the unit interval -------------------------------------------------------------
    def _base(self) -> str:
        name = self.distribution
        return name[2:] if name.startswith("q_") else name

    def ppf(self, u: float) -> Any:
        """The value at quantile ``u`` of a continuous distribution, quantised by ``q``."""
        s = self.settings
        u = min(max(u, _EDGE), 1 - _EDGE)
        base = self._base()
        if base == "uniform":
            x = s["min"] + u * (s["max"] - s["min"])
        elif base == "log_uniform":
            x = math.exp(s["min"] + u * (s["max"] - s["min"]))
        elif base == "inv_log_uniform":
            x = math.exp(-(s["min"] + (1 - u) * (s["max"] - s["min"])))
        elif base == "normal":
            x = NormalDist(s["mu"], s["sigma"]).inv_cdf(u)
        elif base == "log_normal":
            x = math.exp(NormalDist(s["mu"], s["sigma"]).inv_cdf(u))
        elif base == "beta":
            x = _beta_ppf(u, s["a"], s["b"])
        else:
            raise _Error(f"{self.distribution} has no quantile function")
        return self._quantise(x)

    def _quantise(self, x: float) -> Any:
        if not self.distribution.startswith("q_"):
            return float(x)
        q = self.settings["q"]
        rounded = round(x / q) * q
        return int(rounded) if isinstance(q, int) else float(rounded)

    def cdf(self, value: Any) -> float | None:
        """The quantile of ``value`` (None where it is not a number in the support)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        s, x, base = self.settings, float(value), self._base()
        try:
            if base == "uniform":
                u = (x - s["min"]) / (s["max"] - s["min"])
            elif base == "log_uniform":
                u = (math.log(x) - s["min"]) / (s["max"] - s["min"])
            elif base == "inv_log_uniform":
                u = 1 - (-math.log(x) - s["min"]) / (s["max"] - s["min"])
            elif base == "normal":
                u = NormalDist(s["mu"], s["sigma"]).cdf(x)
            elif base == "log_normal":
                u = NormalDist(s["mu"], s["sigma"]).cdf(math.log(x))
            elif base == "beta":
                u = _beta_cdf(x, s["a"], s["b"])
            else:
                return None
        except (ValueError, ZeroDivisionError):
            return None
        return min(max(u, 0.0), 1.0) if math.isfinite(u) else None

    def sample(self, rng: np.random.Generator) -> Any:
        """One value drawn from the distribution."""
        s, name = self.settings, self.distribution
        if name == "constant":
            return s["value"]
        if name == "categorical":
            return s["values"][int(rng.integers(len(s["values"])))]
        if name == "categorical_w_probabilities":
            weights = [float(p) for p in s["probabilities"]]
            total = sum(weights)
            index = int(rng.choice(len(weights), p=[w / total for w in weights]))
            return s["values"][index]
        if name == "int_uniform":
            return int(rng.integers(int(s["min"]), int(s["max"]) + 1))
        if self._base() == "beta":
            return self._quantise(float(rng.beta(s["a"], s["b"])))
        return self.ppf(float(rng.random()))


def _beta_ppf(u: float, a: float, b: float) -> float:
    from scipy.special import betaincinv

    return float(betaincinv(a, b, u))


def _beta_cdf(x: float, a: float, b: float) -> float:
    from scipy.special import betainc

    return float(betainc(a, b, min(max(x, 0.0), 1.0)))


def _infer(name: str, spec: Mapping[str, Any]) -> str:
    """wandb's distribution for a parameter that names none."""
    if "value" in spec:
        return "constant"
    if "values" in spec:
        return "categorical_w_probabilities" if "probabilities" in spec else "categorical"
    if "min" in spec and "max" in spec:
        ints = [isinstance(spec[k], int) and not isinstance(spec[k], bool) for k in _BOUNDED]
        if ints[0] != ints[1]:  # as wandb.sweep refuses it
            raise _config_error(f"parameter {name!r} is ambiguous: give min and max both as "
                                "floats (uniform) or both as integers (int_uniform), or name "
                                "the distribution")
        return "int_uniform" if all(ints) else "uniform"
    raise _config_error(f"parameter {name!r} needs value, values, min and max, or a "
                        f"distribution (one of {', '.join(sorted(DISTRIBUTIONS))}); got "
                        f"keys {sorted(spec)}")


def _number(name: str, key: str, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _config_error(f"parameter {name!r}: {key} must be a finite number; got {value!r}")
    return value


def parse_param(name: str, spec: Any) -> Param:
    """Check one parameter's settings (wandb's schema) and fill in the defaults."""
    if not isinstance(spec, Mapping):
        raise _config_error(f"parameter {name!r} must be a mapping such as {{values: [...]}} "
                            f"or {{min: 0, max: 1}}; got {spec!r}")
    distribution = spec.get("distribution") or _infer(name, spec)
    if distribution == "categorical" and "probabilities" in spec:
        distribution = "categorical_w_probabilities"
    if distribution not in DISTRIBUTIONS:
        raise _config_error(f"parameter {name!r}: unknown distribution {distribution!r}; "
                            f"allowed: {', '.join(sorted(DISTRIBUTIONS))}")
    required, optional = DISTRIBUTIONS[distribution]
    allowed = {*required, *optional, "distribution"}
    for key in spec:
        if key not in allowed:
            raise _config_error(f"parameter {name!r}: key {key!r} is not allowed with "
                                f"distribution {distribution!r}; allowed: "
                                f"{', '.join(sorted(allowed))}")
    for key in required:
        if key not in spec:
            raise _config_error(f"parameter {name!r}: distribution {distribution!r} needs "
                                f"{key!r}")
    settings: dict[str, Any] = {**optional, **{k: v for k, v in spec.items()
                                               if k != "distribution"}}
    for key, value in settings.items():
        if key not in ("value", "values", "probabilities"):
            settings[key] = _number(name, key, value)
    _check(name, distribution, settings)
    return _exponent_form(Param(name, distribution, settings))


def _check(name: str, distribution: str, s: dict[str, Any]) -> None:
    if "values" in s and (not isinstance(s["values"], list) or not s["values"]):
        raise _config_error(f"parameter {name!r}: values must be a non-empty list; got "
                            f"{s['values']!r}")
    if distribution == "categorical_w_probabilities":
        probs = s["probabilities"]
        if not isinstance(probs, list) or len(probs) != len(s["values"]):
            raise _config_error(f"parameter {name!r}: probabilities must be a list as long "
                                f"as values ({len(s['values'])}); got {probs!r}")
        for p in probs:
            if _number(name, "probabilities", p) < 0:
                raise _config_error(f"parameter {name!r}: probabilities must be >= 0; got {p}")
        if not math.isclose(sum(probs), 1.0, abs_tol=1e-6):
            raise _config_error(f"parameter {name!r}: probabilities must sum to 1; they sum "
                                f"to {sum(probs):g}")
    if distribution == "int_uniform":
        for key in _BOUNDED:
            if not isinstance(s[key], int):
                raise _config_error(f"parameter {name!r}: int_uniform needs integer {key}; "
                                    f"got {s[key]!r}")
    if "min" in s and s["min"] > s["max"]:
        raise _config_error(f"parameter {name!r}: min ({s['min']}) is greater than max "
                            f"({s['max']})")
    if distribution.endswith("_values") and s["min"] <= 0:
        raise _config_error(f"parameter {name!r}: {distribution} takes the values themselves "
                            f"as bounds, so min must be > 0; got {s['min']}")
    for key in ("q", "sigma"):
        if key in s and s[key] <= 0:
            raise _config_error(f"parameter {name!r}: {key} must be > 0; got {s[key]}")
    for key in ("a", "b"):
        if key in s and s[key] <= 0:
            raise _config_error(f"parameter {name!r}: {key} must be > 0; got {s[key]}")


def _exponent_form(param: Param) -> Param:
    """``*_values`` bounds are the values; wandb turns them into natural-log exponents."""
    name, s = param.distribution, dict(param.settings)
    if name in ("log_uniform_values", "q_log_uniform_values"):
        s["min"], s["max"] = math.log(s["min"]), math.log(s["max"])
        return Param(param.name, name.removesuffix("_values"), s)
    if name == "inv_log_uniform_values":
        s["min"], s["max"] = math.log(1 / s["max"]), math.log(1 / s["min"])
        return Param(param.name, "inv_log_uniform", s)
    return param


__all__ = ["DISTRIBUTIONS", "Param", "parse_param"]
