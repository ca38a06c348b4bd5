"""The environment snapshot of a run started in a real, dirty git repository: host and
program details, git state without credentials, the diff, requirements and the script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cairn
from cairn.sdk.snapshot import git_info, redact_args, requirements, strip_credentials

SCRIPT = """
import cairn
# the tests' cairn folder turns these off by default (cairn.testing.isolated_cairn)
run = cairn.init(project="env", save_code=True,
                 settings={"disable_git": False, "save_requirements": True})
run.log({"a": 1})
print(run.path)
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def dirty_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    (repo / "src").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.com")
    git(repo, "config", "user.name", "Dev")
    git(repo, "remote", "add", "origin", "https://dev:s3cret-token@git.example.com/team/p.git")
    (repo / "src" / "train.py").write_text(textwrap.dedent(SCRIPT))
    (repo / "README").write_text("first\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    (repo / "README").write_text("first\nchanged, not committed\n")
    return repo


def test_a_run_records_its_environment_git_diff_requirements_and_code(
        dirty_repo: Path) -> None:
    out = subprocess.run([sys.executable, "src/train.py", "--lr", "0.1"], cwd=dirty_repo,
                         capture_output=True, text=True, env=dict(os.environ), check=False,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    run = cairn.Api().run(out.stdout.strip().splitlines()[-1])
    meta = run.metadata
    assert meta["program"] == str(dirty_repo / "src" / "train.py")
    assert meta["args"] == ["--lr", "0.1"]
    assert meta["cwd"] == str(dirty_repo)
    assert meta["executable"] == sys.executable
    assert meta["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["cpu_count"] == os.cpu_count()
    assert meta["memory_total"] > 0
    assert meta["host"]
    assert "gpu" not in meta  # no NVIDIA GPU here
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=dirty_repo, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert meta["git"] == {"root": str(dirty_repo), "commit": commit, "branch": "main",
                           "remote": "https://git.example.com/team/p.git", "dirty": True}
    files = {f.name: f for f in run.files()}
    assert {"diff.patch", "requirements.txt", "code/src/train.py"} <= set(files)
    with files["diff.patch"].open() as fh:
        diff = fh.read().decode()
    assert "+changed, not committed" in diff
    with files["requirements.txt"].open() as fh:
        reqs = fh.read().decode().splitlines()
    assert any(line.startswith("msgpack==") for line in reqs)
    with files["code/src/train.py"].open() as fh:
        assert fh.read().decode() == textwrap.dedent(SCRIPT)
    assert meta["code_path"] == "code/src/train.py"


def test_a_clean_tree_has_no_diff_and_code_is_not_saved_unless_asked(
        dirty_repo: Path) -> None:
    git(dirty_repo, "commit", "-q", "-am", "second")
    script = dirty_repo / "src" / "train.py"
    script.write_text(SCRIPT.replace("save_code=True,", ""))
    git(dirty_repo, "commit", "-q", "-am", "third")
    out = subprocess.run([sys.executable, str(script)], cwd=dirty_repo, capture_output=True,
                         text=True, env=dict(os.environ), check=True, timeout=60)
    run = cairn.Api().run(out.stdout.strip().splitlines()[-1])
    assert run.metadata["git"]["dirty"] is False
    names = {f.name for f in run.files()}
    assert "diff.patch" not in names
    assert not [n for n in names if n.startswith("code/")]


def test_outside_a_repository_there_is_no_git(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = cairn.init(project="env", settings={"disable_git": False})
    run.finish()
    meta = cairn.Api().run(run.path).metadata
    assert "git" not in meta
    assert meta["cwd"] == str(tmp_path)


def test_git_and_requirements_can_be_turned_off(dirty_repo: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(dirty_repo)
    run = cairn.init(project="env", settings={"disable_git": True,
                                              "save_requirements": False})
    run.finish()
    stored = cairn.Api().run(run.path)
    assert "git" not in stored.metadata
    assert stored.files() == []


def test_credentials_never_stored_and_requirements_sorted() -> None:
    assert strip_credentials("https://u:p@h.com/r.git") == "https://h.com/r.git"
    assert strip_credentials("ssh://git@h.com/r.git") == "ssh://h.com/r.git"
    assert strip_credentials("git@h.com:r.git") == "git@h.com:r.git"  # scp form: a user only
    assert strip_credentials("https://user:pa/ss@host/r.git") == "https://host/r.git"
    assert strip_credentials("https://host/r.git?private_token=SECRET#x") == "https://host/r.git"
    assert strip_credentials("https://u:p@q@host:8443/g/r.git") == "https://host:8443/g/r.git"
    lines = requirements().splitlines()
    assert lines == sorted(lines, key=lambda line: line.split("==")[0].lower())
    assert all("==" in line for line in lines)


def test_log_code_saves_the_source_tree(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / "train.py").write_text("print('train')\n")
    (root / "pkg" / "model.py").write_text("class Net: ...\n")
    (root / "pkg" / "notes.md").write_text("# notes\n")
    (root / ".venv" / "lib" / "dep.py").write_text("x = 1\n")
    (root / "link.py").symlink_to(tmp_path / "outside.py")
    (tmp_path / "outside.py").write_text("secret = 1\n")
    run = cairn.init(project="env")
    assert run.log_code(str(root)) == ["code/pkg/model.py", "code/train.py"]
    assert run.log_code(str(root), include_fn=lambda p: p.endswith(".md")) == [
        "code/pkg/notes.md"]
    assert run.log_code(str(root), exclude_fn=lambda p: "pkg" in p) == ["code/train.py"]
    with pytest.raises(ValueError, match="not a folder"):
        run.log_code(str(root / "train.py"))
    run.finish()
    files = {f.name for f in cairn.Api().run(run.path).files()}
    assert files == {"code/pkg/model.py", "code/train.py", "code/pkg/notes.md"}


def test_secret_looking_arguments_are_redacted() -> None:
    args = ["--api-key=abc", "--token", "xyz", "--lr", "0.1", "db.password=hunter2",
            "--auth-file", "-v", "--KEY", "k", "data.csv", "--secret"]
    assert redact_args(args) == ["--api-key=[redacted]", "--token", "[redacted]", "--lr", "0.1",
                                 "db.password=[redacted]", "--auth-file", "-v", "--KEY",
                                 "[redacted]", "data.csv", "--secret"]


def test_the_diff_ignores_external_diff_textconv_and_colour_settings(dirty_repo: Path,
                                                                     tmp_path: Path) -> None:
    tool = tmp_path / "ext-diff.sh"
    tool.write_text("#!/bin/sh\necho EXTERNAL TOOL\n")
    tool.chmod(0o755)
    git(dirty_repo, "config", "diff.external", str(tool))
    git(dirty_repo, "config", "color.diff", "always")
    (dirty_repo / ".gitattributes").write_text("README diff=upper\n")
    git(dirty_repo, "config", "diff.upper.textconv", "tr a-z A-Z <")
    info, written = git_info(dirty_repo, tmp_path / "diff.patch")
    assert info is not None
    assert written
    patch = (tmp_path / "diff.patch").read_text()
    assert "EXTERNAL TOOL" not in patch
    assert "\x1b[" not in patch
    assert "+changed, not committed" in patch


def test_physical_cores_and_memory_are_read_without_psutil_as_psutil_reads_them() -> None:
    from cairn.sdk.snapshot import _machine, _physical_cores

    two_packages_hyperthreaded = "".join(
        f"processor\t: {i}\nphysical id\t: {i // 4}\ncore id\t\t: {i % 2}\n\n"
        for i in range(8))
    assert _physical_cores(two_packages_hyperthreaded) == 4
    assert _physical_cores("processor\t: 0\nmodel name\t: some arm core\n\n") == 0
    psutil = pytest.importorskip("psutil")
    if not sys.platform.startswith("linux"):
        assert _machine()["memory_total"] == psutil.virtual_memory().total
        return
    read = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import json, sys
        from cairn.sdk.snapshot import _machine
        found = _machine()
        assert "psutil" not in sys.modules
        print(json.dumps(found))
    """)], capture_output=True, text=True, env=dict(os.environ), check=True, timeout=60)
    assert json.loads(read.stdout) == {"memory_total": psutil.virtual_memory().total,
                                       "cpu_count_physical": psutil.cpu_count(logical=False)}
