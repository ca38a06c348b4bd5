from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.cli.conftest import Invoke, MakeRun


def test_projects_with_run_counts(invoke: Invoke, make_run: MakeRun) -> None:
    first = make_run(mode="local", project="older")
    make_run(mode="local", project="newer")
    make_run(mode="local", project="newer")
    lines = invoke("projects").stdout.splitlines()
    assert lines[0].split() == ["project", "runs", "last", "activity"]
    entity = first.path.split("/")[0]
    assert lines[1].split()[:2] == [f"{entity}/newer", "2"]  # most recent first
    assert lines[2].split()[:2] == [f"{entity}/older", "1"]

    rows = [json.loads(line) for line in invoke("projects", "--json").stdout.splitlines()]
    assert [(r["name"], r["run_count"]) for r in rows] == [("newer", 2), ("older", 1)]
    assert rows[0]["last_activity"] is not None
    assert invoke("projects", "--entity", "nobody").stdout.strip() == "no projects of nobody"
