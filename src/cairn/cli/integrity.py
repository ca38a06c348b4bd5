"""Refusing a damaged store: ``cairn ui`` and ``cairn sync`` check an embedded store's file
before they read or write it, and say what to do instead of serving or extending it.

The check is SQLite's ``quick_check``: it reads every page and finds what a crash, a full
disk or a bad copy leaves (torn pages, broken trees), in about a second per GB; the full
``integrity_check`` also compares each index with its table, which costs several times
more on a big store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cairn.errors import StoreError

if TYPE_CHECKING:
    from cairn.backend import Backend

_SHOWN = 5


def check_store(backend: Backend, full: bool = False) -> None:
    """ClickException saying what is wrong and what to do when the backend's embedded
    store is damaged (one that fails to open counts); other stores (PostgreSQL, a cairn
    server) have no file to check and pass, their errors left to the command."""
    if not backend.store_uri.startswith("sqlite:"):
        return
    from cairn.store.sqlite import SqliteStore

    try:
        store = backend.store
        problems = store.check_integrity(full) if isinstance(store, SqliteStore) else []
    except StoreError as exc:
        problems = [str(exc)]
    if problems:
        where = backend.store_uri
        raise click.ClickException(damaged(where.removeprefix("sqlite:///") if
                                           where.startswith("sqlite:////") else where,
                                           problems))


def damaged(where: str, problems: list[str]) -> str:
    shown = "\n".join(f"  {line}" for line in problems[:_SHOWN])
    more = f"\n  … and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
    return (
        f"the store {where} is damaged, so it is not used. SQLite reports:\n"
        f"{shown}{more}\n"
        "What to do: stop every process that uses it and keep a copy of the file (with its "
        "-wal file). Then either rebuild it from the runs' WAL files: move the damaged file "
        "aside and run `cairn sync`, which applies every WAL under runs/ to a new store; "
        "or salvage what SQLite can read: `sqlite3 DAMAGED.db .recover | sqlite3 NEW.db`, "
        "and put NEW.db in its place.")
