"""Mongo-style run filters and order expressions, checked once and parsed into a tree
that names no SQL; each dialect renders the tree (``store/sqlite/filters.py``,
``store/postgres/filters.py``).

Filters look like wandb's public API::

    {"$and": [{"config.lr": {"$lt": 0.01}}, {"summary.acc": {"$gte": 0.9}}],
     "tags": {"$in": ["baseline"]}, "state": "finished"}

Fields: ``config.<path>`` (``config.<key>.value`` as wandb spells it works too),
``summary.<path>`` (or ``summary_metrics.<path>``), ``tags``, ``state``, ``group``,
``job_type``, ``name`` (``display_name``), ``id``, ``notes``, ``host``, ``last_step``,
``created_at`` / ``updated_at`` / ``heartbeat_at`` (unix seconds or ISO 8601; naive times
are UTC). Operators: ``$and $or $nor $eq $ne $gt $gte $lt $lte $in $nin $exists $regex``;
``tags`` also takes ``$all``.

Comparisons follow MongoDB: a number only matches numbers (bools count as 0 and 1), a
string only strings; ``$ne`` and ``$nin`` match runs without the field; ``{"$eq": None}``
matches a missing or null field. NaN summaries read as null, infinities as numbers.
``$regex`` searches strings in RE2 syntax (Python's, less backreferences and lookaround),
which matches in time linear in the text, so no pattern can stall a store. Order: a list
of fields (or one string, comma-separated), each with an optional ``-`` (descending) or
``+`` prefix; missing values sort last either way, and ties keep the newest run first.

Any number of ``$and``/``$or`` items and ``$in`` values work: renderers join long lists as
balanced trees or bind a list as one parameter. Only abusive sizes are refused (a
``FilterError``): more than ``MAX_CONDITIONS`` conditions, ``MAX_VALUES`` list values or
``MAX_DEPTH`` levels of nesting.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cairn.errors import FilterError

MAX_DEPTH = 32
"""Levels of ``$and``/``$or``/``$nor`` nesting."""
MAX_CONDITIONS = 10_000
"""Conditions (one operator on one field) in one filter."""
MAX_VALUES = 100_000
"""Values in all the ``$in``/``$nin``/``$all`` lists of one filter."""
MAX_PATTERN = 4096
"""Characters in one ``$regex`` pattern."""

COLUMNS = {
    "state": "state", "group": "group", "job_type": "job_type", "jobType": "job_type",
    "name": "name", "display_name": "name", "displayName": "name", "id": "run_id",
    "run_id": "run_id", "notes": "notes", "host": "host", "created_at": "created_at",
    "createdAt": "created_at", "updated_at": "updated_at", "updatedAt": "updated_at",
    "heartbeat_at": "heartbeat_at", "heartbeatAt": "heartbeat_at", "last_step": "last_step",
}
"""Filter names of the run's own columns, each to the column it reads (a name no SQL)."""
TIME_COLUMNS = frozenset({"created_at", "updated_at", "heartbeat_at"})
NUMBER_COLUMNS = frozenset({"last_step", *TIME_COLUMNS})
_DOCUMENTS = (("config.", "config"), ("summary.", "summary"),
              ("summary_metrics.", "summary"))
COMPARE = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_OPERATORS = frozenset({"$eq", "$ne", *COMPARE, "$in", "$nin", "$exists", "$regex"})
_TAG_OPERATORS = "$eq, $ne, $in, $nin, $all, $exists or $regex"

Scalar = str | int | float
"""A value a condition compares with (bools are read as 0 and 1, never null)."""


