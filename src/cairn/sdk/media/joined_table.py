"""``cairn.JoinedTable``: two tables and the column(s) they join on."""

from __future__ import annotations

import json
from typing import Any

from cairn.sdk.media.base import Encoder, Media
from cairn.sdk.media.table import Table


class JoinedTable(Media):
    """wandb's ``JoinedTable(table1, table2, join_key)``: ``join_key`` is one column name
    both tables have, or ``[key_in_table1, key_in_table2]``.

    wandb keeps the two tables in an artifact and the join in history; cairn stores each
    table as it stores a logged ``Table`` and the join as a ``joined-table`` reference to
    both (``table1``/``table2`` digests), which the UI lists and offers for download.
    Tables named by a path inside an artifact (wandb's ``"t1.table.json"``) are kept as
    those names."""

    _type = "joined-table"

    def __init__(self, table1: Table | str, table2: Table | str, join_key: str | list[str]
                 ) -> None:
        if not (isinstance(join_key, str) or (
                isinstance(join_key, list | tuple) and len(join_key) == 2
                and all(isinstance(k, str) for k in join_key))):
            raise ValueError("JoinedTable: join_key must be a column name or a list of two "
                             f"column names; got {join_key!r}")
        for n, table in ((1, table1), (2, table2)):
            if not isinstance(table, Table | str):
                raise ValueError(f"JoinedTable: table{n} must be a Table or the path of a "
                                 f"table in an artifact; got {type(table).__name__}")
        keys = [join_key, join_key] if isinstance(join_key, str) else list(join_key)
        for table, key, n in ((table1, keys[0], 1), (table2, keys[1], 2)):
            if isinstance(table, Table) and key not in table.columns:
                raise ValueError(f"JoinedTable: table{n} has no column {key!r} to join on "
                                 f"(its columns: {table.columns})")
        self._table1 = _frozen(table1)
        self._table2 = _frozen(table2)
        self._join_key: str | list[str] = join_key if isinstance(join_key, str) \
            else list(join_key)
        self._held = sum(t._held for t in (self._table1, self._table2) if isinstance(t, Table))

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        refs = [t._encode(encoder) if isinstance(t, Table) else t
                for t in (self._table1, self._table2)]
        doc = json.dumps({"table1": refs[0], "table2": refs[1], "join_key": self._join_key},
                         separators=(",", ":"), default=str).encode()
        return {"_type": self._type, **encoder.put_bytes(doc), "format": "json",
                "table1": _digest_or_name(refs[0]), "table2": _digest_or_name(refs[1]),
                "join_key": self._join_key}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JoinedTable) and \
            (other._table1, other._table2, other._join_key) == \
            (self._table1, self._table2, self._join_key)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<cairn.JoinedTable on {self._join_key!r}>"


def _frozen(table: Table | str) -> Table | str:
    """The table as it is now (a later ``add_data`` does not change what was joined)."""
    return table._snapshot("JoinedTable", table.data) if isinstance(table, Table) else table


def _digest_or_name(ref: Any) -> str:
    return str(ref["sha256"]) if isinstance(ref, dict) else str(ref)
