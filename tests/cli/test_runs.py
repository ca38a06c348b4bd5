from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.cli.conftest import Invoke, LoggedRun, MakeRun


@pytest.fixture
def three_runs(make_run: MakeRun) -> list[LoggedRun]:
    return [make_run(mode="local", project="mnist", config={"lr": 0.1}, name="alpha"),
            make_run(mode="local", project="mnist", config={"lr": 0.001}, name="beta",
                     tags=["best"], steps=7),
            make_run(mode="local", project="cifar", name="gamma")]


def test_list_shows_a_table_of_every_project(invoke: Invoke,
                                             three_runs: list[LoggedRun]) -> None:
    lines = invoke("runs", "list").stdout.splitlines()
    header = lines[0].split()
    assert header[:6] == ["project", "id", "name", "state", "created", "step"]
    assert {"acc", "loss", "spiky"} <= set(header[6:])  # summary columns
    assert len(lines) == 4
    beta = next(line for line in lines if " beta " in line)
    assert three_runs[1].id in beta
    assert "finished" in beta
    assert " 6 " in beta


def test_list_json_lines_of_one_project(invoke: Invoke,
                                        three_runs: list[LoggedRun]) -> None:
    out = invoke("runs", "list", "mnist", "--json").stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["name"] for r in rows] == ["beta", "alpha"]  # newest first
    assert rows[0]["config"] == {"lr": 0.001}
    assert rows[0]["summary"]["loss"] == pytest.approx(1 / 7)
    assert rows[0]["tags"] == ["best"]
    assert rows[0]["path"] == three_runs[1].path


def test_list_filter_order_and_limit(invoke: Invoke, three_runs: list[LoggedRun]) -> None:
    def names(*args: str) -> list[str]:
        out = invoke("runs", "list", "--json", *args).stdout
        return [json.loads(line)["name"] for line in out.splitlines()]

    assert names("--filter", '{"config.lr": {"$lt": 0.01}}') == ["beta"]
    assert names("--filter", '{"tags": "best"}') == ["beta"]
    assert names("--order", "name") == ["alpha", "beta", "gamma"]
    assert names("--order", "-summary.acc,name", "--limit", "2") == ["beta", "alpha"]
    assert names("--limit", "0") == ["gamma", "beta", "alpha"]


def test_list_says_when_it_shows_part(invoke: Invoke, three_runs: list[LoggedRun]) -> None:
    result = invoke("runs", "list", "--limit", "1")
    assert len(result.stdout.splitlines()) == 2
    assert "showing 1 of 3 runs" in result.stderr


def test_list_of_nothing(invoke: Invoke, three_runs: list[LoggedRun]) -> None:
    assert invoke("runs", "list", "nope").stdout.strip() == "no runs in nope"


def test_malformed_filter_names_the_problem(invoke: Invoke,
                                            three_runs: list[LoggedRun]) -> None:
    result = invoke("runs", "list", "--filter", '{"state": finished}', code=2)
    assert "Invalid value for '--filter': not valid JSON" in result.stderr
    assert "line 1, column 11" in result.stderr
    result = invoke("runs", "list", "--filter", "[1]", code=2)
    assert "must be a JSON object" in result.stderr
    result = invoke("runs", "list", "--filter", '{"colour": "red"}', code=1)
    assert result.stderr.startswith("Error: unknown filter field 'colour'")
    assert len(result.stderr.strip().splitlines()) == 1
    result = invoke("runs", "list", "--order", "-", code=1)
    assert "empty order term" in result.stderr


def test_show_prints_identity_config_summary_and_metrics(
        invoke: Invoke, three_runs: list[LoggedRun]) -> None:
    beta = three_runs[1]
    out = invoke("runs", "show", f"mnist/{beta.id}").stdout
    lines = out.splitlines()
    assert lines[0] == beta.path
    assert "  name       beta" in lines
    assert "  state      finished (exit code 0)" in lines
    assert "  tags       best" in lines
    config = lines.index("config")
    assert lines[config + 1] == "  lr: 0.001"
    assert "  loss: 0.14285714285714285" in lines
    metrics = lines[lines.index("metrics") + 1:]
    assert metrics[0].split() == ["key", "kind", "points", "steps"]
    loss = next(line.split() for line in metrics if line.split()[0] == "loss")
    assert loss == ["loss", "float", "7", "0-6"]
    note = next(line.split() for line in metrics if line.split()[0] == "note")
    assert note[1] == "other"


def test_show_json(invoke: Invoke, three_runs: list[LoggedRun]) -> None:
    alpha = three_runs[0]
    data = json.loads(invoke("runs", "show", alpha.path, "--json").stdout)
    assert data["id"] == alpha.id
    assert data["state"] == "finished"
    assert data["exit_code"] == 0
    metrics = {m["key"]: m for m in data["metrics"]}
    assert metrics["acc"] == {"key": "acc", "kind": "int", "count": 5, "first_step": 0,
                              "last_step": 4}
    assert "_runtime" in metrics


def test_show_unknown_run(invoke: Invoke, three_runs: list[LoggedRun],
                          cairn_root: Path) -> None:
    result = invoke("runs", "show", "mnist/nosuchrun", code=1)
    assert result.stderr.strip() == f"Error: no run 'mnist/nosuchrun' in {cairn_root}"


def test_ambiguous_and_bad_paths(invoke: Invoke, make_run: MakeRun) -> None:
    make_run(mode="local", project="a", id="twin")
    make_run(mode="local", project="b", id="twin")
    result = invoke("runs", "show", "twin", code=1)
    assert "ambiguous" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = invoke("runs", "list", "a/b/c", code=1)
    assert "bad path 'a/b/c'" in result.stderr


def test_reading_a_folder_without_a_store(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--dir", str(tmp_path / "empty"), "runs", "list", code=1)
    assert result.stderr.startswith(f"Error: no cairn store at {tmp_path / 'empty'}")
    assert "--dir" in result.stderr


def test_every_command_reads_the_store_given_by_store(invoke: Invoke, make_run: MakeRun,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "team"
    monkeypatch.setenv("CAIRN_STORE", str(other))
    logged = make_run(mode="local", project="mnist", name="remote")
    monkeypatch.delenv("CAIRN_STORE")
    missing = invoke("runs", "list", code=1)
    assert missing.stderr.startswith("Error: no cairn store at")
    shown = invoke("--store", str(other), "runs", "list").stdout
    assert logged.id in shown
    assert logged.id in invoke("--store", f"sqlite:///{other / 'cairn.db'}", "runs", "show",
                               logged.path).stdout