# ---- the tree --------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """A filterable field: a run ``column``, or a key of the run's ``document`` (config
    or summary) found at the first of ``paths`` that is present."""

    name: str
    column: str | None = None
    document: str | None = None
    paths: tuple[tuple[str, ...], ...] = ()

    @property
    def is_time(self) -> bool:
        return self.column in TIME_COLUMNS


class Node:
    """A node of a parsed filter; true or false for each run, never unknown."""


@dataclass(frozen=True)
class And(Node):
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    part: Node


@dataclass(frozen=True)
class Const(Node):
    value: bool


@dataclass(frozen=True)
class Compare(Node):
    """``field op value``, where ``op`` is one of ``= > >= < <=``; a value of the other
    kind (number or string) never compares."""

    field: Field
    op: str
    value: Scalar


@dataclass(frozen=True)
class OneOf(Node):
    """The field equals one of the strings or one of the numbers."""

    field: Field
    strings: tuple[str, ...]
    numbers: tuple[int | float, ...]


@dataclass(frozen=True)
class IsNull(Node):
    """The field is missing or null."""

    field: Field


@dataclass(frozen=True)
class Exists(Node):
    """The field is present (even null)."""

    field: Field


@dataclass(frozen=True)
class Matches(Node):
    """The field is a string in which the RE2 ``pattern`` matches somewhere."""

    field: Field
    pattern: str


@dataclass(frozen=True)
class HasTag(Node):
    """The run has at least one of these tags."""

    tags: tuple[str, ...]


@dataclass(frozen=True)
class HasTags(Node):
    """The run has a tag at all."""


@dataclass(frozen=True)
class TagMatches(Node):
    """One of the run's tags matches the RE2 ``pattern``."""

    pattern: str


@dataclass(frozen=True)
class OrderTerm:
    field: Field
    descending: bool


TRUE = Const(True)
FALSE = Const(False)


def all_of(parts: Sequence[Node]) -> Node:
    """``And`` of the parts, nested ``And``s merged, trivial cases folded."""
    flat: list[Node] = []
    for part in parts:
        if part == TRUE:
            continue
        if part == FALSE:
            return FALSE
        flat.extend(part.parts if isinstance(part, And) else (part,))
    return TRUE if not flat else flat[0] if len(flat) == 1 else And(tuple(flat))


def any_of(parts: Sequence[Node]) -> Node:
    """``Or`` of the parts, nested ``Or``s merged, trivial cases folded."""
    flat: list[Node] = []
    for part in parts:
        if part == FALSE:
            continue
        if part == TRUE:
            return TRUE
        flat.extend(part.parts if isinstance(part, Or) else (part,))
    return FALSE if not flat else flat[0] if len(flat) == 1 else Or(tuple(flat))


def negate(part: Node) -> Node:
    if isinstance(part, Const):
        return Const(not part.value)
    return part.part if isinstance(part, Not) else Not(part)


# ---- regular expressions ---------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def compile_regex(pattern: str) -> Any:
    """The RE2 program of a pattern (``re2.error`` if it is not one). It matches UTF-8
    bytes: the binding's ``str`` search maps byte offsets back to characters, which
    takes longer than the match itself."""
    import re2  # google-re2: loaded when a filter first uses $regex

    options = re2.Options()
    options.log_errors = False
    options.never_capture = True
    return re2.compile(pattern.encode(), options)


def regex_search(pattern: str, value: Any) -> bool:
    """True when ``value`` is a string in which the RE2 ``pattern`` matches."""
    return isinstance(value, str) and compile_regex(pattern).search(
        value.encode("utf-8", "surrogatepass")) is not None


def _check_regex(name: str, raw: Any) -> str:
    if not isinstance(raw, str):
        raise FilterError(f"{name}: $regex takes a string, got {raw!r:.200}")
    if len(raw) > MAX_PATTERN:
        raise FilterError(f"{name}: $regex pattern longer than {MAX_PATTERN} characters")
    try:
        compile_regex(raw)
    except Exception as exc:  # re2.error, which names no type to import lazily
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise FilterError(f"{name}: bad regular expression {raw!r:.200}: {detail} (RE2 "
                          "syntax: no backreferences or lookaround)") from None
    return raw


# ---- fields and values -----------------------------------------------------------------

def parse_field(name: str) -> Field:
    """The field a filter or order names; FilterError naming it if there is none."""
    column = COLUMNS.get(name)
    if column is not None:
        return Field(name, column=column)
    for prefix, document in _DOCUMENTS:
        if name.startswith(prefix) and len(name) > len(prefix):
            parts = tuple(name[len(prefix):].split("."))
            if not all(parts):
                raise FilterError(f"filter field {name!r} has an empty key between dots")
            paths = [parts]
            if prefix == "config." and parts[-1] == "value" and len(parts) > 1:
                paths.append(parts[:-1])
            elif prefix != "config." and len(parts) > 1:  # a summary key holding dots
                paths.append((".".join(parts),))
            return Field(name, document=document, paths=tuple(paths))
    known = ", ".join(sorted({"config.<key>", "summary.<key>", "summary_metrics.<key>",
                              "tags", *COLUMNS}))
    raise FilterError(f"unknown filter field {name!r:.200}; use one of {known}")


