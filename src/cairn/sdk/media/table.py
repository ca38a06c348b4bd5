"""``cairn.Table``: rows and columns, cells may be media; stored as one JSON blob."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cairn.errors import UsageError
from cairn.sdk.media.base import Encoder, Media, check_size, json_safe

MAX_HISTORY_ROWS = 10_000
"""A table logged to history keeps its first rows only, as wandb's ``Table.MAX_ROWS``."""
MAX_ROWS = 200_000
LOG_MODES = ("IMMUTABLE", "MUTABLE", "INCREMENTAL")
"""wandb's ``Table(log_mode=)`` values."""


class Table(Media):
    """wandb's ``Table(columns=None, data=None, rows=None, dataframe=None, ...)``.

    Columns default to ``["Input", "Output", "Expected"]``; ``dataframe`` (pandas) gives
    both. Cells hold numbers, strings, booleans, None, lists, dicts and media objects; as in
    wandb, a column keeps the kind of its first value (ints and floats are both numbers)
    unless ``allow_mixed_types``, and takes None unless ``optional`` is False for it.

    ``log_mode`` (stored with each logged table, as in wandb): ``"IMMUTABLE"`` (the
    default) stores the table as it was when first logged, however often it is logged
    again; ``"MUTABLE"`` stores it as it is at each log; ``"INCREMENTAL"`` stores the
    rows added since the last log (``Api`` reads back the whole table).
    """

    _type = "table-file"
    MAX_ROWS = MAX_HISTORY_ROWS
    MAX_ARTIFACT_ROWS = MAX_ROWS

    def __init__(self, columns: Sequence[Any] | None = None, data: Any = None,
                 rows: Any = None, dataframe: Any = None, dtype: Any = None,
                 optional: bool | list[bool] = True, allow_mixed_types: bool = False,
                 log_mode: str | None = "IMMUTABLE") -> None:
        if log_mode not in LOG_MODES:
            raise ValueError(f"Table: log_mode must be one of {', '.join(LOG_MODES)}; got "
                             f"{log_mode!r}")
        self.log_mode: str = log_mode
        self._logged: Table | None = None  # the copy stored by its last (INCREMENTAL) or
        # first (IMMUTABLE) log
        self._increment: _Increment | None = None  # set on an INCREMENTAL table's copies
        self._digest: str | None = None  # a copy's blob, once stored
        if dataframe is None and data is not None and type(data).__name__ == "DataFrame":
            dataframe = data
        if dataframe is not None:
            columns = [str(c) for c in dataframe.columns]
            data = dataframe.itertuples(index=False, name=None)
        elif rows is not None and data is None:
            data = rows
        if columns is None:
            columns = ["Input", "Output", "Expected"]
        if isinstance(columns, str) or not isinstance(columns, Sequence):
            raise ValueError(f"Table: columns must be a list of names; got {columns!r}")
        self.columns: list[str] = [str(c) for c in columns]
        if len(set(self.columns)) != len(self.columns):
            raise ValueError(f"Table: column names must be unique; got {self.columns}")
        if isinstance(optional, list | tuple):
            if len(optional) != len(self.columns):
                raise ValueError(f"Table: optional has {len(optional)} flags for "
                                 f"{len(self.columns)} columns")
            self._optional = [bool(o) for o in optional]
        else:
            self._optional = [bool(optional)] * len(self.columns)
        self._mixed = bool(allow_mixed_types)
        self._kinds: list[str | None] = [None] * len(self.columns)
        self.data: list[list[Any]] = []
        for row in _rows(data):
            self.add_data(*row)

    def add_data(self, *data: Any) -> None:
        """Append one row (one value per column)."""
        self._changing()
        if len(data) != len(self.columns):
            raise ValueError(f"Table: a row needs {len(self.columns)} values (columns "
                             f"{self.columns}); got {len(data)}")
        if len(self.data) >= MAX_ROWS:
            raise ValueError(f"Table: at most {MAX_ROWS} rows")
        row = [_cell(v, self.columns[i]) for i, v in enumerate(data)]
        kinds = [self._check(i, cell) for i, cell in enumerate(row)]  # all, before any change
        self._kinds = [k or old for k, old in zip(kinds, self._kinds, strict=True)]
        self.data.append(row)

    def _check(self, column: int, cell: Any, kind: str | None = None) -> str | None:
        """The kind of ``cell`` once checked against its column's (``kind``: the column's
        own when it is new)."""
        name = self.columns[column]
        found = _kind(cell)
        if found is None:
            if not self._optional[column]:
                raise ValueError(f"Table: column {name!r} does not take None (optional=False)")
            return None
        expected = kind if kind is not None else self._kinds[column]
        if expected is not None and expected != found and not self._mixed:
            raise ValueError(f"Table: column {name!r} holds {expected} values; got a {found} "
                             f"({cell!r:.40}); pass allow_mixed_types=True to mix them")
        return found

    def add_column(self, name: str, data: Sequence[Any], optional: bool = False) -> None:
        """Append a column; ``data`` has one value per existing row."""
        if self.log_mode == "INCREMENTAL":
            # as wandb: its increments must share their columns
            raise UsageError("Table: add_column is not supported with log_mode='INCREMENTAL'; "
                             "use log_mode='MUTABLE' or 'IMMUTABLE'")
        self._changing()
        name = str(name)
        if name in self.columns:
            raise ValueError(f"Table: column {name!r} already exists")
        values = list(data.tolist() if hasattr(data, "tolist") else data)
        if self.data and len(values) != len(self.data):
            raise ValueError(f"Table: column {name!r} has {len(values)} values but the table "
                             f"has {len(self.data)} rows")
        cells = [_cell(value, name) for value in values]
        self.columns.append(name)
        self._optional.append(bool(optional))
        self._kinds.append(None)
        try:
            for cell in cells:
                self._kinds[-1] = self._check(len(self.columns) - 1, cell) or self._kinds[-1]
        except ValueError:
            self.columns.pop()
            self._optional.pop()
            self._kinds.pop()
            raise
        if not self.data:
            self.data = [[] for _ in cells]
        for row, cell in zip(self.data, cells, strict=True):
            row.append(cell)

    def get_column(self, name: str, convert_to: str | None = None) -> Any:
        """The values of one column (``convert_to="numpy"``: as a numpy array)."""
        if name not in self.columns:
            raise ValueError(f"Table: no column {name!r} (columns: {self.columns})")
        at = self.columns.index(name)
        values = [row[at] for row in self.data]
        if convert_to == "numpy":
            import numpy as np

            return np.array(values)
        return values

    def iterrows(self) -> Any:
        yield from enumerate(self.data)

    def get_dataframe(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.data, columns=self.columns)

    def _changing(self) -> None:
        if self.log_mode == "IMMUTABLE" and self._logged is not None:
            warnings.warn("cairn: this Table (log_mode='IMMUTABLE') has been logged; logging "
                          "it again stores it as it was then. Pass log_mode='MUTABLE' to "
                          "store it as it is at each log", UserWarning, stacklevel=3)

    def _for_history(self, key: str) -> Table:
        """What a log stores, by wandb's log modes: a frozen copy of the table as it is now
        (MUTABLE; later ``add_data`` does not change what was logged), the copy made when
        it was first logged (IMMUTABLE), or the rows added since the last log
        (INCREMENTAL)."""
        if self.log_mode == "INCREMENTAL":
            return self._next_increment(key)
        if self.log_mode == "IMMUTABLE" and self._logged is not None:
            return self._logged
        copy = self._snapshot(key, self.data)
        if self.log_mode == "IMMUTABLE":
            self._logged = copy
        return copy

    def _next_increment(self, key: str) -> Table:
        last = self._logged
        done = last._increment.rows if last is not None and last._increment else 0
        if last is not None and done == len(self.data):
            return last  # nothing added since: wandb stores the same increment again
        copy = self._snapshot(key, self.data[done:])
        previous = (*last._increment.previous, last) if last and last._increment else ()
        copy._increment = _Increment(previous, len(self.data))
        self._logged = copy
        return copy

    def _snapshot(self, key: str, rows: list[list[Any]]) -> Table:
        """A frozen copy holding ``rows``, cut to ``MAX_HISTORY_ROWS`` with a warning, as
        wandb does."""
        if len(rows) > MAX_HISTORY_ROWS:
            warnings.warn(f"cairn: the table logged under {key!r} has {len(rows)} rows; "
                          f"history keeps the first {MAX_HISTORY_ROWS}", UserWarning,
                          stacklevel=5)
            rows = rows[:MAX_HISTORY_ROWS]
        copy = Table.__new__(Table)
        copy.__dict__.update(self.__dict__)
        copy.columns = list(self.columns)
        copy.data = [list(row) for row in rows]
        copy._held = sum(cell._held for row in copy.data for cell in row
                         if isinstance(cell, Media))
        copy._logged = copy._increment = copy._digest = None  # the copy's own, set later
        return copy

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        from cairn.sdk.media.base import encode_value

        data = [[json_safe(encode_value(cell, encoder, lists=False)) for cell in row]
                for row in self.data]
        text = json.dumps({"columns": self.columns, "data": data}, separators=(",", ":"),
                          allow_nan=False, default=str)
        blob = text.encode()
        check_size(len(blob), "Table")
        stored = encoder.put_bytes(blob)
        self._digest = stored["sha256"]
        ref = {"_type": self._type, **stored, "ncols": len(self.columns),
               "nrows": len(self.data), "log_mode": self.log_mode,
               "columns": list(self.columns)}
        if self._increment is not None:
            ref.update(self._increment.keys(encoder))
        return ref

    def _stored_digest(self, encoder: Encoder) -> str:
        """The digest of this copy's blob, stored now if it is not yet."""
        if self._digest is None:
            self._encode(encoder)
        assert self._digest is not None
        encoder.note(self._digest)
        return self._digest

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Table) and other.columns == self.columns and \
            other.data == self.data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<cairn.Table {len(self.data)}x{len(self.columns)}>"


