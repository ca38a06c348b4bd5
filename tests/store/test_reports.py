"""Reports (migration 0013) on both SQL dialects: made, listed, saved with versions so a
stale editor overwrites nothing, bad bodies refused with the field named, deleted."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from tests.store.conftest import Writer

from cairn.errors import NotFoundError
from cairn.records import RunRef
from cairn.store.accounts import Accounts
from cairn.store.base import MetadataStore
from cairn.store.reports import BODY_BYTES, MAX_BLOCKS, ReportConflict, ReportError


def _project(store: MetadataStore, project: str = "p") -> None:
    w = Writer(RunRef("me", project, "r1"))
    store.apply_records([w.run(), w.history([(0, {"loss": 1.0})])])


def _body(*texts: str) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"id": f"m{i}", "type": "markdown", "text": t}
                                    for i, t in enumerate(texts)]
    blocks.append({"id": "chart", "type": "panel",
                   "panel": {"id": "c1", "type": "line", "h": 2,
                             "settings": {"metrics": ["loss"]}},
                   "runs": {"query": "q=state%3Afinished", "max": 20}})
    return {"blocks": blocks}


def test_a_report_is_made_read_saved_listed_and_deleted(store: MetadataStore) -> None:
    _project(store)
    assert store.reports("me", "p") == []
    made = store.create_report("me", "p", "  Loss study ", _body("# Hi $x^2$"))
    assert (made.title, made.version, made.author) == ("Loss study", 1, None)
    assert made.body == _body("# Hi $x^2$")
    saved = store.save_report("me", "p", made.id, base_version=1, body=_body("changed"))
    assert saved.version == 2
    assert saved.title == "Loss study"
    assert saved.updated_at >= made.updated_at
    renamed = store.save_report("me", "p", made.id, base_version=2, title="Loss, again")
    assert renamed.body == _body("changed")
    other = store.create_report("me", "p", "Second", {"blocks": []})
    listed = store.reports("me", "p")
    assert [r.id for r in listed] == [other.id, made.id]
    assert [r.title for r in listed] == ["Second", "Loss, again"]
    assert store.report("me", "p", made.id).body == _body("changed")
    assert store.delete_report("me", "p", made.id)
    assert not store.delete_report("me", "p", made.id)
    with pytest.raises(NotFoundError, match=f"no report {made.id}"):
        store.report("me", "p", made.id)


def test_a_stale_copy_never_overwrites_a_newer_report(store: MetadataStore) -> None:
    _project(store)
    made = store.create_report("me", "p", "R", _body("one"))
    store.save_report("me", "p", made.id, base_version=1, body=_body("two"))
    with pytest.raises(ReportConflict) as caught:
        store.save_report("me", "p", made.id, base_version=1, body=_body("stale"))
    assert caught.value.current == 2
    assert store.report("me", "p", made.id).body == _body("two")
    with pytest.raises(NotFoundError):
        store.save_report("me", "p", made.id + 99, base_version=1, title="x")


def test_concurrent_saves_from_one_version_let_exactly_one_through(
        store: MetadataStore) -> None:
    _project(store)
    made = store.create_report("me", "p", "R", _body("start"))
    won: list[int] = []
    lost: list[int] = []
    lock = threading.Lock()

    def save(i: int) -> None:
        try:
            store.save_report("me", "p", made.id, base_version=1, body=_body(f"writer {i}"))
            outcome = won
        except ReportConflict:
            outcome = lost
        with lock:
            outcome.append(i)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    assert len(lost) == 5
    found = store.report("me", "p", made.id)
    assert found.version == 2
    assert found.body == _body(f"writer {won[0]}")


def test_reports_belong_to_their_project_and_name_their_author(store: MetadataStore) -> None:
    _project(store, "p")
    _project(store, "q")
    ada, _ = Accounts(store).create_user("ada")
    made = store.create_report("me", "p", "By Ada", _body(), author_id=ada.id)
    assert made.author == "ada"
    assert store.reports("me", "q") == []
    with pytest.raises(NotFoundError):
        store.report("me", "q", made.id)
    assert not store.delete_report("me", "q", made.id)
    with pytest.raises(NotFoundError, match="no project 'me/absent'"):
        store.create_report("me", "absent", "R", _body())


@pytest.mark.parametrize(("title", "body", "message"), [
    ("", {"blocks": []}, "title: a report needs a title"),
    (3, {"blocks": []}, "title: expected a string, got int"),
    ("t" * 201, {"blocks": []}, "title: at most 200 characters"),
    ("R", [], "body: expected an object, got list"),
    ("R", {"blocks": [], "extra": 1}, "body: unknown field 'extra'"),
    ("R", {"blocks": {}}, "body.blocks: expected a list"),
    ("R", {"blocks": [{"id": "a", "type": "video"}]}, "body.blocks[0].type: expected one of"),
    ("R", {"blocks": [{"id": "a b", "type": "markdown"}]}, "body.blocks[0].id: expected"),
    ("R", {"blocks": [{"id": "a", "type": "markdown", "text": 5}]},
     "body.blocks[0].text: expected a string"),
    ("R", {"blocks": [{"id": "a", "type": "markdown", "script": "x"}]},
     "body.blocks[0]: unknown field 'script'"),
    ("R", {"blocks": [{"id": "a", "type": "markdown"}, {"id": "a", "type": "markdown"}]},
     "body.blocks[1].id: 'a' is used twice"),
    ("R", {"blocks": [{"id": "a", "type": "panel", "panel": {"id": "p", "type": "pie"}}]},
     "body.blocks[0].panel.type: expected one of"),
    ("R", {"blocks": [{"id": "a", "type": "panel", "panel": {"id": "p", "type": "line"},
                       "runs": {"max": 0}}]}, "body.blocks[0].runs.max: expected"),
    ("R", {"blocks": [{"id": "a", "type": "panel", "panel": {"id": "p", "type": "line"},
                       "runs": {"query": None}}]}, "body.blocks[0].runs.query: expected"),
    ("R", {"blocks": [{"id": "a", "type": "panel", "panel": None}]},
     "body.blocks[0].panel: expected an object"),
    ("R", {"blocks": [{"id": f"b{i}", "type": "markdown"} for i in range(MAX_BLOCKS + 1)]},
     f"body.blocks: at most {MAX_BLOCKS}"),
    ("R", {"blocks": [{"id": "a", "type": "markdown", "text": "x" * 99_000}
                      for _ in range(6)]}, f"at most {BODY_BYTES}"),
    ("R", {"blocks": [{"id": "a", "type": "panel", "panel": {
        "id": "p", "type": "line", "settings": {"y": float("nan")}}}]}, "NaN"),
])
def test_bad_reports_are_refused_with_what_is_wrong_and_keep_the_saved_one(
        store: MetadataStore, title: Any, body: Any, message: str) -> None:
    _project(store)
    with pytest.raises(ReportError, match=message.replace("[", r"\[").replace("]", r"\]")):
        store.create_report("me", "p", title, body)
    made = store.create_report("me", "p", "Kept", _body("kept"))
    with pytest.raises(ReportError):
        store.save_report("me", "p", made.id, base_version=1, title=title, body=body)
    found = store.report("me", "p", made.id)
    assert (found.title, found.body, found.version) == ("Kept", _body("kept"), 1)
