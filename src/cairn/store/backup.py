"""A whole installation (metadata store and blobs) as one folder, and back again:
``cairn server backup DEST`` and ``cairn server restore SRC``.

A backup folder::

    manifest.json         format, schema version, when, from where, each table's columns
                          and row count, the blob count; written last
    tables/NAME.msgpack   the table's rows, a stream of msgpack lists, in key order
    blobs/sha256/…        every blob (a LocalBlobStore's layout)

The rows are read in one snapshot of the store (SQLite: a read transaction, which in WAL
mode sees one committed state while writers go on; PostgreSQL: a ``REPEATABLE READ READ
ONLY`` transaction), through the store's own SQL, in a form neither dialect owns: JSON
columns as text, booleans as 0/1, bytes as bytes. So a backup of a SQLite store restores
into PostgreSQL and back. The blobs are copied after the snapshot: blobs are written before
the records that name them and never change, so every blob the snapshot references is
there (a ``cairn gc`` running meanwhile could remove an unreferenced one, which is no loss).

Tables come in the order the migrations create them: a table references only tables
created before it, so rows go in parent first. A restore copies the blobs, then inserts
every row in one write transaction: it is applied whole or not at all. It refuses a target
that holds any row unless told to replace it (``force``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import msgpack

from cairn.errors import StoreError
from cairn.store.blobs import BlobStore, LocalBlobStore
from cairn.store.sql_store import read_migrations

FORMAT = "cairn-backup"
VERSION = 1
_CREATE = re.compile(r"CREATE TABLE(?: IF NOT EXISTS)? (\w+)", re.IGNORECASE)
_INSERT_ROWS = 500
_INSERT_BYTES = 8 << 20
Progress = Callable[[str], None]


@dataclass(frozen=True)
class TableDump:
    name: str
    columns: list[str]
    rows: int


@dataclass
class Manifest:
    schema: int
    source: str
    created_at: float
    tables: list[TableDump] = field(default_factory=list)
    blobs: int = 0
    missing_blobs: list[str] = field(default_factory=list)
    format: str = FORMAT
    version: int = VERSION

    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / "manifest.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(f"{folder} is not a cairn backup (no manifest.json; an "
                             "interrupted backup has none)") from None
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read {path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StoreError(f"{path} is not a cairn backup's manifest")
        if int(data.get("version", 0)) > VERSION:
            raise StoreError(f"{folder} is a backup of a newer format ({data['version']}); "
                             "upgrade cairn to restore it")
        tables = [TableDump(str(t["name"]), [str(c) for c in t["columns"]], int(t["rows"]))
                  for t in data.get("tables", [])]
        return cls(schema=int(data["schema"]), source=str(data.get("source", "")),
                   created_at=float(data.get("created_at", 0)), tables=tables,
                   blobs=int(data.get("blobs", 0)),
                   missing_blobs=[str(d) for d in data.get("missing_blobs", [])])


# ---- the two dialects ----------------------------------------------------------------------
class _Dialect:
    """What differs between SQLite and PostgreSQL for a table copy."""

    def __init__(self, store: Any) -> None:
        if not all(hasattr(store, name) for name in ("_write", "_call", "_snapshot")):
            raise StoreError(f"{type(store).__name__} cannot be backed up: a backup reads "
                             "a SQL store (a folder, sqlite:/// or postgresql://)")
        self.store = store
        self.postgres = type(store).__name__ == "PostgresStore"

    def tables(self) -> list[str]:
        """Every table of the schema, in the order the migrations create them."""
        package = "cairn.store.postgres" if self.postgres else "cairn.store.sqlite"
        names: list[str] = []
        for _, sql in read_migrations(package):
            names.extend(n for n in _CREATE.findall(sql) if n not in names)
        return names

    def schema_version(self) -> int:
        if self.postgres:
            rows = self.store._read("SELECT max(version) FROM cairn_schema")
        else:
            rows = self.store._read("PRAGMA user_version")
        return int(rows[0][0] or 0)

    def column_types(self, table: str) -> dict[str, str]:
        """``{column: type}`` in table order (types lower case, as the dialect names them)."""
        if self.postgres:
            rows = self.store._read(
                "SELECT column_name, data_type FROM information_schema.columns WHERE "
                "table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                (table,))
        else:
            rows = [(r[1], r[2]) for r in self.store._read(f'PRAGMA table_info("{table}")')]
        return {str(name): str(kind).lower() for name, kind in rows}

    def select(self, table: str, types: dict[str, str]) -> str:
        """The table's rows in the neutral form, in a stable order."""
        shown = []
        for name, kind in types.items():
            if self.postgres and kind in ("json", "jsonb"):
                shown.append(f'"{name}"::text')
            elif self.postgres and kind == "boolean":
                shown.append(f'"{name}"::int')
            else:
                shown.append(f'"{name}"')
        order = ", ".join(str(i + 1) for i in range(min(len(shown), 3)))
        return f'SELECT {", ".join(shown)} FROM "{table}" ORDER BY {order}'

    def stream(self, sql: str, consume: Callable[[Iterator[Sequence[Any]]], None]) -> None:
        """Run ``sql`` inside the snapshot and hand its rows, as they come, to ``consume``
        (a server-side cursor on PostgreSQL: a large table never sits in memory)."""
        def run(conn: Any) -> None:
            if self.postgres:
                with conn.conn.cursor(name="cairn_backup") as cursor:
                    cursor.itersize = 2000
                    cursor.execute(sql)
                    consume(iter(cursor))
            else:
                consume(iter(conn.execute(sql)))

        self.store._call(run)

    def placeholder(self, kind: str) -> str:
        if self.postgres and kind in ("json", "jsonb"):
            return "CAST(? AS jsonb)"
        return "?"

    def converter(self, kind: str) -> Callable[[Any], Any] | None:
        if self.postgres and kind == "boolean":
            return lambda v: None if v is None else bool(v)
        return None

    def after_restore(self, conn: Any, table: str, types: dict[str, str]) -> None:
        """PostgreSQL's identity columns go on after the ids restored."""
        if not self.postgres:
            return
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ? AND is_identity = 'YES'", (table,)).fetchall()
        for (column,) in rows:
            conn.execute(f"SELECT setval(pg_get_serial_sequence(?, ?), "
                         f'COALESCE((SELECT max("{column}") FROM "{table}"), 0) + 1, false)',
                         (table, column))


