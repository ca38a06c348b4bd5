"""Rendering a parsed run filter (``store/filters.py``) as a SQL WHERE clause: what every
dialect shares. A dialect (``store/sqlite/filters.py``, ``store/postgres/filters.py``)
says how to read a field and how each kind of condition reads in its SQL.

Long ``AND``/``OR`` lists are written as balanced trees, so that an expression of
thousands of conditions stays a few dozen levels deep (SQLite refuses expressions deeper
than 1,000, and its parser nests parentheses on a small stack).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cairn.store import filters as f


class SqlFilters:
    """Renders one filter or order; ``params`` collects the ``?`` parameters in order."""

    true = "TRUE"
    false = "FALSE"

    def __init__(self) -> None:
        self.params: list[Any] = []

    # ---- what a dialect provides -------------------------------------------------------
    def compare(self, node: f.Compare) -> str:
        raise NotImplementedError

    def one_of(self, node: f.OneOf) -> str:
        raise NotImplementedError

    def is_null(self, field: f.Field) -> str:
        raise NotImplementedError

    def exists(self, field: f.Field) -> str:
        raise NotImplementedError

    def matches(self, node: f.Matches) -> str:
        raise NotImplementedError

    def has_tag(self, tags: Sequence[str]) -> str:
        raise NotImplementedError

    def has_tags(self) -> str:
        raise NotImplementedError

    def tag_matches(self, pattern: str) -> str:
        raise NotImplementedError

    def order_terms(self, term: f.OrderTerm) -> list[str]:
        """ORDER BY terms of one order term, missing values last."""
        raise NotImplementedError

    # ---- the shared walk ---------------------------------------------------------------
    def render(self, node: f.Node) -> str:
        """SQL that is true or false (never NULL) for each run."""
        if isinstance(node, f.And | f.Or):
            return self._balanced([self.render(p) for p in node.parts],
                                  " AND " if isinstance(node, f.And) else " OR ")
        if isinstance(node, f.Not):
            return f"NOT ({self.render(node.part)})"
        if isinstance(node, f.Const):
            return self.true if node.value else self.false
        if isinstance(node, f.Compare):
            return self.compare(node)
        if isinstance(node, f.OneOf):
            return self.one_of(node)
        if isinstance(node, f.IsNull):
            return self.is_null(node.field)
        if isinstance(node, f.Exists):
            return self.exists(node.field)
        if isinstance(node, f.Matches):
            return self.matches(node)
        if isinstance(node, f.HasTag):
            return self.has_tag(node.tags)
        if isinstance(node, f.HasTags):
            return self.has_tags()
        if isinstance(node, f.TagMatches):
            return self.tag_matches(node.pattern)
        raise AssertionError(f"unknown filter node {node!r}")

    @staticmethod
    def _balanced(parts: Sequence[str], joiner: str) -> str:
        if len(parts) == 1:
            return f"({parts[0]})"
        middle = len(parts) // 2
        left = SqlFilters._balanced(parts[:middle], joiner)
        right = SqlFilters._balanced(parts[middle:], joiner)
        return f"({left}{joiner}{right})"

    def where(self, filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        """``(sql, params)`` of a filter over the ``runs`` table."""
        sql = self.render(f.parse_filters(filters))
        return sql, self.params

    def order_by(self, order: Sequence[str] | str | None) -> tuple[str, list[Any]]:
        """``(sql, params)`` for ORDER BY; ties break by newest run."""
        terms = [sql for term in f.parse_order(order) for sql in self.order_terms(term)]
        terms.append("runs.id DESC")
        return ", ".join(terms), self.params
