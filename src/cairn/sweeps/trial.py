"""How an agent hands a trial to the ``cairn.init()`` inside it: environment variables,
as wandb's agent sets them, and a JSON file of the suggested parameters.

    CAIRN_SWEEP_ID (WANDB_SWEEP_ID)                  the sweep
    CAIRN_SWEEP_PARAM_PATH (WANDB_SWEEP_PARAM_PATH)  {"name": {"value": v}, ...}
    CAIRN_SWEEP_PROJECT, CAIRN_SWEEP_ENTITY          where the sweep lives
    CAIRN_RUN_ID (WANDB_RUN_ID)                      the trial's run id

Imported by ``init``: it stays light (no search libraries).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cairn.errors import UsageError


@dataclass(frozen=True)
class SweepTrial:
    sweep_id: str
    run_id: str
    entity: str | None
    project: str | None
    params: dict[str, Any]

    def config(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """The run's config: what the script passed, with the sweep's parameters over it
        (as wandb, the sweep's values win)."""
        merged = dict(given or {})
        merged.update(self.params)
        return merged


def _env(environ: Mapping[str, str], name: str) -> str | None:
    return environ.get(f"CAIRN_{name}") or environ.get(f"WANDB_{name}") or None


def trial_env(sweep_id: str, run_id: str, entity: str, project: str,
              param_path: Path) -> dict[str, str]:
    return {"CAIRN_SWEEP_ID": sweep_id, "CAIRN_RUN_ID": run_id, "CAIRN_SWEEP_ENTITY": entity,
            "CAIRN_SWEEP_PROJECT": project, "CAIRN_SWEEP_PARAM_PATH": str(param_path)}


def write_params(path: Path, params: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({k: {"value": v} for k, v in params.items()}),
                    encoding="utf-8")


def active_trial(environ: Mapping[str, str] | None = None) -> SweepTrial | None:
    """The trial this process runs, or None outside a sweep."""
    env = os.environ if environ is None else environ
    sweep_id, run_id = _env(env, "SWEEP_ID"), _env(env, "RUN_ID")
    if sweep_id is None or run_id is None:
        return None
    params: dict[str, Any] = {}
    path = _env(env, "SWEEP_PARAM_PATH")
    if path:
        try:
            loaded = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read the sweep parameters at {path} "
                             f"(CAIRN_SWEEP_PARAM_PATH): {exc}") from exc
        if not isinstance(loaded, dict):
            raise UsageError(f"the sweep parameters at {path} are not a mapping")
        params = {k: v["value"] if isinstance(v, dict) and "value" in v else v
                  for k, v in loaded.items()}
    return SweepTrial(sweep_id, run_id, env.get("CAIRN_SWEEP_ENTITY") or None,
                      env.get("CAIRN_SWEEP_PROJECT") or None, params)


__all__ = ["SweepTrial", "active_trial", "trial_env", "write_params"]
