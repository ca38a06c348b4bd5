"""The suite's output: a table per workload on stdout, and one JSON document with every
figure, the sizes, the machine and a timestamp (``bench/results/latest.json``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.child import REPO_ROOT
from bench.figures import Figure, WorkloadResult

SCHEMA_VERSION = 1


def _first_line(path: str, prefix: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_info() -> dict[str, Any]:
    import sqlite3
    from importlib import metadata

    try:
        usable: int | None = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        cairn_version = metadata.version("cairn")
    except metadata.PackageNotFoundError:
        cairn_version = None
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": _first_line("/proc/cpuinfo", "model name") or platform.processor() or None,
        "memory": _first_line("/proc/meminfo", "MemTotal"),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "cairn": cairn_version,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
        "load_average_start": load_average(),
    }


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    magnitude = abs(value)
    if float(value).is_integer() and magnitude < 1e6:
        return f"{int(value):,}"
    if magnitude >= 1e6:
        return f"{value / 1e6:.2f} M"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(figure: Figure) -> str:
    unit = "" if figure.unit in ("pts/s", "runs/s", "/s") else f" {figure.unit}"
    if figure.spread is not None:
        low, high = figure.spread
        return f"{_number(figure.value)}{unit} [{_number(low)}..{_number(high)}]"
    return f"{_number(figure.value)}{unit}"


def _target(figure: Figure) -> str:
    if figure.target is None:
        return ""
    sign = "≤" if figure.better == "lower" else "≥"
    mark = {True: "ok", False: "MISS", None: "?"}[figure.meets()]
    return f"{sign} {_number(figure.target)} {mark}"


def format_workload(result: WorkloadResult) -> str:
    """A readable block: one line per figure, cairn first, then each comparison tracker
    with its ratio to cairn (their figure ÷ cairn's)."""
    sizes = " ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}"
                     for k, v in result.sizes.items())
    lines = [f"{result.name}  {result.title}", f"    sizes: {sizes}   ({result.seconds:.1f} s)"]
    others = [t for t in result.figures if t != "cairn"]
    ours = result.figures.get("cairn", [])
    spread = any(f.spread for figures in result.figures.values() for f in figures)
    mine, theirs_width = (30, 40) if spread else (14, 24)  # "median [low..high]"
    if ours:
        header = f"    {'figure':<44}{'cairn':>{mine}}  {'target':<14}"
        for tracker in others:
            header += f"{tracker + ' ' + result.versions.get(tracker, ''):>{theirs_width}}"
        lines.append(header.rstrip())
    for figure in ours:
        line = f"    {figure.label:<44}{_cell(figure):>{mine}}  {_target(figure):<14}"
        for tracker in others:
            theirs = {f.key: f for f in result.figures[tracker]}.get(figure.key)
            text = "" if theirs is None else _cell(theirs)
            if theirs is not None and theirs.value and figure.value:
                text += f" (x{_number(theirs.value / figure.value)})"
            line += f"{text:>{theirs_width}}"
        lines.append(line.rstrip())
    for tracker, reason in result.skipped.items():
        lines.append(f"    {tracker}: {reason}")
    warning = result.details.get("warning")
    if warning:
        lines.append(f"    WARNING: {warning}")
    return "\n".join(lines)


def document(results: list[WorkloadResult], errors: dict[str, str], machine: dict[str, Any],
             options: dict[str, Any], seconds: float) -> dict[str, Any]:
    machine = {**machine, "load_average_end": load_average()}
    return {
        "schema": SCHEMA_VERSION,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "options": options,
        "seconds": round(seconds, 1),
        "machine": machine,
        "workloads": {r.name: r.as_json() for r in results},
        "errors": errors,
    }


def write_json(doc: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def print_block(text: str) -> None:
    print(text + "\n", flush=True)


def use_replacing_stdout() -> None:
    """Tables use µ, x and ≤; never crash on a terminal that cannot show them."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