def _time_value(value: Any, name: str) -> Any:
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise FilterError(f"{name}: {value!r:.200} is not an ISO 8601 time (use e.g. "
                              "'2024-05-01T12:00:00' or unix seconds)") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.timestamp()
    return value


def _value(raw: Any, field: Field) -> Scalar | None:
    """A value to compare the field with: checked, bools as 0 and 1, times as seconds."""
    if isinstance(raw, float) and math.isnan(raw):
        raise FilterError(f"{field.name}: cannot compare with NaN (NaN summaries read as "
                          "null; use None)")
    if isinstance(raw, bool):
        return int(raw)
    if not (isinstance(raw, int | float | str) or raw is None):
        raise FilterError(f"{field.name}: cannot compare with {type(raw).__name__} value "
                          f"{raw!r:.200}")
    value = _time_value(raw, field.name) if field.is_time else raw
    assert value is None or isinstance(value, int | float | str)
    return value


# ---- parsing ---------------------------------------------------------------------------

class _Parser:
    def __init__(self) -> None:
        self.conditions = 0
        self.values = 0

    def _count(self, conditions: int = 1, values: int = 0) -> None:
        self.conditions += conditions
        self.values += values
        if self.conditions > MAX_CONDITIONS:
            raise FilterError(f"filter has more than {MAX_CONDITIONS} conditions; split the "
                              "query or use $in with a list")
        if self.values > MAX_VALUES:
            raise FilterError(f"filter lists more than {MAX_VALUES} values in all; split "
                              "the query")

    def node(self, spec: Any, depth: int = 0) -> Node:
        if depth > MAX_DEPTH:
            raise FilterError(f"filter nests deeper than {MAX_DEPTH} levels")
        if not isinstance(spec, Mapping):
            raise FilterError(f"a filter must be an object (a dict), got "
                              f"{type(spec).__name__} {spec!r:.200}")
        clauses: list[Node] = []
        for key, value in spec.items():
            if not isinstance(key, str):
                raise FilterError(f"filter keys must be strings, got {key!r:.200}")
            if key in ("$and", "$or", "$nor"):
                if not isinstance(value, list | tuple) or not value:
                    raise FilterError(f"{key} takes a non-empty list of filters, got "
                                      f"{value!r:.200}")
                parts = [self.node(item, depth + 1) for item in value]
                joined = all_of(parts) if key == "$and" else any_of(parts)
                clauses.append(negate(joined) if key == "$nor" else joined)
            elif key.startswith("$"):
                raise FilterError(f"unknown filter operator {key!r:.200} where a field name "
                                  "or $and/$or/$nor was expected")
            elif key == "tags":
                clauses.append(self.tags(value))
            else:
                clauses.append(self.field(parse_field(key), value))
        return all_of(clauses)

    def field(self, field: Field, cond: Any) -> Node:
        name = field.name
        if not isinstance(cond, Mapping):
            cond = {"$eq": cond}
        if not cond:
            raise FilterError(f"{name}: empty condition {{}}; give a value or an operator")
        parts: list[Node] = []
        for op, raw in cond.items():
            self._count()
            if op not in _OPERATORS:
                hint = " (a value that is an object cannot be matched)" if not str(
                    op).startswith("$") else ""
                raise FilterError(f"{name}: unknown operator {op!r:.200}{hint}; use one of "
                                  f"{', '.join(sorted(_OPERATORS))}")
            if op == "$exists":
                if not isinstance(raw, bool):
                    raise FilterError(f"{name}: $exists takes true or false, got "
                                      f"{raw!r:.200}")
                parts.append(Exists(field) if raw else Not(Exists(field)))
            elif op == "$regex":
                parts.append(Matches(field, _check_regex(name, raw)))
            elif op in ("$in", "$nin"):
                if not isinstance(raw, list | tuple):
                    raise FilterError(f"{name}: {op} takes a list, got {raw!r:.200}")
                self._count(0, len(raw))
                found = self._one_of(field, [_value(v, field) for v in raw])
                parts.append(found if op == "$in" else negate(found))
            elif op in ("$eq", "$ne"):
                equal = self._one_of(field, [_value(raw, field)])
                parts.append(equal if op == "$eq" else negate(equal))
            else:
                value = _value(raw, field)
                if value is None:
                    raise FilterError(f"{name}: {op} cannot compare with null")
                parts.append(Compare(field, COMPARE[op], value))
        return all_of(parts)

    @staticmethod
    def _one_of(field: Field, values: Sequence[Scalar | None]) -> Node:
        strings = tuple(dict.fromkeys(v for v in values if isinstance(v, str)))
        numbers = tuple(dict.fromkeys(v for v in values if isinstance(v, int | float)))
        parts: list[Node] = []
        if len(strings) + len(numbers) == 1:
            parts.append(Compare(field, "=", (strings or numbers)[0]))
        elif strings or numbers:
            parts.append(OneOf(field, strings, numbers))
        if any(v is None for v in values):
            parts.append(IsNull(field))
        return any_of(parts)

    def tags(self, cond: Any) -> Node:
        if not isinstance(cond, Mapping):
            cond = {"$eq": cond}
        if not cond:
            raise FilterError("tags: empty condition {}; give a tag or an operator")
        parts: list[Node] = []
        for op, raw in cond.items():
            self._count()
            if op in ("$eq", "$ne"):
                if not isinstance(raw, str):
                    raise FilterError(f"tags: {op} takes one tag (a string), got "
                                      f"{raw!r:.200}; use $in, $nin or $all for lists")
                parts.append(HasTag((raw,)) if op == "$eq" else Not(HasTag((raw,))))
            elif op in ("$in", "$nin", "$all"):
                if not isinstance(raw, list | tuple) or not all(isinstance(t, str) for t in raw):
                    raise FilterError(f"tags: {op} takes a list of tags (strings), got "
                                      f"{raw!r:.200}")
                self._count(0, len(raw))
                tags = tuple(dict.fromkeys(raw))
                if op == "$all":
                    parts.append(all_of([HasTag((t,)) for t in tags]))
                else:
                    has = HasTag(tags) if tags else FALSE
                    parts.append(has if op == "$in" else negate(has))
            elif op == "$exists":
                if not isinstance(raw, bool):
                    raise FilterError(f"tags: $exists takes true or false, got {raw!r:.200}")
                parts.append(HasTags() if raw else Not(HasTags()))
            elif op == "$regex":
                parts.append(TagMatches(_check_regex("tags", raw)))
            else:
                raise FilterError(f"tags: unknown operator {op!r:.200}; use "
                                  f"{_TAG_OPERATORS}")
        return all_of(parts)


def parse_filters(filters: Mapping[str, Any] | None) -> Node:
    """The tree of a filter (``TRUE`` for none); FilterError saying what is wrong."""
    if filters is None:
        return TRUE
    return _Parser().node(filters)


def parse_order(order: Sequence[str] | str | None) -> list[OrderTerm]:
    """The terms of an order (``-field`` is descending); default newest first. Every
    order ends, after these terms, with the newest run first."""
    if order is None:
        order = ("-created_at",)
    if isinstance(order, str):
        order = [o for o in order.split(",") if o.strip()]
    elif not isinstance(order, Sequence) or not all(isinstance(o, str) for o in order):
        raise FilterError(f"order must be a string like '-summary.acc' or a list of them, "
                          f"got {order!r:.200}")
    terms = []
    for raw in order:
        item = raw.strip()
        descending = item.startswith("-")
        name = item[1:] if item[:1] in ("-", "+") else item
        if not name:
            raise FilterError(f"empty order term in {list(order)!r:.200}")
        if name == "tags":
            raise FilterError("runs cannot be ordered by tags")
        terms.append(OrderTerm(parse_field(name), descending))
    return terms
