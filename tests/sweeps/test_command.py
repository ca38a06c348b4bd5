"""A trial's command line: wandb's default command and every macro."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cairn.sweeps.command import build_command

PARAMS = {"lr": 0.1, "debug": False, "fast": True, "opt": {"name": "adam"}}


def test_default_command(tmp_path: Path) -> None:
    argv = build_command(None, "train.py", PARAMS, tmp_path / "a.json")
    assert argv == ["/usr/bin/env", sys.executable, "train.py", "--debug=False",
                    "--fast=True", "--lr=0.1", "--opt={'name': 'adam'}"]


def test_every_macro(tmp_path: Path) -> None:
    def one(macro: str) -> list[str]:
        return build_command([macro], "p.py", PARAMS, tmp_path / "args.json",
                             environ={"DATA": "/data"})

    assert one("${args_no_hyphens}") == ["debug=False", "fast=True", "lr=0.1",
                                         "opt={'name': 'adam'}"]
    assert one("${args_no_boolean_flags}") == ["--fast", "--lr=0.1", "--opt={'name': 'adam'}"]
    assert one("${args_no_equals}")[:4] == ["--debug", "False", "--fast", "True"]
    assert json.loads(one("${args_json}")[0]) == PARAMS
    path = one("${args_json_file}")
    assert json.loads(Path(path[0]).read_text()) == PARAMS
    assert one("${args_append_hydra}")[0] == "+debug=False"
    assert one("${args_override_hydra}")[0] == "++debug=False"
    assert one("${program}") == ["p.py"]
    assert one("${interpreter}") == [sys.executable]
    assert one("--data=${envvar:DATA}/x") == ["--data=/data/x"]
    assert one("plain") == ["plain"]
