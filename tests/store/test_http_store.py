"""The store conformance tests' reading half against the ``http(s)://`` backend: the
store's records go in through a team server's ingest, and every read comes back over
HTTP (``server/store_rpc.py``), served in-process by uvicorn over an embedded store. The
same tests run on SQLite and PostgreSQL directly (their own modules); here the ``store``
fixture is the server.

Left out: the tests that look at SQL tables (chunk sizes) or send hostile sequence
numbers msgpack cannot carry, and the artifact test that edits an artifact: edits (like
``Run.update`` and deletes) are not done over HTTP yet."""

# ruff: noqa: F401  (the imported tests are collected here, against this module's fixture)
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.backend import open_backend
from cairn.server.app import app_context
from cairn.server.team import TeamConfig, create_team_app
from cairn.settings import load_settings
from cairn.store.accounts import Accounts
from cairn.store.base import MetadataStore
from cairn.store.sqlite import SqliteStore
from cairn.testing import LiveServer

from .test_apply import (
    test_a_key_that_is_sometimes_a_number,
    test_a_run_from_start_to_finish,
    test_applying_again_changes_nothing,
    test_define_metric_summary,
    test_failed_exit_code,
    test_history_objects_and_typed_summaries,
    test_kind_promotion_bool_int_float,
    test_later_session_applied_first,
    test_meta_summary_overrides_and_heartbeat,
    test_nan_and_infinities_are_kept,
    test_records_applied_before_leave_the_run_and_project_dates,
    test_several_runs_and_projects_in_one_batch,
    test_unsorted_and_repeated_steps_in_a_record,
)
from .test_artifacts import (
    test_a_record_of_another_type_for_a_name_is_skipped,
    test_malformed_artifact_records_are_skipped_and_the_batch_applies,
    test_versions_are_assigned_once_and_replays_are_no_ops,
)
from .test_query import (
    runs,
    test_filter_operators,
    test_malformed_filters_name_the_problem,
    test_order_by_config_and_summary,
)
from .test_surroundings import (
    test_alerts_with_deliveries,
    test_console_lines_and_search,
    test_media_keys_and_values,
    test_system_samples,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    folder = tmp_path_factory.mktemp("http-store")
    local = SqliteStore(folder / "team" / "cairn.db")
    key = Accounts(local).create_user("admin", admin=True)[1]
    local.close()
    config = TeamConfig(store=str(folder / "team"), blobs=f"file://{folder / 'team' / 'blobs'}",
                        root=str(folder / "cairn"), access_log=False)
    live = LiveServer(create_team_app(config)).start()
    yield live, key
    live.stop()
    app_context(live.app).store.close()


@pytest.fixture
def store(server: tuple[LiveServer, str], tmp_path: Path) -> Iterator[MetadataStore]:
    """A store over HTTP, empty: each test gets a server store of its own (its runs
    would otherwise meet another test's)."""
    live, key = server
    ctx = app_context(live.app)
    fresh = SqliteStore(tmp_path / "cairn.db")
    previous, ctx.store = ctx.store, fresh
    backend = open_backend(live.url, load_settings({"api_key": key}))
    try:
        yield backend.store
    finally:
        backend.close()
        ctx.store = previous
        fresh.close()

