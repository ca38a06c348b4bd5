"""The benchmark suite (``make bench``) still runs end to end, at tiny sizes.

Benchmarks report figures and never fail on a number, so this asserts that every workload
ran and reported numbers, never what the numbers are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = {"W1", "W2", "W3", "W3-busy", "W4", "W5", "W6", "overhead", "artifacts", "media",
             "system", "console", "s3", "flood-kill", "sweeps", "envelopes", "server",
             "viewers", "regex", "compare", "mlflow", "panels"}


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_quick_suite_reports_every_workload(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--no-compare", "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=400, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    doc = json.loads(out.read_text())
    assert doc["errors"] == {}
    assert set(doc["workloads"]) == WORKLOADS
    assert doc["options"]["preset"] == "quick"
    assert {"cores", "python", "timestamp"} <= set(doc["machine"]) | set(doc)
    for name, workload in doc["workloads"].items():
        assert workload["sizes"], name
        if name in ("W6", "s3", "mlflow", "panels") and "all" in workload["skipped"]:
            continue  # no Chromium, web app or SeaweedFS on this machine: it says why
        # cairn's figures, under "cairn" or one name per setting ("cairn (sqlite)", ...)
        groups = {who: f for who, f in workload["figures"].items() if who.startswith("cairn")}
        assert groups, name
        assert all(groups.values()), name
        for who, figures in groups.items():
            for key, figure in figures.items():
                assert isinstance(figure["value"], int | float), f"{name}.{who}.{key}"
        assert "warning" not in workload["details"], workload["details"].get("warning")
    for name in WORKLOADS:
        assert name in proc.stdout, "the table names every workload"


@pytest.mark.slow
def test_a_workload_runs_on_postgresql_with_a_size_overridden(tmp_path: Path) -> None:
    from cairn.testing_postgres import postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "envelopes,W5", "--backend",
         "postgresql", "--size", "envelopes.runs=2", "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=150, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert doc["options"]["backend"] == "postgresql"
    assert doc["options"]["sizes"]["envelopes"]["runs"] == 2
    for name in ("envelopes", "W5"):
        workload = doc["workloads"][name]
        assert "warning" not in workload["details"], workload["details"].get("warning")
        for key, figure in workload["figures"]["cairn"].items():
            assert isinstance(figure["value"], int | float), f"{name}.{key}"
    bad = subprocess.run([sys.executable, "-m", "bench", "--size", "envelopes.nope=1"],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                         check=False)
    assert bad.returncode == 2
    assert "--size 'envelopes.nope=1'" in bad.stderr
