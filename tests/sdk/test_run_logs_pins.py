"""``Run.write_logs`` (text for the run's logs that is not printed) and
``Run.pin_config_keys`` (config keys shown first on the run's overview), as wandb's."""

from __future__ import annotations

from pathlib import Path

import pytest

import cairn
from cairn.errors import UsageError


def _console_lines(root: Path, run_path: str) -> list[str]:
    api = cairn.Api(root=root)
    stored = api.run(run_path)
    return [line.text for line in api.backend.store.console_lines(stored._row.pk)]


@pytest.mark.parametrize("console", ["wrap", "off"])
def test_write_logs_reaches_the_store_and_not_the_terminal(
        cairn_root: Path, console: str, capsys: pytest.CaptureFixture[str]) -> None:
    run = cairn.init(project="p", settings={"console": console})
    print("epoch 1: ", end="")  # a partial line on stdout does not run into the written text
    run.write_logs("from the logger")
    run.write_logs("two\nlines\n")
    print("done")
    run.finish()
    run.write_logs("after the end")  # ignored, as in wandb
    lines = _console_lines(cairn_root, run.path)
    written = [line for line in lines if line in ("from the logger", "two", "lines")]
    assert written == ["from the logger", "two", "lines"]
    assert "after the end" not in lines
    assert "from the logger" not in capsys.readouterr().out
    if console == "wrap":
        assert "epoch 1: done" in lines
        log = (Path(run.dir) / "output.log").read_text()
        assert "from the logger" in log


def test_write_logs_takes_only_text(cairn_root: Path) -> None:
    run = cairn.init(project="p")
    with pytest.raises(TypeError, match="str"):
        run.write_logs(b"bytes")  # type: ignore[arg-type]
    run.finish()


def test_pin_config_keys_keeps_the_order_and_replaces(cairn_root: Path) -> None:
    run = cairn.init(project="p",
                     config={"paper": "**see** the paper", "lr": 0.1, "a.b": 1})
    run.pin_config_keys(["lr", "paper"])
    run.pin_config_keys(["a.b", "paper", "lr"])
    run.finish()
    stored = cairn.Api(root=cairn_root).run(run.path)
    assert stored.metadata["pinned_keys"] == ["a.b", "paper", "lr"]


def test_pin_config_keys_refuses_bad_input_and_a_finished_run(cairn_root: Path) -> None:
    run = cairn.init(project="p", config={"lr": 0.1})
    with pytest.raises(TypeError, match="list of config keys"):
        run.pin_config_keys("lr")
    with pytest.raises(TypeError, match="must be str"):
        run.pin_config_keys(["lr", 3])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="at most 100"):
        run.pin_config_keys([f"k{i}" for i in range(101)])
    run.pin_config_keys(["lr"])
    run.pin_config_keys([])  # unpins
    run.finish()
    with pytest.raises(UsageError, match="finished"):
        run.pin_config_keys(["lr"])
    stored = cairn.Api(root=cairn_root).run(run.path)
    assert "pinned_keys" not in stored.metadata


def test_a_box3d_goes_into_a_point_cloud(cairn_root: Path) -> None:
    import numpy as np

    box = cairn.box3d(center=(0, 0, 0), size=(2, 2, 2), orientation=(1, 0, 0, 0),
                      color=(1, 0, 0), label="car", score=0.5)
    assert sorted(box["corners"])[0] == (-1, -1, -1)
    run = cairn.init(project="p")
    run.log({"scene": cairn.Object3D.from_point_cloud(np.zeros((4, 3)), boxes=[box])})
    run.finish()
    stored = cairn.Api(root=cairn_root).run(run.path)
    assert stored.summary["scene"]["_type"] == "object3D-file"
    with pytest.raises(ValueError, match="orientation must be 4 numbers"):
        cairn.box3d(center=(0, 0, 0), size=(1, 1, 1), orientation=(1, 0, 0), color=(1, 0, 0))
