"""The PostgreSQL store (``postgresql://`` URIs): see ``store.py``."""

from cairn.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
