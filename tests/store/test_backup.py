"""``cairn server backup`` / ``restore`` of a whole installation: a round trip gives the
same rows and blobs on SQLite, on PostgreSQL + S3 (SeaweedFS), and across the two; a
non-empty target is refused unless ``--force``; an unfinished backup is not one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgpack
import numpy as np
from click.testing import CliRunner

import cairn
from cairn.cli.main import cli
from cairn.sinks.handoffs import wait_for_handoffs
from cairn.store.backup import Manifest
from cairn.testing_postgres import TemporaryPostgres
from cairn.testing_server import add_user


def _cli(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def _backup(store: str, blobs: str | None, dest: Path) -> Manifest:
    _cli("server", "--store", store, *(["--blobs", blobs] if blobs else []), "backup",
         str(dest))
    return Manifest.read(dest)


def _restore(source: Path, store: str, blobs: str | None, *flags: str,
             ok: bool = True) -> str:
    return _cli("server", "--store", store, *(["--blobs", blobs] if blobs else []),
                "restore", str(source), *flags, ok=ok)


def _rows(backup: Path, parse_json: bool = False) -> dict[str, list[list[Any]]]:
    """Every table's rows in a backup folder; with ``parse_json``, JSON text parsed (the
    dialects spell the same JSON differently: PostgreSQL's jsonb orders keys)."""
    found = {}
    for table in Manifest.read(backup).tables:
        with (backup / "tables" / f"{table.name}.msgpack").open("rb") as f:
            rows = [list(row) for row in msgpack.Unpacker(f, raw=False)]
        if parse_json:
            rows = [[_json(v) for v in row] for row in rows]
        found[table.name] = rows
    return found


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _assert_identities_go_on(store: str) -> None:
    """Every identity column of a restored PostgreSQL store hands out ids after the
    restored ones (a new row would otherwise collide with a restored one)."""
    import psycopg

    with psycopg.connect(store, autocommit=True) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE "
            "table_schema = current_schema() AND is_identity = 'YES'").fetchall()
        assert len(columns) > 5
        for table, column in columns:
            top = conn.execute(f'SELECT max("{column}") FROM "{table}"').fetchone()
            following = conn.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))",
                                     (table, column)).fetchone()
            assert top is not None
            assert following is not None
            assert following[0] > (top[0] or 0), (table, column)


def _blobs(backup: Path) -> set[str]:
    return {p.name for p in (backup / "blobs" / "sha256").glob("*/*")}


def _log_installation(root: Path, work: Path) -> tuple[str, str]:
    """A folder store with a user and a run (config, history, an image, a file, an
    artifact); ``(run path, the user's key)``."""
    key = add_user(str(root), "ada")
    run = cairn.init(project="p", entity="ada", config={"lr": 0.1, "layers": [1, 2]},
                     tags=["a", "b"])
    for step in range(300):
        run.log({"loss": 1.0 / (step + 1), "acc": step * 0.01})
    run.log({"pic": cairn.Image(np.arange(48, dtype=np.uint8).reshape(4, 4, 3))})
    notes = work / "notes.txt"
    notes.write_text("hello")
    run.save(str(notes), base_path=str(work))
    artifact = cairn.Artifact("data", type="dataset")
    artifact.add_file(str(notes))
    run.log_artifact(artifact)
    run.summary["best"] = 0.5
    run.finish()
    assert wait_for_handoffs(60)  # the backup reads the store, not this process's runs
    return run.path, key