@dataclass(frozen=True)
class _Increment:
    """Where a logged copy of an INCREMENTAL table sits: the copies logged before it and
    how many rows the table had when it was logged."""

    previous: tuple[Table, ...]
    rows: int

    def keys(self, encoder: Encoder) -> dict[str, Any]:
        """wandb's keys of an increment (``nrows``: the whole table's rows); cairn adds
        ``previous_increments``, the earlier increments' digests, to read the table by."""
        digests = [copy._stored_digest(encoder) for copy in self.previous]
        return {"_type": "incremental-table-file", "nrows": self.rows,
                "increment_num": len(self.previous),
                "previous_increments_paths": [table_path(d) for d in digests],
                "previous_increments": digests}


def table_path(digest: str) -> str:
    """A logged table's file name in its run (the ``path`` that ``cairn.Api`` gives it and
    ``Run.file`` resolves): named by content, as the blob store keeps it."""
    return f"media/tables/{digest}.bin"


def _rows(data: Any) -> Any:
    if data is None:
        return []
    if hasattr(data, "tolist") and hasattr(data, "ndim"):
        if data.ndim != 2:
            raise ValueError(f"Table: data must be 2-D (rows x columns); got shape "
                             f"{tuple(data.shape)}")
        return data.tolist()
    return ([*row] if not isinstance(row, str) else [row] for row in data)


def _kind(cell: Any) -> str | None:
    """What a column holds, for the check that a column keeps one kind of value."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        return "boolean"
    if isinstance(cell, int | float):
        return "number"
    if isinstance(cell, str):
        return "string"
    if isinstance(cell, Media):
        return cell._type
    return "list" if isinstance(cell, list) else "dict"


def _cell(value: Any, column: str) -> Any:
    """A cell made storable: media stay objects, numpy values become Python values."""
    if value is None or isinstance(value, bool | str | Media):
        return value
    if isinstance(value, int | float):
        return value
    if hasattr(value, "tolist"):
        return _cell(value.tolist(), column)
    if isinstance(value, list | tuple):
        return [_cell(v, column) for v in value]
    if isinstance(value, dict):
        return {str(k): _cell(v, column) for k, v in value.items()}
    if type(value).__module__.startswith("PIL.") or hasattr(value, "savefig"):
        from cairn.sdk.media.image import Image

        return Image(value)
    raise ValueError(f"Table: cannot store a {type(value).__name__} in column {column!r}")

