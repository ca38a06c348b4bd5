"""Eight processes logging into one store at once, from a fresh folder: no "database is
locked", no warning, every point of every run in the store afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

WORKERS = 8
STEPS = 2000
METRICS = 5

WORKER = """
    import sys, warnings

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"WARNING {{category.__name__}}: {{message}}", file=sys.stderr, flush=True)

    warnings.simplefilter("always")
    warnings.showwarning = show
    import cairn

    # Frequent small applications: many write transactions competing for the store.
    run = cairn.init(project="many", name="worker-{worker}",
                     settings={{"apply_interval": 0.01, "wal_interval": 0.01}})
    for step in range({steps}):
        run.log({{f"m{{k}}": step * (k + 1) + {worker} for k in range({metrics})}})
    run.finish()
    print(run.path, flush=True)
"""


@pytest.mark.slow
def test_eight_processes_log_into_one_store(cairn_root: Path, kit: Any) -> None:
    procs = [kit.child(WORKER.format(worker=w, steps=STEPS, metrics=METRICS))
             for w in range(WORKERS)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower(), err
        assert "WARNING" not in err, err
    paths = [out.strip() for out, _ in outputs]
    assert len(set(paths)) == WORKERS
    for worker, path in enumerate(paths):
        stored = kit.stored_run(cairn_root, path)
        assert stored is not None
        assert stored.row.state == "finished"
        assert stored.row.name == f"worker-{worker}"
        for k in range(METRICS):
            steps, values = stored.series[f"m{k}"]
            assert steps == list(range(STEPS))
            assert values == [float(s * (k + 1) + worker) for s in range(STEPS)]
