"""The Logs tab's data: a run's console lines, paged after a line number, searchable."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import ApiClient, assert_error

from cairn.records import Record, RunRef
from cairn.store.registry import open_store


def test_pages_of_lines_and_search(api: ApiClient, cairn_root: Path) -> None:
    ref = RunRef("me", "proj", "r1")
    lines = [[1000.0 + i, "stderr" if i % 10 == 0 else "stdout",
              f"line {i} \x1b[31mred\x1b[0m"] for i in range(25)]
    store = open_store(cairn_root)
    try:
        store.apply_records([Record(ref, "s", 1, "run", {"name": "n", "at": 1.0}),
                             Record(ref, "s", 2, "console", {"lines": lines[:20]}),
                             Record(ref, "s", 3, "console", {"lines": lines[20:]}),
                             Record(ref, "s", 4, "console", {"lines": [["bad", "x", 1]]})])
    finally:
        store.close()
    url = "/api/v1/runs/me/proj/r1/logs"
    first = api.get(url, params={"limit": 10}).json()
    assert [ln["text"] for ln in first["lines"]] == [f"line {i} \x1b[31mred\x1b[0m"
                                                     for i in range(10)]
    assert first["lines"][0]["stream"] == "stderr"
    assert first["more"] is True
    rest = api.get(url, params={"after": first["last"]}).json()
    assert len(rest["lines"]) == 15
    assert rest["more"] is False
    assert api.get(url, params={"after": rest["last"]}).json() == {
        "lines": [], "last": rest["last"], "more": False}
    found = api.get(url, params={"search": "LINE 2"}).json()["lines"]
    assert [ln["text"].split()[1] for ln in found] == ["2", *[str(i) for i in range(20, 25)]]
    assert api.get(url, params={"search": "100%"}).json()["lines"] == []
    assert_error(api.get(url, params={"limit": 0}), 400, "bad_request")
    assert_error(api.get("/api/v1/runs/me/proj/nope/logs"), 404, "not_found")


def test_the_tail_first_then_pages_back_with_counts(api: ApiClient, cairn_root: Path) -> None:
    ref = RunRef("me", "proj", "r1")
    lines = [[1000.0 + i, "stdout", f"line {i}" + (" match" if i % 5 == 0 else "")]
             for i in range(30)]
    store = open_store(cairn_root)
    try:
        store.apply_records([Record(ref, "s", 1, "run", {"name": "n", "at": 1.0}),
                             Record(ref, "s", 2, "console", {"lines": lines})])
    finally:
        store.close()
    url = "/api/v1/runs/me/proj/r1/logs"
    tail = api.get(url, params={"before": 0, "limit": 10}).json()
    assert [ln["text"] for ln in tail["lines"]] == [f"line {i}" + (" match" if i % 5 == 0
                                                                   else "")
                                                    for i in range(20, 30)]
    assert (tail["more"], tail["total"], tail["matched"]) == (True, 30, 30)
    assert tail["first"] == tail["lines"][0]["n"]
    older = api.get(url, params={"before": tail["first"], "limit": 15}).json()
    assert [ln["text"].split()[1] for ln in older["lines"]] == [str(i) for i in range(5, 20)]
    assert older["more"] is True
    oldest = api.get(url, params={"before": older["first"], "limit": 15}).json()
    assert len(oldest["lines"]) == 5
    assert oldest["more"] is False
    found = api.get(url, params={"before": 0, "limit": 2, "search": "MATCH"}).json()
    assert [ln["text"] for ln in found["lines"]] == ["line 20 match", "line 25 match"]
    assert (found["more"], found["total"], found["matched"]) == (True, 30, 6)
    assert_error(api.get(url, params={"before": -1}), 400, "bad_request")