# ---- backup ---------------------------------------------------------------------------------
def backup(store: Any, blobs: BlobStore, dest: Path, source: str,
           progress: Progress | None = None) -> Manifest:
    """Write the installation to the new folder ``dest`` (built beside it as
    ``DEST.partial`` and renamed when complete, so a folder named ``dest`` is always a
    whole backup)."""
    say = progress or (lambda _: None)
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise StoreError(f"{dest} exists and is not empty: back up into a new folder")
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "tables").mkdir(parents=True)
    dialect = _Dialect(store)
    manifest = Manifest(schema=0, source=source, created_at=time.time())
    with store._snapshot():
        manifest.schema = dialect.schema_version()
        for table in dialect.tables():
            dump = _dump_table(dialect, table, partial / "tables" / f"{table}.msgpack")
            manifest.tables.append(dump)
            say(f"{table}: {dump.rows:,} rows")
    referenced = store.referenced_blobs() if hasattr(store, "referenced_blobs") else set()
    target = LocalBlobStore(partial / "blobs")
    manifest.blobs = copy_blobs(blobs, blobs.digests(), target, say)
    manifest.missing_blobs = sorted(d for d in referenced if not target.has(d))
    (partial / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    _fsync_tree(partial)
    if dest.exists():
        dest.rmdir()
    os.replace(partial, dest)
    return manifest


def _dump_table(dialect: _Dialect, table: str, path: Path) -> TableDump:
    types = dialect.column_types(table)
    count = 0

    def write(rows: Iterator[Sequence[Any]]) -> None:
        nonlocal count
        packer = msgpack.Packer(use_bin_type=True)
        with path.open("wb") as out:
            for row in rows:
                out.write(packer.pack(list(row)))
                count += 1

    dialect.stream(dialect.select(table, types), write)
    return TableDump(table, list(types), count)


def copy_blobs(source: BlobStore, digests: Iterator[str] | Sequence[str], target: BlobStore,
               say: Progress) -> int:
    """Every blob of ``digests`` that ``target`` lacks, copied (hard-linked between folders
    of one file system); how many ``target`` holds of them after."""
    count = 0
    for digest in digests:
        if not target.has(digest):
            path = source.local_path(digest)
            if path is not None and isinstance(target, LocalBlobStore) and \
                    target.link_from(path, digest):
                pass
            elif path is not None:
                target.put_file(path, digest)
            else:
                with source.open(digest) as stream:
                    info = target.put_stream(stream)
                if info.digest != digest:
                    raise StoreError(f"blob {digest} read back as {info.digest}: damaged "
                                     "in the source")
        count += 1
        if count % 1000 == 0:
            say(f"blobs: {count:,}")
    say(f"blobs: {count:,}")
    return count


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


# ---- restore --------------------------------------------------------------------------------
def restore(source: Path, store: Any, blobs: BlobStore, force: bool = False,
            progress: Progress | None = None) -> Manifest:
    """Restore the backup folder ``source`` into ``store`` and ``blobs`` (opened and
    migrated by the caller). Refuses a store that holds any row unless ``force``, whose
    rows are then replaced in the same transaction."""
    say = progress or (lambda _: None)
    source = Path(source)
    manifest = Manifest.read(source)
    dialect = _Dialect(store)
    current = dialect.schema_version()
    if manifest.schema > current:
        raise StoreError(f"{source} was made at schema version {manifest.schema}, newer "
                         f"than this cairn's store ({current}); upgrade cairn to restore it")
    tables = dialect.tables()
    known = {t.name: t for t in manifest.tables}
    unknown = sorted(set(known) - set(tables))
    if unknown:
        raise StoreError(f"{source} has table {unknown[0]!r}, which this cairn's store has "
                         "not; upgrade cairn to restore it")
    if not force:
        held = _rows_held(dialect, tables)
        if held:
            raise StoreError(f"the target store is not empty ({held}); restore into an empty "
                             "one, or pass --force to replace what it holds")
    saved = LocalBlobStore(source / "blobs")
    copied = copy_blobs(saved, saved.digests(), blobs, say)
    if copied != manifest.blobs:
        raise StoreError(f"{source} holds {copied} blobs, its manifest says {manifest.blobs}: "
                         "the backup is incomplete")
    with store._write() as conn:
        if force:
            for table in reversed(tables):
                conn.execute(f'DELETE FROM "{table}"')
        for table in tables:
            if table in known:
                rows = _load_table(dialect, conn, known[table], source / "tables")
                say(f"{table}: {rows:,} rows")
    return manifest


def _rows_held(dialect: _Dialect, tables: Sequence[str]) -> str:
    """What the store holds, as ``'3 rows in projects'``, or '' when empty."""
    for table in tables:
        count = int(dialect.store._read(f'SELECT count(*) FROM "{table}"')[0][0])
        if count:
            return f"{count:,} rows in {table}"
    return ""


def _load_table(dialect: _Dialect, conn: Any, dump: TableDump, folder: Path) -> int:
    types = dialect.column_types(dump.name)
    lost = [c for c in dump.columns if c not in types]
    if lost:
        raise StoreError(f"table {dump.name} of the backup has column {lost[0]!r}, which "
                         "this cairn's store has not; upgrade cairn to restore it")
    converters = [(i, convert) for i, c in enumerate(dump.columns)
                  if (convert := dialect.converter(types[c])) is not None]
    row_sql = "(" + ", ".join(dialect.placeholder(types[c]) for c in dump.columns) + ")"
    head = (f'INSERT INTO "{dump.name}" (' + ", ".join(f'"{c}"' for c in dump.columns) +
            ") VALUES ")
    count = 0
    batch: list[Any] = []
    size = rows = 0

    def flush() -> None:
        nonlocal batch, size, rows
        if rows:
            conn.execute(head + ", ".join([row_sql] * rows), batch)
        batch, size, rows = [], 0, 0

    with (folder / f"{dump.name}.msgpack").open("rb") as f:
        for row in msgpack.Unpacker(f, raw=False, strict_map_key=False,
                                    max_buffer_size=1 << 30):
            for i, to_target in converters:
                row[i] = to_target(row[i])
            batch.extend(row)
            rows += 1
            count += 1
            size += sum(len(v) for v in row if isinstance(v, bytes | str))
            if rows >= _INSERT_ROWS or size >= _INSERT_BYTES:
                flush()
    flush()
    if count != dump.rows:
        raise StoreError(f"table {dump.name} of the backup holds {count} rows, its manifest "
                         f"says {dump.rows}: the backup is damaged")
    dialect.after_restore(conn, dump.name, types)
    return count
