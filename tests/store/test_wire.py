"""What a cairn server answers of the store over HTTP (``store/wire.py``)."""

from __future__ import annotations

import inspect

import numpy as np

from cairn.store.base import MetadataStore, SeriesInfo
from cairn.store.codec import Envelope
from cairn.store.wire import READS, dumps, loads

# Store methods that are not reads: run data arrives through ingest, edits and sweep
# control have their own routes, and gc is the server's own maintenance. Saved workspaces
# belong to a user: they are read and written through their own routes
# (server/workspaces.py), which know who asks; so are reports written (server/reports.py).
NOT_READS = {"apply_records", "repair_progress", "apply_edit", "referenced_blobs",
             "create_sweep", "set_sweep_state", "claim_trial", "trial_heartbeat",
             "end_trial", "stop_trial", "close", "workspace_layout", "save_workspace_layout",
             "delete_workspace_layout", "workspace_views", "workspace_view",
             "create_workspace_view", "change_workspace_view", "delete_workspace_view",
             "create_report", "save_report", "delete_report"}


def test_every_store_method_is_a_read_served_over_http_or_named_as_not_one() -> None:
    methods = {name for name, _ in inspect.getmembers(MetadataStore, inspect.isfunction)
               if not name.startswith("_")}
    assert methods - READS - NOT_READS == set()
    assert methods >= READS


def test_batched_reads_travel_with_their_tuple_keys() -> None:
    info = SeriesInfo(key="loss", kind="f", count=3, first_step=0, last_step=2)
    steps = np.arange(3, dtype=np.int64)
    values = steps * 1.0
    ones = np.ones(3, dtype=np.int64)
    answer = {(7, "loss"): (info, Envelope(steps, steps, values, values, values, ones,
                                           values, ones))}
    back = loads(dumps(answer))
    assert list(back) == [(7, "loss")]
    got_info, got = back[(7, "loss")]
    assert got_info == info
    assert np.array_equal(got.step_first, steps)
    assert np.array_equal(got.last, values)
