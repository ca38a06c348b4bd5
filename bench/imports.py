"""imports: ``cairn import`` of a realistic run from each tool, in points a second.

For each tool a run of ``steps`` steps by ``metrics`` scalar metrics is written by the tool
itself (not timed): wandb offline (its venv: ``bench/.venv-wandb`` or the differential
suite's ``.venv-wandb``), tensorboardX event files, MLflow's client into a file store
(``log_batch``). Then ``cairn --store S import …`` runs in a fresh process, twice: the
first import (points a second, wall and CPU, the interpreter's start included) and the
second, which finds every record already applied (idempotence: seconds).

Run alone with ``python -m bench.imports [--quick]``: it is not in ``python -m bench``'s
default suite (writing the sources takes minutes; the suite's smoke test has a time
budget).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from bench.child import REPO_ROOT
from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult

TITLE = "imports: cairn import of a wandb, TensorBoard and MLflow run (points/s)"
SIZES = {"full": {"steps": 20_000, "metrics": 10},
         "quick": {"steps": 300, "metrics": 3}}

WANDB_RUN = textwrap.dedent('''
    import sys
    import wandb
    steps, metrics = int(sys.argv[1]), int(sys.argv[2])
    run = wandb.init(project="bench", config={"lr": 0.1})
    for step in range(steps):
        run.log({f"m{k}": step * 0.001 + k + 0.5 for k in range(metrics)})
    run.finish()
''')


def _wandb_python() -> Path | None:
    for venv in ("bench/.venv-wandb", ".venv-wandb"):
        python = REPO_ROOT / venv / "bin" / "python"
        if python.exists():
            return python
    return None


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "CAIRN_"))}
    env.update({"HOME": str(home), "WANDB_MODE": "offline", "WANDB_SILENT": "true",
                "WANDB_DISABLE_GIT": "true", "WANDB_DISABLE_CODE": "true",
                "WANDB_CONSOLE": "off", "WANDB_X_DISABLE_STATS": "true",
                "WANDB_X_DISABLE_MACHINE_INFO": "true", "WANDB_X_SAVE_REQUIREMENTS": "false",
                "WANDB_DIR": str(home), "PYTHONPATH": str(REPO_ROOT / "src"),
                "CAIRN_CONFIG": str(home / "no-settings.toml"),
                "MLFLOW_ALLOW_FILE_STORE": "true"})
    return env


def _timed_import(python: Path | str, store: Path, args: list[str], env: dict[str, str]
                  ) -> tuple[float, float, str]:
    """Wall and CPU seconds of one ``cairn import`` process, and its summary line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([str(python), "-m", "cairn", "--store", str(store), "import", *args],
                          env=env, capture_output=True, text=True, check=False, timeout=1800)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"cairn import {' '.join(args)} failed: {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout.strip()


def _make_tensorboard(logdir: Path, steps: int, metrics: int) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(logdir / "run")) as writer:
        for step in range(steps):
            for k in range(metrics):
                writer.add_scalar(f"m{k}", step * 0.001 + k + 0.5, step)


def _make_mlflow(root: Path, steps: int, metrics: int) -> str:
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    uri = str(root / "mlruns")
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("bench", artifact_location=(root / "a").as_uri())
    run_id = client.create_run(experiment).info.run_id
    now = int(time.time() * 1000)
    points = [Metric(f"m{k}", step * 0.001 + k + 0.5, now + step, step)
              for step in range(steps) for k in range(metrics)]
    for at in range(0, len(points), 1000):
        client.log_batch(run_id, metrics=points[at:at + 1000])
    client.set_terminated(run_id)
    return uri


def _measure(ctx: BenchContext, result: WorkloadResult, tool: str, python: Path | str,
             args: list[str], env: dict[str, str], points: int) -> None:
    store = ctx.store(f"{tool}-store") / "store"
    wall, cpu, line = _timed_import(python, store, args, env)
    again_wall, _, again = _timed_import(python, store, args, env)
    result.add("cairn",
               Figure(f"{tool}_points_s", f"{tool}: first import, points/s (wall)",
                      points / wall, "points/s", better="higher"),
               Figure(f"{tool}_points_cpu_s", f"{tool}: first import, points/CPU s",
                      points / cpu, "points/s", better="higher"),
               Figure(f"{tool}_again_s", f"{tool}: second import (nothing new)", again_wall,
                      "s"))
    result.details[tool] = {"summary": line, "again": again, "wall_s": wall, "cpu_s": cpu}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("imports", TITLE, sizes)
    steps, metrics = sizes["steps"], sizes["metrics"]
    points = steps * metrics
    home = ctx.store("sources")
    env = _env(home)
    wandb_python = _wandb_python()
    if wandb_python is None:
        result.skipped["wandb"] = "no wandb venv (bench/.venv-wandb or .venv-wandb)"
    else:
        (home / "make.py").write_text(WANDB_RUN)
        subprocess.run([str(wandb_python), "make.py", str(steps), str(metrics)], cwd=home,
                       env=env, check=True, capture_output=True, timeout=3600)
        _measure(ctx, result, "wandb", wandb_python, ["wandb", str(home / "wandb")], env,
                 points)
    try:
        _make_tensorboard(home / "tb", steps, metrics)
    except ImportError:
        result.skipped["tensorboard"] = "tensorboardX is not installed (the dev extra)"
    else:
        _measure(ctx, result, "tensorboard", sys.executable,
                 ["tensorboard", str(home / "tb")], env, points)
    try:
        uri = _make_mlflow(home / "mlflow", steps, metrics)
    except ImportError:
        result.skipped["mlflow"] = "mlflow is not installed (the dev extra)"
    else:
        _measure(ctx, result, "mlflow", sys.executable, ["mlflow", uri], env, points)
    return result


def main() -> int:
    """``python -m bench.imports [--quick]``: this workload alone (it is not in the default
    suite: writing the sources takes minutes, and the smoke test times the suite)."""
    import argparse
    import shutil
    import tempfile

    from bench import report

    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (checks it runs)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="cairn-bench-imports-"))
    try:
        ctx = BenchContext(quick=args.quick, scratch=scratch)
        t0 = time.perf_counter()
        result = run(ctx, dict(SIZES["quick" if args.quick else "full"]))
        result.seconds = time.perf_counter() - t0
        print(report.format_workload(result))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
