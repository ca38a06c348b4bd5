"""A run's surroundings in every store: console lines (and their search), alerts with
deliveries, system samples, files and media keys."""

from __future__ import annotations

from typing import Any

from cairn.limits import ALERT_TEXT_CHARS, ALERT_TITLE_CHARS
from cairn.records import Record, RunRef, alert_body
from cairn.store.base import MetadataStore

REF = RunRef("me", "p", "r1")


def _pk(store: MetadataStore) -> int:
    row = store.get_run(REF)
    assert row is not None
    return row.pk


def test_console_lines_and_search(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    lines = [[1.0, "stdout", "Epoch 1 loss=0.5"], [2.0, "stderr", "warning: 100%_done"],
             [3.0, "stdout", "epoch 2"]]
    store.apply_records([w.run(), Record(REF, "s1", 2, "console", {"lines": lines})])
    pk = _pk(store)
    assert [line.text for line in store.console_lines(pk)] == [t for _, _, t in lines]
    # ASCII case is ignored, and % and _ match themselves
    assert [line.text for line in store.console_lines(pk, search="EPOCH")] == [
        "Epoch 1 loss=0.5", "epoch 2"]
    assert store.console_count(pk, search="%_") == 1
    tail = store.console_lines(pk, limit=2, before=0)
    assert [line.text for line in tail] == ["warning: 100%_done", "epoch 2"]


def test_alerts_with_deliveries(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    alert = {"key": "k1", "title": "Low acc", "text": "acc < 0.1", "level": "WARN", "at": 5.0}
    store.apply_records([w.run(), Record(REF, "s1", 2, "alert", alert),
                         Record(REF, "s1", 3, "alert", {"key": "k1", "suppressed": 2}),
                         Record(REF, "s1", 4, "alert_delivery",
                                {"key": "k1", "notifier": "email", "status": "sent",
                                 "attempts": 1, "at": 6.0})])
    (row,) = store.alerts(run_pk=_pk(store))
    assert (row.title, row.level, row.suppressed) == ("Low acc", "WARN", 2)
    assert [a.title for a in store.alerts(entity="me", project="p")] == ["Low acc"]


def test_system_samples(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(),
                         Record(REF, "s1", 2, "system", {"at": 20.0, "values": {"cpu": 2.0}}),
                         Record(REF, "s1", 3, "system", {"at": 10.0, "values": {"cpu": 1.0}})])
    samples = store.system_samples(_pk(store))
    assert samples.at.tolist() == [10.0, 20.0]
    assert samples.series["cpu"].tolist() == [1.0, 2.0]
    assert store.system_samples(_pk(store), since=15.0).at.tolist() == [20.0]


def test_media_keys_and_values(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.history([(0, {"caption": "a"}), (3, {"caption": "b"})])])
    pk = _pk(store)
    (key,) = store.object_keys(pk)
    assert (key.key, key.count, key.first_step, key.last_step) == ("caption", 2, 0, 3)
    assert store.object_steps(pk, "caption", 0, 10) == [0, 3]
    assert store.object_values(pk, "caption", [3]) == [(3, "b")]
    assert store.read_objects(pk, ["caption"], 1, 5) == {"caption": [(3, "b")]}


def test_a_writer_past_the_alert_limits_is_cut_to_them(store: MetadataStore) -> None:
    """A hostile or older writer's alert is kept, cut to the limits ``run.alert`` checks."""
    body = alert_body("k1", "t" * 500, "x" * (ALERT_TEXT_CHARS + 10), "WARN", 0)
    store.apply_records([Record(REF, "s1", 1, "run", {"start_time": 1.0}),
                         Record(REF, "s1", 2, "alert", body),
                         Record(REF, "s1", 3, "alert", {**body, "key": "k" * 65})])
    (alert,) = store.alerts(entity="me", project="p")
    assert alert.title == "t" * ALERT_TITLE_CHARS
    assert len(alert.text) == ALERT_TEXT_CHARS
