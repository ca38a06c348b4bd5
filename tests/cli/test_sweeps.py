"""``cairn sweep`` and ``cairn agent``, as wandb's commands."""

from __future__ import annotations

from pathlib import Path

import cairn

from .conftest import Invoke


def test_sweep_agent_and_state_changes(invoke: Invoke, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("import cairn\nrun = cairn.init()\nrun.log({'m': run.config['a']})\n")
    config = tmp_path / "sweep.yaml"
    config.write_text(f"program: {script}\nmethod: grid\nmetric:\n  name: m\n"
                      "parameters:\n  a:\n    values: [1, 2, 3]\n")
    out = invoke("sweep", str(config), "--project", "cli").stdout.splitlines()
    sweep_id = out[0].removeprefix("Created sweep with ID: ")
    assert out[1].endswith(f"/cli/sweeps/{sweep_id}")
    path = out[2].removeprefix("Run sweep agent with: cairn agent ")
    assert path.endswith(f"/cli/{sweep_id}")
    assert "agent ran 1 trial of" in invoke("agent", path, "--count", "1").stdout
    assert invoke("sweep", "--pause", path).stdout.strip() == f"sweep {path} is paused"
    assert invoke("sweep", "--resume", sweep_id, "--project", "cli").stdout.endswith(
        "is running\n")
    assert invoke("sweep", "--stop", path).stdout.endswith("is finished\n")
    assert invoke("agent", path).stdout.startswith("agent ran 0 trials")
    sweep = cairn.Api().sweep(path)
    assert sweep.state == "FINISHED"
    assert [t.value for t in sweep.trials] == [1.0]


def test_invalid_config_is_one_line(invoke: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("method: grid\nparameters:\n  lr:\n    min: 0.1\n    max: 1.0\n")
    result = invoke("sweep", str(config), code=1)
    assert result.stderr.count("\n") == 1
    assert "'lr'" in result.stderr
    assert "grid search cannot" in result.stderr
    assert "no cairn store" in invoke("agent", "nosuchid", code=1).stderr  # nothing stored
    cairn.sweep({"method": "grid", "parameters": {"a": {"values": [1]}}})
    assert invoke("agent", "nosuchid", code=1).stderr == "Error: no sweep 'nosuchid'\n"
