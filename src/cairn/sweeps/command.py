"""The command line of a trial run as a subprocess: ``command`` from the sweep config
(default ``${env} ${interpreter} ${program} ${args}``) with wandb's macros expanded.

    ${env}                     /usr/bin/env (nothing on Windows)
    ${interpreter}             this Python (wandb: ``python`` from PATH)
    ${program}                 the config's ``program``
    ${args}                    --name=value for each top-level parameter
    ${args_no_hyphens}         name=value
    ${args_no_boolean_flags}   --name for a true boolean, nothing for a false one,
                               --name=value otherwise
    ${args_no_equals}          --name value
    ${args_json}               one JSON object of the parameters
    ${args_json_file}          the path of a file holding that JSON object
    ${args_append_hydra}       +name=value;  ${args_override_hydra}  ++name=value
    ${envvar:NAME}             the environment variable NAME, inside any word
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")
MACROS = ("env", "interpreter", "program", "args", "args_no_hyphens", "args_no_boolean_flags",
          "args_no_equals", "args_json", "args_json_file", "args_append_hydra",
          "args_override_hydra")
_ENVVAR = re.compile(r"\$\{envvar:([A-Za-z0-9_]*)\}")
_MACRO = re.compile(r"^\$\{([a-z_]+)\}$")


def unknown_macros(command: Sequence[Any]) -> list[str]:
    """Whole-word ``${...}`` macros of a command that are not wandb's."""
    found = []
    for word in command:
        match = _MACRO.match(str(word))
        if match and match.group(1) not in MACROS:
            found.append(str(word))
    return found


def arg_forms(params: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every form the parameters take on a command line, by macro name."""
    forms: dict[str, list[str]] = {k: [] for k in ("args", "args_no_hyphens",
                                                   "args_no_boolean_flags", "args_no_equals",
                                                   "args_append_hydra",
                                                   "args_override_hydra")}
    for name in sorted(params):
        value = params[name]
        flag = f"{name}={value}"
        forms["args"].append(f"--{flag}")
        forms["args_no_hyphens"].append(flag)
        forms["args_no_equals"] += [f"--{name}", str(value)]
        forms["args_append_hydra"].append(f"+{flag}")
        forms["args_override_hydra"].append(f"++{flag}")
        if isinstance(value, bool):
            if value:
                forms["args_no_boolean_flags"].append(f"--{name}")
        else:
            forms["args_no_boolean_flags"].append(f"--{flag}")
    forms["args_json"] = [json.dumps({k: params[k] for k in sorted(params)})]
    return forms


def build_command(command: Sequence[Any] | None, program: str | None,
                  params: Mapping[str, Any], json_file: Path,
                  environ: Mapping[str, str] | None = None) -> list[str]:
    """The trial's argv; writes ``json_file`` when ``${args_json_file}`` asks for it."""
    env = os.environ if environ is None else environ
    words = [str(w) for w in (command or DEFAULT_COMMAND)]
    words = [_ENVVAR.sub(lambda m: env.get(m.group(1), m.group(1)), w) for w in words]
    forms = arg_forms(params)
    forms["env"] = [] if sys.platform == "win32" else ["/usr/bin/env"]
    forms["interpreter"] = [sys.executable]
    forms["program"] = [program] if program else []
    if "${args_json_file}" in words:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(forms["args_json"][0], encoding="utf-8")
        forms["args_json_file"] = [str(json_file)]
    argv: list[str] = []
    for word in words:
        match = _MACRO.match(word)
        argv += forms.get(match.group(1), []) if match else [word]
    return argv


__all__ = ["DEFAULT_COMMAND", "MACROS", "arg_forms", "build_command", "unknown_macros"]
