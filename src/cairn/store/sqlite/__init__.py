"""The embedded store (a path or ``sqlite:///`` URI): see ``store.py``; its numbered
migrations are in ``migrations/``."""

from cairn.store.sqlite.store import SqliteStore, flat_key, search_clause

__all__ = ["SqliteStore", "flat_key", "search_clause"]
