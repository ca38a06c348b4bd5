"""Saved workspace layouts and named views (migration 0010) on both SQL dialects."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from tests.store.conftest import Writer

from cairn.errors import NotFoundError
from cairn.records import RunRef
from cairn.store.accounts import Accounts
from cairn.store.base import MetadataStore
from cairn.store.workspaces import (
    LAYOUT_BYTES,
    MAX_PANELS,
    LayoutConflict,
    LayoutError,
    ViewNameTaken,
)


def _project(store: MetadataStore, project: str = "p") -> None:
    w = Writer(RunRef("me", project, "r1"))
    store.apply_records([w.run(), w.history([(0, {"loss": 1.0})])])


def _layout(*panels: str, name: str = "Mine") -> dict[str, Any]:
    return {"sections": [{"id": "s1", "name": name, "collapsed": False, "panels": [
        {"id": p, "type": "line", "w": 2, "h": 1,
         "settings": {"metrics": ["loss"], "smoothing": {"kind": "ema", "weight": 0.5}}}
        for p in panels]}], "hidden": ["acc"], "colors": {"r1": "#ff0000"}}


def test_layout_is_saved_versioned_and_deleted(store: MetadataStore) -> None:
    _project(store)
    assert store.workspace_layout("me", "p") is None
    first = store.save_workspace_layout("me", "p", _layout("a"), base_version=0)
    assert first.version == 1
    second = store.save_workspace_layout("me", "p", _layout("a", "b"), base_version=1)
    assert second.version == 2
    found = store.workspace_layout("me", "p")
    assert found is not None
    assert found.layout == _layout("a", "b")
    assert found.version == 2
    assert store.delete_workspace_layout("me", "p")
    assert not store.delete_workspace_layout("me", "p")
    assert store.workspace_layout("me", "p") is None


def test_a_stale_copy_never_overwrites_a_newer_layout(store: MetadataStore) -> None:
    _project(store)
    store.save_workspace_layout("me", "p", _layout("a"), base_version=0)
    store.save_workspace_layout("me", "p", _layout("b"), base_version=1)
    with pytest.raises(LayoutConflict) as caught:
        store.save_workspace_layout("me", "p", _layout("stale"), base_version=1)
    assert caught.value.current == 2
    with pytest.raises(LayoutConflict):
        store.save_workspace_layout("me", "p", _layout("first"), base_version=0)
    found = store.workspace_layout("me", "p")
    assert found is not None
    assert found.layout == _layout("b")
    # No base version: saved over whatever is there.
    assert store.save_workspace_layout("me", "p", _layout("c")).version == 3


def test_concurrent_saves_from_one_version_let_exactly_one_through(
        store: MetadataStore) -> None:
    _project(store)
    store.save_workspace_layout("me", "p", _layout("a"), base_version=0)
    outcomes: list[str] = []
    lock = threading.Lock()

    def save(i: int) -> None:
        try:
            store.save_workspace_layout("me", "p", _layout(f"t{i}"), base_version=1)
            result = "saved"
        except LayoutConflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["saved"]
    found = store.workspace_layout("me", "p")
    assert found is not None
    assert found.version == 2


def test_layouts_are_per_user_and_per_project(store: MetadataStore) -> None:
    _project(store)
    _project(store, "q")
    ada, _ = Accounts(store).create_user("ada")
    store.save_workspace_layout("me", "p", _layout("local"))
    store.save_workspace_layout("me", "p", _layout("ada"), user_id=ada.id)
    store.save_workspace_layout("me", "q", _layout("other_project"))
    local = store.workspace_layout("me", "p")
    mine = store.workspace_layout("me", "p", user_id=ada.id)
    assert local is not None
    assert mine is not None
    assert local.layout == _layout("local")
    assert mine.layout == _layout("ada")
    assert store.workspace_layout("me", "q", user_id=ada.id) is None


@pytest.mark.parametrize(("layout", "message"), [
    ([], "layout: expected an object"),
    ({"panels": []}, "unknown field 'panels'"),
    ({"sections": [{"id": "s", "name": "x", "panels": [{"id": "a", "type": "pie"}]}]},
     "layout.sections[0].panels[0].type"),
    ({"sections": [{"id": "s", "name": "x", "panels": [
        {"id": "a", "type": "line", "w": 99}]}]}, "layout.sections[0].panels[0].w"),
    ({"sections": [{"id": "s", "name": "x", "panels": [
        {"id": "a", "type": "line"}, {"id": "a", "type": "bar"}]}]}, "used twice"),
    ({"sections": [{"id": "bad id!", "name": "x"}]}, "layout.sections[0].id"),
    ({"sections": [{"id": "s\n", "name": "x"}]}, "layout.sections[0].id"),
    ({"colors": {"r1": "#ff0000\n"}}, "layout.colors['r1']"),
    ({"colors": {"r1": "red"}}, "layout.colors['r1']"),
    ({"sections": [{"id": "s", "name": "x", "panels": [
        {"id": f"p{i}", "type": "line"} for i in range(MAX_PANELS + 1)]}]},
     f"at most {MAX_PANELS} panels"),
    ({"hidden": ["x" * LAYOUT_BYTES]}, f"at most {LAYOUT_BYTES}"),
    ({"sections": [{"id": "s", "name": "x", "panels": [
        {"id": "a", "type": "line", "settings": {"ymin": float("nan")}}]}]}, "NaN"),
])
def test_bad_layouts_are_refused_with_what_is_wrong_and_keep_the_saved_one(
        store: MetadataStore, layout: Any, message: str) -> None:
    _project(store)
    store.save_workspace_layout("me", "p", _layout("kept"))
    with pytest.raises(LayoutError, match=message.replace("[", r"\[").replace("]", r"\]")):
        store.save_workspace_layout("me", "p", layout)
    found = store.workspace_layout("me", "p")
    assert found is not None
    assert found.layout == _layout("kept")


def test_no_layout_for_a_project_that_is_not_there(store: MetadataStore) -> None:
    with pytest.raises(NotFoundError, match="no project 'me/nope'"):
        store.save_workspace_layout("me", "nope", _layout("a"))
    with pytest.raises(NotFoundError):
        store.workspace_layout("me", "nope")


def test_named_views_save_rename_default_and_delete(store: MetadataStore) -> None:
    _project(store)
    state = {"layout": _layout("a"), "query": "x=_runtime&smooth=0.5"}
    first = store.create_workspace_view("me", "p", "Loss only", state, default=True)
    second = store.create_workspace_view("me", "p", "Everything", {"layout": None,
                                                                    "query": ""})
    assert [v.name for v in store.workspace_views("me", "p")] == ["Everything", "Loss only"]
    assert first.default
    assert not second.default
    assert store.workspace_view("me", "p", first.id).state == state
    # One default at a time.
    store.change_workspace_view("me", "p", second.id, default=True)
    by_name = {v.name: v for v in store.workspace_views("me", "p")}
    assert (by_name["Loss only"].default, by_name["Everything"].default) == (False, True)
    renamed = store.change_workspace_view("me", "p", first.id, name="Loss")
    assert renamed.name == "Loss"
    assert renamed.state == state
    with pytest.raises(ViewNameTaken, match="'Everything' exists already"):
        store.create_workspace_view("me", "p", "Everything", {"query": ""})
    with pytest.raises(ViewNameTaken):
        store.change_workspace_view("me", "p", first.id, name="Everything")
    with pytest.raises(LayoutError, match="name: a view needs a name"):
        store.create_workspace_view("me", "p", "  ", {"query": ""})
    with pytest.raises(LayoutError, match=r"state\.query"):
        store.create_workspace_view("me", "p", "long", {"query": "q" * 9000})
    assert store.delete_workspace_view("me", "p", first.id)
    assert not store.delete_workspace_view("me", "p", first.id)
    with pytest.raises(NotFoundError, match=f"no view {first.id}"):
        store.workspace_view("me", "p", first.id)
    assert [v.name for v in store.workspace_views("me", "p")] == ["Everything"]


def test_views_of_one_user_are_not_anothers(store: MetadataStore) -> None:
    _project(store)
    ada, _ = Accounts(store).create_user("ada")
    mine = store.create_workspace_view("me", "p", "Same name", {"query": ""}, user_id=ada.id)
    store.create_workspace_view("me", "p", "Same name", {"query": "x=1"})
    assert [v.state["query"] for v in store.workspace_views("me", "p")] == ["x=1"]
    with pytest.raises(NotFoundError):
        store.workspace_view("me", "p", mine.id)
    assert not store.delete_workspace_view("me", "p", mine.id)
    assert store.workspace_view("me", "p", mine.id, user_id=ada.id).name == "Same name"
