from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import cairn
from cairn.cli import state as state_module
from cairn.cli.main import COMMANDS

if TYPE_CHECKING:
    from tests.cli.conftest import Invoke, MakeRun

CONSOLE_SCRIPT = Path(sys.executable).parent / "cairn"


def test_help_lists_every_command(invoke: Invoke) -> None:
    out = invoke("--help").stdout
    assert "--dir" in out
    for name in COMMANDS:
        assert f"  {name} " in out
    assert "Usage: cairn runs list" in invoke("runs", "list", "-h").stdout


def test_version(invoke: Invoke) -> None:
    assert invoke("--version").stdout.strip() == f"cairn, version {cairn.__version__}"


def test_unknown_command_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("snyc", code=2)
    assert "No such command 'snyc'" in result.stderr


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys, json\n"
                          "print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, env=os.environ.copy())
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_cairn_does_not_load_the_cli_and_help_stays_light() -> None:
    plain = _modules_after("import cairn")
    assert not {m for m in plain if m.startswith("cairn.cli")}
    assert "click" not in plain
    helped = _modules_after(
        "from click.testing import CliRunner\nfrom cairn.cli.main import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0")
    assert "cairn.cli.sync" in helped  # listed, so imported, but nothing heavy came along
    assert not {m for m in helped if m.split(".")[0] in ("numpy", "sqlite3", "pyarrow")}
    assert not {m for m in helped if m.startswith("cairn.store")}


def test_console_script_syncs_and_lists(make_run: MakeRun, tmp_path: Path) -> None:
    logged = make_run()
    root = tmp_path / "cairn"
    env = {**os.environ, "CAIRN_DIR": "/nonexistent"}  # --dir wins
    proc = subprocess.run([str(CONSOLE_SCRIPT), "--dir", str(root), "sync"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "records:" in proc.stdout
    assert "0 already present" in proc.stdout
    proc = subprocess.run([str(CONSOLE_SCRIPT), "runs", "show", logged.id, "--json"],
                          env={**os.environ, "CAIRN_DIR": str(root)}, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["name"] == logged.name
    proc = subprocess.run([str(CONSOLE_SCRIPT), "runs", "show", "ghost"],
                          env={**os.environ, "CAIRN_DIR": str(root)}, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 1
    assert proc.stderr == f"Error: no run 'ghost' in {root}\n"  # one line, no traceback


def test_unexpected_errors_are_one_line(invoke: Invoke, make_run: MakeRun,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    make_run(mode="local")

    def broken(self: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(state_module.CliState, "api", broken)
    result = invoke("projects", code=1)
    assert result.stderr == ("Error: unexpected RuntimeError: boom second line "
                             "(set CAIRN_DEBUG=1 to see the traceback)\n")
    monkeypatch.setenv("CAIRN_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        invoke("projects")


def test_os_errors_and_bad_settings_are_one_line(invoke: Invoke, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(self: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / "cairn.db"))

    with monkeypatch.context() as patch:
        patch.setattr(state_module.CliState, "api", denied)
        result = invoke("projects", code=1)
    assert result.stderr == f"Error: {tmp_path / 'cairn.db'}: Permission denied\n"
    monkeypatch.setenv("CAIRN_HEARTBEAT_TIMEOUT", "-1")
    result = invoke("projects", code=1)
    assert result.stderr.startswith("Error: bad value '-1' for setting 'heartbeat_timeout'")