def test_a_sqlite_installation_round_trips_and_a_full_target_is_refused(
        cairn_root: Path, tmp_path: Path) -> None:
    path, _ = _log_installation(cairn_root, tmp_path)
    first = _backup(str(cairn_root), None, tmp_path / "b1")
    counts = {t.name: t.rows for t in first.tables}
    assert counts["runs"] == counts["users"] == counts["api_keys"] == 1
    assert counts["artifact_versions"] == 1
    assert counts["chunks"] >= 2  # loss and acc
    assert not first.missing_blobs
    assert first.blobs >= 2  # the image, the file

    target = tmp_path / "restored"
    _restore(tmp_path / "b1", str(target), None)
    _backup(str(target), None, tmp_path / "b2")
    assert _rows(tmp_path / "b2") == _rows(tmp_path / "b1")
    assert _blobs(tmp_path / "b2") == _blobs(tmp_path / "b1")
    api = cairn.Api(store=str(target))
    try:
        steps, values = api.run(path).series("loss")
        assert list(steps) == list(range(300))
        assert list(values) == [1.0 / (s + 1) for s in range(300)]
        assert api.run(path).config["lr"] == 0.1
    finally:
        api.close()

    refused = _restore(tmp_path / "b1", str(target), None, ok=False)
    assert "not empty" in refused
    assert "--force" in refused
    _restore(tmp_path / "b1", str(target), None, "--force")
    _backup(str(target), None, tmp_path / "b3")
    assert _rows(tmp_path / "b3") == _rows(tmp_path / "b1")  # replaced, not doubled

    assert "not empty" in _cli("server", "--store", str(target), "backup",
                               str(tmp_path / "b1"), ok=False)


def test_an_unfinished_backup_is_not_restored(cairn_root: Path, tmp_path: Path) -> None:
    _log_installation(cairn_root, tmp_path)
    _backup(str(cairn_root), None, tmp_path / "b")
    (tmp_path / "b" / "manifest.json").unlink()  # as a backup killed before its end
    output = _restore(tmp_path / "b", str(tmp_path / "t"), None, ok=False)
    assert "not a cairn backup" in output


def test_postgresql_and_s3_round_trip_and_restore_across_backends(
        cairn_root: Path, tmp_path: Path, postgres: TemporaryPostgres, s3_env: str) -> None:
    path, key = _log_installation(cairn_root, tmp_path)
    _backup(str(cairn_root), None, tmp_path / "from-sqlite")

    pg1 = postgres.uri(schema=postgres.new_schema())
    pg2 = postgres.uri(schema=postgres.new_schema())
    s3_1, s3_2 = "s3://cairn-test/backup-1", "s3://cairn-test/backup-2"
    try:
        _restore(tmp_path / "from-sqlite", pg1, s3_1)  # SQLite into PostgreSQL + S3
        _assert_identities_go_on(pg1)
        add_user(pg1, "bob")
        _backup(pg1, s3_1, tmp_path / "from-pg1")
        _restore(tmp_path / "from-pg1", pg2, s3_2)  # PostgreSQL + S3 round trip
        _backup(pg2, s3_2, tmp_path / "from-pg2")
    finally:
        for uri in (pg1, pg2):
            postgres.drop_schema(uri.rsplit("search_path%3D", 1)[-1])

    assert _rows(tmp_path / "from-pg2") == _rows(tmp_path / "from-pg1")
    assert _blobs(tmp_path / "from-pg2") == _blobs(tmp_path / "from-pg1")
    in_postgres = _rows(tmp_path / "from-pg1", parse_json=True)
    assert [row[1] for row in in_postgres["users"]] == ["ada", "bob"]
    for table in ("users", "api_keys"):  # bob and his key, added after the restore
        in_postgres[table] = in_postgres[table][:1]
    assert in_postgres == _rows(tmp_path / "from-sqlite", parse_json=True)
    assert _blobs(tmp_path / "from-pg1") == _blobs(tmp_path / "from-sqlite")

    back = tmp_path / "back-in-sqlite"  # and from PostgreSQL into a folder again
    _restore(tmp_path / "from-pg2", str(back), None)
    api = cairn.Api(store=str(back))
    try:
        run = api.run(path)
        assert list(run.series("loss")[0]) == list(range(300))
        assert run.config["layers"] == [1, 2]
        assert run.summary["best"] == 0.5
        pic = next(iter(run.scan_history(keys=["pic"])))["pic"]
        assert np.array_equal(np.asarray(pic.image()),
                              np.arange(48, dtype=np.uint8).reshape(4, 4, 3))
    finally:
        api.close()
    from cairn.backend import open_backend
    from cairn.settings import load_settings
    from cairn.store.accounts import Accounts

    backend = open_backend(str(back), load_settings())
    try:
        owner = Accounts(backend.store).authenticate(key)  # the keys came along
        assert owner is not None
        assert owner.user.name == "ada"
    finally:
        backend.close()
