"""Run filters and order rendered as SQLite's SQL over the ``config_json`` and
``summary_json`` text columns (``store/query.py`` writes them).

SQLite values carry their type, so a field is read once and a comparison checks the
type it needs (``typeof``): a number only matches numbers, a string only strings. A list
of values (``$in``, tags) is one parameter, a JSON array read with ``json_each``, so a
list of any length is one short expression. ``$regex`` is the ``regexp`` function the
store registers: RE2, linear in the text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cairn.store import filters as f
from cairn.store.query import filter_json
from cairn.store.sql_filters import SqlFilters

COLUMNS = {
    "state": "run_state(runs.state, runs.heartbeat_at, runs.host, runs.pid)",
    "group": "runs.group_name", "job_type": "runs.job_type", "name": "runs.name",
    "run_id": "runs.run_id", "notes": "runs.notes", "host": "runs.host",
    "created_at": "runs.created_at", "updated_at": "runs.updated_at",
    "heartbeat_at": "runs.heartbeat_at", "last_step": "runs.last_step",
}
_DOCUMENTS = {"config": "runs.config_json", "summary": "runs.summary_json"}
_NUMBER_TYPES = "('integer', 'real')"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def json_path(parts: Sequence[str]) -> str:
    """A SQLite JSON path for nested keys, quoting each one."""
    return "$" + "".join("." + json.dumps(p) for p in parts)


@dataclass(frozen=True)
class _Sql:
    """How to read one field in SQLite."""

    value: str
    """The scalar value; NULL when missing, null, or an object or array."""
    present: str
    """True when the field exists (even with a null value)."""
    null: str
    """True when the field is missing or null."""


def _field(field: f.Field) -> _Sql:
    if field.column is not None:
        column = COLUMNS[field.column]
        return _Sql(column, f"{column} IS NOT NULL", f"{column} IS NULL")
    assert field.document is not None
    column = _DOCUMENTS[field.document]
    paths = [_literal(json_path(p)) for p in field.paths]

    def scalar(path: str) -> str:
        return (f"(CASE WHEN json_type({column}, {path}) IN ('object', 'array') THEN NULL "
                f"ELSE json_extract({column}, {path}) END)")

    first = paths[0]
    if len(paths) == 1:
        return _Sql(scalar(first), f"json_type({column}, {first}) IS NOT NULL",
                    f"coalesce(json_type({column}, {first}), 'null') = 'null'")
    # config.<key>.value: the key "value" if there is one, else <key> itself.
    second = paths[1]
    kind = f"coalesce(json_type({column}, {first}), json_type({column}, {second}))"
    value = (f"(CASE WHEN json_type({column}, {first}) IS NOT NULL THEN {scalar(first)} "
             f"ELSE {scalar(second)} END)")
    return _Sql(value, f"{kind} IS NOT NULL", f"coalesce({kind}, 'null') = 'null'")


class SqliteFilters(SqlFilters):
    true = "1"
    false = "0"

    def compare(self, node: f.Compare) -> str:
        value = _field(node.field).value
        self.params.append(node.value)
        types = "= 'text'" if isinstance(node.value, str) else f"IN {_NUMBER_TYPES}"
        return f"(typeof({value}) {types} AND {value} {node.op} ?)"

    def one_of(self, node: f.OneOf) -> str:
        value = _field(node.field).value
        parts = []
        if node.strings:
            self.params.append(json.dumps(node.strings))
            parts.append(f"(typeof({value}) = 'text' AND {value} IN "
                         "(SELECT value FROM json_each(?)))")
        if node.numbers:
            self.params.append(filter_json(node.numbers))
            parts.append(f"(typeof({value}) IN {_NUMBER_TYPES} AND {value} IN "
                         "(SELECT value FROM json_each(?)))")
        return " OR ".join(parts)

    def is_null(self, field: f.Field) -> str:
        return _field(field).null

    def exists(self, field: f.Field) -> str:
        return _field(field).present

    def matches(self, node: f.Matches) -> str:
        value = _field(node.field).value
        self.params.append(node.pattern)
        return f"(typeof({value}) = 'text' AND regexp(?, {value}))"

    def has_tag(self, tags: Sequence[str]) -> str:
        if len(tags) == 1:
            self.params.append(tags[0])
            wanted = "= ?"
        else:
            self.params.append(json.dumps(list(tags)))
            wanted = "IN (SELECT value FROM json_each(?))"
        return (f"EXISTS (SELECT 1 FROM json_each(runs.tags) AS tag WHERE tag.value "
                f"{wanted})")

    def has_tags(self) -> str:
        return "json_array_length(runs.tags) > 0"

    def tag_matches(self, pattern: str) -> str:
        self.params.append(pattern)
        return "EXISTS (SELECT 1 FROM json_each(runs.tags) AS tag WHERE regexp(?, tag.value))"

    def order_terms(self, term: f.OrderTerm) -> list[str]:
        value = _field(term.field).value
        return [f"{value} {'DESC' if term.descending else 'ASC'} NULLS LAST"]


def regexp(pattern: str, value: object) -> bool:
    """SQLite's ``regexp(pattern, value)`` function: an RE2 search in strings."""
    return f.regex_search(pattern, value)
