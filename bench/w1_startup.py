"""W1: ``import cairn``, and ``init()`` until the first ``log`` is accepted.

Each repetition is a fresh ``python -c`` (nothing preloaded but the interpreter's own
start-up modules), with a fresh ``CAIRN_DIR`` for ``init``. ``import cairn`` must stay
light (DESIGN.md): the modules it loads are counted and checked for heavy ones, and one
``-X importtime`` run names the slowest imports.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.child import child_env
from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median

TITLE = "import cairn, and init() until the first log is accepted"
SIZES = {"full": {"import_reps": 15, "init_reps": 10},
         "quick": {"import_reps": 2, "init_reps": 1}}

# Modules that `import cairn` must not pull in (DESIGN.md: "import cairn is light").
HEAVY = ("numpy", "sqlite3", "_sqlite3", "pandas", "pyarrow", "psycopg", "boto3", "botocore",
         "starlette", "uvicorn", "httpx", "requests", "click")

_IMPORT_SNIPPET = """
import sys, time
before = set(sys.modules)
t0 = time.perf_counter()
import cairn
t1 = time.perf_counter()
loaded = sorted(set(sys.modules) - before)
import json
print(json.dumps({"import_s": t1 - t0, "loaded": loaded}))
"""

_INIT_SNIPPET = """
import sys, time
t0 = time.perf_counter()
import cairn
t1 = time.perf_counter()
run = cairn.init(project="bench-w1")
run.log({"loss": 2.302585, "accuracy": 0.1015625, "lr": 3e-4})
t2 = time.perf_counter()
run.finish()
t3 = time.perf_counter()
import json
print(json.dumps({"import_s": t1 - t0, "init_s": t2 - t1, "finish_s": t3 - t2,
                  "heavy_after_init": [m for m in %r if m in sys.modules]}))
"""


def _python(snippet: str, store: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-P", *flags, "-c", snippet], env=child_env(store),
                          cwd=store, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"W1 subprocess failed:\n{proc.stderr[-3000:]}")
    return proc


def _last_json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def slowest_imports(stderr: str, top: int = 10) -> list[dict[str, Any]]:
    """The ``-X importtime`` entries with the largest cumulative time."""
    entries = []
    for line in stderr.splitlines():
        found = _IMPORTTIME.match(line)
        if found:
            self_us, cumulative_us, indent, name = found.groups()
            entries.append({"module": name, "cumulative_ms": int(cumulative_us) / 1000,
                            "self_ms": int(self_us) / 1000, "depth": len(indent) // 2})
    entries.sort(key=lambda e: e["cumulative_ms"], reverse=True)
    return entries[:top]


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("W1", TITLE, sizes)
    imports = [_last_json(_python(_IMPORT_SNIPPET, ctx.store("w1-import")))
               for _ in range(sizes["import_reps"])]
    inits = [_last_json(_python(_INIT_SNIPPET % (HEAVY,), ctx.store("w1-init")))
             for _ in range(sizes["init_reps"])]
    loaded = imports[0]["loaded"]
    heavy = [m for m in HEAVY if m in loaded]
    profile = _python("import cairn", ctx.store("w1-importtime"), "-X", "importtime")
    result.add(
        "cairn",
        Figure("import_ms", "import cairn (median)",
               median([r["import_s"] for r in imports]) * 1000, "ms", 100),
        Figure("init_to_first_log_ms", "init() → first log accepted",
               median([r["init_s"] for r in inits]) * 1000, "ms", 50),
        Figure("tiny_finish_ms", "finish() of that 1-step run",
               median([r["finish_s"] for r in inits]) * 1000, "ms"),
        Figure("modules_loaded", "modules loaded by import cairn", len(loaded), "modules"),
        Figure("heavy_modules", "heavy modules loaded by import", len(heavy), "modules", 0),
    )
    result.details = {
        "import_s": [r["import_s"] for r in imports],
        "init_s": [r["init_s"] for r in inits],
        "heavy_modules_loaded_by_import": heavy,
        "heavy_modules_loaded_after_init": inits[0]["heavy_after_init"],
        "modules_loaded_by_import": loaded,
        "slowest_imports": slowest_imports(profile.stderr),
    }
    return result
