"""A run's surroundings as they were at ``init``: host, Python, program, git, packages, and
(with ``save_code``) the main script. Taken once, in a background thread, so that
``init()`` stays fast; recorded as one ``environment`` record plus run files
(``diff.patch``, ``requirements.txt``, ``code/<script>``).
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cairn.settings import Settings

GIT_TIMEOUT = 10.0
MAX_DIFF_BYTES = 10 * 1024 * 1024
"""A larger diff is not saved (the environment record says so)."""
_SECRET_FLAG = re.compile(r"^-*[\w.-]*(token|key|secret|passw|auth|credential)[\w.-]*$",
                          re.IGNORECASE)
"""A command-line option (``--api-key``, ``db.password``) whose value is not stored."""
REDACTED = "[redacted]"


@dataclass
class Snapshot:
    environment: dict[str, Any]
    files: list[tuple[Path, str]] = field(default_factory=list)
    """(path on disk, run file name) to save with the run."""


def host_info(run_started: float, program: str | None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "host": socket.gethostname(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "program": program,
        "args": redact_args(sys.argv[1:]),
        "cpu_count": os.cpu_count(),
        "started_at": run_started,
    }
    info.update(_machine())
    from cairn.sdk.system.gpu import gpu_inventory

    gpus = gpu_inventory()
    if gpus:
        info.update(gpus)
    return info


def _machine() -> dict[str, Any]:
    """Physical cores and memory, without importing psutil where the system says (its
    import would be most of a short run's ``finish()``)."""
    if "psutil" not in sys.modules and sys.platform.startswith("linux"):
        out: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            out["memory_total"] = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        with contextlib.suppress(OSError):
            cores = _physical_cores(Path("/proc/cpuinfo").read_text())
            if cores:
                out["cpu_count_physical"] = cores
        if "memory_total" in out:
            return out
    try:
        import psutil
    except ImportError:
        return {}
    return {"cpu_count_physical": psutil.cpu_count(logical=False),
            "memory_total": int(psutil.virtual_memory().total)}


def _physical_cores(cpuinfo: str) -> int:
    """Distinct (physical id, core id) pairs of ``/proc/cpuinfo`` (0 where it has none)."""
    cores: set[tuple[str, str]] = set()
    package = core = ""
    for line in [*cpuinfo.splitlines(), ""]:
        name, _, value = line.partition(":")
        name = name.strip()
        if name == "physical id":
            package = value.strip()
        elif name == "core id":
            core = value.strip()
        elif not line.strip() and core:
            cores.add((package, core))
            package = core = ""
    return len(cores)


def strip_credentials(url: str) -> str:
    """A remote URL without its user information (``user:token@``) and without a query or
    fragment (``?private_token=``): never store secrets. The user information ends at the
    last ``@`` of the URL, not at the first ``/`` (a password may hold one, and
    ``urllib.parse.urlsplit`` would then take the rest of it for the path); an ``@`` in a
    path costs the path's start, never a secret. The scp form (``git@host:path``) holds a
    user name only and is kept."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    rest = re.split(r"[?#]", rest, maxsplit=1)[0]
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


def redact_args(args: list[str]) -> list[str]:
    """The program's arguments with the values of secret-looking options replaced:
    ``--api-key=…``, ``--token …`` and ``password=…``."""
    out: list[str] = []
    redact_next = False
    for arg in args:
        if redact_next and not arg.startswith("-"):
            out.append(REDACTED)
            redact_next = False
            continue
        name, eq, _ = arg.partition("=")
        secret = bool(_SECRET_FLAG.match(name))
        if eq and secret:
            out.append(f"{name}={REDACTED}")
        else:
            out.append(arg)
        redact_next = secret and not eq and arg.startswith("-")
    return out


def _git(cwd: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT,
                             check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.decode("utf-8", "replace").strip()


def git_info(cwd: Path, diff_path: Path) -> tuple[dict[str, Any] | None, bool]:
    """The repository ``cwd`` is in: root, remote (without credentials), branch, commit,
    dirty; when dirty, ``git diff HEAD`` is written to ``diff_path``. Returns the info (None
    outside a repository, or without git) and whether the diff was written."""
    root = _git(cwd, "rev-parse", "--show-toplevel")
    if root is None:
        return None, False
    info: dict[str, Any] = {"root": root, "commit": _git(cwd, "rev-parse", "HEAD"),
                            "branch": _git(cwd, "rev-parse", "--abbrev-ref", "HEAD")}
    remote = _git(cwd, "config", "--get", "remote.origin.url")
    info["remote"] = strip_credentials(remote) if remote else None
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    info["dirty"] = bool(status)
    if not info["dirty"] or info["commit"] is None:
        return info, False
    try:
        with diff_path.open("wb") as fh:
            out = subprocess.run(["git", "diff", "HEAD", "--binary", "--no-ext-diff",
                                  "--no-textconv", "--no-color"], cwd=cwd, stdout=fh,
                                 stderr=subprocess.DEVNULL, timeout=GIT_TIMEOUT, check=False,
                                 stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return info, False
    size = diff_path.stat().st_size
    if out.returncode != 0 or size == 0 or size > MAX_DIFF_BYTES:
        info["diff_skipped"] = "too large" if size > MAX_DIFF_BYTES else "git diff failed"
        diff_path.unlink(missing_ok=True)
        return info, False
    return info, True


_requirements_cache: dict[tuple[str, ...], tuple[float, str]] = {}
REQUIREMENTS_TTL = 60.0
"""Seconds a process reuses its package list: runs started one after another (a sweep in
one process) do not list the packages again."""


def requirements() -> str:
    """``pip freeze`` of this interpreter: the installed distributions, from their
    ``.dist-info`` folder names on ``sys.path`` (no file is opened: fast), falling back to
    their metadata for the rare older layouts."""
    key = tuple(sys.path)
    cached = _requirements_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < REQUIREMENTS_TTL:
        return cached[1]
    text = _list_requirements()
    _requirements_cache.clear()
    _requirements_cache[key] = (time.monotonic(), text)
    return text


def _list_requirements() -> str:
    seen: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = [e.name for e in os.scandir(entry or ".")
                     if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
        for name in names:
            stem = name.rsplit(".", 1)[0]
            project, _, version = stem.partition("-")
            if name.endswith(".egg-info") or not version:
                found = _from_metadata(os.path.join(entry or ".", name))
                if found is None:
                    continue
                project, version = found
            seen.setdefault(project.lower().replace("_", "-"), f"{project}=={version}")
    return "".join(f"{line}\n" for _, line in sorted(seen.items()))


def _from_metadata(path: str) -> tuple[str, str] | None:
    from importlib import metadata

    try:
        dist = metadata.PathDistribution(Path(path))
        name = dist.metadata["Name"]
        return (str(name), str(dist.version)) if name and dist.version else None
    except Exception:
        return None


def take(files_dir: Path, started: float, settings: Settings, program: str | None,
         cwd: Path) -> Snapshot:
    """Everything the settings ask for, with the files written under ``files_dir`` (the
    run's files folder)."""
    t0 = time.perf_counter()
    env = host_info(started, program)
    env["cwd"] = str(cwd)
    snap = Snapshot(env)
    git = None
    if not settings.disable_git:
        git, has_diff = git_info(cwd, files_dir / "diff.patch")
        if git is not None:
            env["git"] = git
            if has_diff:
                snap.files.append((files_dir / "diff.patch", "diff.patch"))
    if settings.save_requirements:
        reqs = files_dir / "requirements.txt"
        reqs.write_text(requirements(), encoding="utf-8")
        snap.files.append((reqs, "requirements.txt"))
    save_code = settings.save_code
    program = env.get("program")
    if save_code and program:
        name = _code_name(Path(program), git)
        env["code_path"] = name
        snap.files.append((Path(program), name))
    env["snapshot_seconds"] = round(time.perf_counter() - t0, 4)
    return snap


def _code_name(program: Path, git: dict[str, Any] | None) -> str:
    """``code/<path in the repository>`` (or the script's name outside one)."""
    if git and git.get("root"):
        try:
            return "code/" + program.resolve().relative_to(Path(git["root"]).resolve()).as_posix()
        except ValueError:
            pass
    return f"code/{program.name}"


MAX_CODE_FILES = 1000
MAX_CODE_BYTES = 50 * 1024 * 1024
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox",
              ".mypy_cache", ".pytest_cache", ".ruff_cache", "wandb", "cairn"}


def code_files(root: Path, include: Callable[[str], bool] | None,
               exclude: Callable[[str], bool] | None) -> list[tuple[Path, str]]:
    """``(path, "code/<path below root>")`` of the source files below ``root`` (``.py``
    unless ``include`` says otherwise), skipping VCS, virtualenv and cache folders; at most
    MAX_CODE_FILES files and MAX_CODE_BYTES bytes (ValueError beyond)."""
    root = root.resolve()
    if not root.is_dir():
        raise ValueError(f"log_code root {str(root)!r} is not a folder")
    chosen: list[tuple[Path, str]] = []
    total = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink():
                continue  # a link may point anywhere: only files inside root are code
            text = str(path)
            if not (include(text) if include is not None else name.endswith(".py")):
                continue
            if exclude is not None and exclude(text):
                continue
            total += path.stat().st_size
            chosen.append((path, "code/" + path.relative_to(root).as_posix()))
            if len(chosen) > MAX_CODE_FILES or total > MAX_CODE_BYTES:
                raise ValueError(f"log_code under {str(root)!r} matches more than "
                                 f"{MAX_CODE_FILES} files or {MAX_CODE_BYTES} bytes; narrow "
                                 "it with root= or include_fn=")
    return sorted(chosen, key=lambda item: item[1])
